"""Lighter funding and market statistics from REST bodies (pure).

``funding-rates`` quotes each market's current rate as a fraction over **eight hours** (one row
per market and exchange; Lighter's own rows have ``exchange == "lighter"``) — the unit seen in
recorded mainnet responses; Lighter *settles* hourly, so the hourly rate is ``rate / 8``.
``orderBookDetails`` carries mark price, 24h quote volume (USD) and open interest in base units.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange_clients.common.symbols import normalize
from exchange_clients.models import FundingRateSample, MarketStats

__all__ = ["funding_samples", "market_stats", "next_hour"]

VENUE = "lighter"
_EIGHT = Decimal(8)


def _dec(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value))


def next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def funding_samples(rates_body: dict[str, Any], details: dict[str, dict[str, Any]],
                    now: datetime) -> dict[str, FundingRateSample]:
    """``funding-rates`` rows of Lighter → samples keyed by normalised symbol. ``details`` maps
    market id (str) → its ``orderBookDetails`` entry, for the mark and index prices."""
    samples: dict[str, FundingRateSample] = {}
    for row in rates_body.get("funding_rates") or []:
        if row.get("exchange") != VENUE:
            continue
        rate_8h = _dec(row.get("rate"))
        if rate_8h is None:
            continue
        detail = details.get(str(row.get("market_id")), {})
        symbol, multiplier = normalize(str(row.get("symbol") or detail.get("symbol")))
        mark = _dec(detail.get("mark_price"))
        index = _dec(detail.get("index_price"))
        samples[symbol] = FundingRateSample(
            venue=VENUE, symbol=symbol, raw_rate=rate_8h / _EIGHT, interval_hours=Decimal(1),
            normalized_rate=rate_8h, timestamp=now, next_funding_time=next_hour(now),
            mark_price=mark / multiplier if mark else None,
            index_price=index / multiplier if index else None)
    return samples


def market_stats(details: dict[str, dict[str, Any]], now: datetime) -> dict[str, MarketStats]:
    out: dict[str, MarketStats] = {}
    for detail in details.values():
        symbol, multiplier = normalize(str(detail["symbol"]))
        mark = _dec(detail.get("mark_price")) or _dec(detail.get("last_trade_price"))
        oi = _dec(detail.get("open_interest"))
        out[symbol] = MarketStats(
            venue=VENUE, symbol=symbol, mark_price=mark / multiplier if mark else None,
            index_price=(_dec(detail.get("index_price")) or Decimal(0)) / multiplier or None,
            volume_24h_usd=_dec(detail.get("daily_quote_token_volume")),
            open_interest_usd=oi * mark if oi is not None and mark else None, timestamp=now)
    return out
