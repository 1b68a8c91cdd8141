"""Paradex funding and market statistics from REST bodies (pure).

Paradex funding **accrues continuously** (the rate is recomputed every second and settled into
positions continuously); there is no discrete funding event and no next funding time. Each
market quotes ``funding_rate`` per its ``funding_period_hours`` (8 h on perps), and
``GET /funding/data`` adds ``funding_rate_8h``, the venue's own 8-hour figure — that is what
normalises the rate (``FundingRateSample.interval_hours = 0``: continuous; ``raw_rate`` keeps the
quoted per-period rate). Only when a market's funding data is missing is the 8-hour figure
computed as ``funding_rate × 8 / funding_period_hours`` from the summary.

``/markets/summary?market=ALL`` gives mark and index (``underlying_price``) prices per venue
contract, 24h volume in USD and open interest in contracts (→ USD at the mark).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketEntry
from exchange_clients.models import FundingRateSample, MarketStats
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.helpers import dec_or_none
from helpers.time import from_ms

__all__ = ["funding_samples", "market_stats", "latest_row"]

VENUE = "paradex"
_EIGHT = Decimal(8)
_CONTINUOUS = Decimal(0)


def latest_row(rows: Any) -> dict[str, Any] | None:
    """The newest ``/funding/data`` record of a page (by ``created_at``, whatever the order)."""
    best: dict[str, Any] | None = None
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and (best is None or int(dec_or_none(row.get("created_at")) or 0)
                                      > int(dec_or_none(best.get("created_at")) or 0)):
            best = row
    return best


def _per_contract(value: Any, multiplier: Decimal) -> Decimal | None:
    price = dec_or_none(value)
    return price / multiplier if price else None


def funding_samples(entries: Iterable[MarketEntry[ParadexMarket]],
                    summaries: Mapping[str, dict[str, Any]],
                    funding: Mapping[str, dict[str, Any] | None],
                    now: datetime) -> dict[str, FundingRateSample]:
    """One sample per perpetual; keys are normalised symbols. ``summaries`` and ``funding`` are
    keyed by venue symbol."""
    samples: dict[str, FundingRateSample] = {}
    for entry in entries:
        market = entry.venue_data
        summary = summaries.get(market.venue_symbol) or {}
        row = funding.get(market.venue_symbol) or {}
        raw = dec_or_none(row.get("funding_rate"))
        if raw is None:
            raw = dec_or_none(summary.get("funding_rate"))
        if raw is None:
            continue
        rate_8h = dec_or_none(row.get("funding_rate_8h"))
        if rate_8h is None:
            period = dec_or_none(row.get("funding_period_hours")) or market.funding_period_hours
            rate_8h = raw * _EIGHT / period
        stamp = dec_or_none(row.get("created_at")) or dec_or_none(summary.get("created_at"))
        samples[entry.info.symbol] = FundingRateSample(
            venue=VENUE, symbol=entry.info.symbol, raw_rate=raw, interval_hours=_CONTINUOUS,
            normalized_rate=rate_8h, timestamp=from_ms(int(stamp)) if stamp else now,
            next_funding_time=None,
            mark_price=_per_contract(summary.get("mark_price"), market.multiplier),
            index_price=_per_contract(summary.get("underlying_price"), market.multiplier))
    return samples


def market_stats(entries: Iterable[MarketEntry[ParadexMarket]],
                 summaries: Mapping[str, dict[str, Any]], now: datetime) -> dict[str, MarketStats]:
    out: dict[str, MarketStats] = {}
    for entry in entries:
        market = entry.venue_data
        summary = summaries.get(market.venue_symbol)
        if summary is None:
            continue
        mark_contract = dec_or_none(summary.get("mark_price"))
        oi = dec_or_none(summary.get("open_interest"))
        out[entry.info.symbol] = MarketStats(
            venue=VENUE, symbol=entry.info.symbol,
            mark_price=_per_contract(mark_contract, market.multiplier),
            index_price=_per_contract(summary.get("underlying_price"), market.multiplier),
            volume_24h_usd=dec_or_none(summary.get("volume_24h")),
            # contracts × price per contract: the multiplier cancels
            open_interest_usd=oi * mark_contract if oi is not None and mark_contract else None,
            timestamp=now)
    return out
