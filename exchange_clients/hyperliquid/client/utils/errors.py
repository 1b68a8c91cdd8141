"""Hyperliquid's errors mapped to the typed errors — the one table for this venue.

Hyperliquid has no error codes, only texts, and reports almost everything with HTTP 200:

* top-level ``{"status": "err", "response": "<text>"}`` — the whole action was refused
  (signature, nonce, address rate limit, leverage, pre-validation of a batch);
* per-order ``{"error": "<text>"}`` entries in ``response.data.statuses`` (one per order or
  cancel, in request order), live texts ending in ``" asset=<index>"``;
* HTTP 422 ``text/plain`` for a body that does not deserialise (our bug, or a bad cloid);
* HTTP 429 with the JSON literal ``null`` for the per-IP weight limit; 5xx for outages.

:func:`classify` turns a text into a stable code (matched on the documented / captured
prefixes, case-insensitively, the ``asset=N`` suffix removed) and :data:`HL_ERRORS` maps the
code to its class. An unknown text becomes a plain, non-retryable ``ExchangeError``.
"""

from __future__ import annotations

import re
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
    NonceError,
    OrderNotFoundError,
    RateLimitError,
)

__all__ = ["HL_ERRORS", "classify", "error_from_text", "error_from_response", "strip_asset",
           "nonce_floor", "UNKNOWN", "ADDRESS_LIMIT_RETRY_AFTER"]

VENUE = "hyperliquid"
UNKNOWN = "UNKNOWN"
#: once over the address-based budget the venue allows one request every 10 s
ADDRESS_LIMIT_RETRY_AFTER = 10.0

#: (text fragment, code) — first match wins, so the more specific fragments come first
_TEXTS: tuple[tuple[str, str], ...] = (
    ("invalid nonce", "NONCE"),
    ("user or api wallet", "UNKNOWN_SIGNER"),
    ("must deposit before performing actions", "NO_DEPOSIT"),
    ("unable to recover signer", "BAD_SIGNATURE"),
    ("vault not registered", "VAULT"),
    ("action already expired", "EXPIRED"),
    ("too many cumulative requests", "ADDRESS_RATE_LIMIT"),
    ("price must be divisible by tick size", "TICK"),
    ("order has invalid price", "PRICE_FORMAT"),
    ("order has invalid size", "STEP"),
    ("order has zero size", "ZERO_SIZE"),
    ("order must have minimum value", "MIN_NOTIONAL"),
    ("order value too large", "MAX_NOTIONAL"),
    ("insufficient margin", "INSUFFICIENT_MARGIN"),
    ("reduce only order would increase position", "REDUCE_ONLY"),
    ("post only order would have immediately matched", "POST_ONLY"),
    ("could not immediately match against any resting orders", "IOC_NO_MATCH"),
    ("no liquidity available for market order", "NO_LIQUIDITY"),
    ("invalid tp/sl price", "TRIGGER_PRICE"),
    ("order was never placed, already canceled, or filled", "ORDER_NOT_FOUND"),
    ("cannot modify canceled or filled order", "ORDER_NOT_FOUND"),
    ("away from the reference price", "PRICE_BAND"),
    ("too far from oracle", "ORACLE_BAND"),
    ("open interest", "OPEN_INTEREST_CAP"),
    ("cannot switch leverage type", "MARGIN_MODE"),
    ("does not use isolated margin", "MARGIN_MODE"),
    ("invalid leverage", "LEVERAGE"),
    ("signed action over weight limit", "BATCH_TOO_LARGE"),
    ("empty batch", "EMPTY_BATCH"),
    ("duplicate cloid", "DUPLICATE_CLOID"),
    ("trading is halted", "HALTED"),
    ("invalid asset", "UNKNOWN_ASSET"),
    ("cannot set scheduled cancel time", "SCHEDULE_CANCEL"),
    ("failed to deserialize", "DESERIALIZE"),
)

