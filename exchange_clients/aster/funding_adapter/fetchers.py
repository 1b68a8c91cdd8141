"""Aster funding and market statistics from REST bodies (pure).

* ``premiumIndex.lastFundingRate`` is the rate of the interval ending at ``nextFundingTime``,
  quoted **per the symbol's own funding interval** (docs.asterdex.com funding formula divides the
  8 h premium by 8/N). The interval is ``fundingInfo[].fundingIntervalHours`` (8 when a symbol is
  not listed there): 8, 4 and 1 h occur. The 8-hour equivalent is ``rate × 8 / N`` — treating a
  4 h symbol's rate as 8-hourly would halve it, a 1 h one's would be an 8× error.
* Volumes: ``ticker/24hr.quoteVolume`` is USDT. Open interest: ``openInterest`` is in contracts,
  valued at the mark price. Prices of multiplier contracts (``1000PEPEUSDT``) are per contract
  and are divided by the multiplier.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.helpers import DEFAULT_FUNDING_HOURS, opt_dec
from exchange_clients.base_funding_adapter import normalize_to_8h
from exchange_clients.common.markets import MarketEntry
from exchange_clients.models import FundingRateSample, MarketStats
from helpers.time import from_ms

__all__ = ["funding_samples", "market_stats"]

VENUE = "aster"
Entries = Mapping[str, MarketEntry[AsterMarket]]


def _per_unit(value: Decimal | None, entry: MarketEntry[AsterMarket]) -> Decimal | None:
    return value / entry.venue_data.multiplier if value else None


def funding_samples(premium: list[dict[str, Any]], intervals: Mapping[str, Decimal],
                    entries: Entries, now: datetime) -> dict[str, FundingRateSample]:
    """``premiumIndex`` rows → samples keyed by normalised symbol. ``entries`` maps the venue
    symbol to its catalogue entry (listed perpetuals only); ``intervals`` the venue symbol to
    ``fundingIntervalHours``."""
    samples: dict[str, FundingRateSample] = {}
    for row in premium:
        venue_symbol = str(row.get("symbol", ""))
        entry = entries.get(venue_symbol)
        rate = opt_dec(row.get("lastFundingRate"))
        if entry is None or rate is None:
            continue
        hours = intervals.get(venue_symbol, DEFAULT_FUNDING_HOURS)
        next_time = row.get("nextFundingTime")
        samples[entry.info.symbol] = FundingRateSample(
            venue=VENUE, symbol=entry.info.symbol, raw_rate=rate, interval_hours=hours,
            normalized_rate=normalize_to_8h(rate, hours), timestamp=now,
            next_funding_time=from_ms(next_time) if isinstance(next_time, int) and next_time > 0
            else None,
            mark_price=_per_unit(opt_dec(row.get("markPrice")), entry),
            index_price=_per_unit(opt_dec(row.get("indexPrice")), entry))
    return samples


def market_stats(premium: list[dict[str, Any]], tickers: list[dict[str, Any]],
                 open_interest: Mapping[str, Decimal], entries: Entries,
                 now: datetime) -> dict[str, MarketStats]:
    """Mark/index from ``premiumIndex``, 24 h quote volume from ``ticker/24hr``, open interest
    (contracts × mark) from ``openInterest``."""
    volumes = {str(t.get("symbol")): opt_dec(t.get("quoteVolume")) for t in tickers}
    out: dict[str, MarketStats] = {}
    for row in premium:
        venue_symbol = str(row.get("symbol", ""))
        entry = entries.get(venue_symbol)
        if entry is None:
            continue
        mark = opt_dec(row.get("markPrice"))
        oi = open_interest.get(venue_symbol)
        out[entry.info.symbol] = MarketStats(
            venue=VENUE, symbol=entry.info.symbol, mark_price=_per_unit(mark, entry),
            index_price=_per_unit(opt_dec(row.get("indexPrice")), entry),
            volume_24h_usd=volumes.get(venue_symbol),
            open_interest_usd=oi * mark if oi is not None and mark else None, timestamp=now)
    return out
