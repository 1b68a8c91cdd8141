"""Backpack's perpetual listings: the engine ``MarketSpec``s and the ``Market`` JSON of ``/markets``.

Figures from real ``/api/v1/markets`` captures (2026-09, notes §2.1): BTC tick 0.1 / step 0.00001,
IMF base 0.01333333 (75x), funding bounds ±100 bps; ETH tick 0.01 / step 0.0001, IMF 0.02 (50x),
±100 bps; kPEPE priced per 1000 PEPE, tick 0.0000001, step and minimum 100 (units of 1000 PEPE),
IMF 0.06666667 (15x), ±150 bps. Backpack lists no minimum notional. Funding is hourly everywhere.
Generated markets (``market_count``) keep the catalog's tick/step and get ±150 bps bounds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from helpers.decimal import decimal_str
from simulator.engine.catalog import default_markets
from simulator.engine.market import Market, MarketSpec, MarketStatus

__all__ = ["backpack_markets", "market_json", "imf_function", "mmf_function", "base_symbol",
           "order_book_state", "PRICE_BAND", "QUOTE"]

D = Decimal
QUOTE = "USDC"
#: limit prices must lie within [min, max] × the last active (mark) price
PRICE_BAND = (D("0.25"), D("2"))

# symbol -> MarketSpec overrides
_SPECS: dict[str, dict[str, Any]] = {
    "BTC": {"tick_size": D("0.1"), "step_size": D("0.00001"), "min_size": D("0.00001"),
            "max_leverage": D(75), "initial_margin_fraction": D("0.01333333"),
            "maintenance_margin_fraction": D("0.00666667"), "funding_cap": D("0.01")},
    "ETH": {"tick_size": D("0.01"), "step_size": D("0.0001"), "min_size": D("0.0001"),
            "max_leverage": D(50), "initial_margin_fraction": D("0.02"),
            "maintenance_margin_fraction": D("0.01111111"), "funding_cap": D("0.01")},
    "SOL": {"tick_size": D("0.01"), "step_size": D("0.01"), "min_size": D("0.01"),
            "max_leverage": D(50), "initial_margin_fraction": D("0.02"),
            "maintenance_margin_fraction": D("0.0125"), "funding_cap": D("0.01")},
    "PEPE": {"venue_symbol": "kPEPE_USDC_PERP", "multiplier": 1000, "tick_size": D("0.0000001"),
             "step_size": D(100), "min_size": D(100), "max_leverage": D(15),
             "initial_margin_fraction": D("0.06666667"),
             "maintenance_margin_fraction": D("0.03333333"), "funding_cap": D("0.015")},
}
# symbol -> (imf factor, mmf factor, open interest limit, createdAt, mean mark price band, max price)
_EXTRA: dict[str, tuple[str, str, str, str, tuple[str, str], str | None]] = {
    "BTC": ("0.00002494", "0.00001496", "4000", "2025-01-21T06:34:54.691858", ("1.04", "0.96"), "1000000"),
    "ETH": ("0.00004214", "0.00002528", "64000", "2025-01-21T06:34:54.691858", ("1.05", "0.95"), "1000000"),
    "SOL": ("0.0000935", "0.0000561", "1500000", "2025-01-21T06:34:54.691858", ("1.05", "0.95"), "100000"),
    "PEPE": ("0.00015676", "0.00009406", "1200000000", "2025-06-13T01:48:55.027195", ("1.1", "0.9"), "1000"),
}
_GENERATED_EXTRA = ("0.0006", "0.00036", "10000000", "2025-03-01T08:00:00.000000", ("1.1", "0.9"), None)


def backpack_markets(venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
    """The catalog's markets with Backpack's real filters, no minimum notional, hourly funding."""
    out = []
    for spec in default_markets(venue, count, symbols):
        update: dict[str, Any] = {"min_notional": D(0), "quote": QUOTE,
                                  "funding_interval_hours": D(1), "funding_cap": D("0.015")}
        update.update(_SPECS.get(spec.symbol, {}))
        out.append(MarketSpec.model_validate({**spec.model_dump(), **update}))
    return out


def order_book_state(status: MarketStatus) -> str:
    """``Open``; a paused market accepts only cancels (``CancelOnly``); delisted is ``Closed``."""
    return {MarketStatus.OPEN: "Open", MarketStatus.PAUSED: "CancelOnly",
            MarketStatus.DELISTED: "Closed"}[status]


def base_symbol(m: Market) -> str:
    return m.venue_symbol.removesuffix(f"_{QUOTE}_PERP")


def _bps(fraction: Decimal) -> str:
    return decimal_str(fraction * 10_000)


def imf_function(m: Market) -> dict[str, str]:
    """The listed IMF function (the engine applies its base as a flat fraction)."""
    factor = _EXTRA.get(m.symbol, _GENERATED_EXTRA)[0]
    return {"type": "sqrt", "base": decimal_str(m.spec.imf), "factor": factor}


def mmf_function(m: Market) -> dict[str, str]:
    factor = _EXTRA.get(m.symbol, _GENERATED_EXTRA)[1]
    return {"type": "sqrt", "base": decimal_str(m.spec.mmf), "factor": factor}


def market_json(m: Market) -> dict[str, Any]:
    """One ``Market`` object of ``/api/v1/markets`` (every optional field present, null if unused)."""
    spec = m.spec
    _, _, oi_limit, created, band, max_price = _EXTRA.get(m.symbol, _GENERATED_EXTRA)
    return {
        "baseSymbol": base_symbol(m), "quoteSymbol": QUOTE, "symbol": m.venue_symbol,
        "marketType": "PERP", "rwaMarketType": None, "createdAt": created, "visible": True,
        "orderBookState": order_book_state(m.status), "positionLimitWeight": "1",
        "filters": {
            "price": {
                "minPrice": decimal_str(spec.tick_size), "maxPrice": max_price,
                "tickSize": decimal_str(spec.tick_size),
                "maxMultiplier": decimal_str(PRICE_BAND[1]), "minMultiplier": decimal_str(PRICE_BAND[0]),
                "maxImpactMultiplier": "1.01", "minImpactMultiplier": "0.99",
                "meanMarkPriceBand": {"maxMultiplier": band[0], "minMultiplier": band[1]},
                "meanPremiumBand": {"tolerancePct": "0.05"}, "discoveryBoundBand": None,
                "borrowEntryFeeMaxMultiplier": None, "borrowEntryFeeMinMultiplier": None,
                "maxPriceUpdateMultiplier": "1.0025", "minPriceUpdateMultiplier": "0.9975",
            },
            "quantity": {"minQuantity": decimal_str(spec.min_lot_size),
                         "stepSize": decimal_str(spec.step_size), "maxQuantity": None},
        },
        "imfFunction": imf_function(m), "mmfFunction": mmf_function(m),
        "fundingInterval": m.period_ms,
        "fundingRateUpperBound": _bps(spec.funding_cap), "fundingRateLowerBound": _bps(-spec.funding_cap),
        "openInterestLimit": oi_limit,
    }
