"""A full funding scan of every simulated venue, 100 markets each: fetch, normalise, store, rank.

The simulator (``default`` scenario, ``market_count`` 100, manual clock) serves every venue that
has both a simulator module and a funding adapter, in this process; the funding service
collects them all concurrently through ``exchange_clients.registry`` into a fresh SQLite
database, then ranks every ordered venue pair of every common symbol. One *scan* is
``service.refresh()`` (fetch every venue concurrently, normalise, store the samples) plus a
full ``service.opportunities()`` ranking — what ``perpdex funding scan`` does.
The first (cold) scan also fetches market metadata and is reported on its own; then
``--scans`` warm scans, market time moving a minute between them. Target: < 1 s per scan.

When no real venue can be simulated yet, the test-only probe venues
(tests/funding_rate_service/probe_venue.py: the simulator's engine and catalog behind one JSON
route, for all five venues) stand in, and the result says so (``"mode": "probe"``).

Run: ``python -m bench.bench_funding_scan [--markets 100] [--scans 10] [--probe]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from typing import Any

from bench._common import write_result
from database import Database
from exchange_clients.registry import create_funding_adapter
from funding_rate_service import FundingService, OpportunityFilters, ServiceSettings
from funding_rate_service.service import AdapterFactory
from perpdex.sim_venues import simulated_venue_names, simulated_venues

PROBE_VENUES = ["lighter", "paradex", "aster", "backpack", "hyperliquid"]
TARGET_SECONDS = 1.0


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def _run(markets: int, scans: int, probe: bool) -> dict[str, Any]:
    real = simulated_venue_names()
    mode = "probe" if probe or not real else "real"
    venues = PROBE_VENUES if mode == "probe" else real
    modules: dict[str, Any] | None = None
    factory: AdapterFactory = create_funding_adapter
    if mode == "probe":
        from tests.funding_rate_service.probe_venue import ProbeFundingAdapter, probe_module

        modules = {v: probe_module(v) for v in venues}

        def factory(venue: str, config: Any) -> Any:
            return ProbeFundingAdapter(venue, config["rest_url"])

    with tempfile.TemporaryDirectory(prefix="bench-funding-") as tmp:
        async with simulated_venues(venues, "default", market_count=markets, manual=True,
                                    modules=modules) as sim, \
                Database(f"sqlite+aiosqlite:///{tmp}/funding.db") as db:
            service = await FundingService.create(sim.configs, database=db,
                                                  settings=ServiceSettings(venue_timeout=30),
                                                  adapter_factory=factory)
            async with service:
                full = OpportunityFilters()

                async def scan() -> dict[str, float]:
                    t0 = time.perf_counter()
                    cycle = await service.refresh()
                    t1 = time.perf_counter()
                    ranked = await service.opportunities(full)
                    t2 = time.perf_counter()
                    if cycle.failed_venues:
                        raise RuntimeError(f"venues failed: {cycle.results}")
                    return {"total": t2 - t0, "refresh": t1 - t0, "rank": t2 - t1,
                            "fetch_max": max(r.latency_seconds for r in cycle.results),
                            "samples": sum(r.symbols for r in cycle.results),
                            "stored": sum(r.stored for r in cycle.results),
                            "opportunities": len(ranked.opportunities)}

                cold = await scan()
                warm = []
                for _ in range(scans):
                    sim.advance(60)
                    await asyncio.sleep(0.01)   # samples of one market must differ in time
                    warm.append(await scan())
                rows = await db.funding.latest()
    totals = sorted(s["total"] for s in warm)
    median = statistics.median(totals)
    return {
        "mode": mode, "venues": venues, "markets_per_venue": markets, "scans": scans,
        "samples_per_scan": warm[-1]["samples"], "stored_per_scan": warm[-1]["stored"],
        "opportunities_ranked": warm[-1]["opportunities"], "latest_rows": len(rows),
        "cold_scan_ms": _ms(cold["total"]),
        "scan_ms": {"best": _ms(totals[0]), "median": _ms(median), "worst": _ms(totals[-1])},
        "median_breakdown_ms": {
            "fetch_slowest_venue": _ms(statistics.median(s["fetch_max"] for s in warm)),
            "refresh_fetch_normalise_store": _ms(statistics.median(s["refresh"] for s in warm)),
            "full_rank": _ms(statistics.median(s["rank"] for s in warm))},
        "target_ms": _ms(TARGET_SECONDS), "target_met": median < TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--markets", type=int, default=100, help="markets per venue")
    parser.add_argument("--scans", type=int, default=10, help="warm scans measured")
    parser.add_argument("--probe", action="store_true", help="use the probe venues even if real ones exist")
    args = parser.parse_args(argv)
    figures = asyncio.run(_run(args.markets, args.scans, args.probe))
    write_result("funding_scan", figures)
    return figures


if __name__ == "__main__":
    main()
