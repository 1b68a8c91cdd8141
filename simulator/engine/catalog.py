"""Default instruments per venue: realistic BTC/ETH/SOL/PEPE listings, plus generated markets.

The figures are plausible approximations of each venue's listings (symbol format, tick, step,
minimums, fees, leverage, funding interval and cap), not authoritative copies: a venue module
may override them (``VenueModule.markets``). ``default_markets(venue, count=100)`` extends the
four hand-written markets with generated ones — the same underlyings on every venue, so that
funding can be compared across venues — cheaply and deterministically.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

from simulator.engine.market import FundingStyle, MarketSpec
from simulator.engine.params import PriceSpec

__all__ = ["DEFAULT_SYMBOLS", "KNOWN_VENUES", "default_prices", "default_markets", "venue_symbol",
           "generated_underlyings"]

D = Decimal
DEFAULT_SYMBOLS = ("BTC", "ETH", "SOL", "PEPE")
KNOWN_VENUES = ("lighter", "paradex", "aster", "backpack", "hyperliquid")

_PRICES = {"BTC": PriceSpec(start=D(100_000), volatility=0.55),
           "ETH": PriceSpec(start=D(3_500), volatility=0.7),
           "SOL": PriceSpec(start=D(180), volatility=0.9),
           "PEPE": PriceSpec(start=D("0.00001"), volatility=1.2)}

# symbol -> (venue symbol, market id, multiplier, tick, step, min size, min notional, max leverage,
#            funding interval hours); venue-wide fields below
_M = tuple[str, int, int, str, str, str, str, int, str]
_LISTINGS: dict[str, dict[str, _M]] = {
    "lighter": {
        "ETH": ("ETH", 0, 1, "0.01", "0.0001", "0.005", "10", 50, "1"),
        "BTC": ("BTC", 1, 1, "0.1", "0.00001", "0.0002", "10", 50, "1"),
        "SOL": ("SOL", 2, 1, "0.001", "0.001", "0.05", "10", 25, "1"),
        "PEPE": ("1000PEPE", 4, 1000, "0.000001", "1", "500", "10", 10, "1"),
    },
    "paradex": {
        "BTC": ("BTC-USD-PERP", 0, 1, "0.1", "0.00001", "0.00001", "100", 50, "8"),
        "ETH": ("ETH-USD-PERP", 1, 1, "0.01", "0.001", "0.001", "100", 50, "8"),
        "SOL": ("SOL-USD-PERP", 2, 1, "0.001", "0.01", "0.01", "100", 20, "8"),
        "PEPE": ("PEPE-USD-PERP", 3, 1, "0.000000001", "1000", "1000", "100", 10, "8"),
    },
    "aster": {
        "BTC": ("BTCUSDT", 0, 1, "0.1", "0.001", "0.001", "5", 125, "8"),
        "ETH": ("ETHUSDT", 1, 1, "0.01", "0.001", "0.001", "5", 100, "8"),
        "SOL": ("SOLUSDT", 2, 1, "0.01", "0.01", "0.01", "5", 75, "4"),
        "PEPE": ("1000PEPEUSDT", 3, 1000, "0.0000001", "1", "1", "5", 50, "4"),
    },
    "backpack": {
        "BTC": ("BTC_USDC_PERP", 0, 1, "0.1", "0.00001", "0.00001", "5", 50, "1"),
        "ETH": ("ETH_USDC_PERP", 1, 1, "0.01", "0.0001", "0.0001", "5", 50, "1"),
        "SOL": ("SOL_USDC_PERP", 2, 1, "0.01", "0.01", "0.01", "5", 50, "1"),
        "PEPE": ("kPEPE_USDC_PERP", 3, 1000, "0.000001", "1", "1", "5", 10, "1"),
    },
    "hyperliquid": {
        "BTC": ("BTC", 0, 1, "1", "0.00001", "0.00001", "10", 40, "1"),
        "ETH": ("ETH", 1, 1, "0.1", "0.0001", "0.0001", "10", 25, "1"),
        "SOL": ("SOL", 2, 1, "0.01", "0.01", "0.01", "10", 20, "1"),
        "PEPE": ("kPEPE", 3, 1000, "0.000001", "1", "1", "10", 10, "1"),
    },
}
# venue -> quote, maker fee, taker fee, funding style, funding cap per interval, volume share
_VENUE: dict[str, dict[str, Any]] = {
    "lighter": {"quote": "USDC", "maker": "0", "taker": "0", "style": FundingStyle.INTERVAL,
                "cap": "0.005", "share": "0.5"},
    "paradex": {"quote": "USD", "maker": "0", "taker": "0.0002", "style": FundingStyle.CONTINUOUS,
                "cap": "0.02", "share": "0.2"},
    "aster": {"quote": "USDT", "maker": "0.0001", "taker": "0.00035", "style": FundingStyle.INTERVAL,
              "cap": "0.004", "share": "0.4"},
    "backpack": {"quote": "USDC", "maker": "0.0002", "taker": "0.0005", "style": FundingStyle.INTERVAL,
                 "cap": "0.01", "share": "0.1"},
    "hyperliquid": {"quote": "USDC", "maker": "0.00015", "taker": "0.00045", "style": FundingStyle.INTERVAL,
                    "cap": "0.04", "share": "1"},
}
_GENERIC = {"quote": "USD", "maker": "0.0002", "taker": "0.0005", "style": FundingStyle.INTERVAL,
            "cap": "0.01", "share": "0.2"}
# BTC-equivalent 24h volume / open interest on the largest venue, and each underlying's share
_BTC_VOLUME, _BTC_OI = D(2_000_000_000), D(1_000_000_000)
_SHARE = {"BTC": D(1), "ETH": D("0.6"), "SOL": D("0.25"), "PEPE": D("0.05")}

_REAL_TICKERS = (
    "DOGE", "XRP", "AVAX", "LINK", "ARB", "OP", "SUI", "APT", "WIF", "BNB", "LTC", "ADA", "DOT", "NEAR",
    "TIA", "SEI", "INJ", "TRX", "AAVE", "UNI", "ATOM", "FIL", "ENA", "JUP", "ONDO", "HYPE", "TAO",
    "WLD", "STRK", "LDO", "CRV", "MKR", "RUNE", "ORDI", "PENDLE", "POPCAT", "BONK", "FET", "RENDER", "ETC",
)


def venue_symbol(venue: str, symbol: str, multiplier: int = 1) -> str:
    """The venue's own spelling of an underlying (with its multiplier prefix)."""
    prefix = {1: "", 1000: "k"}.get(multiplier, f"{multiplier}")
    if venue == "lighter":
        return f"{multiplier}{symbol}" if multiplier > 1 else symbol
    if venue == "paradex":
        return f"{symbol}-USD-PERP"
    if venue == "aster":
        return f"{multiplier if multiplier > 1 else ''}{symbol}USDT"
    if venue == "backpack":
        return f"{prefix}{symbol}_USDC_PERP"
    if venue == "hyperliquid":
        return f"{prefix}{symbol}"
    return f"{prefix}{symbol}-PERP"


