"""Hyperliquid arithmetic: the price grid, wire numbers, unit conversion, statuses.

Prices (perps, docs "Tick and lot size"): at most 5 significant figures — integers are always
allowed — and at most ``6 − szDecimals`` decimals. Sizes: multiples of ``10^-szDecimals``.
The grid therefore depends on the price's magnitude: BTC (szDecimals 5) may quote 0.1 steps
below $10,000 but only whole dollars from $10,000 up.

Numbers on the wire are decimal strings without trailing zeros or exponent — the SDK's
``float_to_wire`` (``f"{x:.8f}"`` then ``Decimal.normalize``), computed here from ``Decimal``
so no float ever touches a price. The venue hashes its own canonical re-serialisation, so a
signature over ``"100.0"`` would recover another address: the format is part of the signature.
"""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.symbols import from_venue_price, from_venue_quantity
from exchange_clients.errors import InvalidOrderError
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.models import OrderStatus, Side, TimeInForce

__all__ = [
    "VENUE", "PRICE_DECIMALS", "MAX_SIG_FIGS", "MIN_ORDER_USD", "MAKER_FEE", "TAKER_FEE",
    "FUNDING_INTERVAL_HOURS", "finest_tick", "price_grid", "is_valid_price", "wire",
    "venue_price", "venue_size", "price_from_venue", "size_from_venue", "TIF_WIRE",
    "tif_from_wire", "side_from_wire", "order_status", "is_cloid",
]

VENUE = "hyperliquid"
#: perps: a price has at most PRICE_DECIMALS − szDecimals decimals
PRICE_DECIMALS = 6
MAX_SIG_FIGS = 5
WIRE_DECIMALS = 8
MIN_ORDER_USD = Decimal(10)
#: base fee tier (docs "Fees", tier 0; no staking discount): what an unknown account pays
MAKER_FEE = Decimal("0.00015")
TAKER_FEE = Decimal("0.00045")
FUNDING_INTERVAL_HOURS = Decimal(1)
_WIRE_QUANTUM = Decimal(1).scaleb(-WIRE_DECIMALS)
_ONE = Decimal(1)


def finest_tick(sz_decimals: int) -> Decimal:
    """The smallest price increment the decimal rule allows: ``10^-(6 − szDecimals)``."""
    return _ONE.scaleb(-(PRICE_DECIMALS - sz_decimals))


def price_grid(reference: Decimal | None, sz_decimals: int) -> Decimal:
    """The spacing of valid prices around ``reference`` (venue units): 5 significant figures
    (1 from five integer digits up: integers are always valid), never finer than the decimal
    rule allows. Every multiple of it at ``reference``'s magnitude or below is a valid price."""
    finest = finest_tick(sz_decimals)
    if reference is None or not reference.is_finite() or reference <= 0:
        return finest
    magnitude = reference.adjusted()
    sig = _ONE if magnitude >= MAX_SIG_FIGS - 1 else _ONE.scaleb(magnitude - MAX_SIG_FIGS + 1)
    return max(sig, finest)


def is_valid_price(price: Decimal, sz_decimals: int) -> bool:
    """True if the venue accepts ``price`` (venue units) for a perp of ``sz_decimals``."""
    if not price.is_finite() or price <= 0:
        return False
    normal = price.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent >= 0:
        return True                      # an integer: always allowed
    return -exponent <= PRICE_DECIMALS - sz_decimals and len(normal.as_tuple().digits) <= MAX_SIG_FIGS


def wire(value: Decimal, *, field: str = "value") -> str:
    """A Decimal as the venue's wire string: ≤ 8 decimals, no trailing zeros, no exponent."""
    if not value.is_finite():
        raise InvalidOrderError(VENUE, f"{field} {value} is not finite", code="NOT_FINITE",
                                field=field)
    quantized = value.quantize(_WIRE_QUANTUM)
    if quantized != value:
        raise InvalidOrderError(VENUE, f"{field} {value} has more than {WIRE_DECIMALS} decimals",
                                code="PRICE_FORMAT" if field == "price" else "STEP", field=field)
    text = f"{quantized.normalize():f}"
    return "0" if text == "-0" else text


