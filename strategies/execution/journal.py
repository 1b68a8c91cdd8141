"""Write-ahead order journal: an order exists on disk before it exists at a venue.

:class:`OrderJournal` is what the executors need from storage. ``DatabaseJournal`` writes
through ``database`` (``orders`` and ``fills`` tables, docs/DATABASE.md "Orders: write-ahead
intent"); ``MemoryJournal`` keeps the same records in memory for dry runs and unit tests.

Protocol per order: ``record_intent`` (committed, with the client order id, before anything
is sent) → ``mark_sent`` → ``update`` with each state the venue reports (``unknown`` when the
send timed out) → ``record_fill`` for every fill, once per trade id. After a crash,
``unresolved``/``live`` name the orders to look up at the venue by client order id.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol

from database import Database
from database.errors import AlreadyExistsError, InvalidTransitionError
from database.models import OrderRecord, OrderState
from database.repositories.orders import FillInput, OrderIntent
from exchange_clients.models import Fill, OrderInfo, OrderStatus
from helpers.unified_logger import get_logger

__all__ = ["OrderJournal", "DatabaseJournal", "MemoryJournal", "JournalEntry", "order_state"]

_log = get_logger("strategies.journal")


def order_state(status: OrderStatus) -> OrderState:
    """A venue status as the journal's state (the names match after ``pending``)."""
    return OrderState(status.value)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A journaled order as the executors and reconciliation see it."""

    account: str
    venue: str
    symbol: str
    client_order_id: str
    side: str
    order_type: str
    quantity: Decimal
    status: str
    filled_quantity: Decimal = Decimal(0)
    exchange_order_id: str | None = None
    reduce_only: bool = False
    position_id: str | None = None
    price: Decimal | None = None
    time_in_force: str | None = None


class OrderJournal(Protocol):
    async def record_intent(self, intent: OrderIntent) -> None: ...
    async def mark_sent(self, account: str, venue: str, client_order_id: str) -> None: ...
    async def update(self, account: str, venue: str, client_order_id: str, *,
                     status: OrderState | None = None, info: OrderInfo | None = None,
                     error: str | None = None) -> None: ...
    async def record_fill(self, account: str, fill: Fill) -> bool: ...
    async def unresolved(self, accounts: set[str]) -> list[JournalEntry]: ...
    async def live(self, accounts: set[str]) -> list[JournalEntry]: ...


class DatabaseJournal:
    """The journal on the strategy's database. ``run_id`` and ``position_id`` are stamped on
    intents that do not name their own."""

    def __init__(self, db: Database, *, run_id: str | None = None) -> None:
        self._db = db
        self.run_id = run_id

    async def record_intent(self, intent: OrderIntent) -> None:
        if intent.run_id is None and self.run_id is not None:
            intent = replace(intent, run_id=self.run_id)
        await self._db.orders.record_intent(intent)

    async def mark_sent(self, account: str, venue: str, client_order_id: str) -> None:
        await self._db.orders.mark_sent(account, venue, client_order_id)

    async def update(self, account: str, venue: str, client_order_id: str, *,
                     status: OrderState | None = None, info: OrderInfo | None = None,
                     error: str | None = None) -> None:
        if info is not None and status is None:
            status = order_state(info.status)
        try:
            await self._db.orders.update(
                account, venue, client_order_id, status=status,
                exchange_order_id=info.order_id if info else None,
                filled_quantity=info.filled_quantity if info else None,
                average_fill_price=info.average_fill_price if info else None, error=error)
        except InvalidTransitionError as exc:
            # a late or repeated report (a REST read after the feed said "filled"): the audit
            # keeps the newer state; the caller's own view of the order is unaffected
            _log.debug("journal kept the newer state of %s: %s", client_order_id, exc)

    async def record_fill(self, account: str, fill: Fill) -> bool:
        return await self._db.orders.record_fill(FillInput(
            account=account, venue=fill.venue, symbol=fill.symbol, trade_id=fill.trade_id,
            side=fill.side.value, price=fill.price, quantity=fill.quantity, fee=fill.fee,
            filled_at=fill.timestamp, exchange_order_id=fill.order_id,
            client_order_id=fill.client_order_id,
            liquidity=fill.liquidity.value if fill.liquidity else None))

    async def unresolved(self, accounts: set[str]) -> list[JournalEntry]:
        rows = [r for r in await self._db.orders.unresolved() if r.account in accounts]
        return [_entry(r) for r in rows]

    async def live(self, accounts: set[str]) -> list[JournalEntry]:
        rows = [r for r in await self._db.orders.live() if r.account in accounts]
        return [_entry(r) for r in rows]


def _entry(row: OrderRecord) -> JournalEntry:
    return JournalEntry(
        account=row.account, venue=row.venue, symbol=row.symbol,
        client_order_id=row.client_order_id, side=row.side, order_type=row.order_type,
        quantity=row.quantity, status=row.status, filled_quantity=row.filled_quantity,
        exchange_order_id=row.exchange_order_id, reduce_only=row.reduce_only,
        position_id=row.position_id, price=row.price, time_in_force=row.time_in_force)


_TERMINAL = frozenset(s.value for s in OrderState if s.is_terminal)
_UNRESOLVED = frozenset({OrderState.INTENT.value, OrderState.PENDING.value, OrderState.UNKNOWN.value})
_LIVE = frozenset({OrderState.OPEN.value, OrderState.PARTIALLY_FILLED.value})


@dataclass
class MemoryJournal:
    """In-memory journal with the database journal's rules (ids never reused, terminal states
    final, filled quantity never decreasing). For dry runs and unit tests."""

    orders: dict[tuple[str, str, str], JournalEntry] = field(default_factory=dict)
    fills: dict[tuple[str, str, str], Fill] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)

    async def record_intent(self, intent: OrderIntent) -> None:
        key = (intent.account, intent.venue, intent.client_order_id)
        if key in self.orders:
            raise AlreadyExistsError(f"client order id {intent.client_order_id!r} was already used")
        self.orders[key] = JournalEntry(
            account=intent.account, venue=intent.venue, symbol=intent.symbol,
            client_order_id=intent.client_order_id, side=intent.side, order_type=intent.order_type,
            quantity=intent.quantity, status=OrderState.INTENT.value, reduce_only=intent.reduce_only,
            position_id=intent.position_id, price=intent.price, time_in_force=intent.time_in_force)
        self.events.append(("intent", intent.client_order_id))

    async def mark_sent(self, account: str, venue: str, client_order_id: str) -> None:
        await self.update(account, venue, client_order_id, status=OrderState.PENDING)
        self.events.append(("sent", client_order_id))

    async def update(self, account: str, venue: str, client_order_id: str, *,
                     status: OrderState | None = None, info: OrderInfo | None = None,
                     error: str | None = None) -> None:
        key = (account, venue, client_order_id)
        entry = self.orders[key]
        if info is not None and status is None:
            status = order_state(info.status)
        if entry.status in _TERMINAL:
            return
        filled = entry.filled_quantity
        if info is not None and info.filled_quantity > filled:
            filled = info.filled_quantity
        self.orders[key] = replace(
            entry, status=status.value if status is not None else entry.status,
            filled_quantity=filled,
            exchange_order_id=(info.order_id if info else None) or entry.exchange_order_id)

    async def record_fill(self, account: str, fill: Fill) -> bool:
        key = (account, fill.venue, fill.trade_id)
        if key in self.fills:
            return False
        self.fills[key] = fill
        return True

    async def unresolved(self, accounts: set[str]) -> list[JournalEntry]:
        return [e for e in self.orders.values() if e.account in accounts and e.status in _UNRESOLVED]

    async def live(self, accounts: set[str]) -> list[JournalEntry]:
        return [e for e in self.orders.values() if e.account in accounts and e.status in _LIVE]
