"""Storage of collected funding through ``database`` repositories (no SQL here).

Every collected quote becomes a history row (``funding_rate_samples``, unique per venue,
symbol and sample time, so re-collecting the same quote is idempotent) and moves the venue's
latest rate forward; market metadata is upserted when it was refreshed. The stored 8h rate is
the one the service recomputed from the venue's quote (``normalization.rate_8h``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import SQLAlchemyError

from database import Database, DatabaseError
from database.repositories import FundingRateInput, MarketInput
from exchange_clients.models import MarketInfo
from funding_rate_service.collector import VenueSnapshot
from funding_rate_service.errors import StorageError
from funding_rate_service.models import HistoryPoint
from funding_rate_service.normalization import rate_8h

__all__ = ["DatabaseSink", "funding_inputs", "market_inputs"]


def funding_inputs(snapshot: VenueSnapshot) -> list[FundingRateInput]:
    rows = []
    for symbol, sample in snapshot.samples.items():
        stats = snapshot.stats.get(symbol)
        rows.append(FundingRateInput(
            venue=sample.venue, symbol=symbol, sampled_at=sample.timestamp, raw_rate=sample.raw_rate,
            normalized_rate=rate_8h(sample), interval_hours=sample.interval_hours,
            mark_price=_first(sample.mark_price, stats.mark_price if stats else None),
            index_price=_first(sample.index_price, stats.index_price if stats else None),
            open_interest_usd=stats.open_interest_usd if stats else None,
            volume_24h_usd=stats.volume_24h_usd if stats else None,
            next_funding_at=sample.next_funding_time))
    return rows


def _first(value: Decimal | None, fallback: Decimal | None) -> Decimal | None:
    return value if value is not None else fallback


def market_inputs(markets: list[MarketInfo]) -> list[MarketInput]:
    return [MarketInput(
        venue=m.venue, symbol=m.symbol, venue_symbol=m.venue_symbol, market_id=m.market_id,
        base_asset=m.base_asset, quote_asset=m.quote_asset, tick_size=m.tick_size, step_size=m.step_size,
        min_size=m.min_size, min_notional=m.min_notional, max_leverage=m.max_leverage,
        maker_fee=m.maker_fee, taker_fee=m.taker_fee, funding_interval_hours=m.funding_interval_hours,
        multiplier=m.multiplier, tradeable=m.tradeable) for m in markets]


class DatabaseSink:
    """Writes collected rounds to a :class:`database.Database` and reads history back."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # one writer at a time: SQLite serialises writers anyway, and queueing here instead of
        # in SQLite's busy handler keeps each transaction short
        self._write_lock = asyncio.Lock()

    async def store(self, snapshot: VenueSnapshot, *, markets_refreshed: bool) -> int:
        rows = funding_inputs(snapshot)
        async with self._write_lock:
            try:
                added = await self.db.funding.record(rows)
                if markets_refreshed and snapshot.markets:
                    await self.db.markets.upsert(market_inputs(list(snapshot.markets.values())))
            except (SQLAlchemyError, DatabaseError, OSError) as exc:
                raise StorageError(f"storing {snapshot.venue} funding failed: "
                                   f"{type(exc).__name__}: {exc}") from exc
        return added

    async def history(self, venue: str, symbol: str, since: datetime, until: datetime | None,
                      limit: int | None) -> list[HistoryPoint]:
        try:
            rows = await self.db.funding.history(venue, symbol, since, until, limit=limit)
        except (SQLAlchemyError, DatabaseError, OSError) as exc:
            raise StorageError(f"reading {venue}/{symbol} history failed: {type(exc).__name__}") from exc
        return [HistoryPoint(sampled_at=r.sampled_at, raw_rate=r.raw_rate, interval_hours=r.interval_hours,
                             rate_8h=r.normalized_rate, mark_price=r.mark_price,
                             open_interest_usd=r.open_interest_usd, volume_24h_usd=r.volume_24h_usd)
                for r in rows]
