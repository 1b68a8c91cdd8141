"""Backpack arithmetic and vocabularies: venue units ↔ normalised units for ``k`` markets,
decimal strings for the wire, sides, times in force, statuses, timestamps, depth limits."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.common.symbols import (
    from_venue_price,
    from_venue_quantity,
    to_venue_price,
    to_venue_quantity,
)
from exchange_clients.errors import InvalidOrderError
from exchange_clients.models import OrderStatus, Side, TimeInForce
from helpers.decimal import decimal_str
from helpers.time import from_ms, from_us

__all__ = [
    "VENUE", "dec", "opt_dec", "wire_quantity", "wire_price", "quantity_from_venue",
    "price_from_venue", "SIDES", "side_from_venue", "tif_from_venue", "order_status",
    "naive_utc", "from_venue_ms", "from_venue_us", "interval_hours", "depth_limit", "DEPTH_LIMITS",
]

VENUE = "backpack"
SIDES = {Side.BUY: "Bid", Side.SELL: "Ask"}
#: ``/api/v1/depth`` accepts only these limits (anything else is a plain-text 400)
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
_HOUR_MS = Decimal(3_600_000)
_STATUS = {"New": OrderStatus.OPEN, "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
           "Filled": OrderStatus.FILLED, "Cancelled": OrderStatus.CANCELLED,
           "Expired": OrderStatus.EXPIRED, "TriggerPending": OrderStatus.PENDING,
           "Triggered": OrderStatus.PENDING, "TriggerFailed": OrderStatus.REJECTED}


def dec(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """A wire number (decimal string, JSON number or ``None``) as an exact Decimal."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return Decimal(str(value))


def opt_dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else dec(value)


def _exact(value: Decimal, increment: Decimal, field: str) -> str:
    """``value`` as a plain decimal string; an off-grid value raises (never rounds), so the
    string never has more decimals than the increment ("Price decimal too long" otherwise)."""
    if value % increment != 0:
        raise InvalidOrderError(VENUE, f"{field} {value} is not a multiple of {increment}",
                                code="STEP" if field == "quantity" else "TICK", field=field)
    return decimal_str(value)


def wire_quantity(quantity: Decimal, market: BackpackMarket) -> str:
    """Normalised quantity → the venue's quantity string (5000 PEPE on kPEPE → ``"5"``)."""
    return _exact(to_venue_quantity(quantity, market.multiplier), market.step, "quantity")


def wire_price(price: Decimal, market: BackpackMarket) -> str:
    """Normalised price → the venue's price string (per 1000 tokens on ``k`` markets)."""
    return _exact(to_venue_price(price, market.multiplier), market.tick, "price")


def quantity_from_venue(value: Any, market: BackpackMarket) -> Decimal:
    number = dec(value)
    # no arithmetic without a multiplier: Decimal division would round 28+ digit values
    return number if market.multiplier == 1 else from_venue_quantity(number, market.multiplier)


def price_from_venue(value: Any, market: BackpackMarket) -> Decimal:
    number = dec(value)
    return number if market.multiplier == 1 else from_venue_price(number, market.multiplier)


def side_from_venue(value: Any) -> Side:
    return Side.BUY if value == "Bid" else Side.SELL


def tif_from_venue(tif: Any, post_only: Any) -> TimeInForce:
    if post_only is True:
        return TimeInForce.POST_ONLY
    return {"IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}.get(str(tif), TimeInForce.GTC)


def order_status(status: Any, filled: Decimal, *, post_only: bool = False) -> OrderStatus:
    """Backpack's order status → ours. ``Expired`` is how an IOC/FOK remainder ends (EXPIRED,
    with or without fills); a post-only order that expired unfilled was refused for crossing
    (``PostOnlyTaker``): REJECTED. A live order with fills is PARTIALLY_FILLED."""
    mapped = _STATUS.get(str(status), OrderStatus.PENDING)
    if mapped is OrderStatus.EXPIRED and post_only and filled == 0:
        return OrderStatus.REJECTED
    if mapped is OrderStatus.OPEN and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return mapped


def naive_utc(value: Any) -> datetime | None:
    """History timestamps are naive ISO strings in UTC (``2025-07-27T17:39:00.092``)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def from_venue_ms(value: Any) -> datetime | None:
    """REST order ``createdAt``: ms as an int (or digit string); ISO on history rows."""
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return from_ms(int(value))
    return naive_utc(value)


def from_venue_us(value: Any) -> datetime | None:
    """WebSocket ``E``/``T``: µs as an int (or digit string)."""
    if value is None or value == "":
        return None
    return from_us(int(value))


def interval_hours(value: Any) -> Decimal:
    """``fundingInterval`` in ms (an int, sometimes a numeric string) → hours; hourly if absent."""
    if value is None or value == "":
        return Decimal(1)
    hours = Decimal(str(value)) / _HOUR_MS
    return hours if hours > 0 else Decimal(1)


def depth_limit(levels: int) -> int:
    """The smallest depth limit Backpack accepts that covers ``levels``."""
    return next((n for n in DEPTH_LIMITS if n >= levels), DEPTH_LIMITS[-1])
