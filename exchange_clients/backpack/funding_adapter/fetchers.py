"""Backpack funding and market statistics from REST bodies (pure).

``/api/v1/markPrices`` quotes ``fundingRate`` as a plain fraction **per funding interval** —
the estimate of the interval in progress — and ``nextFundingTimestamp`` in ms. The interval
comes from each market's ``fundingInterval`` (ms) in ``/api/v1/markets``: 3600000 (hourly)
on every perp since 2025-08-20, 28800000 before, read per market, never assumed. The 8-hour
equivalent is ``rate × 8 / interval_hours``. ``/api/v1/tickers`` gives 24h ``quoteVolume``
(USDC); ``/api/v1/openInterest`` is in contracts (kPEPE: units of 1000 PEPE), valued at the mark.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.helpers import VENUE, opt_dec
from exchange_clients.base_funding_adapter import normalize_to_8h
from exchange_clients.common.markets import MarketEntry
from exchange_clients.models import FundingRateSample, MarketStats
from helpers.time import from_ms

__all__ = ["funding_samples", "market_stats"]

Entries = dict[str, MarketEntry[BackpackMarket]]   # venue symbol -> entry


def funding_samples(mark_prices: list[dict[str, Any]], entries: Entries,
                    now: datetime) -> dict[str, FundingRateSample]:
    """``markPrices`` rows → samples keyed by normalised symbol (perps of the catalogue only)."""
    samples: dict[str, FundingRateSample] = {}
    for row in mark_prices:
        entry = entries.get(str(row.get("symbol")))
        rate = opt_dec(row.get("fundingRate"))
        if entry is None or rate is None:
            continue
        info, multiplier = entry.info, entry.venue_data.multiplier
        hours = info.funding_interval_hours
        mark, index = opt_dec(row.get("markPrice")), opt_dec(row.get("indexPrice"))
        next_ts = row.get("nextFundingTimestamp")
        samples[info.symbol] = FundingRateSample(
            venue=VENUE, symbol=info.symbol, raw_rate=rate, interval_hours=hours,
            normalized_rate=normalize_to_8h(rate, hours), timestamp=now,
            next_funding_time=from_ms(int(next_ts)) if next_ts not in (None, "") else None,
            mark_price=mark / multiplier if mark is not None else None,
            index_price=index / multiplier if index is not None else None)
    return samples


def _by_symbol(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(row.get("symbol")): row for row in rows}


def market_stats(entries: Entries, mark_prices: list[dict[str, Any]],
                 tickers: list[dict[str, Any]], open_interest: list[dict[str, Any]],
                 now: datetime) -> dict[str, MarketStats]:
    marks, ticks, ois = _by_symbol(mark_prices), _by_symbol(tickers), _by_symbol(open_interest)
    out: dict[str, MarketStats] = {}
    for venue_symbol, entry in entries.items():
        multiplier = entry.venue_data.multiplier
        mark_row, ticker, oi_row = marks.get(venue_symbol, {}), ticks.get(venue_symbol, {}), \
            ois.get(venue_symbol, {})
        mark = opt_dec(mark_row.get("markPrice")) or opt_dec(ticker.get("lastPrice"))
        index = opt_dec(mark_row.get("indexPrice"))
        contracts = opt_dec(oi_row.get("openInterest"))
        out[entry.info.symbol] = MarketStats(
            venue=VENUE, symbol=entry.info.symbol,
            mark_price=mark / multiplier if mark is not None else None,
            index_price=index / multiplier if index is not None else None,
            volume_24h_usd=opt_dec(ticker.get("quoteVolume")),
            # contracts × price per contract = USD, multiplier or not
            open_interest_usd=contracts * mark if contracts is not None and mark is not None else None,
            timestamp=now)
    return out
