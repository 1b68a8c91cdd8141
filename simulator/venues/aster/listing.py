"""Aster's listings: the engine markets (``markets``) and the wire metadata of each symbol.

``markets`` corrects the catalog where Aster's real exchangeInfo (notes/aster/
exchangeInfo_sample.json, 2026-01) differs — ETHUSDT trades on a 0.10 tick with
``pricePrecision`` 2 — and sets the funding intervals: BTC/ETH 8 h, SOL 4 h, 1000PEPE 1 h, so that
the default world has all three of Aster's intervals; generated markets keep the catalog's 8/4/1 h
mix and get Aster's 5 USDT minimum notional.

``Listing`` is what exchangeInfo publishes and what the order filters check: precisions (the
``-1111`` rule), PRICE_FILTER / LOT_SIZE / MARKET_LOT_SIZE bounds, PERCENT_PRICE multipliers and
``marketTakeBound``. Real figures for BTCUSDT/ETHUSDT; for other symbols they are derived from the
starting price the way Aster's listings look (``minPrice`` = tick, ``maxPrice`` two orders of
magnitude above the price, ±5 % PERCENT_PRICE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from helpers.decimal import decimal_str
from simulator.engine.catalog import default_markets
from simulator.engine.market import Market, MarketSpec, MarketStatus

__all__ = ["markets", "Listing", "listing_for", "symbol_json", "RATE_LIMITS", "CONTRACT_STATUS"]

D = Decimal

#: normalised symbol -> MarketSpec fields that differ from the catalog
_SPEC_OVERRIDES: dict[str, dict[str, Any]] = {
    "BTC": {"funding_interval_hours": D(8)},
    "ETH": {"tick_size": D("0.1"), "funding_interval_hours": D(8)},
    "SOL": {"funding_interval_hours": D(4)},
    "PEPE": {"funding_interval_hours": D(1)},
}

#: real exchangeInfo values (BTCUSDT, ETHUSDT) that cannot be derived from the spec
_WIRE_OVERRIDES: dict[str, dict[str, Any]] = {
    "BTC": {"price_precision": 1, "min_price": D("1"), "max_price": D("1000000"), "max_qty": D("1000"),
            "market_max_qty": D("120"), "mult_up": D("1.0200"), "mult_down": D("0.9800"),
            "take_bound": D("0.02"), "onboard_ms": 1627628400000},
    "ETH": {"price_precision": 2, "min_price": D("39.90"), "max_price": D("1000000"), "max_qty": D("10000"),
            "market_max_qty": D("2000"), "mult_up": D("1.0200"), "mult_down": D("0.9800"),
            "take_bound": D("0.02"), "onboard_ms": 1627628400000},
}

RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
]

#: engine status -> exchangeInfo ``status`` (Aster's enum: PENDING_TRADING, TRADING, PRE_SETTLE,
#: SETTLING, CLOSE); a paused market is CLOSE, a delisted one SETTLING (what Aster's delisted
#: symbols show in the real exchangeInfo)
CONTRACT_STATUS = {MarketStatus.OPEN: "TRADING", MarketStatus.PAUSED: "CLOSE",
                   MarketStatus.DELISTED: "SETTLING"}

_ORDER_TYPES = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                "TRAILING_STOP_MARKET"]
_TIFS = ["GTC", "IOC", "FOK", "GTX", "RPI", "HIDDEN"]


def markets(venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
    """Aster's listings (``VenueModule.markets``)."""
    out = []
    for spec in default_markets(venue, count, symbols):
        update = dict(_SPEC_OVERRIDES.get(spec.symbol, {}))
        update.setdefault("min_notional", D(5))
        out.append(MarketSpec.model_validate({**spec.model_dump(), **update}))
    return out


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _pow10(exponent: int) -> Decimal:
    return D(1).scaleb(exponent)


@dataclass(frozen=True, slots=True)
class Listing:
    """One symbol as Aster publishes and checks it."""

    market_id: int
    symbol: str                  # "BTCUSDT"
    stream: str                  # "btcusdt" (stream names are lower case)
    base_asset: str
    tick: Decimal
    step: Decimal
    price_precision: int
    qty_precision: int
    min_price: Decimal
    max_price: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_max_qty: Decimal
    min_notional: Decimal
    mult_up: Decimal
    mult_down: Decimal
    take_bound: Decimal
    onboard_ms: int

    def price_str(self, value: Decimal) -> str:
        return f"{value:.{self.price_precision}f}"

    def qty_str(self, value: Decimal) -> str:
        return f"{value:.{self.qty_precision}f}"


