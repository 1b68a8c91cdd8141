"""Lighter's error codes mapped to the typed errors — the one table for this venue.

Codes and messages from Lighter's API (HTTP 400 ``{"code": N, "message": "..."}``; 401 with
20013 for auth tokens). Unknown codes become a plain, non-retryable ``ExchangeError``.
"""

from __future__ import annotations

import re
from typing import Any

from exchange_clients.errors import (
    AuthenticationError,
    DuplicateOrderError,
    ErrorTable,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    InvalidOrderError,
    MarketNotFoundError,
    NonceError,
    OrderNotFoundError,
    RateLimitError,
)

__all__ = ["LIGHTER_ERRORS", "error_from_api_exception", "error_from_body", "NONCE_CODES"]

VENUE = "lighter"

LIGHTER_ERRORS = ErrorTable(VENUE, {
    "20001": InvalidOrderError,          # invalid param
    "20013": AuthenticationError,        # invalid auth token (expired, malformed, deadline)
    "21100": AuthenticationError,        # account not found
    "21104": NonceError,                 # invalid nonce
    "21105": NonceError,                 # nonce not increasing / not consecutive in a batch
    "21108": AuthenticationError,        # invalid public key: changePubKey needed
    "21109": AuthenticationError,        # api key not found
    "21110": AuthenticationError,        # invalid api key index
    "21120": AuthenticationError,        # invalid signature
    "21501": InvalidOrderError,          # invalid tx info
    "21505": InvalidOrderError,          # unsupported tx type
    "21506": RateLimitError,             # too many pending txs
    "21507": InsufficientMarginError,    # below maintenance margin
    "21508": InsufficientMarginError,    # below initial margin
    "21600": OrderNotFoundError,         # not an active limit order
    "21602": MarketNotFoundError,        # invalid market index
    "21603": InvalidOrderError,          # invalid min amounts
    "21700": OrderNotFoundError,         # invalid order index
    "21701": InvalidOrderError,          # invalid base amount (step / min size)
    "21702": InvalidOrderError,          # invalid price (tick)
    "21703": InvalidOrderError,
    "21704": InvalidOrderError,
    "21705": InvalidOrderError,
    "21706": InvalidOrderError,          # below min base/quote amount (min notional)
    "21707": OrderNotFoundError,         # not the owner
    "21709": OrderNotFoundError,         # order inactive
    "21711": InvalidOrderError,          # invalid expiry
    "21715": OrderNotFoundError,         # not an active order (cancel of a finished one)
    "21727": InvalidOrderError,          # invalid client order index
    "21728": DuplicateOrderError,        # client order index already exists
    "21729": InvalidOrderError,
    "21732": InvalidOrderError,          # reduce-only would increase
    "21733": InvalidOrderError,          # accidental price band
    "21734": InvalidOrderError,          # too far from mark
    "21738": InvalidOrderError,
    "21739": InsufficientMarginError,    # not enough margin to create the order
    "21740": InvalidOrderError,
    "23000": RateLimitError,             # too many requests
    "23001": RateLimitError,
    "23002": RateLimitError,
    "23003": RateLimitError,
    "29404": OrderNotFoundError,         # generic not found
})

#: rejections after which the nonce sequence must be re-read from the venue
NONCE_CODES = frozenset({"21104", "21105"})

_BODY = re.compile(r"code=(\d+) message='(.*)'")


def error_from_body(status: int, body: Any, retry_after: float | None = None) -> ExchangeError:
    """Typed error from an HTTP status and Lighter's JSON error body."""
    code = body.get("code") if isinstance(body, dict) else None
    message = str(body.get("message", "")) if isinstance(body, dict) else str(body or "")
    if code is not None and str(code) not in ("200", "0"):
        return LIGHTER_ERRORS.build(code, message or f"HTTP {status}", retry_after=retry_after)
    if status == 429:
        return RateLimitError(VENUE, message or "too many requests", code="429", retry_after=retry_after)
    if status in (401, 403):
        return AuthenticationError(VENUE, message or f"HTTP {status}", code=str(status))
    if status >= 500:
        return ExchangeUnavailableError(VENUE, message or f"HTTP {status}", code=str(status))
    return ExchangeError(VENUE, message or f"HTTP {status}", code=str(status))


def error_from_api_exception(exc: Any) -> ExchangeError:
    """Typed error from a lighter-sdk ``ApiException`` (status, parsed ``data``, raw ``body``)."""
    import orjson

    status = int(getattr(exc, "status", 0) or 0)
    body: Any = None
    raw = getattr(exc, "body", None)
    if raw:
        try:
            body = orjson.loads(raw)
        except (orjson.JSONDecodeError, TypeError):
            match = _BODY.search(str(raw))
            body = {"code": match.group(1), "message": match.group(2)} if match else str(raw)
    headers = getattr(exc, "headers", None) or {}
    retry_after = None
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if value:
        try:
            retry_after = float(value)
        except ValueError:
            retry_after = None
    return error_from_body(status, body, retry_after)
