"""Aster-specific arithmetic and codes: wire decimals, contract multipliers, statuses, TIFs,
client order ids and the ``rateLimits`` intervals of exchangeInfo."""

from __future__ import annotations

import re
from decimal import Decimal

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.common.symbols import (
    from_venue_price,
    from_venue_quantity,
    to_venue_price,
    to_venue_quantity,
)
from exchange_clients.errors import InvalidOrderError
from exchange_clients.models import OrderStatus, OrderType, Side, TimeInForce
from helpers.decimal import decimal_str

__all__ = [
    "VENUE", "STATUS_MAP", "TIF_TO_ASTER", "TIF_FROM_ASTER", "SIDE_TO_ASTER", "CLIENT_ID",
    "is_valid_client_order_id", "wire_quantity", "wire_price", "size_from_venue",
    "price_from_venue", "interval_seconds", "order_status", "side_from_aster",
    "order_type_from_aster", "dec", "opt_dec", "STABLE_ASSETS", "LIQUIDATION_CLIENT_PREFIXES",
    "POST_ONLY_REJECTED", "DEFAULT_MAKER_FEE", "DEFAULT_TAKER_FEE",
    "DEFAULT_FUNDING_HOURS",
]

VENUE = "aster"

STATUS_MAP: dict[str, OrderStatus] = {
    "NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELLED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    # liquidation bookkeeping states of an order still working
    "NEW_INSURANCE": OrderStatus.OPEN,
    "NEW_ADL": OrderStatus.OPEN,
}
#: Aster's post-only is the ``GTX`` time in force ("Good Till Crossing")
TIF_TO_ASTER = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK",
                TimeInForce.POST_ONLY: "GTX"}
TIF_FROM_ASTER = {v: k for k, v in TIF_TO_ASTER.items()}
SIDE_TO_ASTER = {Side.BUY: "BUY", Side.SELL: "SELL"}
#: Aster's published base-tier fees (maker 0.01 %, taker 0.035 %); exchangeInfo carries none
DEFAULT_MAKER_FEE = Decimal("0.0001")
DEFAULT_TAKER_FEE = Decimal("0.00035")
#: the funding interval of a symbol that ``fundingInfo`` does not list
DEFAULT_FUNDING_HOURS = Decimal(8)
#: commission assets whose amounts are already in quote currency
STABLE_ASSETS = frozenset({"USDT", "USDC", "USD", "USDF", "BUSD"})
#: client order ids Aster gives to liquidation and auto-deleveraging orders
LIQUIDATION_CLIENT_PREFIXES = ("autoclose", "adl_autoclose")
#: why a GTX order that expired without a fill is reported REJECTED
POST_ONLY_REJECTED = "post_only_would_cross"

#: Aster allows ``^[.A-Z:/a-z0-9_-]{1,36}$``; we refuse ``:`` and ``/`` as well, so that
#: percent-encoding never changes a value and the signed string is the sent string.
CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,36}$")

_INTERVALS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}


def is_valid_client_order_id(value: str) -> bool:
    return bool(CLIENT_ID.match(value))


def dec(value: object) -> Decimal:
    """A venue decimal (string or number) → Decimal; 0 for null/empty."""
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def opt_dec(value: object) -> Decimal | None:
    """A venue decimal → Decimal, ``None`` for null/empty."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _wire(value: Decimal, decimals: int, field: str) -> str:
    text = decimal_str(value)
    places = len(text.split(".", 1)[1]) if "." in text else 0
    if places > decimals:
        # would be refused -1111 by the venue; the base client's tick/step checks make this
        # unreachable unless exchangeInfo is self-contradictory
        raise InvalidOrderError(VENUE, f"{field} {text} has more than {decimals} decimals",
                                code="PRICE_FORMAT" if field == "price" else "STEP", field=field)
    return text


def wire_quantity(quantity: Decimal, market: AsterMarket) -> str:
    """Normalised quantity → the venue's ``quantity`` string (contracts)."""
    return _wire(to_venue_quantity(quantity, market.multiplier), market.quantity_precision,
                 "quantity")


def wire_price(price: Decimal, market: AsterMarket) -> str:
    """Normalised price → the venue's ``price`` string (per contract)."""
    return _wire(to_venue_price(price, market.multiplier), market.price_precision, "price")


def size_from_venue(value: object, market: AsterMarket) -> Decimal:
    return from_venue_quantity(Decimal(str(value or "0")), market.multiplier)


def price_from_venue(value: object, market: AsterMarket) -> Decimal:
    return from_venue_price(Decimal(str(value or "0")), market.multiplier)


def interval_seconds(interval: str, count: int) -> float:
    """exchangeInfo ``rateLimits`` ``interval``/``intervalNum`` → seconds."""
    try:
        return float(_INTERVALS[interval.upper()] * count)
    except KeyError:
        raise ValueError(f"unknown rate-limit interval {interval!r}") from None


def order_status(status: str, time_in_force: str, executed: Decimal) -> OrderStatus:
    """Aster's ``status`` → ours. A GTX (post-only) order that expired without any fill is a
    post-only rejection: Aster may accept such an order and expire it at once rather than
    answer -5022, and either way it never traded."""
    if status == "EXPIRED" and time_in_force == "GTX" and executed == 0:
        return OrderStatus.REJECTED
    return STATUS_MAP.get(status, OrderStatus.PENDING)


def side_from_aster(value: object) -> Side:
    return Side.SELL if value == "SELL" else Side.BUY


def order_type_from_aster(value: object) -> OrderType:
    return OrderType.MARKET if value == "MARKET" else OrderType.LIMIT
