"""Backpack's error codes mapped to the typed errors — the one table for this venue.

Backpack answers JSON errors as ``{"code": <ApiErrorCode>, "message": <text>}`` (every code of
the OpenAPI ``ApiErrorCode`` enum is in :data:`BACKPACK_ERRORS`). One code covers several
causes, so a few (code, message) rules refine it first: signature and expiry failures come
as ``INVALID_CLIENT_REQUEST`` with the FAQ's messages ("Invalid signature", "Request has
expired", "Invalid X-Signature header"), as does an unknown symbol ("Invalid market symbol").
Not every error is JSON: request parse failures are ``400`` plain text (an unknown symbol in
an order body reads ``... failed to parse "MarketSymbol": Invalid market symbol ...``) and
unknown paths ``404`` text. The HTTP status of the auth errors is 401 or 400 [?]; both are
treated alike, by code and message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exchange_clients.common.http import parse_retry_after
from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ErrorTable,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
    NotSupportedError,
    OrderNotFoundError,
    RateLimitError,
)

__all__ = ["BACKPACK_ERRORS", "MESSAGE_RULES", "error_from_response", "build_error",
           "is_expired", "EXPIRED_MESSAGE", "is_definitive_refusal"]

VENUE = "backpack"
EXPIRED_MESSAGE = "Request has expired"

BACKPACK_ERRORS = ErrorTable(VENUE, {
    "ACCOUNT_DEACTIVATED": AuthenticationError,
    "ACCOUNT_LIQUIDATING": InsufficientMarginError,    # orders refused while being liquidated
    "BORROW_LIMIT": InsufficientMarginError,
    "BORROW_REQUIRES_LEND_REDEEM": InsufficientMarginError,
    "FORBIDDEN": AuthenticationError,                  # key lacks the permission
    "INSUFFICIENT_FUNDS": InsufficientMarginError,
    "INSUFFICIENT_MARGIN": InsufficientMarginError,
    "INSUFFICIENT_SUPPLY": InsufficientMarginError,    # not enough lendable supply to borrow
    "INVALID_ASSET": InvalidOrderError,
    "INVALID_CLIENT_REQUEST": InvalidOrderError,       # refined by MESSAGE_RULES
    "INVALID_MARKET": MarketNotFoundError,
    "INVALID_ORDER": InvalidOrderError,                # post-only would cross, reduce-only, ...
    "INVALID_PRICE": InvalidOrderError,                # price band, tick
    "INVALID_POSITION_ID": InvalidOrderError,
    "INVALID_QUANTITY": InvalidOrderError,             # step, minimum
    "INVALID_RANGE": ExchangeError,                    # a query's time range (a client bug)
    "INVALID_SIGNATURE": AuthenticationError,
    "INVALID_SOURCE": ExchangeError,                   # capital transfers (not used)
    "INVALID_SYMBOL": MarketNotFoundError,
    "INVALID_TWO_FACTOR_CODE": AuthenticationError,
    "LEND_LIMIT": ExchangeError,                       # lending (not used)
    "LEND_REQUIRES_BORROW_REPAY": ExchangeError,
    "MAINTENANCE": ExchangeUnavailableError,
    "MAX_LEVERAGE_REACHED": InsufficientMarginError,
    "NOT_IMPLEMENTED": NotSupportedError,
    "ORDER_LIMIT": InvalidOrderError,                  # too many open orders
    "POSITION_LIMIT": InvalidOrderError,               # position / open-interest cap
    "PRECONDITION_FAILED": InvalidOrderError,
    "RESOURCE_NOT_FOUND": OrderNotFoundError,          # callers re-map for positions/depth
    "SERVER_ERROR": ExchangeUnavailableError,
    "TIMEOUT": NetworkError,                           # the engine did not answer: outcome unknown
    "TOO_EARLY": ExchangeUnavailableError,
    "TOO_MANY_REQUESTS": RateLimitError,
    "TRADING_PAUSED": ExchangeUnavailableError,        # market CancelOnly / paused: retry later
    "UNAUTHORIZED": AuthenticationError,
})

#: (code, message prefix) → class, checked before the code table
MESSAGE_RULES: tuple[tuple[str, str, type[ExchangeError]], ...] = (
    ("INVALID_CLIENT_REQUEST", EXPIRED_MESSAGE, AuthenticationError),
    ("INVALID_CLIENT_REQUEST", "Invalid signature", AuthenticationError),
    # "Invalid X-Signature header", "... X-API-Key ...", "... X-Timestamp ...", "... X-Window ..."
    ("INVALID_CLIENT_REQUEST", "Invalid X-", AuthenticationError),
    ("INVALID_CLIENT_REQUEST", "Missing X-", AuthenticationError),
    ("INVALID_CLIENT_REQUEST", "Invalid market symbol", MarketNotFoundError),
    ("INVALID_CLIENT_REQUEST", "Symbol not found", MarketNotFoundError),
    ("INVALID_ORDER", "Duplicate client id", DuplicateOrderError),
)
_PARSE_PREFIXES = ("parse request payload error", "failed to parse")

#: unavailability codes that still prove the request was refused, not executed
_REFUSED_UNAVAILABLE = frozenset({"MAINTENANCE", "TRADING_PAUSED", "TOO_EARLY"})


def build_error(code: str | None, message: str, status: int,
                retry_after: float | None = None) -> ExchangeError:
    """The typed error for one Backpack ``{code, message}`` (or a bare status)."""
    if code:
        for rule_code, prefix, cls in MESSAGE_RULES:
            if code == rule_code and message.startswith(prefix):
                if code == "INVALID_CLIENT_REQUEST" and cls is AuthenticationError:
                    # an expired request can be re-signed and sent again
                    return AuthenticationError(VENUE, message, code=code,
                                               retryable=message.startswith(EXPIRED_MESSAGE))
                return cls(VENUE, message, code=code)
        return BACKPACK_ERRORS.build(code, message or f"HTTP {status}", retry_after=retry_after)
    return _from_status(status, message, retry_after)


def _from_status(status: int, message: str, retry_after: float | None) -> ExchangeError:
    text = message or f"HTTP {status}"
    if status == 429:
        return RateLimitError(VENUE, text, code="429", retry_after=retry_after)
    if status in (401, 403):
        return AuthenticationError(VENUE, text, code=str(status))
    if status == 503:
        return ExchangeUnavailableError(VENUE, text, code="503")
    if status >= 500:
        return ExchangeUnavailableError(VENUE, text, code=str(status))
    if status == 400 and "Invalid market symbol" in text:
        return MarketNotFoundError(VENUE, text, code="INVALID_MARKET_SYMBOL")
    if status == 400 and text.startswith(_PARSE_PREFIXES):
        return InvalidOrderError(VENUE, text, code="PARSE_ERROR")
    return ExchangeError(VENUE, text, code=str(status))


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> ExchangeError | None:
    """``HttpClient`` error mapper: ``None`` for a success (2xx), else the typed error."""
    if status < 400:
        return None
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if isinstance(body, dict) and body.get("code"):
        return build_error(str(body["code"]), str(body.get("message") or ""), status, retry_after)
    text = body if isinstance(body, str) else ""
    return build_error(None, text.strip()[:300], status, retry_after)


def is_expired(exc: ExchangeError) -> bool:
    """The venue refused a request whose ``X-Timestamp + X-Window`` had passed."""
    return isinstance(exc, AuthenticationError) and exc.message.startswith(EXPIRED_MESSAGE)


def is_definitive_refusal(exc: ExchangeError) -> bool:
    """True if the venue answered and refused: the request was certainly not executed (any
    4xx, 429, ``MAINTENANCE``, ``TRADING_PAUSED``). A transport failure, the venue's
    ``TIMEOUT`` and other 5xx leave the outcome unknown."""
    if isinstance(exc, NetworkError):
        return False
    if isinstance(exc, ExchangeUnavailableError):
        return exc.code in _REFUSED_UNAVAILABLE
    return True
