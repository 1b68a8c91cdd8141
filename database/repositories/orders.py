"""Orders and fills audit, with write-ahead intents.

Protocol for a strategy placing an order (docs/DATABASE.md, "Orders"):

1. ``record_intent`` — commit the order with its client order id *before* sending it;
2. ``mark_sent`` just before the request leaves (intent -> pending);
3. ``update`` with the venue's answer (open / filled / rejected …), or ``UNKNOWN`` when the
   request timed out — never resend; resolve by looking the client id up at the venue;
4. after a restart, ``unresolved()`` lists every order whose fate is not known (intent,
   pending, unknown): each is looked up by client id before anything new is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from database.errors import AlreadyExistsError, InvalidTransitionError, NotFoundError
from database.models import FillRecord, OrderRecord, OrderState
from database.repositories._common import dialect_insert
from database.session import SessionFactory
from helpers.time import ensure_utc, utc_now
from helpers.unified_logger import redact

__all__ = ["OrderIntent", "FillInput", "OrderRepository", "UNRESOLVED_STATES", "LIVE_STATES"]

UNRESOLVED_STATES = (OrderState.INTENT, OrderState.PENDING, OrderState.UNKNOWN)
LIVE_STATES = (OrderState.OPEN, OrderState.PARTIALLY_FILLED)

_ANY_BUT_INTENT = frozenset(OrderState) - {OrderState.INTENT}
_TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    OrderState.INTENT: frozenset(OrderState),
    OrderState.PENDING: _ANY_BUT_INTENT,
    OrderState.UNKNOWN: _ANY_BUT_INTENT,
    OrderState.OPEN: frozenset({OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.FILLED,
                                OrderState.CANCELLED, OrderState.EXPIRED, OrderState.UNKNOWN}),
    OrderState.PARTIALLY_FILLED: frozenset({OrderState.PARTIALLY_FILLED, OrderState.FILLED,
                                            OrderState.CANCELLED, OrderState.EXPIRED,
                                            OrderState.UNKNOWN}),
    **{s: frozenset({s}) for s in OrderState if s.is_terminal},
}


@dataclass(frozen=True, slots=True)
class OrderIntent:
    account: str
    venue: str
    symbol: str
    client_order_id: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None = None
    time_in_force: str | None = None
    reduce_only: bool = False
    run_id: str | None = None
    position_id: str | None = None


@dataclass(frozen=True, slots=True)
class FillInput:
    account: str
    venue: str
    symbol: str
    trade_id: str
    side: str
    price: Decimal
    quantity: Decimal
    fee: Decimal
    filled_at: datetime
    exchange_order_id: str | None = None
    client_order_id: str | None = None
    liquidity: str | None = None


class OrderRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def record_intent(self, intent: OrderIntent) -> OrderRecord:
        """Commit the order before it is sent. A client order id already used by this
        (account, venue) raises :class:`AlreadyExistsError` — ids must never repeat."""
        order = OrderRecord(
            account=intent.account, venue=intent.venue, symbol=intent.symbol,
            client_order_id=intent.client_order_id, side=intent.side, order_type=intent.order_type,
            quantity=intent.quantity, price=intent.price, time_in_force=intent.time_in_force,
            reduce_only=intent.reduce_only, run_id=intent.run_id, position_id=intent.position_id,
            status=OrderState.INTENT.value, filled_quantity=Decimal(0))
        try:
            async with self._sessions.begin() as session:
                session.add(order)
        except IntegrityError:
            raise AlreadyExistsError(f"client order id {intent.client_order_id!r} was already used "
                                     f"on {intent.account}/{intent.venue}") from None
        return order

    async def mark_sent(self, account: str, venue: str, client_order_id: str) -> OrderRecord:
        return await self.update(account, venue, client_order_id, status=OrderState.PENDING)

    async def update(self, account: str, venue: str, client_order_id: str, *,
                     status: OrderState | None = None, exchange_order_id: str | None = None,
                     filled_quantity: Decimal | None = None,
                     average_fill_price: Decimal | None = None,
                     error: str | None = None) -> OrderRecord:
        """Apply what the venue (or the send path) said. Status changes follow the state
        machine (a filled order never reopens); filled quantity never decreases."""
        async with self._sessions.begin() as session:
            order = await session.scalar(self._by_cid(account, venue, client_order_id)
                                         .with_for_update())
            if order is None:
                raise NotFoundError(f"no order {client_order_id!r} on {account}/{venue}")
            if status is not None:
                current = OrderState(order.status)
                if status not in _TRANSITIONS[current]:
                    raise InvalidTransitionError(f"order {client_order_id}: {current.value} -> "
                                                 f"{status.value} is not allowed")
                if current is OrderState.INTENT and status is not OrderState.FAILED:
                    order.submitted_at = order.submitted_at or utc_now()
                order.status = status.value
            if exchange_order_id is not None:
                order.exchange_order_id = exchange_order_id
            if filled_quantity is not None:
                if filled_quantity < order.filled_quantity:
                    raise InvalidTransitionError(f"order {client_order_id}: filled quantity cannot "
                                                 f"go from {order.filled_quantity} to {filled_quantity}")
                order.filled_quantity = filled_quantity
            if average_fill_price is not None:
                order.average_fill_price = average_fill_price
            if error is not None:
                order.error = redact(error)
            return order

    async def get(self, account: str, venue: str, client_order_id: str) -> OrderRecord:
        async with self._sessions() as session:
            order = await session.scalar(self._by_cid(account, venue, client_order_id))
            if order is None:
                raise NotFoundError(f"no order {client_order_id!r} on {account}/{venue}")
            return order

    async def find_by_exchange_id(self, account: str, venue: str, exchange_order_id: str
                                  ) -> OrderRecord | None:
        async with self._sessions() as session:
            return await session.scalar(select(OrderRecord).where(
                OrderRecord.account == account, OrderRecord.venue == venue,
                OrderRecord.exchange_order_id == exchange_order_id))

    async def unresolved(self, *, account: str | None = None, venue: str | None = None
                         ) -> list[OrderRecord]:
        """Orders whose fate is unknown (intent, pending, unknown), oldest first."""
        return await self._in_states(UNRESOLVED_STATES, account, venue)

    async def live(self, *, account: str | None = None, venue: str | None = None
                   ) -> list[OrderRecord]:
        """Orders last seen resting at the venue (open, partially filled)."""
        return await self._in_states(LIVE_STATES, account, venue)

    async def _in_states(self, states: Sequence[OrderState], account: str | None,
                         venue: str | None) -> list[OrderRecord]:
        query = select(OrderRecord).where(OrderRecord.status.in_([s.value for s in states]))
        if account is not None:
            query = query.where(OrderRecord.account == account)
        if venue is not None:
            query = query.where(OrderRecord.venue == venue)
        async with self._sessions() as session:
            return list(await session.scalars(query.order_by(OrderRecord.created_at, OrderRecord.id)))

    async def record_fill(self, fill: FillInput) -> bool:
        """Store a fill once (a repeated trade id is ignored: feeds and REST overlap); links
        it to our order by client or exchange order id. Returns whether it was new."""
        async with self._sessions.begin() as session:
            match = [OrderRecord.client_order_id == fill.client_order_id] if fill.client_order_id else []
            if fill.exchange_order_id:
                match.append(OrderRecord.exchange_order_id == fill.exchange_order_id)
            order_id = None
            if match:
                order_id = await session.scalar(select(OrderRecord.id).where(
                    OrderRecord.account == fill.account, OrderRecord.venue == fill.venue,
                    or_(*match)).limit(1))
            insert = dialect_insert(session, FillRecord)
            row = {**{f: getattr(fill, f) for f in FillInput.__dataclass_fields__},
                   "filled_at": ensure_utc(fill.filled_at), "order_id": order_id,
                   "recorded_at": utc_now()}
            result = await session.execute(insert.values(row).on_conflict_do_nothing(
                index_elements=["account", "venue", "trade_id"]).returning(FillRecord.id))
            return result.first() is not None

    async def fills(self, account: str, *, venue: str | None = None, symbol: str | None = None,
                    since: datetime | None = None) -> list[FillRecord]:
        query = select(FillRecord).where(FillRecord.account == account)
        if venue is not None:
            query = query.where(FillRecord.venue == venue)
        if symbol is not None:
            query = query.where(FillRecord.symbol == symbol)
        if since is not None:
            query = query.where(FillRecord.filled_at >= ensure_utc(since))
        async with self._sessions() as session:
            return list(await session.scalars(query.order_by(FillRecord.filled_at, FillRecord.id)))

    async def for_position(self, position_id: str) -> list[OrderRecord]:
        """Every order placed for a strategy position, oldest first."""
        async with self._sessions() as session:
            return list(await session.scalars(
                select(OrderRecord).where(OrderRecord.position_id == position_id)
                .order_by(OrderRecord.created_at, OrderRecord.id)))

    async def position_fills(self, position_id: str) -> list[FillRecord]:
        """Every recorded fill of the orders of a strategy position, oldest first."""
        async with self._sessions() as session:
            return list(await session.scalars(
                select(FillRecord).join(OrderRecord, FillRecord.order_id == OrderRecord.id)
                .where(OrderRecord.position_id == position_id)
                .order_by(FillRecord.filled_at, FillRecord.id)))

    @staticmethod
    def _by_cid(account: str, venue: str, client_order_id: str) -> Select[OrderRecord]:
        return select(OrderRecord).where(OrderRecord.account == account, OrderRecord.venue == venue,
                                         OrderRecord.client_order_id == client_order_id)
