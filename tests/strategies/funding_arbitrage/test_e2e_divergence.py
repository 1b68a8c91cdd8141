"""End to end on the funding_divergence scenario (Lighter BTC +0.12 %/8h, Aster −0.03 %/8h for
six market hours, converging by hour 8), both venues through their real clients.

The strategy enters long Aster / short Lighter, holds while funding is paid over accelerated
market hours, and exits when the divergence ends. Its PnL (funding − fees + price, from the
venues' own fills and funding payments) must equal the change of the two accounts' equity as
the venues report it, and the independent exposure observer must show the unhedged bound held.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from database import Database
from database.models import PositionStatus
from strategies.funding_arbitrage import run_lifecycle
from tests.strategies.funding_arbitrage.harness import LONG, SHORT, harness
from tests.strategies.simkit import client_venues

D = Decimal
pytestmark = pytest.mark.skipif(not {LONG, SHORT} <= set(client_venues()),
                                reason=f"needs the Lighter and Aster simulator modules and clients "
                                       f"(available: {client_venues()})")


async def test_enter_collect_funding_and_exit_when_the_divergence_ends(db: Database) -> None:
    async with harness() as h:
        before = {v: await a.client.get_total_asset_value() for v, a in h.accounts.items()}
        equity_before = h.equity()
        h.start_flow()
        strategy = h.strategy(db)
        summary = await run_lifecycle(strategy, db, pace=h.pace, max_checks=40)
        await h.stop_flow()
        p = summary.position

        # the right pair, entered and exited with the right reason, hedged at every moment
        assert (p.symbol, p.long_venue, p.short_venue) == ("BTC", LONG, SHORT)
        assert p.exit_reason in ("spread_below_threshold", "spread_flipped")
        assert h.position(LONG) == 0 and h.position(SHORT) == 0
        h.observer.assert_bounded(D(2600), 5.5)
        assert summary.worst_unhedged_notional <= D(2600)

        # funding was collected: the short Lighter leg is paid hourly at a high positive rate
        assert p.funding_short > 0
        assert p.funding > 0 and p.net_pnl > -p.fees

        # PnL identity against the venues' own statements
        after = {v: await a.client.get_total_asset_value() for v, a in h.accounts.items()}
        venue_delta = sum(after[v] - before[v] for v in after)
        assert abs(venue_delta - p.net_pnl) < D("0.01"), (venue_delta, p)
        assert abs((h.equity() - equity_before) - p.net_pnl) < D("0.01")
        engine_funding = sum(a.engine.account_state(a.account_id).funding for a in h.accounts.values())
        engine_fees = sum(a.engine.account_state(a.account_id).fees_paid for a in h.accounts.values())
        assert abs(engine_funding - p.funding) < D("0.01")
        assert abs(engine_fees - p.fees) < D("0.01")
        assert p.net_pnl == p.funding - p.fees + p.price_pnl

        # stored: closed with the same numbers; every order final; no order working
        stored = await db.positions.find(strategy="funding-arb")
        assert [s.status for s in stored] == [PositionStatus.CLOSED.value]
        assert stored[0].realized_pnl == p.net_pnl and stored[0].funding_collected == p.funding
        assert not await db.orders.unresolved() and not await db.orders.live()
        for account in h.accounts.values():
            assert not await account.client.get_active_orders()
        assert summary.run.status.value == "completed"
