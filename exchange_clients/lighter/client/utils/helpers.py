"""Lighter-specific arithmetic: integer scaling, order-type codes, statuses, expiries."""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.precision import from_scaled_int, to_scaled_int
from exchange_clients.common.symbols import from_venue_price, to_venue_price, to_venue_quantity
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.models import OrderStatus, OrderType, TimeInForce

__all__ = [
    "base_amount", "price_int", "price_from_int", "size_from_venue", "price_from_venue",
    "ORDER_TYPE_LIMIT", "ORDER_TYPE_MARKET", "TIF_CODES", "STATUS_MAP", "ORDER_EXPIRY_MS",
    "tif_from_lighter", "order_type_from_lighter", "CANCEL_ALL_IMMEDIATE", "NIL_MARKET_INDEX",
]

VENUE = "lighter"

ORDER_TYPE_LIMIT = 0
ORDER_TYPE_MARKET = 1
TIF_IOC, TIF_GTT, TIF_POST_ONLY = 0, 1, 2
TIF_CODES = {TimeInForce.IOC: TIF_IOC, TimeInForce.GTC: TIF_GTT, TimeInForce.POST_ONLY: TIF_POST_ONLY}
CANCEL_ALL_IMMEDIATE = 0
NIL_MARKET_INDEX = 255
#: GTT orders live 28 days (the SDK's default); IOC and market orders carry expiry 0
ORDER_EXPIRY_MS = 28 * 24 * 3600 * 1000

STATUS_MAP: dict[str, OrderStatus] = {
    "in-progress": OrderStatus.PENDING,
    "pending": OrderStatus.PENDING,
    "open": OrderStatus.OPEN,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "canceled-expired": OrderStatus.EXPIRED,
}


def base_amount(quantity: Decimal, market: LighterMarket) -> int:
    """Normalised quantity → ``BaseAmount`` (exact; off-step raises)."""
    return to_scaled_int(to_venue_quantity(quantity, market.multiplier), market.size_decimals,
                         field="quantity", venue=VENUE)


def price_int(price: Decimal, market: LighterMarket) -> int:
    """Normalised price → ``Price`` (exact; off-tick raises)."""
    return to_scaled_int(to_venue_price(price, market.multiplier), market.price_decimals,
                         field="price", venue=VENUE)


def price_from_int(value: int, market: LighterMarket) -> Decimal:
    return from_venue_price(from_scaled_int(value, market.price_decimals), market.multiplier)


def size_from_venue(value: str | Decimal, market: LighterMarket) -> Decimal:
    return Decimal(value) * market.multiplier


def price_from_venue(value: str | Decimal, market: LighterMarket) -> Decimal:
    return from_venue_price(Decimal(value), market.multiplier)


def tif_from_lighter(value: str | None) -> TimeInForce:
    return {"immediate-or-cancel": TimeInForce.IOC, "post-only": TimeInForce.POST_ONLY}.get(
        value or "", TimeInForce.GTC)


def order_type_from_lighter(value: str | None) -> OrderType:
    return OrderType.MARKET if value == "market" else OrderType.LIMIT
