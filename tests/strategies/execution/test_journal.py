"""Write-ahead: the intent and the client order id are stored before any order is sent, every
fill as it arrives; after a restart, a working order is found by its client order id and
cancelled, and an order the venue never saw is marked failed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from database import Database
from database.errors import AlreadyExistsError
from database.models import OrderState
from database.repositories.orders import OrderIntent
from exchange_clients.models import Side, TimeInForce
from simulator.testing import running_simulator
from strategies.base_strategy import BaseStrategy
from strategies.execution import (
    DatabaseJournal,
    FirstLegStyle,
    LegSpec,
    MemoryJournal,
    OrderExecutor,
    OrderWatcher,
    TwoLegExecutor,
    TwoLegParams,
)
from strategies.execution.orders import new_client_order_id
from tests.strategies.simkit import client_venues, open_client

D = Decimal
pytestmark = pytest.mark.skipif(not {"aster", "lighter"} <= set(client_venues()),
                                reason="needs the Aster and Lighter simulator modules and clients")


class _Resolver(BaseStrategy):
    name = "resolver"

    async def reconcile(self) -> None:
        await self.resolve_journaled_orders()

    async def step(self) -> None:
        return None


async def test_intent_is_committed_before_the_venue_is_called(tmp_path: Path) -> None:
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}") as db, \
            running_simulator(["lighter", "aster"], "default") as sim:
        first, hedge = await open_client(sim, "aster"), await open_client(sim, "lighter")
        seen: list[tuple[str, str]] = []
        for account in (first, hedge):
            client = account.client
            for name in ("place_limit_order", "place_market_order"):
                real = getattr(client, name)

                async def checked(*args: Any, _real: Any = real, _venue: str = account.venue,
                                  **kwargs: Any) -> Any:
                    cid = kwargs["client_order_id"]
                    stored = await db.orders.get("acct", _venue, cid)   # must exist already
                    seen.append((cid, stored.status))
                    return await _real(*args, **kwargs)

                setattr(client, name, checked)
        try:
            executor = TwoLegExecutor(OrderExecutor(DatabaseJournal(db, run_id=None)))
            result = await executor.execute(
                LegSpec(first.client, "acct", "BTC", Side.BUY),
                LegSpec(hedge.client, "acct", "BTC", Side.SELL),
                TwoLegParams(quantity=D("0.02"), max_unhedged_notional=D(2500), max_unhedged_seconds=5,
                             first_leg_style=FirstLegStyle.TAKER))
            assert result.ok
            assert seen and all(status == OrderState.PENDING.value for _, status in seen)
            # every fill stored once, linked to its order
            fills = await db.orders.fills("acct")
            traded = {f.trade_id for f in result.first.fills + result.hedge.fills}
            assert {f.trade_id for f in fills} >= traded
            assert all(f.order_id is not None for f in fills)
            stored = {o.client_order_id: o for o in await db.orders.live()} | \
                {o.client_order_id: o for o in await db.orders.unresolved()}
            assert not stored                                      # every order reached a final state
        finally:
            await first.client.disconnect()
            await hedge.client.disconnect()


async def test_restart_cancels_a_working_order_and_fails_a_phantom(tmp_path: Path) -> None:
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}") as db, \
            running_simulator(["aster"], "default") as sim:
        account = await open_client(sim, "aster")
        try:
            journal = DatabaseJournal(db)
            orders = OrderExecutor(journal)
            leg = LegSpec(account.client, "acct", "BTC", Side.BUY)
            bbo = await account.client.fetch_bbo_prices("BTC")
            assert bbo.bid is not None
            async with OrderWatcher(account.client, "acct", journal) as watcher:
                placed = await orders.place(leg, D("0.01"), watcher=watcher, price=bbo.bid - 50,
                                            tif=TimeInForce.GTC)
            # an intent that never left the process (crash between commit and send)
            phantom = new_client_order_id(account.client)
            await db.orders.record_intent(OrderIntent(account="acct", venue="aster", symbol="BTC",
                                                      client_order_id=phantom, side="buy",
                                                      order_type="limit", quantity=D("0.01"),
                                                      price=D(1000)))
            restarted = _Resolver(clients={"aster": account.client}, accounts={"aster": "acct"}, db=db,
                                  owns_clients=False)
            assert await restarted.resolve_journaled_orders() == []
            assert not await account.client.get_active_orders("BTC")
            assert (await db.orders.get("acct", "aster", placed.client_order_id)).status == "cancelled"
            assert (await db.orders.get("acct", "aster", phantom)).status == "failed"
        finally:
            await account.client.disconnect()


async def test_memory_journal_refuses_a_reused_client_order_id() -> None:
    journal = MemoryJournal()
    intent = OrderIntent(account="a", venue="v", symbol="BTC", client_order_id="1", side="buy",
                         order_type="limit", quantity=D(1))
    await journal.record_intent(intent)
    with pytest.raises(AlreadyExistsError):
        await journal.record_intent(intent)
