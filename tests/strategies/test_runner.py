"""The runner: one runner per account, clean shutdown on Ctrl-C, notifications via the outbox."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from database import Database
from database.models import NotificationStatus, PositionStatus, RunStatus
from strategies.base_strategy import BaseStrategy
from strategies.notifications import LogChannel, NotificationDispatcher, Notifier, TelegramChannel
from strategies.runner import RunnerRefusedError, StrategyRunner, config_record
from tests.strategies.funding_arbitrage.harness import LONG, SHORT, harness, make_config
from tests.strategies.simkit import Counterparty, client_venues

D = Decimal
needs_pair = pytest.mark.skipif(not {LONG, SHORT} <= set(client_venues()),
                                reason="needs the Lighter and Aster simulator modules and clients")


class IdleStrategy(BaseStrategy):
    """No venue: counts checks."""

    name = "idle"

    def __init__(self, db: Database, account: str = "main") -> None:
        super().__init__(clients={}, accounts={}, db=db)
        self.account = account
        self.checks = 0
        self.reconciled = False

    def lock_names(self) -> list[str]:
        return [self.account]

    @property
    def account_label(self) -> str:
        return self.account

    async def reconcile(self) -> None:
        self.reconciled = True

    async def step(self) -> None:
        self.checks += 1


async def test_second_runner_on_the_same_account_refuses_and_names_the_holder(db: Database) -> None:
    first = StrategyRunner(IdleStrategy(db), db=db, check_interval=30, install_signals=False)
    running = asyncio.create_task(first.run())
    while first.steps == 0:
        await asyncio.sleep(0.01)
    second = IdleStrategy(db)
    with pytest.raises(RunnerRefusedError) as refused:
        await StrategyRunner(second, db=db, check_interval=1, install_signals=False).run(max_steps=1)
    assert f"pid {os.getpid()}" in str(refused.value) and "idle on main" in str(refused.value)
    assert second.checks == 0 and not second.reconciled            # refused before doing anything
    first.request_stop()
    summary = await running
    assert summary.status is RunStatus.STOPPED
    # released: another runner may take the account now
    again = await StrategyRunner(IdleStrategy(db), db=db, check_interval=1,
                                 install_signals=False).run(max_steps=2)
    assert again.status is RunStatus.COMPLETED and again.steps == 2


def test_a_runner_in_another_process_blocks_this_one(tmp_path: Path) -> None:
    """The lock is the operating system's: a live process elsewhere holds it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'lock.db'}"
    holder = textwrap.dedent(f"""
        import asyncio, sys
        from database import Database
        async def main():
            async with Database({url!r}) as db:
                async with db.runner_lock(["main"], purpose="funding-arb on main"):
                    print("held", flush=True)
                    await asyncio.sleep(60)
        asyncio.run(main())
    """)
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"

        async def attempt() -> str:
            async with Database(url) as db:
                with pytest.raises(RunnerRefusedError) as refused:
                    await StrategyRunner(IdleStrategy(db), db=db, check_interval=1,
                                         install_signals=False).run(max_steps=1)
                return str(refused.value)

        message = asyncio.run(attempt())
        assert f"pid {proc.pid}" in message and "funding-arb on main" in message
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@needs_pair
async def test_ctrl_c_stops_cleanly_with_no_order_left_working(db: Database) -> None:
    async with harness() as h:
        strategy = h.strategy(db, make_config(execution={"maker_timeout_seconds": 60}))
        runner = StrategyRunner(strategy, db=db, check_interval=1, install_signals=True, pace=h.pace)
        running = asyncio.create_task(runner.run())
        account = h.accounts[LONG]
        await Counterparty(account.engine).wait_resting(account.account_id, "BTC")
        Counterparty(account.engine).hit(account.account_id, "BTC", D("0.007"))
        await asyncio.sleep(0.3)                                 # hedged meanwhile
        os.kill(os.getpid(), signal.SIGINT)                      # Ctrl-C
        summary = await asyncio.wait_for(running, 20)
        assert summary.status is RunStatus.STOPPED
        for venue in (LONG, SHORT):
            assert not await h.accounts[venue].client.get_active_orders()
        assert h.position(LONG) == -h.position(SHORT) == D("0.007")     # hedged, kept
        assert [p.status for p in await db.positions.find()] == [PositionStatus.OPEN.value]
        assert not await db.orders.live() and not await db.orders.unresolved()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # handlers removed


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[str, list[dict[str, Any]], dict[str, int]]]:
    received: list[dict[str, Any]] = []
    failures = {"left": 1}

    async def send(request: web.Request) -> web.Response:
        if failures["left"] > 0:
            failures["left"] -= 1
            return web.json_response({"ok": False}, status=502)
        received.append({"path": request.path, **await request.json()})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/{bot}/sendMessage", send)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), received, failures
    finally:
        await server.close()


async def test_notifications_are_delivered_through_the_outbox(
        db: Database, telegram: tuple[str, list[dict[str, Any]], dict[str, int]],
        caplog: pytest.LogCaptureFixture) -> None:
    url, received, _ = telegram
    token = "123456:secret-token-value"
    notifier = Notifier(db, ["log", "telegram"], source="funding-arb")
    await notifier.notify("funding-arb", "position opened", "BTC long aster / short lighter",
                          dedupe_key="open-1")
    await notifier.notify("funding-arb", "position opened", "duplicate", dedupe_key="open-1")
    assert len(await db.notifications.list()) == 2                     # one per channel, once
    dispatcher = NotificationDispatcher(db, [LogChannel(), TelegramChannel(token, "42", api_url=url)])
    try:
        with caplog.at_level("INFO"):
            assert await dispatcher.dispatch() == 1                    # telegram failed once (502)
        ours = [r.getMessage() for r in caplog.records if r.name.startswith("perpdex")]
        assert any("position opened" in m for m in ours) and not any(token in m for m in ours)
        failed = [n for n in await db.notifications.list() if n.channel == "telegram"]
        assert failed[0].status == NotificationStatus.PENDING.value and failed[0].attempts == 1
        assert await dispatcher.dispatch() == 0                        # not due yet (back-off)
        await db.notifications.enqueue("telegram", "x", "t", "b")      # a due one goes meanwhile
        assert await dispatcher.dispatch() == 1
    finally:
        await dispatcher.close()
    assert received[0]["chat_id"] == "42" and received[0]["path"] == f"/bot{token}/sendMessage"


def test_config_record_has_no_floats_or_secrets() -> None:
    config = make_config(notifications={"telegram": {"bot_token": "abc:def", "chat_id": "1"}})
    record = config_record(config)
    assert record["check_interval_seconds"] == "1.0"
    assert "abc:def" not in repr(record)
