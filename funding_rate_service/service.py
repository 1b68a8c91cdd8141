"""``FundingService``: collector + storage + ranking, the object the API, the CLI and strategies
use. Venue adapters come only from ``exchange_clients.registry``.

    async with await FundingService.create({"lighter": None, "aster": None}, database=db) as svc:
        await svc.refresh()                           # one collection round
        best = await svc.best(OpportunityFilters(min_volume_usd=Decimal(1_000_000)))
        svc.start()                                   # or keep collecting in the background
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from database import Database
from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.errors import ConfigurationError
from exchange_clients.registry import create_funding_adapter
from funding_rate_service.collector import Collector, CycleResult, VenueResult
from funding_rate_service.depth import DepthProvider
from funding_rate_service.errors import HistoryUnavailableError, NoVenuesError, UnknownVenueError
from funding_rate_service.models import (
    HistoryPoint,
    Opportunity,
    OpportunityFilters,
    RankResult,
    RateView,
    VenueHealth,
)
from funding_rate_service.normalization import age_seconds, apr_from_8h, is_stale, rate_8h
from funding_rate_service.opportunities import OpportunityEngine
from funding_rate_service.storage import DatabaseSink
from helpers.time import monotonic, utc_now
from helpers.unified_logger import get_logger

__all__ = ["FundingService", "ServiceSettings", "AdapterFactory"]

_log = get_logger("funding_rate_service.service")
AdapterFactory = Callable[[str, Any], BaseFundingAdapter]


class ServiceSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    interval_seconds: float = Field(default=30.0, gt=0, description="Between collection rounds.")
    venue_timeout: float = Field(default=10.0, gt=0, description="Per venue and round.")
    markets_ttl: float = Field(default=3600.0, gt=0, description="Market metadata refresh period.")
    depth_candidates: int = Field(default=50, ge=1,
                                  description="With a depth minimum, books are looked at for the "
                                              "legs of this many best candidates.")
    default_filters: OpportunityFilters = Field(default_factory=OpportunityFilters)


class FundingService:
    def __init__(self, collector: Collector, *, sink: DatabaseSink | None = None,
                 engine: OpportunityEngine | None = None, depth: DepthProvider | None = None,
                 settings: ServiceSettings | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.collector = collector
        self.sink = sink
        self.engine = engine or OpportunityEngine()
        self.depth = depth
        self.settings = settings or ServiceSettings()
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self.cycles = 0
        self.last_cycle: CycleResult | None = None
        self.last_cycle_seconds: float | None = None
        self._ranking: RankResult | None = None

    @classmethod
    async def create(cls, venues: Mapping[str, Any], *, database: Database | None = None,
                     settings: ServiceSettings | None = None, depth: DepthProvider | None = None,
                     adapter_factory: AdapterFactory = create_funding_adapter) -> FundingService:
        """Adapters for ``venues`` (name -> ``VenueConfig``, a mapping of its fields, or None
        for the venue's public defaults), created through the registry."""
        if not venues:
            raise NoVenuesError("no venue to collect funding from")
        settings = settings or ServiceSettings()
        adapters: dict[str, BaseFundingAdapter] = {}
        try:
            for venue, config in venues.items():
                adapters[venue] = adapter_factory(venue, config)
        except ConfigurationError:
            for adapter in adapters.values():
                await adapter.close()
            raise
        sink = DatabaseSink(database) if database is not None else None
        collector = Collector(adapters, timeout=settings.venue_timeout, markets_ttl=settings.markets_ttl,
                              sink=sink)
        return cls(collector, sink=sink, depth=depth, settings=settings)

    @property
    def venues(self) -> list[str]:
        return self.collector.venues

    def now(self) -> datetime:
        return self._clock()

    # ---- lifecycle --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def start(self) -> None:
        """Collect every ``settings.interval_seconds`` in the background until :meth:`stop`."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="funding-collector")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise   # we are being cancelled ourselves, not just our loop
        await self.collector.drain()

    async def close(self) -> None:
        await self.stop()
        await self.collector.close()
        if self.depth is not None:
            await self.depth.close()

    async def _run(self) -> None:
        while True:
            started = monotonic()
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 — a bug in one round must not end collection; logged
                _log.exception("funding collection round failed")
            await asyncio.sleep(max(0.0, self.settings.interval_seconds - (monotonic() - started)))

    # ---- collection -------------------------------------------------------------------

    async def refresh(self, on_result: Callable[[VenueResult], Any] | None = None) -> CycleResult:
        """One collection round (fetched, normalised, stored)."""
        started = monotonic()
        cycle = await self.collector.collect(on_result)
        self._ranking = None
        self.cycles += 1
        self.last_cycle, self.last_cycle_seconds = cycle, monotonic() - started
        if cycle.failed_venues:
            _log.info("round %d: %d venues ok, failed: %s", self.cycles, len(cycle.ok_venues),
                      ", ".join(cycle.failed_venues))
        return cycle

    # ---- queries ----------------------------------------------------------------------

    def check_venue(self, venue: str) -> None:
        if venue not in self.venues:
            raise UnknownVenueError(venue, self.venues)

    def rates(self, venue: str | None = None, symbol: str | None = None) -> list[RateView]:
        """Current funding per (venue, symbol), as last collected; stale ones are marked."""
        if venue is not None:
            self.check_venue(venue)
        now = self._clock()
        factor = self.settings.default_filters.staleness_factor
        views = []
        for name, snap in sorted(self.collector.snapshots().items()):
            if venue is not None and name != venue:
                continue
            for sym, sample in sorted(snap.samples.items()):
                if symbol is not None and sym != symbol.upper():
                    continue
                stats, market = snap.stats.get(sym), snap.markets.get(sym)
                r8 = rate_8h(sample)
                views.append(RateView(
                    venue=name, symbol=sym, raw_rate=sample.raw_rate, interval_hours=sample.interval_hours,
                    rate_8h=r8, apr=apr_from_8h(r8), sampled_at=sample.timestamp,
                    age_seconds=age_seconds(sample.timestamp, now), stale=is_stale(sample, now, factor),
                    next_funding_time=sample.next_funding_time,
                    mark_price=sample.mark_price or (stats.mark_price if stats else None),
                    index_price=sample.index_price or (stats.index_price if stats else None),
                    volume_24h_usd=stats.volume_24h_usd if stats else None,
                    open_interest_usd=stats.open_interest_usd if stats else None,
                    maker_fee=market.maker_fee if market else None,
                    taker_fee=market.taker_fee if market else None))
        return views

    async def opportunities(self, filters: OpportunityFilters | None = None) -> RankResult:
        """The ranking of the latest collected data under ``filters`` (default: the
        service's default filters)."""
        filters = filters or self.settings.default_filters
        if filters.venues is not None:
            for venue in filters.venues:
                self.check_venue(venue)
        samples, stats, markets = self.collector.samples(), self.collector.stats(), self.collector.markets()
        now = self._clock()
        if filters.min_depth_usd is None or self.depth is None:
            return self.engine.analyse(samples, stats, markets, filters, now=now)
        # depth costs a book subscription per leg: look only at the legs of the best candidates
        relaxed = filters.model_copy(update={"min_depth_usd": None, "limit": self.settings.depth_candidates})
        candidates = self.engine.rank(samples, stats, markets, relaxed, now=now)
        keys = {(leg.venue, o.symbol) for o in candidates for leg in (o.long, o.short)}
        depth = await self.depth.depth(keys)
        return self.engine.analyse(samples, stats, markets, filters, depth=depth, now=now)

    async def best(self, filters: OpportunityFilters | None = None) -> Opportunity | None:
        result = await self.opportunities(filters)
        return result.opportunities[0] if result.opportunities else None

    async def history(self, venue: str, symbol: str, since: datetime, until: datetime | None = None,
                      limit: int | None = None) -> list[HistoryPoint]:
        self.check_venue(venue)
        if self.sink is None:
            raise HistoryUnavailableError("funding history needs a database; this service runs without one")
        return await self.sink.history(venue, symbol.upper(), since, until, limit)

    def health(self) -> list[VenueHealth]:
        return self.collector.health(self._clock())

    def summary(self) -> dict[str, Any]:
        """Overall status for ``/health``: ok when every venue is ok, degraded when some are,
        down when none is (or nothing was collected yet: starting)."""
        health = self.health()
        ok = sum(1 for h in health if h.status == "ok")
        if self.cycles == 0:
            status = "starting"
        elif ok == len(health):
            status = "ok"
        elif ok > 0 or any(h.status == "degraded" for h in health):
            status = "degraded"
        else:
            status = "down"
        return {"status": status, "venues": {h.venue: h.status for h in health}, "cycles": self.cycles,
                "last_cycle_at": self.last_cycle.finished_at if self.last_cycle else None,
                "storage": self.sink is not None,
                "opportunities": self.opportunities_found()[0]}

    @property
    def last_ranking(self) -> RankResult | None:
        """The last round's data ranked with the default filters (computed when first asked
        for after a round: metrics and /health need it, a scan need not pay for it twice)."""
        if self._ranking is None and self.cycles:
            self._ranking = self.engine.analyse(self.collector.samples(), self.collector.stats(),
                                                self.collector.markets(), self.settings.default_filters,
                                                now=self.last_cycle.finished_at if self.last_cycle else None)
        return self._ranking

    def opportunities_found(self) -> tuple[int, int]:
        """(all, positive net APR) in the last round's default ranking."""
        ranking = self.last_ranking
        if ranking is None:
            return 0, 0
        ops = ranking.opportunities
        return len(ops), sum(1 for o in ops if o.net_apr > Decimal(0))

