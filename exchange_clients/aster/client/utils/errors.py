"""Aster's error codes mapped to the typed errors — the one table for this venue.

Aster answers ``{"code": <negative int>, "msg": "..."}`` ("Codes are universal, but messages can
vary"), usually with HTTP 400, 401 for key/permission errors, 429 then 418 for rate limits and
5xx for server faults. Success bodies may carry ``{"code": 200}`` or ``{"code": "200"}``
(marginType, cancel-all), so a body is an error only when its ``code`` is a negative integer, or
when the HTTP status is ≥ 400. A -4225 has been seen with HTTP 200 by a third party: the body
decides, not the status. Codes from asterdex/api-docs V3 "Error Codes" plus the ones observed
in the wild (-4225, -5022, -5050, -4116); unknown codes are non-retryable ``ExchangeError``.
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
    NonceError,
    NotSupportedError,
    OrderNotFoundError,
    RateLimitError,
)

__all__ = ["ASTER_ERRORS", "error_from_response", "error_code", "is_unknown_outcome",
           "POST_ONLY_CODES", "NOT_EXECUTED_CODES"]

VENUE = "aster"

ASTER_ERRORS = ErrorTable(VENUE, {
    # server side: "execution status unknown" for -1006/-1007 (and any 5xx on a write)
    "-1000": ExchangeUnavailableError,   # UNKNOWN
    "-1001": ExchangeUnavailableError,   # DISCONNECTED, "please try again"
    "-1006": ExchangeUnavailableError,   # UNEXPECTED_RESP: execution status unknown
    "-1007": ExchangeUnavailableError,   # TIMEOUT: execution status unknown
    "-1016": ExchangeUnavailableError,   # SERVICE_SHUTTING_DOWN / maintenance
    "-1020": NotSupportedError,          # UNSUPPORTED_OPERATION
    # authentication
    "-1002": AuthenticationError,        # UNAUTHORIZED (signer not allowed for user)
    "-1022": AuthenticationError,        # INVALID_SIGNATURE (also a wrong chainId)
    "-1125": AuthenticationError,        # INVALID_LISTEN_KEY
    "-2014": AuthenticationError,        # BAD_API_KEY_FMT
    "-2015": AuthenticationError,        # REJECTED_MBX_KEY: unknown signer / key / IP
    "-5050": AuthenticationError,        # "only be used after deposit": account not activated
    # nonces / clock
    "-4225": NonceError,                 # "Nonce Expired": reused, too old, or out of ±10 s
    "-1021": NonceError,                 # V1 INVALID_TIMESTAMP (recvWindow)
    # rate limits
    "-1003": RateLimitError,             # TOO_MANY_REQUESTS (429) / IP banned (418)
    "-1015": RateLimitError,             # TOO_MANY_ORDERS
    # request shape
    "-1100": InvalidOrderError,          # ILLEGAL_CHARS
    "-1101": InvalidOrderError,          # TOO_MANY_PARAMETERS / duplicate values
    "-1102": InvalidOrderError,          # MANDATORY_PARAM_EMPTY_OR_MALFORMED
    "-1111": InvalidOrderError,          # BAD_PRECISION
    "-1115": InvalidOrderError,          # INVALID_TIF
    "-1116": InvalidOrderError,          # INVALID_ORDER_TYPE
    "-1117": InvalidOrderError,          # INVALID_SIDE
    "-1130": InvalidOrderError,          # INVALID_PARAMETER
    "-1136": InvalidOrderError,          # INVALID_NEW_ORDER_RESP_TYPE
    "-1121": MarketNotFoundError,        # BAD_SYMBOL
    "-4140": MarketNotFoundError,        # invalid symbol status for opening position
    "-4141": MarketNotFoundError,        # symbol is closed
    # orders
    "-2010": InvalidOrderError,          # NEW_ORDER_REJECTED
    "-2011": OrderNotFoundError,         # CANCEL_REJECTED "Unknown order sent."
    "-2013": OrderNotFoundError,         # NO_SUCH_ORDER
    "-2018": InsufficientMarginError,    # BALANCE_NOT_SUFFICIENT
    "-2019": InsufficientMarginError,    # MARGIN_NOT_SUFFICIEN
    "-2020": InvalidOrderError,          # UNABLE_TO_FILL (FOK)
    "-2021": InvalidOrderError,          # ORDER_WOULD_IMMEDIATELY_TRIGGER (also GTX crossing)
    "-2022": InvalidOrderError,          # REDUCE_ONLY_REJECT
    "-2025": InvalidOrderError,          # MAX_OPEN_ORDER_EXCEEDED
    "-2027": InsufficientMarginError,    # MAX_LEVERAGE_RATIO (position too large for leverage)
    "-2028": InsufficientMarginError,    # leverage smaller than permitted: margin insufficient
    "-4001": InvalidOrderError,          # price less than 0
    "-4002": InvalidOrderError,          # price greater than max price
    "-4003": InvalidOrderError,          # quantity less than or equal to zero
    "-4004": InvalidOrderError,          # quantity less than min quantity
    "-4005": InvalidOrderError,          # quantity greater than max quantity
    "-4013": InvalidOrderError,          # price less than min price
    "-4014": InvalidOrderError,          # PRICE_NOT_INCREASED_BY_TICK_SIZE
    "-4015": InvalidOrderError,          # INVALID_CL_ORD_ID_LEN
    "-4016": InvalidOrderError,          # price above mark × multiplierUp (PERCENT_PRICE)
    "-4023": InvalidOrderError,          # QTY_NOT_INCREASED_BY_STEP_SIZE
    "-4024": InvalidOrderError,          # price below mark × multiplierDown (PERCENT_PRICE)
    "-4028": InvalidOrderError,          # INVALID_LEVERAGE
    "-4061": InvalidOrderError,          # POSITION_SIDE_NOT_MATCH
    "-4062": InvalidOrderError,          # REDUCE_ONLY_CONFLICT
    "-4116": DuplicateOrderError,        # ClientOrderId is duplicated
    "-4118": InvalidOrderError,          # REDUCE_ONLY_MARGIN_CHECK_FAILED
    "-4131": InvalidOrderError,          # MARKET_ORDER_REJECT (PERCENT_PRICE on the touch)
    "-4164": InvalidOrderError,          # MIN_NOTIONAL (unless reduce only)
    "-5022": InvalidOrderError,          # post-only (GTX) would be a taker
    "-5060": InvalidOrderError,          # PERCENT_PRICE limit
    "-5076": InvalidOrderError,          # "Total order value should be more than 5 USDT"
})

#: rejections of a post-only order that would have crossed the book
POST_ONLY_CODES = frozenset({"-5022", "-2021"})
#: server errors that say the request was refused, not "status unknown"
NOT_EXECUTED_CODES = frozenset({"-1016"})


def error_code(body: Any) -> int | None:
    """The body's error code: a negative integer ``code`` (``200``/``"200"`` are successes)."""
    if not isinstance(body, dict):
        return None
    code = body.get("code")
    if isinstance(code, bool):
        return None
    try:
        value = int(code) if isinstance(code, int | str) else None
    except ValueError:
        return None
    return value if value is not None and value < 0 else None


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> ExchangeError | None:
    """``HttpClient`` error mapper: a typed error from Aster's body, ``None`` for successes
    (and for bodiless HTTP errors, which the generic status handling classifies)."""
    code = error_code(body)
    if code is None:
        return None
    message = str(body.get("msg", "")) or f"HTTP {status}"
    return ASTER_ERRORS.build(code, message, retry_after=parse_retry_after(headers.get("Retry-After")))


def is_unknown_outcome(exc: ExchangeError) -> bool:
    """Whether a failed *write* may still have been executed: no answer (timeout, dropped
    connection), or a server error that does not say it refused the request — Aster: "503 …
    It is important to NOT treat this as a failure operation; the execution status is UNKNOWN"."""
    if isinstance(exc, NetworkError):
        return True
    return isinstance(exc, ExchangeUnavailableError) and exc.code not in NOT_EXECUTED_CODES
