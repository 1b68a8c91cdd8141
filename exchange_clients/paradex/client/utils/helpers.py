"""Paradex-specific arithmetic and codes: contract multipliers, order statuses and
``cancel_reason`` classification, time-in-force instructions, client order ids."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from exchange_clients.common.symbols import (
    from_venue_price,
    from_venue_quantity,
    to_venue_price,
    to_venue_quantity,
)
from exchange_clients.errors import InvalidOrderError, NotSupportedError
from exchange_clients.models import OrderStatus, TimeInForce
from exchange_clients.paradex.client.utils.caching import ParadexMarket

__all__ = [
    "dec", "dec_or_none", "venue_size", "venue_price", "size_from_venue", "price_from_venue",
    "order_status", "instruction_for", "tif_from_instruction", "REJECTION_REASONS",
    "EXPIRY_REASONS", "CLIENT_ID", "check_client_id", "SIDE_BUY", "SIDE_SELL",
]

VENUE = "paradex"
SIDE_BUY, SIDE_SELL = "BUY", "SELL"

#: ``cancel_reason`` values that mean the venue refused the order after its 201 NEW: with
#: nothing filled the order is REJECTED (a fill before the refusal makes it CANCELLED).
#: Confirmed live: NOT_ENOUGH_MARGIN, ORDER_EXCEEDS_POSITION_LIMIT; the others are the names
#: used by the docs/SDK for the same checks (post-only, reduce-only, size/price/notional).
REJECTION_REASONS = frozenset({
    "NOT_ENOUGH_MARGIN", "ORDER_EXCEEDS_POSITION_LIMIT", "POST_ONLY_WOULD_CROSS",
    "REDUCE_ONLY_WOULD_INCREASE", "INVALID_ORDER_SIZE", "INVALID_PRICE",
    "ORDER_VALUE_BELOW_MIN_NOTIONAL", "MARKET_NOT_OPEN", "MARKET_NOT_FOUND",
    "ACCOUNT_NOT_FOUND", "DUPLICATED_CLIENT_ID", "VALIDATION_ERROR", "PRICE_NOT_WITHIN_BANDS",
    "EXCEEDS_MAX_SLIPPAGE_ON_ENTRY", "RISK_CHECK_FAILED",
})
#: the unfilled remainder of an IOC (or of a bounded market order) was cancelled, or the order
#: timed out: EXPIRED, whatever was filled before
EXPIRY_REASONS = frozenset({"REMAINING_IOC_CANCEL", "EXPIRED", "EXCEEDS_MAX_SLIPPAGE",
                            "ORDER_EXPIRED"})

_INSTRUCTIONS = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC",
                 TimeInForce.POST_ONLY: "POST_ONLY"}
_TIFS = {v: k for k, v in _INSTRUCTIONS.items()}

#: our client ids: 1–64 characters that stay themselves in a URL path
#: (``/orders/by_client_id/{client_id}``)
CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def dec(value: object, default: Decimal = Decimal(0)) -> Decimal:
    """A venue number (string or JSON number) as an exact Decimal; ``""``/``None`` → default."""
    parsed = dec_or_none(value)
    return default if parsed is None else parsed


def dec_or_none(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def venue_size(quantity: Decimal, market: ParadexMarket) -> Decimal:
    """Normalised quantity → venue contracts (5000 PEPE on kPEPE → 5)."""
    return to_venue_quantity(quantity, market.multiplier)


def venue_price(price: Decimal, market: ParadexMarket) -> Decimal:
    """Normalised price → price per venue contract."""
    return to_venue_price(price, market.multiplier)


def size_from_venue(value: object, market: ParadexMarket) -> Decimal:
    return from_venue_quantity(dec(value), market.multiplier)


def price_from_venue(value: object, market: ParadexMarket) -> Decimal | None:
    price = dec_or_none(value)
    if price is None or price == 0:
        return None
    return from_venue_price(price, market.multiplier)


def order_status(status: str, cancel_reason: str, filled: Decimal) -> OrderStatus:
    """Paradex ``status`` (NEW | UNTRIGGERED | OPEN | CLOSED) and ``cancel_reason`` → ours.

    CLOSED with an empty reason is a complete fill; a refusal reason with nothing filled is
    REJECTED; an IOC remainder is EXPIRED; anything else (user cancel, self-trade prevention,
    MMP, liquidation, reasons we do not know yet) is CANCELLED — always terminal."""
    if status in ("NEW", "UNTRIGGERED"):
        return OrderStatus.PENDING
    if status == "OPEN":
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.OPEN
    if status != "CLOSED":
        return OrderStatus.PENDING
    if not cancel_reason:
        # a reduce-only trimmed to the position closes "filled" below its size
        return OrderStatus.FILLED if filled > 0 else OrderStatus.CANCELLED
    if cancel_reason in REJECTION_REASONS:
        return OrderStatus.REJECTED if filled == 0 else OrderStatus.CANCELLED
    if cancel_reason in EXPIRY_REASONS:
        return OrderStatus.EXPIRED
    return OrderStatus.CANCELLED


def instruction_for(tif: TimeInForce) -> str:
    """Our time in force → Paradex ``instruction``. Paradex has no fill-or-kill."""
    instruction = _INSTRUCTIONS.get(tif)
    if instruction is None:
        raise NotSupportedError(VENUE, f"Paradex has no {tif.value} orders (GTC, IOC, POST_ONLY)",
                                code="TIF")
    return instruction


def tif_from_instruction(value: object) -> TimeInForce:
    return _TIFS.get(str(value or "GTC"), TimeInForce.GTC)


def check_client_id(client_order_id: str) -> None:
    if not CLIENT_ID.match(client_order_id):
        raise InvalidOrderError(VENUE, "client order id must be 1-64 characters of "
                                "[A-Za-z0-9._:-]", code="CLIENT_ID", field="client_order_id")
