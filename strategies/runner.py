"""``StrategyRunner``: one runner per account, signals, the check loop, notifications.

``await StrategyRunner(strategy, db=db, check_interval=30).run()``:

1. takes the runner lock on the strategy's accounts (database/locks.py: a PostgreSQL advisory
   lock or an exclusive ``flock`` next to the SQLite file). Another live process holding any
   of them → :class:`RunnerRefusedError` naming it (pid, host, purpose, since); nothing is
   traded;
2. records a ``strategy_runs`` row, installs SIGINT/SIGTERM handlers (first signal: graceful
   stop — executions in progress finish hedged, working orders are cancelled; second: the
   loop is cancelled);
3. ``start()`` → ``reconcile()`` → ``step()`` every ``check_interval`` seconds (or after each
   ``await pace()`` when given: demos and tests move simulated time themselves), proving the
   lock (``heartbeat``) before each; notifications are dispatched from the outbox in between;
4. on the way out, whatever happened: ``stop()`` (no order left working), a last dispatch,
   the run row finished with its status, the lock released.

The run's status is decided where the outcome is known (the ``except`` branches), never
rewritten by the clean-up (TRAPS.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from database import Database, DatabaseError, LockHeldError, LockLostError
from database.models import RunStatus
from exchange_clients.errors import ExchangeError
from helpers.unified_logger import get_logger
from strategies.base_strategy import BaseStrategy, StrategyError
from strategies.notifications import NotificationDispatcher

__all__ = ["StrategyRunner", "RunnerRefusedError", "RunSummary", "config_record"]

_log = get_logger("strategies.runner")


def config_record(config: BaseModel) -> dict[str, Any]:
    """A config as stored on the run row: JSON, secrets masked, floats as exact strings (the
    database refuses binary floats)."""
    def convert(value: Any) -> Any:
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value
    result: dict[str, Any] = convert(config.model_dump(mode="json"))
    return result


class RunnerRefusedError(StrategyError):
    """Another live process holds the runner lock of one of the accounts."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str | None
    status: RunStatus
    steps: int
    reason: str | None


class StrategyRunner:
    def __init__(self, strategy: BaseStrategy, *, db: Database, check_interval: float,
                 dispatcher: NotificationDispatcher | None = None,
                 on_tick: Callable[[BaseStrategy], Any] | None = None,
                 install_signals: bool = True, config: dict[str, Any] | None = None,
                 dispatch_every: float = 2.0,
                 pace: Callable[[], Awaitable[None]] | None = None) -> None:
        self.strategy = strategy
        self.db = db
        self.check_interval = check_interval
        self.dispatcher = dispatcher
        self.on_tick = on_tick
        self.install_signals = install_signals
        self.config = config or {}
        self.dispatch_every = dispatch_every
        self.pace = pace
        self.steps = 0
        self._stop = asyncio.Event()
        self._signals = 0
        self._main: asyncio.Task[Any] | None = None

    # ---- stopping -----------------------------------------------------------------------

    def request_stop(self) -> None:
        """Graceful stop (first Ctrl-C): finish what is in progress hedged, then stop."""
        self.strategy.request_stop()
        self._stop.set()

    def _on_signal(self) -> None:
        self._signals += 1
        if self._signals == 1:
            _log.warning("stop requested: finishing the current check, cancelling working orders "
                         "(press Ctrl-C again to abort)")
            self.request_stop()
        elif self._main is not None:
            _log.error("second stop signal: aborting the loop")
            self._main.cancel()

    # ---- running ------------------------------------------------------------------------

    async def run(self, *, max_steps: int | None = None,
                  until: Callable[[], bool] | None = None) -> RunSummary:
        """Run until stopped (signal, ``request_stop``), ``max_steps`` checks, or ``until()``."""
        strategy = self.strategy
        lock = self.db.runner_lock(strategy.lock_names(),
                                   purpose=f"{strategy.name} on {strategy.account_label}")
        try:
            await lock.acquire()
        except LockHeldError as exc:
            raise RunnerRefusedError(f"refusing to trade: {exc}") from exc
        run = await self.db.runs.start(strategy.name, strategy.account_label, self.config)
        strategy.set_run(run.id)
        self._main = asyncio.current_task()
        self._install()
        dispatching = asyncio.create_task(self._dispatch_loop(), name="notification-dispatch")
        status, reason = RunStatus.STOPPED, "stopped on request"
        try:
            try:
                await self._loop(lock.heartbeat, max_steps, until)
                if not strategy.stop_requested:
                    status, reason = RunStatus.COMPLETED, "completed"
            except LockLostError as exc:
                status, reason = RunStatus.FAILED, f"runner lock lost: {exc}"
                await self._alert("runner lock lost", str(exc))
            except (StrategyError, ExchangeError) as exc:
                status, reason = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
                await self._alert("strategy stopped", reason)
            except asyncio.CancelledError:
                status, reason = RunStatus.FAILED, "aborted"
                raise
            except Exception as exc:   # a bug: recorded as the run's failure, then raised
                status, reason = RunStatus.FAILED, f"unexpected {type(exc).__name__}: {exc}"
                raise
        finally:
            try:
                await self._shutdown(dispatching, run.id, status, reason)
            finally:
                await lock.release()
        return RunSummary(run.id, status, self.steps, reason)

    async def _loop(self, heartbeat: Callable[[], Any], max_steps: int | None,
                    until: Callable[[], bool] | None) -> None:
        strategy = self.strategy
        await strategy.start()
        await heartbeat()
        await strategy.reconcile()
        while not self._stop.is_set():
            await heartbeat()
            await strategy.step()
            self.steps += 1
            if self.on_tick is not None:
                self.on_tick(strategy)
            if (max_steps is not None and self.steps >= max_steps) or (until is not None and until()):
                return
            if self.pace is not None:       # tests and demos drive time themselves
                await self.pace()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.check_interval)

    async def _shutdown(self, dispatching: asyncio.Task[None], run_id: str, status: RunStatus,
                        reason: str | None) -> None:
        """Clean-up in a fixed order; each step is attempted even if an earlier one failed."""
        self._uninstall()
        try:
            await asyncio.shield(self.strategy.stop())
        except (ExchangeError, StrategyError) as exc:
            _log.error("shutdown could not cancel every order: %s", exc)
            await self._alert("shutdown incomplete", str(exc))
        dispatching.cancel()
        await asyncio.gather(dispatching, return_exceptions=True)
        if self.dispatcher is not None:
            await self.dispatcher.dispatch()
            await self.dispatcher.close()
        await self.db.runs.finish(run_id, status, reason)

    async def _dispatch_loop(self) -> None:
        if self.dispatcher is None:
            return
        while True:
            await asyncio.sleep(self.dispatch_every)
            try:
                await self.dispatcher.dispatch()
            except (DatabaseError, SQLAlchemyError) as exc:   # retried next round; rows stay queued
                _log.warning("notification dispatch failed: %s", exc)

    async def _alert(self, title: str, body: str) -> None:
        await self.strategy.notifier.notify("runner", title, body, severity="critical")

    # ---- signals ------------------------------------------------------------------------

    def _install(self) -> None:
        if not self.install_signals:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):   # Windows, non-main thread
                loop.add_signal_handler(sig, self._on_signal)

    def _uninstall(self) -> None:
        if not self.install_signals:
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