HL_ERRORS = ErrorTable(VENUE, {
    "NONCE": NonceError,                  # duplicate / too low / outside (T−2d, T+1d)
    "EXPIRED": NonceError,                # expiresAfter passed: sign again with a new nonce
    "UNKNOWN_SIGNER": AuthenticationError,  # the recovered signer is no user or agent
    "NO_DEPOSIT": AuthenticationError,    # agent revoked/replaced, or the account never funded
    "BAD_SIGNATURE": AuthenticationError,
    "VAULT": AuthenticationError,
    "ADDRESS_RATE_LIMIT": RateLimitError,  # address budget: 1 request per USDC traded
    "429": RateLimitError,
    "TICK": InvalidOrderError,
    "PRICE_FORMAT": InvalidOrderError,
    "STEP": InvalidOrderError,
    "ZERO_SIZE": InvalidOrderError,
    "MIN_NOTIONAL": InvalidOrderError,
    "MAX_NOTIONAL": InvalidOrderError,
    "INSUFFICIENT_MARGIN": InsufficientMarginError,
    "REDUCE_ONLY": InvalidOrderError,
    "POST_ONLY": InvalidOrderError,
    "IOC_NO_MATCH": InvalidOrderError,    # the order manager reports it as an expired IOC
    "NO_LIQUIDITY": InvalidOrderError,
    "TRIGGER_PRICE": InvalidOrderError,
    "PRICE_BAND": InvalidOrderError,
    "ORACLE_BAND": InvalidOrderError,
    "OPEN_INTEREST_CAP": InvalidOrderError,
    "MARGIN_MODE": InvalidOrderError,
    "LEVERAGE": InvalidOrderError,
    "BATCH_TOO_LARGE": InvalidOrderError,
    "EMPTY_BATCH": InvalidOrderError,
    "DUPLICATE_CLOID": DuplicateOrderError,
    "SCHEDULE_CANCEL": InvalidOrderError,
    "DESERIALIZE": InvalidOrderError,     # 422: the request itself was malformed
    "ORDER_NOT_FOUND": OrderNotFoundError,
    "UNKNOWN_ASSET": MarketNotFoundError,
    "HALTED": ExchangeUnavailableError,
})

_ASSET_SUFFIX = re.compile(r"\s*asset=\d+\s*$")
_NONCE_FLOOR = re.compile(r"nonce too low \d+ < (\d+)")


def strip_asset(text: str) -> str:
    """``"Order must have minimum value of $10. asset=4"`` → without the suffix."""
    return _ASSET_SUFFIX.sub("", text)


def classify(text: str) -> str:
    """The stable code of a venue error text (``UNKNOWN`` when not recognised)."""
    lowered = text.lower()
    for fragment, code in _TEXTS:
        if fragment in lowered:
            return code
    return UNKNOWN


def error_from_text(text: Any) -> ExchangeError:
    """Typed error from a top-level ``response`` or a per-order ``error`` text."""
    message = strip_asset(str(text))
    code = classify(message)
    retry_after = ADDRESS_LIMIT_RETRY_AFTER if code == "ADDRESS_RATE_LIMIT" else None
    return HL_ERRORS.build(code, message, retry_after=retry_after)


def nonce_floor(error: ExchangeError) -> int | None:
    """The venue's lowest acceptable nonce named by ``nonce too low N < M`` (M), if any."""
    match = _NONCE_FLOOR.search(error.message)
    return int(match.group(1)) if match else None


def error_from_response(status: int, body: Any, headers: Mapping[str, str]) -> ExchangeError | None:
    """``common.http.HttpClient`` error mapper: sees every response, HTTP 200 included."""
    if status == 200:
        if isinstance(body, dict) and body.get("status") == "err":
            return error_from_text(body.get("response", ""))
        if isinstance(body, str):  # a proxy or the venue answered 200 with a non-JSON body
            return ExchangeError(VENUE, f"unexpected non-JSON answer: {body[:200]}", code="BODY")
        return None
    text = body if isinstance(body, str) else "" if body is None else str(body)
    if status == 429:
        return RateLimitError(VENUE, "IP rate limit (1200 weight per minute) exceeded",
                              code="429", retry_after=parse_retry_after(headers.get("Retry-After")))
    if status == 422:
        return InvalidOrderError(VENUE, f"request refused as malformed: {text[:200]}",
                                 code="DESERIALIZE")
    return None  # generic handling in HttpClient (5xx → ExchangeUnavailableError, …)
