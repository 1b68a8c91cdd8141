"""Helpers that turn engine events into what venue protocols stream.

* ``BookFeed`` — the book change feed of the markets a venue streams, optionally coalesced per
  interval (Aster/Backpack ``@depth@100ms``, Paradex ``@100ms``), as ``BookBatch``es carrying
  the engine's sequence numbers: ``first_seq``/``last_seq``/``prev_seq`` map directly onto
  Binance-style ``U``/``u``/``pu``, Lighter's ``begin_nonce``/``nonce`` and Paradex's ``seq_no``.
  A snapshot from ``engine.book()`` carries ``seq``: the next batch has ``first_seq == seq + 1``.
* ``AccountEvents`` — the engine's account-scoped events (orders, fills, positions, funding,
  liquidations, balance changes) routed to callbacks registered per account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from helpers.unified_logger import get_logger
from simulator.engine.accounts import FundingPayment
from simulator.engine.engine import Engine
from simulator.engine.events import (
    AccountEvent,
    BookDelta,
    LiquidationEvent,
    OrderEvent,
    PositionEvent,
)
from simulator.engine.market import Market
from simulator.engine.orders import Fill

__all__ = ["BookBatch", "BookFeed", "AccountEvents"]


@dataclass(frozen=True, slots=True)
class BookBatch:
    market: Market
    first_seq: int
    last_seq: int
    prev_seq: int
    changes: tuple[tuple[int, int, int], ...]   # (side +1/-1, price_ticks, new total lots)
    ts_ms: int

    def levels(self, side: int) -> list[tuple[Decimal, Decimal]]:
        """Changed levels of one side as (price, new size); size 0 = level removed."""
        m = self.market
        return [(m.price(px), m.size(lots)) for s, px, lots in self.changes if s == side]


class BookFeed:
    def __init__(self, engine: Engine, on_batch: Callable[[BookBatch], None], *,
                 interval: float | None = None) -> None:
        self.engine = engine
        self.on_batch = on_batch
        self.interval = interval
        self._watched: dict[int, int] = {}
        self._pending: dict[int, tuple[int, int, dict[tuple[int, int], int]]] = {}
        self._last: dict[int, int] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._log = get_logger("book_feed", venue=engine.venue)

    def start(self) -> None:
        self._unsubscribe = self.engine.bus.subscribe(BookDelta, self._on_delta)
        if self.interval:
            self._task = asyncio.get_running_loop().create_task(self._ticker(), name="book-feed")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise

    def watch(self, market: int | str) -> Market:
        """Start streaming a market (reference-counted); its quotes are kept fresh. Take the
        snapshot after this call: the first batch then starts at ``snapshot.seq + 1``."""
        m = self.engine.market(market)
        count = self._watched.get(m.id, 0)
        if not count:
            self.engine.watch(m.id, True)    # may re-quote (seq moves) before we listen: fine
        self._watched[m.id] = count + 1
        return m

    def unwatch(self, market: int | str) -> None:
        m = self.engine.market(market)
        count = self._watched.get(m.id, 0) - 1
        if count > 0:
            self._watched[m.id] = count
        elif count == 0:
            del self._watched[m.id]
            self._pending.pop(m.id, None)
            # a later watch starts a new chain: its first batch must not claim a stale prev_seq
            self._last.pop(m.id, None)
            self.engine.watch(m.id, False)

    def _on_delta(self, delta: BookDelta) -> None:
        mid = delta.market.id
        if mid not in self._watched:
            return
        if not self.interval:
            self._emit(delta.market, delta.seq, delta.seq, dict(((s, p), q) for s, p, q in delta.changes))
            return
        first, _, changes = self._pending.get(mid, (delta.seq, 0, {}))
        for side, price, lots in delta.changes:
            changes[(side, price)] = lots
        self._pending[mid] = (first, delta.seq, changes)

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for mid, (first, last, changes) in pending.items():
            self._emit(self.engine.markets[mid], first, last, changes)

    def _emit(self, m: Market, first: int, last: int, changes: dict[tuple[int, int], int]) -> None:
        prev = self._last.get(m.id, first - 1)
        self._last[m.id] = last
        ordered = tuple(sorted(((s, p, q) for (s, p), q in changes.items()), key=lambda c: (-c[0], c[1])))
        batch = BookBatch(m, first, last, prev, ordered, self.engine.wall_ms())
        try:
            self.on_batch(batch)
        except Exception:  # noqa: BLE001 — a venue formatting bug must not stop other markets; logged
            self._log.exception("book batch handler failed for %s", m.symbol)

    async def _ticker(self) -> None:
        assert self.interval
        while True:
            await asyncio.sleep(self.interval)
            self.flush()


_ACCOUNT_EVENTS: tuple[type, ...] = (OrderEvent, Fill, PositionEvent, FundingPayment, LiquidationEvent,
                                     AccountEvent)


class AccountEvents:
    """Per-account routing of the engine's account events: ``add(account_id, callback)``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._subs: dict[int, list[Callable[[Any], None]]] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._log = get_logger("account_events", venue=engine.venue)

    def start(self) -> None:
        self._unsubscribe = [self.engine.bus.subscribe(kind, self._route) for kind in _ACCOUNT_EVENTS]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def add(self, account_id: int, callback: Callable[[Any], None]) -> Callable[[], None]:
        subs = self._subs.setdefault(account_id, [])
        subs.append(callback)

        def remove() -> None:
            if callback in subs:
                subs.remove(callback)
            if not subs:
                self._subs.pop(account_id, None)

        return remove

    def _route(self, event: Any) -> None:
        for callback in list(self._subs.get(event.account_id, ())):
            try:
                callback(event)
            except Exception:  # noqa: BLE001 — one connection's handler must not starve the others; logged
                self._log.exception("account event handler failed for account %s", event.account_id)
