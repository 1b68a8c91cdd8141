"""Funding-rate history, latest rates, and market metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from database.models import FundingRateSample, LatestFundingRate, Market
from database.repositories._common import dialect_insert
from database.session import SessionFactory
from helpers.time import ensure_utc, utc_now

__all__ = ["FundingRateInput", "FundingRateRepository", "MarketInput", "MarketRepository"]

# rows per INSERT: keeps bound parameters far below SQLite's limit (32766)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FundingRateInput:
    """One observation of a market's funding: rates as the venue quotes them (``raw_rate``
    per ``interval_hours``) and as the 8-hour equivalent (``normalized_rate``)."""

    venue: str
    symbol: str
    sampled_at: datetime
    raw_rate: Decimal
    normalized_rate: Decimal
    interval_hours: Decimal
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    open_interest_usd: Decimal | None = None
    volume_24h_usd: Decimal | None = None
    next_funding_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        data = asdict(self)
        data["sampled_at"] = ensure_utc(self.sampled_at)
        return data


class FundingRateRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def record(self, samples: Sequence[FundingRateInput], *, update_latest: bool = True) -> int:
        """Append samples to the history (a repeated (venue, symbol, time) is ignored) and
        move each market's latest rate forward (never backward). Returns rows added."""
        if not samples:
            return 0
        rows = list({(s.venue, s.symbol, ensure_utc(s.sampled_at)): s.row() for s in samples}.values())
        added = 0
        async with self._sessions.begin() as session:
            insert = dialect_insert(session, FundingRateSample)
            for start in range(0, len(rows), _CHUNK):
                added += len((await session.execute(
                    insert.values(rows[start:start + _CHUNK]).on_conflict_do_nothing(
                        index_elements=["venue", "symbol", "sampled_at"])
                    .returning(FundingRateSample.id))).all())
            if update_latest:
                await self._upsert_latest(session, rows)
        return added

    @staticmethod
    async def _upsert_latest(session: Any, rows: list[dict[str, Any]]) -> None:
        newest: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            key = (row["venue"], row["symbol"])
            if key not in newest or row["sampled_at"] > newest[key]["sampled_at"]:
                newest[key] = {**row, "updated_at": utc_now()}
        insert = dialect_insert(session, LatestFundingRate)
        values = list(newest.values())
        columns = [c for c in values[0] if c not in ("venue", "symbol")]
        for start in range(0, len(values), _CHUNK):
            await session.execute(insert.values(values[start:start + _CHUNK]).on_conflict_do_update(
                index_elements=["venue", "symbol"],
                set_={c: insert.excluded[c] for c in columns},
                where=LatestFundingRate.sampled_at < insert.excluded.sampled_at))

    async def history(self, venue: str, symbol: str, since: datetime,
                      until: datetime | None = None, *, limit: int | None = None
                      ) -> list[FundingRateSample]:
        """Samples of one market with ``since <= sampled_at < until``, oldest first."""
        query = select(FundingRateSample).where(
            FundingRateSample.venue == venue, FundingRateSample.symbol == symbol,
            FundingRateSample.sampled_at >= ensure_utc(since))
        if until is not None:
            query = query.where(FundingRateSample.sampled_at < ensure_utc(until))
        query = query.order_by(FundingRateSample.sampled_at).limit(limit)
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def latest(self, *, venue: str | None = None, symbol: str | None = None
                     ) -> list[LatestFundingRate]:
        query = select(LatestFundingRate).order_by(LatestFundingRate.symbol, LatestFundingRate.venue)
        if venue is not None:
            query = query.where(LatestFundingRate.venue == venue)
        if symbol is not None:
            query = query.where(LatestFundingRate.symbol == symbol)
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def prune(self, before: datetime) -> int:
        """Delete history older than ``before``; returns rows deleted."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(FundingRateSample).where(
                FundingRateSample.sampled_at < ensure_utc(before)).returning(FundingRateSample.id))
            return len(result.all())


@dataclass(frozen=True, slots=True)
class MarketInput:
    """Static trading rules of one market (mirrors ``exchange_clients.models.MarketInfo``)."""

    venue: str
    symbol: str
    venue_symbol: str
    market_id: str
    base_asset: str
    tick_size: Decimal
    step_size: Decimal
    min_size: Decimal
    min_notional: Decimal
    max_leverage: Decimal
    maker_fee: Decimal
    taker_fee: Decimal
    funding_interval_hours: Decimal
    quote_asset: str = "USD"
    multiplier: Decimal = Decimal(1)
    tradeable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class MarketRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def upsert(self, markets: Sequence[MarketInput]) -> None:
        if not markets:
            return
        rows = {(m.venue, m.symbol): {**asdict(m), "updated_at": utc_now()} for m in markets}
        async with self._sessions.begin() as session:
            insert = dialect_insert(session, Market)
            columns = [c for c in next(iter(rows.values())) if c not in ("venue", "symbol")]
            await session.execute(insert.values(list(rows.values())).on_conflict_do_update(
                index_elements=["venue", "symbol"], set_={c: insert.excluded[c] for c in columns}))

    async def get(self, venue: str, symbol: str) -> Market | None:
        async with self._sessions() as session:
            return await session.get(Market, (venue, symbol))

    async def list(self, venue: str | None = None) -> list[Market]:
        query = select(Market).order_by(Market.venue, Market.symbol)
        if venue is not None:
            query = query.where(Market.venue == venue)
        async with self._sessions() as session:
            return list(await session.scalars(query))
