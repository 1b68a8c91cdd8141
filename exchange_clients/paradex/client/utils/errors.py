"""Paradex's error codes mapped to the typed errors — the one table for this venue.

REST errors are ``{"error": <ErrorCode>, "message": <text>}`` (OpenAPI ``responses.ErrorCode``;
paradex-py's ``ApiError`` requires both strings). Order outcomes decided after acceptance
(margin, post-only, reduce-only, IOC remainders) are not HTTP errors: the order is answered
201 NEW and later CLOSED with a ``cancel_reason`` — see ``helpers.order_status``. WebSocket
errors are JSON-RPC ``{"error": {"code", "message", "data"}}`` with numeric codes.
Unknown codes become a plain, non-retryable ``ExchangeError``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from exchange_clients.common.http import parse_retry_after
from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ErrorTable,
    ExchangeError,
    ExchangeUnavailableError,
    InvalidOrderError,
    MarketNotFoundError,
    OrderNotFoundError,
    RateLimitError,
)

__all__ = ["PARADEX_ERRORS", "error_from_response", "WS_AUTH_ERRORS", "ws_error",
           "INVALID_TOKEN", "NOT_ONBOARDED", "is_closed_order"]

VENUE = "paradex"
INVALID_TOKEN = "INVALID_TOKEN"
NOT_ONBOARDED = "NOT_ONBOARDED"

PARADEX_ERRORS = ErrorTable(VENUE, {
    # the request or the order is malformed / breaks a market rule (checked before 201)
    "VALIDATION_ERROR": InvalidOrderError,        # tick, step, min notional, max size, recv window
    "BINDING_ERROR": InvalidOrderError,           # unparseable JSON, wrong types
    "INVALID_REQUEST_PARAMETER": InvalidOrderError,
    "INVALID_ORDER_SIZE": InvalidOrderError,
    "BATCH_SIZE_OUT_OF_RANGE": InvalidOrderError,
    "RPI_ACCOUNT_NOT_WHITELISTED": InvalidOrderError,
    "SYSTEM_STATUS_POST_ONLY": InvalidOrderError,  # only post-only orders accepted right now
    "REQUEST_NOT_ALLOWED": InvalidOrderError,
    "DUPLICATED_CLIENT_ID": DuplicateOrderError,   # a live order already has this client_id
    # identity, signatures, tokens
    "INVALID_TOKEN": AuthenticationError,          # missing / expired / forged JWT (HTTP 401)
    "NOT_ONBOARDED": AuthenticationError,          # /auth before /onboarding
    "INVALID_ORDER_SIGNATURE": AuthenticationError,
    "INVALID_STARKNET_SIGNATURE": AuthenticationError,
    "STARKNET_SIGNATURE_VERIFICATION_FAILED": AuthenticationError,
    "INVALID_STARKNET_ADDRESS": AuthenticationError,
    "INVALID_ETHEREUM_ADDRESS": AuthenticationError,
    "INVALID_ETHEREUM_SIGNATURE": AuthenticationError,
    "ETHEREUM_SIGNER_MISMATCH": AuthenticationError,
    "ETHEREUM_HASH_MISMATCH": AuthenticationError,
    "PUBLIC_KEY_INVALID": AuthenticationError,
    "INVALID_TIMESTAMP": AuthenticationError,      # auth signature timestamp / expiration
    "ACCOUNT_NOT_FOUND": AuthenticationError,
    "UNAUTHORIZED_ERROR": AuthenticationError,
    "UNAUTHORIZED_ETHEREUM_ADDRESS": AuthenticationError,
    "ETHEREUM_ADDRESS_BLOCKED": AuthenticationError,
    "GEO_IP_BLOCK": AuthenticationError,
    "IP_NOT_ALLOWED": AuthenticationError,
    "INVALID_SUBKEY": AuthenticationError,
    "INVALID_TOKEN_SCOPE": AuthenticationError,
    # orders that do not exist (or no longer can be acted on)
    "ORDER_ID_NOT_FOUND": OrderNotFoundError,
    "CLIENT_ORDER_ID_NOT_FOUND": OrderNotFoundError,
    "ORDER_IS_CLOSED": OrderNotFoundError,         # cancel of a finished order
    "ORDER_IS_NOT_OPEN": OrderNotFoundError,
    "ALGO_ID_NOT_FOUND": OrderNotFoundError,
    "NOT_FOUND": OrderNotFoundError,
    # markets
    "MARKET_NOT_FOUND": MarketNotFoundError,
    "INVALID_SYMBOL": MarketNotFoundError,
    "MARKET_NOT_OPEN": MarketNotFoundError,
    "NO_ACCESS_TO_MARKET": MarketNotFoundError,
    "MARKET_MARGIN_RESTRICTED": MarketNotFoundError,
    # the venue, not the request
    "SERVICE_UNAVAILABLE": ExchangeUnavailableError,  # 503, also the 30 s API timeout
    "INTERNAL_ERROR": ExchangeUnavailableError,
    "SYSTEM_STATUS_CANCEL_ONLY": ExchangeUnavailableError,
    "TOO_MANY_REQUESTS": RateLimitError,
    "ONBOARDING_RATE_LIMITED": RateLimitError,
})

#: JSON-RPC codes of the WebSocket API that mean "authenticate again": malformed bearer
#: (40110), invalid/expired bearer (40111), a private channel without a valid auth (40300)
WS_AUTH_ERRORS = frozenset({"40110", "40111", "40300"})
_WS_ERRORS: dict[str, type[ExchangeError]] = {
    "40110": AuthenticationError, "40111": AuthenticationError, "40112": AuthenticationError,
    "40300": AuthenticationError, "42901": RateLimitError,
}


def _retry_after(status: int, headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` if sent, else ``x-ratelimit-reset`` (epoch seconds) minus now."""
    after = parse_retry_after(headers.get("Retry-After"))
    if after is not None or status != 429:
        return after
    reset = headers.get("x-ratelimit-reset")
    try:
        return max(float(reset) - time.time(), 0.0) if reset else None
    except ValueError:
        return None


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> ExchangeError | None:
    """``common.http`` error mapper: a Paradex error body → its typed error; ``None`` for a
    success (or a body without Paradex's shape, left to the generic status handling)."""
    if status < 400:
        return None
    retry_after = _retry_after(status, headers)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        message = str(body.get("message") or body["error"])
        return PARADEX_ERRORS.build(body["error"], message or f"HTTP {status}",
                                    retry_after=retry_after)
    if status == 429:
        return RateLimitError(VENUE, "too many requests", code="429", retry_after=retry_after)
    return None


def ws_error(error: Mapping[str, Any]) -> ExchangeError:
    """A JSON-RPC ``error`` object → typed error (unknown codes: plain ``ExchangeError``)."""
    code = str(error.get("code"))
    message = str(error.get("message") or "")
    data = error.get("data")
    if data:
        message = f"{message}: {data}"
    cls = _WS_ERRORS.get(code, ExchangeError)
    return cls(VENUE, message or f"websocket error {code}", code=code)


def is_closed_order(exc: ExchangeError) -> bool:
    return exc.code in ("ORDER_IS_CLOSED", "ORDER_IS_NOT_OPEN")
