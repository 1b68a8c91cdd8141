"""Hyperliquid funding and market statistics from ``metaAndAssetCtxs`` (pure).

Interval: Hyperliquid pays funding **every hour**, and ``ctx.funding`` is that **hourly** rate
(docs "Funding": the formula is stated on an 8-hour basis, and one eighth of it is paid each
hour; the hourly interest floor shows as ``"0.0000125"``). So ``raw_rate = funding``,
``interval_hours = 1``, ``normalized_rate = funding × 8``. Settlement is on the hour.

Statistics: ``dayNtlVlm`` is the 24h notional volume in USD; ``openInterest`` is in coins
(venue contracts), so its USD value is ``openInterest × markPx``. Prices of multiplier markets
(``kPEPE``: per 1000 PEPE) are divided by the multiplier.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange_clients.base_funding_adapter import normalize_to_8h
from exchange_clients.common.symbols import normalize
from exchange_clients.hyperliquid.client.utils.converters import dec
from exchange_clients.hyperliquid.client.utils.helpers import FUNDING_INTERVAL_HOURS, VENUE
from exchange_clients.models import FundingRateSample, MarketStats

__all__ = ["funding_samples", "market_stats", "next_hour"]


def next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _listed(meta: dict[str, Any], ctxs: list[dict[str, Any]]
            ) -> list[tuple[str, Decimal, dict[str, Any]]]:
    """(symbol, multiplier, ctx) of every listed, not delisted perp."""
    out = []
    for asset, raw in enumerate(meta.get("universe") or []):
        if raw.get("isDelisted") or asset >= len(ctxs):
            continue
        symbol, multiplier = normalize(str(raw["name"]))
        out.append((symbol, multiplier, ctxs[asset]))
    return out


def funding_samples(meta: dict[str, Any], ctxs: list[dict[str, Any]], now: datetime
                    ) -> dict[str, FundingRateSample]:
    samples: dict[str, FundingRateSample] = {}
    for symbol, multiplier, ctx in _listed(meta, ctxs):
        hourly = dec(ctx.get("funding"))
        if hourly is None:
            continue
        mark, oracle = dec(ctx.get("markPx")), dec(ctx.get("oraclePx"))
        samples[symbol] = FundingRateSample(
            venue=VENUE, symbol=symbol, raw_rate=hourly, interval_hours=FUNDING_INTERVAL_HOURS,
            normalized_rate=normalize_to_8h(hourly, FUNDING_INTERVAL_HOURS), timestamp=now,
            next_funding_time=next_hour(now),
            mark_price=mark / multiplier if mark else None,
            index_price=oracle / multiplier if oracle else None)
    return samples


def market_stats(meta: dict[str, Any], ctxs: list[dict[str, Any]], now: datetime
                 ) -> dict[str, MarketStats]:
    out: dict[str, MarketStats] = {}
    for symbol, multiplier, ctx in _listed(meta, ctxs):
        mark, oracle = dec(ctx.get("markPx")), dec(ctx.get("oraclePx"))
        open_interest = dec(ctx.get("openInterest"))
        out[symbol] = MarketStats(
            venue=VENUE, symbol=symbol, mark_price=mark / multiplier if mark else None,
            index_price=oracle / multiplier if oracle else None,
            volume_24h_usd=dec(ctx.get("dayNtlVlm")),
            open_interest_usd=open_interest * mark if open_interest is not None and mark else None,
            timestamp=now)
    return out
