"""The strategy is venue-agnostic: a full lifecycle on other pairs of client venues, with the
funding divergence pinned through the simulator (the funding_divergence scenario only makes
Lighter and Aster disagree). Covers every available client venue across the pairs; PnL equals
the venues' own equity change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from database import Database
from strategies.funding_arbitrage import run_lifecycle
from tests.strategies.funding_arbitrage.harness import harness, make_config
from tests.strategies.simkit import client_venues

D = Decimal
AVAILABLE = client_venues()
# (long, short): the long venue charges longs little, the short venue pays shorts a lot
PAIRS = [pair for pair in (("backpack", "hyperliquid"), ("paradex", "lighter"), ("hyperliquid", "aster"))
         if set(pair) <= set(AVAILABLE)]


@pytest.mark.skipif(not PAIRS, reason=f"needs two more client venues (available: {AVAILABLE})")
@pytest.mark.parametrize(("long", "short"), PAIRS or [("-", "-")])
async def test_lifecycle_on_another_pair(db: Database, long: str, short: str) -> None:
    async with harness(scenario="default", long=long, short=short) as h:
        for venue, rate in ((long, "-0.0003"), (short, "0.0012")):
            h.accounts[venue].engine.set_funding_rate("BTC", D(rate))
        equity = h.equity()
        h.start_flow()
        strategy = h.strategy(db, make_config(long=long, short=short, entry={"max_price_gap_bps": "60"}))
        checks = {"n": 0}

        async def pace() -> None:
            checks["n"] += 1
            if checks["n"] == 8:       # four market hours later the divergence ends
                for account in h.accounts.values():
                    account.engine.set_funding_rate("BTC", D("0.0001"))
            await h.pace()

        summary = await run_lifecycle(strategy, db, pace=pace, max_checks=30)
        await h.stop_flow()
        p = summary.position
        assert (p.long_venue, p.short_venue) == (long, short)
        assert h.position(long) == 0 and h.position(short) == 0
        assert p.funding > 0
        assert abs((h.equity() - equity) - p.net_pnl) < D("0.01")
        h.observer.assert_bounded(D(2600), 5.5)
