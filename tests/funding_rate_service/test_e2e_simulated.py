"""End to end on the simulator running the funding_divergence scenario: collector → storage →
ranking → API. The diverging symbol (BTC: Lighter +0.12 %/8h, Aster −0.03 %/8h) must rank first,
long Aster / short Lighter.

* ``test_probe_*`` run today on the real simulator engine and scenario through a test-only
  venue pair (tests/funding_rate_service/probe_venue.py) standing in for the venue protocols;
* ``test_real_venues_*`` run the same path through ``exchange_clients.registry`` and the real
  venue modules, and are skipped until both Lighter and Aster exist on both sides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from database import Database
from funding_rate_service import FundingService, OpportunityFilters, ServiceSettings
from funding_rate_service.api import create_app
from funding_rate_service.depth import WebSocketDepthProvider
from perpdex.sim_venues import SimulatedVenues, simulated_venue_names, simulated_venues
from tests.funding_rate_service.probe_venue import ProbeFundingAdapter, probe_module

D = Decimal
DIVERGING = ("lighter", "aster")
PROBE_VENUES = ["lighter", "paradex", "aster", "backpack", "hyperliquid"]


@pytest.fixture
async def probe_sim() -> AsyncIterator[SimulatedVenues]:
    async with simulated_venues(PROBE_VENUES, "funding_divergence", manual=True,
                                modules={v: probe_module(v) for v in PROBE_VENUES}) as sim:
        sim.advance(60)     # a minute of market time: prices and funding move off their start
        yield sim


async def probe_service(sim: SimulatedVenues, db: Database | None) -> FundingService:
    return await FundingService.create(
        sim.configs, database=db, settings=ServiceSettings(venue_timeout=10),
        adapter_factory=lambda venue, cfg: ProbeFundingAdapter(venue, cfg["rest_url"]))


def assert_divergence_ranked_first(top: Any) -> None:
    assert top.symbol == "BTC"
    assert (top.long.venue, top.short.venue) == ("aster", "lighter")     # long the payer's side
    assert top.long.rate_8h < 0 < top.short.rate_8h
    assert D("0.0012") < top.spread_8h < D("0.0018")                     # 0.15 %/8h +- noise
    assert top.net_apr > D("0.5")                                         # gross ~1.64 less fees


async def test_probe_divergence_ranked_first_through_the_api(probe_sim: SimulatedVenues,
                                                             db: Database) -> None:
    service = await probe_service(probe_sim, db)
    async with service:
        cycle = await service.refresh()
        assert sorted(cycle.ok_venues) == sorted(PROBE_VENUES)
        ranked = (await service.opportunities()).opportunities
        assert_divergence_ranked_first(ranked[0])
        # every interval style was on the one 8h scale: Aster's 4h SOL and Paradex's continuous
        rates = {(r.venue, r.symbol): r for r in service.rates()}
        assert rates[("aster", "SOL")].interval_hours == 4 and rates[("paradex", "BTC")].interval_hours == 0
        assert rates[("lighter", "BTC")].raw_rate * 8 == rates[("lighter", "BTC")].rate_8h
        async with TestClient(TestServer(create_app(service))) as client:
            best = await (await client.get("/api/v1/opportunities/best")).json()
            assert best["opportunity"]["direction"] == "long aster / short lighter"
            history = await (await client.get("/api/v1/history/lighter/BTC")).json()
            assert history["count"] == 1 and D(history["points"][0]["rate_8h"]) > D("0.001")
            venues = await (await client.get("/api/v1/venues")).json()
            assert {v["status"] for v in venues["venues"]} == {"ok"}


async def test_probe_convergence_after_eight_market_hours(probe_sim: SimulatedVenues) -> None:
    async with await probe_service(probe_sim, None) as service:
        await service.refresh()
        assert_divergence_ranked_first(await service.best())
        probe_sim.advance(9 * 3600)          # both venues converge to +0.01 %/8h by hour 8
        await service.refresh()
        btc = await service.opportunities(OpportunityFilters(symbols=frozenset({"BTC"}),
                                                             venues=frozenset(DIVERGING)))
        assert all(abs(o.spread_8h) < D("0.0002") for o in btc.opportunities)
        best = await service.best()
        assert best is None or best.symbol != "BTC" or best.spread_8h < D("0.0002")


async def test_probe_venue_down_is_surfaced_and_others_still_rank(probe_sim: SimulatedVenues) -> None:
    import aiohttp

    control = probe_sim.server.servers["paradex"].module.describe()["control"]
    async with aiohttp.ClientSession() as session, \
            session.post(f"{control}/faults", json={"kind": "maintenance"}) as response:
        assert response.status in (200, 201)
    async with await probe_service(probe_sim, None) as service:
        cycle = await service.refresh()
        assert cycle.failed_venues == ["paradex"]
        health = {h.venue: h for h in service.health()}
        assert health["paradex"].status == "down" and "503" in (health["paradex"].last_error or "")
        assert_divergence_ranked_first(await service.best())


# ---- the real venues, through the registry ---------------------------------------------------

REAL = simulated_venue_names()
needs_real = pytest.mark.skipif(
    not set(DIVERGING) <= set(REAL),
    reason=f"needs the Lighter and Aster simulator modules and client packages "
           f"(available now: {', '.join(REAL) or 'none'}); the probe tests cover the path meanwhile")


@pytest.mark.skipif(not REAL, reason="no venue has both a simulator module and a client package yet")
async def test_real_venue_through_the_registry_with_live_depth(db: Database) -> None:
    venue = "lighter" if "lighter" in REAL else REAL[0]
    async with simulated_venues([venue], "funding_divergence", manual=True) as sim:
        sim.advance(60)
        depth = WebSocketDepthProvider(sim.configs, ready_timeout=15)
        async with await FundingService.create(sim.configs, database=db, depth=depth) as service:
            cycle = await service.refresh()
            assert cycle.ok_venues == [venue], cycle
            rates = {r.symbol: r for r in service.rates()}
            assert {"BTC", "ETH", "SOL", "PEPE"} <= set(rates)
            for r in rates.values():       # the 8h figure is what the venue quoted, rescaled
                assert r.rate_8h == (r.raw_rate * 8 / r.interval_hours if r.interval_hours else r.rate_8h)
                assert not r.stale and r.taker_fee is not None
            if venue == "lighter":         # hourly venue; BTC at +0.12 %/8h in this scenario
                assert rates["BTC"].interval_hours == 1
                assert D("0.001") < rates["BTC"].rate_8h < D("0.0014")
            assert len(await db.funding.latest(venue=venue)) == len(rates)
            books = await depth.depth([(venue, "BTC")])
            assert books[(venue, "BTC")] > 0


@needs_real
async def test_real_venues_divergence_ranked_first(db: Database) -> None:
    async with simulated_venues(REAL, "funding_divergence", manual=True) as sim:
        sim.advance(60)
        async with await FundingService.create(sim.configs, database=db) as service:
            cycle = await service.refresh()
            assert set(DIVERGING) <= set(cycle.ok_venues), cycle
            assert_divergence_ranked_first((await service.opportunities()).opportunities[0])
            assert len(await db.funding.latest(venue="aster")) >= 4


@pytest.mark.skipif(len(REAL) < 2, reason=f"needs two simulated venues with client packages "
                                         f"(available now: {', '.join(REAL) or 'none'})")
async def test_real_venues_every_pair_is_ranked() -> None:
    async with simulated_venues(REAL, "default", manual=True) as sim, \
            await FundingService.create(sim.configs) as service:
        cycle = await service.refresh()
        assert sorted(cycle.ok_venues) == sorted(REAL), cycle
        result = await service.opportunities()
        pairs = {(o.long.venue, o.short.venue) for o in result.opportunities if o.symbol == "BTC"}
        assert len(pairs) == len(REAL) * (len(REAL) - 1)
