"""The collector: one round of every venue's funding, stats and market metadata, concurrently.

Each venue is fetched in its own task under its own timeout, so a slow or failing venue costs
the others nothing: they are stored and served as soon as they answer. Per venue the collector
keeps the last good snapshot (the ranking's staleness rule decides when it is too old to use)
and its health: attempts, last success, latency, errors by kind. Failures are logged with
their reason, counted, and surfaced by ``health()`` — never swallowed.

Market metadata (fees, intervals, tradeable) changes rarely: it is fetched on the first round,
then every ``markets_ttl`` seconds, or as soon as a quoted symbol has no metadata (a listing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.errors import ExchangeError
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from funding_rate_service.errors import StorageError
from funding_rate_service.models import VenueHealth, VenueStatus
from funding_rate_service.normalization import age_seconds
from helpers.time import monotonic, utc_now
from helpers.unified_logger import get_logger

__all__ = ["Collector", "VenueSnapshot", "VenueResult", "CycleResult", "SampleSink", "DOWN_AFTER_ERRORS"]

_log = get_logger("funding_rate_service.collector")
T = TypeVar("T")
#: consecutive failed rounds after which a venue is reported "down" rather than "degraded"
DOWN_AFTER_ERRORS = 3
#: a quoted symbol missing from the metadata triggers a metadata refresh at most this often
NEW_LISTING_RECHECK_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """The last good answer of one venue."""

    venue: str
    samples: Mapping[str, FundingRateSample]
    stats: Mapping[str, MarketStats]
    markets: Mapping[str, MarketInfo]
    fetched_at: datetime
    markets_fetched_at: datetime | None


@dataclass(frozen=True, slots=True)
class VenueResult:
    venue: str
    ok: bool
    latency_seconds: float
    symbols: int = 0
    stored: int = 0
    markets_refreshed: bool = False
    error: str | None = None
    error_kind: str | None = None


@dataclass(frozen=True, slots=True)
class CycleResult:
    started_at: datetime
    finished_at: datetime
    results: tuple[VenueResult, ...]

    @property
    def ok_venues(self) -> list[str]:
        return [r.venue for r in self.results if r.ok]

    @property
    def failed_venues(self) -> list[str]:
        return [r.venue for r in self.results if not r.ok]


class SampleSink(Protocol):
    """Where collected rounds go (``storage.DatabaseSink``). Raises ``StorageError``."""

    async def store(self, snapshot: VenueSnapshot, *, markets_refreshed: bool) -> int: ...


@dataclass
class _Health:
    attempts: int = 0
    errors: int = 0
    consecutive_errors: int = 0
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_latency: float | None = None
    latency_sum: float = 0.0
    last_error: str | None = None
    last_error_kind: str | None = None
    samples_stored: int = 0
    storage_errors: int = 0

    def status(self) -> VenueStatus:
        if self.attempts == 0:
            return "pending"
        if self.consecutive_errors == 0:
            return "ok"
        if self.last_success is None or self.consecutive_errors >= DOWN_AFTER_ERRORS:
            return "down"
        return "degraded"


class Collector:
    """Collects every venue of ``adapters`` concurrently; see the module docstring."""

    def __init__(self, adapters: Mapping[str, BaseFundingAdapter], *, timeout: float = 10.0,
                 markets_ttl: float = 3600.0, sink: SampleSink | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._adapters = dict(adapters)
        self.timeout = timeout
        self.markets_ttl = markets_ttl
        self._sink = sink
        self._clock = clock
        self._snapshots: dict[str, VenueSnapshot] = {}
        self._health = {venue: _Health() for venue in self._adapters}
        self._writes: set[asyncio.Future[int]] = set()

    @property
    def venues(self) -> list[str]:
        return sorted(self._adapters)

    def snapshots(self) -> dict[str, VenueSnapshot]:
        return dict(self._snapshots)

    def samples(self) -> list[FundingRateSample]:
        return [s for snap in self._snapshots.values() for s in snap.samples.values()]

    def stats(self) -> list[MarketStats]:
        return [s for snap in self._snapshots.values() for s in snap.stats.values()]

    def markets(self) -> list[MarketInfo]:
        return [m for snap in self._snapshots.values() for m in snap.markets.values()]

    async def collect(self, on_result: Callable[[VenueResult], Any] | None = None) -> CycleResult:
        """One round of every venue. Never raises for a venue's failure: that is in the
        result and in ``health()``. ``on_result`` is called as each venue finishes."""
        started = self._clock()
        results = await asyncio.gather(*(self._collect_venue(v, on_result) for v in self.venues))
        return CycleResult(started, self._clock(), tuple(results))

    async def _collect_venue(self, venue: str, on_result: Callable[[VenueResult], Any] | None
                             ) -> VenueResult:
        result = await self._fetch_venue(venue)
        if result.ok and self._sink is not None:
            result = await self._store(venue, result)
        if on_result is not None:
            on_result(result)
        return result

    async def _fetch_venue(self, venue: str) -> VenueResult:
        adapter, health = self._adapters[venue], self._health[venue]
        previous = self._snapshots.get(venue)
        attempted_at = self._clock()
        health.attempts += 1
        health.last_attempt = attempted_at
        start = monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                snapshot, refreshed = await self._fetch(adapter, venue, previous, attempted_at)
        except TimeoutError:
            return self._failed(venue, start, "timeout", f"no answer within {self.timeout:g} s")
        except ExchangeError as exc:
            return self._failed(venue, start, type(exc).__name__, str(exc))
        except Exception as exc:  # noqa: BLE001 — one adapter's bug must not stop the others; logged, counted
            _log.exception("funding collection from %s failed unexpectedly", venue)
            return self._failed(venue, start, type(exc).__name__, str(exc) or repr(exc))
        latency = monotonic() - start
        self._snapshots[venue] = snapshot
        health.consecutive_errors = 0
        health.last_success = snapshot.fetched_at
        health.last_latency = latency
        health.latency_sum += latency
        return VenueResult(venue, True, latency, symbols=len(snapshot.samples), markets_refreshed=refreshed)

    async def _fetch(self, adapter: BaseFundingAdapter, venue: str, previous: VenueSnapshot | None,
                     now: datetime) -> tuple[VenueSnapshot, bool]:
        markets_age = None if previous is None or previous.markets_fetched_at is None else \
            float(age_seconds(previous.markets_fetched_at, now))
        markets_due = markets_age is None or markets_age >= self.markets_ttl
        calls: list[Awaitable[Any]] = [adapter.fetch_funding_rates(), adapter.fetch_market_data()]
        if markets_due:
            calls.append(adapter.fetch_markets())
        answers = await _all_or_nothing(calls)
        samples, stats = answers[0], answers[1]
        markets: Mapping[str, MarketInfo]
        markets_at: datetime | None
        if markets_due or previous is None:
            markets, markets_at = answers[2], now
        else:
            markets, markets_at = previous.markets, previous.markets_fetched_at
            unknown = any(symbol not in markets for symbol in samples)
            if unknown and markets_age is not None and markets_age >= NEW_LISTING_RECHECK_SECONDS:
                # a quoted symbol without metadata is probably a new listing: learn its fees
                markets, markets_at, markets_due = await adapter.fetch_markets(), now, True
        _check_venue(venue, samples, stats, markets)
        return VenueSnapshot(venue, samples, stats, markets, now, markets_at), markets_due

    def _failed(self, venue: str, start: float, kind: str, message: str) -> VenueResult:
        latency = monotonic() - start
        health = self._health[venue]
        health.errors += 1
        health.consecutive_errors += 1
        health.errors_by_kind[kind] = health.errors_by_kind.get(kind, 0) + 1
        health.last_error, health.last_error_kind = message, kind
        health.last_latency = latency
        _log.warning("funding collection from %s failed (%s): %s", venue, kind, message)
        return VenueResult(venue, False, latency, error=message, error_kind=kind)

    async def _store(self, venue: str, result: VenueResult) -> VenueResult:
        assert self._sink is not None
        health = self._health[venue]
        # a write is never abandoned half-way: cancelling the round (service stop) lets it
        # finish — a cancelled SQLite transaction can keep the write lock — and close() waits
        write = asyncio.ensure_future(self._sink.store(self._snapshots[venue],
                                                       markets_refreshed=result.markets_refreshed))
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        try:
            stored = await asyncio.shield(write)
        except StorageError as exc:
            health.storage_errors += 1
            _log.error("storing %s funding failed: %s", venue, exc)
            return result
        health.samples_stored += stored
        return VenueResult(result.venue, True, result.latency_seconds, result.symbols, stored,
                           result.markets_refreshed)

    async def drain(self) -> None:
        """Wait for writes still in flight (after a cancelled round)."""
        while self._writes:
            done = await asyncio.gather(*self._writes, return_exceptions=True)
            for outcome in done:
                if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                    _log.error("a funding write finished with an error after its round was "
                               "cancelled: %s", outcome)

    # ---- health -------------------------------------------------------------------------

    def health(self, now: datetime | None = None) -> list[VenueHealth]:
        now = now or self._clock()
        out = []
        for venue in self.venues:
            h, snap = self._health[venue], self._snapshots.get(venue)
            out.append(VenueHealth(
                venue=venue, status=h.status(), last_attempt=h.last_attempt, last_success=h.last_success,
                last_success_age_seconds=age_seconds(h.last_success, now) if h.last_success else None,
                last_latency_seconds=_seconds(h.last_latency), attempts=h.attempts,
                error_count=h.errors, consecutive_errors=h.consecutive_errors, last_error=h.last_error,
                last_error_kind=h.last_error_kind, symbols=len(snap.samples) if snap else 0,
                markets=len(snap.markets) if snap else 0))
        return out

    def counters(self) -> dict[str, dict[str, Any]]:
        """Raw per-venue counters for the metrics endpoint."""
        return {venue: {"attempts": h.attempts, "errors_by_kind": dict(h.errors_by_kind),
                        "last_latency": h.last_latency, "latency_sum": h.latency_sum,
                        "successes": h.attempts - h.errors, "last_success": h.last_success,
                        "samples_stored": h.samples_stored, "storage_errors": h.storage_errors}
                for venue, h in self._health.items()}

    async def close(self) -> None:
        """Finish pending writes, then close every adapter (each closes its HTTP session)."""
        await self.drain()
        for venue, adapter in self._adapters.items():
            try:
                await adapter.close()
            except (ExchangeError, OSError) as exc:
                _log.warning("closing the %s funding adapter failed: %s", venue, exc)


def _seconds(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


def _check_venue(venue: str, samples: Mapping[str, FundingRateSample], stats: Mapping[str, MarketStats],
                 markets: Mapping[str, MarketInfo]) -> None:
    """An adapter answering for another venue, or under other keys, would corrupt the ranking."""
    for kind, values in (("rate", samples), ("stats", stats), ("market", markets)):
        for key, value in values.items():
            if value.venue != venue or value.symbol != key:
                raise ExchangeError(venue, f"adapter returned a {kind} entry for "
                                           f"{value.venue}/{value.symbol} under key {key!r}",
                                    code="BAD_ADAPTER_OUTPUT")


async def _all_or_nothing(calls: list[Awaitable[Any]]) -> list[Any]:
    """Await every call concurrently; if one fails (or we are cancelled), cancel the rest
    and wait for them before re-raising, so nothing keeps running in the background."""
    tasks = [asyncio.ensure_future(c) for c in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