def venue_price(price: Decimal, market: HyperliquidMarket) -> str:
    """Normalised price → the wire price of one venue contract; off-grid prices raise before
    the network (the base client's tick and significant-figure checks normally catch them)."""
    px = price * market.multiplier
    if not is_valid_price(px, market.sz_decimals):
        raise InvalidOrderError(
            VENUE, f"{market.coin}: price {px} is not on Hyperliquid's grid (≤ {MAX_SIG_FIGS} "
            f"significant figures unless an integer, ≤ {PRICE_DECIMALS - market.sz_decimals} "
            "decimals)", code="PRICE_FORMAT", field="price")
    return wire(px, field="price")


def venue_size(quantity: Decimal, market: HyperliquidMarket) -> str:
    """Normalised quantity → the wire size in venue contracts; off-lot sizes raise."""
    size = quantity / market.multiplier
    lot = _ONE.scaleb(-market.sz_decimals)
    if size <= 0 or size % lot != 0:
        raise InvalidOrderError(VENUE, f"{market.coin}: size {size} is not a positive multiple "
                                f"of {lot}", code="STEP", field="quantity")
    return wire(size, field="quantity")


def price_from_venue(value: str | Decimal, market: HyperliquidMarket) -> Decimal:
    return from_venue_price(Decimal(value), market.multiplier)


def size_from_venue(value: str | Decimal, market: HyperliquidMarket) -> Decimal:
    return from_venue_quantity(Decimal(value), market.multiplier)


TIF_WIRE: dict[TimeInForce, str] = {TimeInForce.GTC: "Gtc", TimeInForce.IOC: "Ioc",
                                    TimeInForce.POST_ONLY: "Alo"}
_TIF_FROM_WIRE = {"Gtc": TimeInForce.GTC, "Ioc": TimeInForce.IOC, "Alo": TimeInForce.POST_ONLY,
                  "FrontendMarket": TimeInForce.IOC, "LiquidationMarket": TimeInForce.IOC}


def tif_from_wire(value: str | None) -> TimeInForce:
    return _TIF_FROM_WIRE.get(value or "", TimeInForce.GTC)


def side_from_wire(value: str) -> Side:
    """``"B"`` (bid) is a buy, ``"A"`` (ask) a sell."""
    return Side.BUY if value == "B" else Side.SELL


#: order statuses (info ``orderStatus``, WebSocket ``orderUpdates``) that are not a plain
#: ``…Canceled``/``…Rejected``: the IOC that found nothing to match expired, it was not refused
_EXPIRED = frozenset({"iocCancelRejected"})


def order_status(status: str, filled: Decimal, tif: TimeInForce) -> OrderStatus:
    """Venue status → ours. ``open`` with fills is partially filled; an IOC's ``canceled``
    remainder (and ``iocCancelRejected``) is expired; ``…Rejected`` refused the order;
    ``…Canceled`` / ``scheduledCancel`` / ``internalCancel`` cancelled it."""
    if status in ("open", "triggered"):
        return OrderStatus.PARTIALLY_FILLED if filled > 0 else OrderStatus.OPEN
    if status == "filled":
        return OrderStatus.FILLED
    if status in _EXPIRED or (status == "canceled" and tif is TimeInForce.IOC):
        return OrderStatus.EXPIRED
    if status == "rejected" or status.endswith("Rejected"):
        return OrderStatus.REJECTED
    if status == "canceled" or status.endswith(("Canceled", "Cancel")):
        return OrderStatus.CANCELLED
    return OrderStatus.PENDING


def is_cloid(value: str) -> bool:
    """A cloid as the venue stores it: ``0x`` + 32 lower-case hex digits (16 bytes)."""
    return (len(value) == 34 and value.startswith("0x")
            and all(c in "0123456789abcdef" for c in value[2:]))
