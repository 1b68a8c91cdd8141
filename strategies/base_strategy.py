"""``BaseStrategy``: the lifecycle every strategy shares — start → reconcile → step… → stop.

* ``start()`` connects the clients (a failure disconnects those already connected);
* ``reconcile()`` brings stored state and the venues into agreement **before anything new is
  done** (strategy-specific; the shared part, :meth:`resolve_journaled_orders`, looks every
  order the journal does not know the end of up by client order id and cancels it if it is
  still working — after a restart no order of ours should rest unattended);
* ``step()`` is one check (the runner calls it every ``check_interval``);
* ``stop()`` cancels every working order (the executor's, then any the journal still thinks
  is live), verifies none is left at the venues, and disconnects.

Strategies trade through :attr:`orders` (an :class:`OrderExecutor` over the database
journal), so every order is written ahead and every fill recorded. Time comes from
:attr:`clock` (aware UTC; the simulator's market time under ``--sim``).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from database import Database
from database.models import OrderState
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.errors import ExchangeError
from exchange_clients.models import Side
from helpers.time import utc_now
from helpers.unified_logger import get_logger
from strategies.execution.journal import DatabaseJournal, JournalEntry
from strategies.execution.models import LegSpec
from strategies.execution.orders import OrderExecutor
from strategies.execution.watcher import OrderWatcher
from strategies.notifications import Notifier

__all__ = ["BaseStrategy", "Clock", "StrategyError"]

Clock = Callable[[], datetime]


class StrategyError(Exception):
    """The strategy cannot continue safely (it refuses to trade and says why)."""


class BaseStrategy(abc.ABC):
    name: ClassVar[str] = "strategy"

    def __init__(self, *, clients: Mapping[str, BaseExchangeClient], accounts: Mapping[str, str],
                 db: Database, notifier: Notifier | None = None, clock: Clock = utc_now,
                 owns_clients: bool = True) -> None:
        missing = set(accounts) - set(clients)
        if missing:
            raise StrategyError(f"no client for {', '.join(sorted(missing))}")
        self.clients = dict(clients)
        self.accounts = dict(accounts)              # venue -> account name
        self.db = db
        self.clock = clock
        self.notifier = notifier or Notifier(db, source=self.name)
        self.journal = DatabaseJournal(db)
        self.orders = OrderExecutor(self.journal)
        self.owns_clients = owns_clients
        self.run_id: str | None = None
        self.state = "created"
        self._stop_requested = False
        self._stop_event = asyncio.Event()
        self.log = get_logger(f"strategies.{self.name}")

    # ---- identity -----------------------------------------------------------------------

    @property
    def account_label(self) -> str:
        """The accounts this strategy trades, as one label (positions and runs are filed
        under it)."""
        return "+".join(sorted(set(self.accounts.values())))

    def lock_names(self) -> list[str]:
        """Runner-lock names: one per account, so two processes never trade one account."""
        return sorted(set(self.accounts.values()))

    def set_run(self, run_id: str | None) -> None:
        self.run_id = run_id
        self.journal.run_id = run_id

    # ---- stop requests ------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask the strategy to wind down: nothing new is started, executions in progress
        finish hedged."""
        self._stop_requested = True
        self._stop_event.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        self.state = "starting"
        connected: list[BaseExchangeClient] = []
        try:
            for client in self.clients.values():
                await client.connect()
                connected.append(client)
        except BaseException:
            for client in connected:
                await client.disconnect()
            raise
        self.state = "started"

    @abc.abstractmethod
    async def reconcile(self) -> None:
        """Agree with the venues before anything new is done (raise ``StrategyError`` to
        refuse to trade)."""

    @abc.abstractmethod
    async def step(self) -> None:
        """One check."""

    async def stop(self) -> None:
        """Cancel every working order and disconnect; safe to call more than once."""
        self.request_stop()
        self.state = "stopping"
        try:
            await self.orders.cancel_working()
            await self.resolve_journaled_orders()
        finally:
            if self.owns_clients:
                for client in self.clients.values():
                    await client.disconnect()
            self.state = "stopped"

    # ---- shared reconciliation ----------------------------------------------------------

    def _venue_of(self, entry: JournalEntry) -> str | None:
        venue = entry.venue
        return venue if self.accounts.get(venue) == entry.account else None

    async def resolve_journaled_orders(self) -> list[JournalEntry]:
        """Every order the journal does not know the end of (intent, pending, unknown, open)
        is looked up at its venue by client order id: a working one is cancelled, its final
        state and fills are recorded; one the venue never saw is marked failed. Returns the
        entries that could not be resolved (venue unreachable)."""
        accounts = set(self.accounts.values())
        entries = await self.journal.unresolved(accounts) + await self.journal.live(accounts)
        unresolved: list[JournalEntry] = []
        for entry in entries:
            venue = self._venue_of(entry)
            if venue is None:
                continue
            try:
                await self._resolve_one(self.clients[venue], entry)
            except ExchangeError as exc:
                self.log.warning("could not resolve order %s on %s: %s", entry.client_order_id,
                                 venue, exc)
                unresolved.append(entry)
        return unresolved

    async def _resolve_one(self, client: BaseExchangeClient, entry: JournalEntry) -> None:
        async with OrderWatcher(client, entry.account, self.journal) as watcher:
            watcher.track(entry.client_order_id, entry.exchange_order_id)
            found = await watcher.refresh(entry.client_order_id, entry.symbol)
            if found is None:
                if entry.status in (OrderState.INTENT.value, OrderState.PENDING.value,
                                    OrderState.UNKNOWN.value):
                    await self.journal.update(entry.account, entry.venue, entry.client_order_id,
                                              status=OrderState.FAILED,
                                              error="not found at the venue on reconciliation")
                return
            if not found.status.is_terminal:
                leg = LegSpec(client, entry.account, entry.symbol, Side(entry.side))
                await self.orders.cancel(leg, entry.client_order_id, watcher)
            await watcher.settle_from_history(entry.symbol, _since_seconds(found.created_at))
            await watcher.flush()

    # ---- views --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """What a live view shows (strategies extend it)."""
        return {"strategy": self.name, "state": self.state, "accounts": dict(self.accounts),
                "run_id": self.run_id, "stop_requested": self._stop_requested}

    async def sleep(self, seconds: float) -> None:
        """Sleep that ends early when a stop is requested."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_event.wait(), seconds)


def _since_seconds(created: datetime | None) -> float:
    if created is None:
        return 24 * 3600.0
    return max((utc_now() - created).total_seconds(), 0.0) + 60