def listing_for(m: Market, start_price: float) -> Listing:
    """The wire listing of an engine market; ``start_price`` (per contract) sizes the bounds."""
    spec = m.spec
    over = _WIRE_OVERRIDES.get(m.symbol, {})
    price = max(start_price, float(spec.tick_size))
    max_qty = over.get("max_qty") or _pow10(math.ceil(math.log10(5e7 / price)))
    base = m.venue_symbol.removesuffix(spec.quote)
    return Listing(
        market_id=m.id, symbol=m.venue_symbol, stream=m.venue_symbol.lower(), base_asset=base,
        tick=spec.tick_size, step=spec.step_size,
        price_precision=over.get("price_precision", _decimals(spec.tick_size)),
        qty_precision=_decimals(spec.step_size),
        min_price=over.get("min_price", spec.tick_size.quantize(_pow10(-_decimals(spec.tick_size)))),
        max_price=over.get("max_price") or _pow10(math.ceil(math.log10(price)) + 2),
        min_qty=spec.min_lot_size, max_qty=max_qty,
        market_max_qty=over.get("market_max_qty") or max(spec.step_size, max_qty / 10),
        min_notional=spec.min_notional,
        mult_up=over.get("mult_up", D("1.0500")), mult_down=over.get("mult_down", D("0.9500")),
        take_bound=over.get("take_bound", D("0.05")),
        onboard_ms=over.get("onboard_ms", 1_700_000_000_000 + 86_400_000 * m.id))


def _pct(fraction: Decimal) -> str:
    return f"{fraction * 100:.4f}"


def _plain(value: Decimal) -> str:
    """A Decimal as written on the wire: never an exponent, its own trailing zeros kept."""
    return format(value, "f")


def symbol_json(listing: Listing, m: Market) -> dict[str, Any]:
    """One ``symbols[]`` entry of exchangeInfo, in the real response's field order."""
    spec = m.spec
    return {
        "symbol": listing.symbol, "pair": listing.symbol, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": listing.onboard_ms,
        "status": CONTRACT_STATUS[m.status],
        "maintMarginPercent": _pct(spec.mmf), "requiredMarginPercent": _pct(spec.imf),
        "baseAsset": listing.base_asset, "quoteAsset": spec.quote, "marginAsset": spec.quote,
        "pricePrecision": listing.price_precision, "quantityPrecision": listing.qty_precision,
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
        "underlyingSubType": [], "symbolType": 0, "tradingMode": 0, "name": listing.base_asset,
        "channel": "", "sequenceNo": listing.market_id + 1, "twapMinNotional": "1000", "settlePlan": 0,
        "triggerProtect": "0.0500", "liquidationFee": "0.025000",
        "marketTakeBound": str(listing.take_bound), "createTime": listing.onboard_ms,
        "filters": [
            {"minPrice": _plain(listing.min_price), "maxPrice": _plain(listing.max_price),
             "filterType": "PRICE_FILTER", "tickSize": listing.price_str(listing.tick)},
            {"stepSize": _plain(listing.step), "filterType": "LOT_SIZE", "maxQty": _plain(listing.max_qty),
             "minQty": _plain(listing.min_qty)},
            {"stepSize": _plain(listing.step), "filterType": "MARKET_LOT_SIZE",
             "maxQty": _plain(listing.market_max_qty), "minQty": _plain(listing.min_qty)},
            {"limit": 200, "filterType": "MAX_NUM_ORDERS"},
            {"limit": 10, "filterType": "MAX_NUM_ALGO_ORDERS"},
            {"notional": decimal_str(listing.min_notional), "filterType": "MIN_NOTIONAL"},
            {"multiplierDown": str(listing.mult_down), "multiplierUp": str(listing.mult_up),
             "ltMultiplierDown": "0", "multiplierDecimal": "4", "filterType": "PERCENT_PRICE",
             "ltMultiplierUp": "0"},
        ],
        "orderTypes": list(_ORDER_TYPES),
        "timeInForce": list(_TIFS),
    }