def generated_underlyings(count: int) -> list[tuple[str, PriceSpec]]:
    """``count`` further underlyings with deterministic prices and volatilities."""
    out = []
    for i in range(count):
        name = _REAL_TICKERS[i] if i < len(_REAL_TICKERS) else f"SIM{i + 1:03d}"
        rng = random.Random(f"catalog:{name}")
        price = D(str(round(math.exp(rng.uniform(math.log(0.05), math.log(500))), 6))).normalize()
        out.append((name, PriceSpec(start=price, volatility=round(rng.uniform(0.6, 1.4), 2))))
    return out


def default_prices(extra: int = 0) -> dict[str, PriceSpec]:
    prices = dict(_PRICES)
    prices.update(generated_underlyings(extra))
    return prices


def _pow10(exponent: int) -> Decimal:
    return D(1).scaleb(exponent)


def _generated_spec(venue: str, name: str, price: PriceSpec, market_id: int, index: int) -> MarketSpec:
    p = float(price.start)
    tick = _pow10(math.floor(math.log10(p)) - 4)          # five significant figures
    step = _pow10(math.floor(math.log10(1 / p)))          # one step is worth $0.1-$1
    if venue == "aster":      # per-symbol intervals: mostly 8h, some 4h, some 1h
        hours = "1" if index % 10 == 3 else "4" if index % 10 in (1, 6) else "8"
    elif venue == "paradex":
        hours = "8"
    else:
        hours = "1"
    weight = D(1) / (index + 4)
    return _spec(venue, name, (venue_symbol(venue, name), market_id, 1, str(tick), str(step), str(step),
                               "10", 20, hours), weight)


def _spec(venue: str, symbol: str, row: _M, share: Decimal) -> MarketSpec:
    vsym, mid, mult, tick, step, min_size, min_notional, lev, hours = row
    v = _VENUE.get(venue, _GENERIC)
    volume = _BTC_VOLUME * share * D(v["share"])
    return MarketSpec(
        symbol=symbol, venue_symbol=vsym, market_id=mid, multiplier=mult, quote=v["quote"],
        tick_size=D(tick), step_size=D(step), min_size=D(min_size), min_notional=D(min_notional),
        max_leverage=D(lev), maker_fee=D(v["maker"]), taker_fee=D(v["taker"]), funding_style=v["style"],
        funding_interval_hours=D(hours), funding_cap=D(v["cap"]),
        baseline_volume_24h_usd=volume.quantize(D(1)),
        baseline_open_interest_usd=(volume * _BTC_OI / _BTC_VOLUME).quantize(D(1)))


def _generic_row(venue: str, symbol: str, market_id: int) -> _M:
    p = float(_PRICES[symbol].start)
    mult = 1000 if p < 0.001 else 1
    tick = _pow10(math.floor(math.log10(p * mult)) - 5)
    step = _pow10(math.floor(math.log10(1 / (p * mult))))
    return (venue_symbol(venue, symbol, mult), market_id, mult, str(tick), str(step), str(step),
            "10", 20, "1")


def default_markets(venue: str, count: int | None = None,
                    symbols: tuple[str, ...] | list[str] = DEFAULT_SYMBOLS) -> list[MarketSpec]:
    """The venue's listings of ``symbols`` (of BTC/ETH/SOL/PEPE), then generated markets up to
    ``count`` markets in all."""
    listings = _LISTINGS.get(venue, {})
    specs = []
    for i, symbol in enumerate(s for s in symbols if s in _PRICES):
        row = listings.get(symbol) or _generic_row(venue, symbol, i)
        specs.append(_spec(venue, symbol, row, _SHARE[symbol]))
    extra = max(0, (count or 0) - len(specs))
    next_id = max((s.market_id for s in specs), default=-1) + 1
    for i, (name, price) in enumerate(generated_underlyings(extra)):
        specs.append(_generated_spec(venue, name, price, next_id + i, i))
    return specs
