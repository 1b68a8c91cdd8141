"""Follow our own orders on one client: states and fills from the event stream, REST as backup.

An :class:`OrderWatcher` registers a synchronous callback on ``client.events`` for order and
fill events *before* any order is sent, so no fill can slip between a submit and a
subscription. It keeps the newest state of each tracked order (never moving an order
backwards: a terminal state or a larger filled quantity wins) and every fill once per trade
id. Fills are queued for the journal and written by the executor's own loop (``flush``), so a
database write never runs inside a venue's feed handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from types import TracebackType

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.errors import ExchangeError
from exchange_clients.models import ClientEvent, Fill, OrderInfo
from helpers.time import utc_now
from helpers.unified_logger import get_logger
from strategies.execution.journal import OrderJournal

__all__ = ["OrderWatcher", "newer"]

_log = get_logger("strategies.watcher")


def newer(candidate: OrderInfo, known: OrderInfo | None) -> bool:
    """Whether ``candidate`` describes a later moment of the order than ``known``."""
    if known is None:
        return True
    if known.status.is_terminal and not candidate.status.is_terminal:
        return False
    return candidate.filled_quantity >= known.filled_quantity


class OrderWatcher:
    def __init__(self, client: BaseExchangeClient, account: str, journal: OrderJournal) -> None:
        self.client = client
        self.account = account
        self.venue = client.get_exchange_name()
        self._journal = journal
        self._cids: set[str] = set()
        self._order_ids: dict[str, str] = {}           # exchange order id -> client order id
        self._states: dict[str, OrderInfo] = {}         # client order id -> newest state
        self._fills: dict[str, Fill] = {}               # trade id -> fill (ours)
        self._unjournaled: list[Fill] = []
        self._dirty: set[str] = set()                  # states not yet written to the journal
        self._changed = asyncio.Event()

    # ---- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> OrderWatcher:
        self.client.events.add_callback(self._on_event, kinds=("order", "fill"))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.client.events.remove_callback(self._on_event)

    # ---- tracking -----------------------------------------------------------------------

    def track(self, client_order_id: str, order_id: str | None = None) -> None:
        self._cids.add(client_order_id)
        if order_id:
            self._order_ids[order_id] = client_order_id

    def _owner(self, order_id: str | None, client_order_id: str | None) -> str | None:
        if client_order_id and client_order_id in self._cids:
            return client_order_id
        if order_id:
            return self._order_ids.get(order_id)
        return None

    def _on_event(self, event: ClientEvent) -> None:
        if event.kind == "order":
            order = event.order  # type: ignore[union-attr]
            self.observe(order)
        elif event.kind == "fill":
            fill = event.fill  # type: ignore[union-attr]
            if self._owner(fill.order_id, fill.client_order_id) is not None:
                self._add_fill(fill)

    def observe(self, order: OrderInfo) -> OrderInfo | None:
        """Merge a state of one of our orders (from a feed or a REST read); returns the newest
        known state, or ``None`` if the order is not ours."""
        cid = self._owner(order.order_id, order.client_order_id)
        if cid is None:
            return None
        self._order_ids[order.order_id] = cid
        if order.client_order_id is None:
            order = order.model_copy(update={"client_order_id": cid})
        known = self._states.get(cid)
        if newer(order, known) and order != known:
            self._states[cid] = order
            self._dirty.add(cid)
            self._changed.set()
        return self._states[cid]

    def _add_fill(self, fill: Fill) -> None:
        if fill.trade_id in self._fills:
            return
        if fill.client_order_id is None:
            cid = self._owner(fill.order_id, None)
            fill = fill.model_copy(update={"client_order_id": cid})
        self._fills[fill.trade_id] = fill
        self._unjournaled.append(fill)
        self._changed.set()

    def add_fills(self, fills: Iterable[Fill]) -> None:
        """Merge fills read over REST (trade history); ours only, each trade once."""
        for fill in fills:
            if self._owner(fill.order_id, fill.client_order_id) is not None:
                self._add_fill(fill)

    # ---- reads --------------------------------------------------------------------------

    def state(self, client_order_id: str) -> OrderInfo | None:
        return self._states.get(client_order_id)

    def fills(self, client_order_ids: Iterable[str] | None = None) -> list[Fill]:
        wanted = set(client_order_ids) if client_order_ids is not None else None
        out = [f for f in self._fills.values()
               if wanted is None or self._owner(f.order_id, f.client_order_id) in wanted]
        return sorted(out, key=lambda f: (f.timestamp, f.trade_id))

    def filled(self, client_order_id: str) -> Decimal:
        state = self._states.get(client_order_id)
        return state.filled_quantity if state is not None else Decimal(0)

    async def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for any change to a tracked order; True if one came."""
        if self._changed.is_set():
            self._changed.clear()
            return True
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        self._changed.clear()
        return True

    async def refresh(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        """Read the order from the venue by client id and merge it; ``None`` if the venue does
        not know it. Venue errors propagate (the caller decides whether they matter)."""
        found = await self.client.get_order_by_client_id(client_order_id, symbol)
        return None if found is None else self.observe(found)

    async def flush(self) -> None:
        """Write new order states and queued fills to the journal (fills are idempotent by
        trade id; a state the journal already has a newer version of is kept as is)."""
        dirty, self._dirty = self._dirty, set()
        for cid in sorted(dirty):
            try:
                await self._journal.update(self.account, self.venue, cid, info=self._states[cid])
            except BaseException:
                self._dirty |= dirty
                raise
        pending, self._unjournaled = self._unjournaled, []
        for index, fill in enumerate(pending):
            try:
                await self._journal.record_fill(self.account, fill)
            except BaseException:
                self._unjournaled = pending[index:] + self._unjournaled
                raise

    async def settle_from_history(self, symbol: str, since_seconds: float) -> None:
        """Merge our fills from the venue's trade history (authoritative prices and fees);
        a failing read is logged and the fills seen on the feed are kept."""
        try:
            history = await self.client.get_user_trade_history(
                symbol, since=utc_now() - timedelta(seconds=since_seconds + 60))
        except ExchangeError as exc:
            _log.warning("%s: trade history unavailable (%s); fees from the live feed", self.venue, exc)
            return
        self.add_fills(history)
