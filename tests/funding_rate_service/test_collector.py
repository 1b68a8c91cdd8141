"""The collector: concurrency, per-venue timeouts, health, metadata refresh, storage."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from database import Database
from exchange_clients.errors import ExchangeError
from exchange_clients.models import FundingRateSample
from funding_rate_service import Collector, StorageError, VenueResult, VenueSnapshot
from funding_rate_service.collector import DOWN_AFTER_ERRORS, NEW_LISTING_RECHECK_SECONDS
from funding_rate_service.storage import DatabaseSink
from helpers.time import utc_now
from tests.funding_rate_service.fakes import FakeAdapter, sample, unavailable

D = Decimal


class Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now


async def test_a_hanging_venue_does_not_block_the_others(db: Database) -> None:
    fast = FakeAdapter("fast", {"BTC": "0.0001", "ETH": "0.0002"})
    slow = FakeAdapter("slow", {"BTC": "0.0005"}, hang=True)
    collector = Collector({"fast": fast, "slow": slow}, timeout=1.0, sink=DatabaseSink(db))
    order: list[str] = []
    fast_stored_before_slow_gave_up: list[int] = []

    def record(result: VenueResult) -> None:
        order.append(result.venue)
        if result.venue == "fast":
            # the fast venue is stored and reported while the slow one is still waiting
            fast_stored_before_slow_gave_up.append(slow.cancelled)

    cycle = await collector.collect(record)
    assert order == ["fast", "slow"]
    assert fast_stored_before_slow_gave_up == [0]
    assert slow.cancelled >= 1                       # its requests were cancelled, not left running
    fast_result, slow_result = sorted(cycle.results, key=lambda r: r.venue)
    assert fast_result.ok and fast_result.stored == 2 and fast_result.symbols == 2
    assert not slow_result.ok and slow_result.error_kind == "timeout"
    assert cycle.ok_venues == ["fast"] and cycle.failed_venues == ["slow"]
    assert len(await db.funding.latest()) == 2
    health = {h.venue: h for h in collector.health()}
    assert health["fast"].status == "ok" and health["fast"].last_success is not None
    assert health["slow"].status == "down" and health["slow"].error_count == 1
    assert health["slow"].last_error_kind == "timeout" and "1 s" in (health["slow"].last_error or "")
    await collector.close()
    assert fast.closed and slow.closed


async def test_venue_errors_are_counted_and_health_goes_degraded_then_down() -> None:
    flaky = FakeAdapter("flaky", {"BTC": "0.0001"})
    collector = Collector({"flaky": flaky}, timeout=1)
    assert collector.health()[0].status == "pending"
    await collector.collect()
    assert collector.health()[0].status == "ok"
    flaky.fail = unavailable("flaky")
    await collector.collect()
    h = collector.health()[0]
    assert (h.status, h.error_count, h.consecutive_errors, h.last_error_kind) == \
        ("degraded", 1, 1, "ExchangeUnavailableError")
    assert "maintenance" in (h.last_error or "")
    assert collector.samples()  # the last good snapshot is kept (the ranking judges its age)
    for _ in range(DOWN_AFTER_ERRORS - 1):
        await collector.collect()
    assert collector.health()[0].status == "down"
    flaky.fail = None
    await collector.collect()
    h = collector.health()[0]
    assert (h.status, h.consecutive_errors, h.error_count, h.attempts) == ("ok", 0, DOWN_AFTER_ERRORS, 5)
    assert collector.counters()["flaky"]["errors_by_kind"] == {"ExchangeUnavailableError": DOWN_AFTER_ERRORS}


async def test_an_unexpected_adapter_bug_is_contained_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    buggy = FakeAdapter("buggy", {"BTC": "0.0001"}, fail=KeyError("mark_price"))
    good = FakeAdapter("good", {"BTC": "0.0002"})
    collector = Collector({"buggy": buggy, "good": good}, timeout=1)
    cycle = await collector.collect()
    assert cycle.ok_venues == ["good"]
    assert collector.health()[0].last_error_kind == "KeyError"
    assert any("buggy" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


async def test_adapter_answering_under_wrong_keys_is_refused() -> None:
    class Mislabelled(FakeAdapter):
        async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
            return {"ETH": sample("mis", "BTC", "0.0001")}

    collector = Collector({"mis": Mislabelled("mis", {"BTC": "0.0001"})}, timeout=1)
    cycle = await collector.collect()
    assert cycle.results[0].error_kind == "ExchangeError"
    assert "under key 'ETH'" in (cycle.results[0].error or "")


async def test_market_metadata_is_refreshed_on_ttl_and_on_new_listing() -> None:
    clock = Clock()
    adapter = FakeAdapter("v", {"BTC": "0.0001"}, clock=clock)
    collector = Collector({"v": adapter}, timeout=1, markets_ttl=3600, clock=clock)
    first = await collector.collect()
    assert first.results[0].markets_refreshed and adapter.calls["markets"] == 1
    clock.now += timedelta(seconds=60)
    again = await collector.collect()
    assert not again.results[0].markets_refreshed and adapter.calls["markets"] == 1
    adapter.rates["ETH"] = "0.0002"            # a listing: quoted, no metadata yet
    clock.now += timedelta(seconds=60)
    await collector.collect()
    assert adapter.calls["markets"] == 1       # not re-asked more often than the recheck period
    clock.now += timedelta(seconds=NEW_LISTING_RECHECK_SECONDS)
    listing = await collector.collect()
    assert listing.results[0].markets_refreshed and adapter.calls["markets"] == 2
    assert {m.symbol for m in collector.markets()} == {"BTC", "ETH"}
    clock.now += timedelta(seconds=3600)
    await collector.collect()
    assert adapter.calls["markets"] == 3


async def test_venues_and_their_calls_are_in_flight_together() -> None:
    # every call waits at a barrier that opens only once all 5 venues x 3 calls are in flight:
    # a sequential collector would time out instead
    barrier = asyncio.Barrier(15)
    adapters = {f"v{i}": FakeAdapter(f"v{i}", {"BTC": "0.0001"}, barrier=barrier) for i in range(5)}
    cycle = await Collector(adapters, timeout=5).collect()
    assert cycle.failed_venues == []
    assert all(a.calls == {"rates": 1, "stats": 1, "markets": 1} for a in adapters.values())


async def test_storage_failure_is_counted_not_fatal() -> None:
    class BrokenSink:
        async def store(self, snapshot: VenueSnapshot, *, markets_refreshed: bool) -> int:
            raise StorageError("disk full")

    collector = Collector({"v": FakeAdapter("v", {"BTC": "0.0001"})}, timeout=1, sink=BrokenSink())
    cycle = await collector.collect()
    assert cycle.results[0].ok and cycle.results[0].stored == 0
    assert collector.counters()["v"]["storage_errors"] == 1
    assert collector.samples()


async def test_collected_rounds_are_stored_with_recomputed_8h_rates(db: Database) -> None:
    class BuggyHourly(FakeAdapter):   # passes an hourly quote through as the 8h rate
        async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
            s = sample("h", "BTC", "0.0001", interval="1", raw="0.0001")
            return {"BTC": s}

    collector = Collector({"h": BuggyHourly("h", {"BTC": "0.0001"}, interval="1")}, timeout=1,
                          sink=DatabaseSink(db))
    await collector.collect()
    (latest,) = await db.funding.latest()
    assert latest.normalized_rate == D("0.0008") and latest.raw_rate == D("0.0001")
    assert latest.volume_24h_usd == D(5_000_000) and latest.open_interest_usd == D(2_000_000)
    (stored_market,) = await db.markets.list("h")
    assert stored_market.taker_fee == D("0.0005")


async def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Collector({}, timeout=0)


async def test_exchange_error_message_is_kept() -> None:
    collector = Collector({"v": FakeAdapter("v", {"BTC": "1"}, fail=ExchangeError("v", "boom", code="X"))},
                          timeout=1)
    result = (await collector.collect()).results[0]
    assert result.error_kind == "ExchangeError" and "boom" in (result.error or "")
