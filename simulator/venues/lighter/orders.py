"""Lighter's view of orders: the ``Order`` JSON, status mapping and order history.

Engine orders carry the tx fields the venue reports (nonce, type, time in force, expiry, block
height) in ``Order.meta``. An order's events are delivered while its tx is still being applied,
so the tx processor announces the meta it is about to submit (``expect``) and the first event of
the new order adopts it. Orders the venue accepts but the engine refused (a post-only order that
would cross, a reduce-only order that would increase the position, a taker short of margin) are
*ghosts*: an ``OrderRecord`` with the matching ``canceled-*`` status and no engine order.

Closed orders are kept per account (newest last) for ``accountInactiveOrders`` and, by client
order index, for ``accountOrders``.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.engine.engine import Engine
from simulator.engine.events import OrderEvent
from simulator.engine.orders import CloseReason, Order, OrderStatus, OrderType, TimeInForce
from simulator.venues.lighter.formats import GHOST_BASE, ORDER_BASE, MarketFmt, usd

__all__ = ["OrderRecord", "OrderStore", "TIF_NAMES", "HISTORY_PER_ACCOUNT"]

HISTORY_PER_ACCOUNT = 10_000
TIF_NAMES = {TimeInForce.IOC: "immediate-or-cancel", TimeInForce.GTC: "good-till-time",
             TimeInForce.POST_ONLY: "post-only", TimeInForce.FOK: "immediate-or-cancel"}
_TERMINAL = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)
_CLOSE_STATUS = {
    CloseReason.SELF_TRADE: "canceled-self-trade",
    CloseReason.REDUCE_ONLY: "canceled-reduce-only",
    CloseReason.LIQUIDATION: "canceled-liquidation",
    CloseReason.EXPIRED: "canceled-expired",
}
_NO_FILL = (CloseReason.NO_LIQUIDITY, CloseReason.IOC_REMAINDER, CloseReason.FOK_UNFILLED)


@dataclass(slots=True)
class OrderRecord:
    """An order as Lighter reports it, at one moment."""

    order_index: int
    client_order_index: int
    market_id: int
    account: int
    lots: int
    remaining_lots: int
    filled_lots: int
    filled_cash: int
    price_ticks: int
    is_ask: bool
    type: str
    time_in_force: str
    reduce_only: bool
    order_expiry: int
    status: str
    nonce: int
    height: int
    created_ms: int
    updated_ms: int

    def json(self, fmt: MarketFmt) -> dict[str, Any]:
        return {
            "order_index": self.order_index, "client_order_index": self.client_order_index,
            "order_id": str(self.order_index), "client_order_id": str(self.client_order_index),
            "market_index": self.market_id, "owner_account_index": self.account,
            "initial_base_amount": fmt.size(self.lots), "price": fmt.price(self.price_ticks),
            "nonce": self.nonce, "remaining_base_amount": fmt.size(self.remaining_lots),
            "is_ask": self.is_ask, "base_size": self.lots, "base_price": self.price_ticks,
            "filled_base_amount": fmt.size(self.filled_lots), "filled_quote_amount": usd(self.filled_cash),
            "side": "sell" if self.is_ask else "buy", "type": self.type, "time_in_force": self.time_in_force,
            "reduce_only": self.reduce_only, "trigger_price": fmt.zero_price,
            "order_expiry": self.order_expiry,
            "status": self.status, "trigger_status": "na", "trigger_time": 0, "parent_order_index": 0,
            "parent_order_id": "0", "to_trigger_order_id_0": "0", "to_trigger_order_id_1": "0",
            "to_cancel_order_id_0": "0", "block_height": self.height, "timestamp": self.created_ms,
            "created_at": self.created_ms, "updated_at": self.updated_ms,
            "transaction_time": self.created_ms * 1000, "integrator_fee_collector_index": "0",
            "integrator_maker_fee": "0", "integrator_taker_fee": "0", "order_flags": 0, "order_version": 0,
            "market_symbol": fmt.market.venue_symbol, "market_kind": "perps",
        }

    @classmethod
    def of(cls, order: Order, status: str) -> OrderRecord:
        meta = order.meta or {}
        return cls(
            order_index=ORDER_BASE + order.id, client_order_index=meta.get("coi", 0),
            market_id=order.market.id, account=order.account.id, lots=order.lots,
            remaining_lots=0 if status == "filled" else order.remaining_lots, filled_lots=order.filled_lots,
            filled_cash=order.filled_cost, price_ticks=order.price_ticks, is_ask=order.side < 0,
            type=meta.get("type", "limit"), time_in_force=TIF_NAMES[order.tif], reduce_only=order.reduce_only,
            order_expiry=meta.get("expiry", 0), status=status, nonce=meta.get("nonce", 0),
            height=meta.get("height", 0), created_ms=order.created_ms, updated_ms=order.updated_ms)


def lighter_status(order: Order, status: OrderStatus, reason: CloseReason | None) -> str:
    """The venue's status of an order after an engine event."""
    if status not in _TERMINAL:
        return "open"
    override = (order.meta or {}).get("cancel_status")
    if override:
        return str(override)
    if status is OrderStatus.FILLED:
        return "filled"
    if reason in _CLOSE_STATUS:
        return _CLOSE_STATUS[reason]
    if reason in _NO_FILL:
        # a market order stopped by its worst price while liquidity remained: slippage
        rest = order.market.bids if order.side < 0 else order.market.asks
        if order.type is OrderType.MARKET and rest.best() is not None:
            return "canceled-too-much-slippage"
        return "canceled-not-enough-liquidity"
    return "canceled"


class OrderStore:
    def __init__(self, engine: Engine, publish: Callable[[OrderRecord], None]) -> None:
        self.engine = engine
        self.publish = publish
        self._history: dict[int, deque[OrderRecord]] = {}
        self._by_coi: dict[int, dict[int, OrderRecord]] = {}
        self._ghost_ids = itertools.count(GHOST_BASE)
        self._expected: tuple[int, int | None, dict[str, Any]] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self.engine.bus.subscribe(OrderEvent, self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- tx processor hooks --------------------------------------------------------------------------
    def expect(self, account: int, client_id: int | None, meta: dict[str, Any]) -> None:
        """The next new order of ``account`` with ``client_id`` gets ``meta`` (see module doc)."""
        self._expected = (account, client_id, meta)

    def settle(self, order: Order | None) -> None:
        """After a submission: make sure the order has its meta, forget the expectation."""
        if order is not None and order.meta is None and self._expected is not None:
            order.meta = self._expected[2]
        self._expected = None

    def ghost(self, account: int, market_id: int, meta: dict[str, Any], lots: int, price_ticks: int,
              is_ask: bool, tif: str, reduce_only: bool, status: str, now_ms: int) -> OrderRecord:
        record = OrderRecord(
            order_index=next(self._ghost_ids), client_order_index=meta.get("coi", 0), market_id=market_id,
            account=account, lots=lots, remaining_lots=lots, filled_lots=0, filled_cash=0,
            price_ticks=price_ticks, is_ask=is_ask, type=meta["type"], time_in_force=tif,
            reduce_only=reduce_only, order_expiry=meta.get("expiry", 0), status=status, nonce=meta["nonce"],
            height=meta["height"], created_ms=now_ms, updated_ms=now_ms)
        self._remember(record)
        self.publish(record)
        return record

    def meta_of(self, order: Order) -> dict[str, Any]:
        """An order's tx fields (adopting the expected ones for an order still being submitted)."""
        return order.meta if order.meta is not None else self._adopt(order)

    # -- engine events --------------------------------------------------------------------------------
    def _adopt(self, order: Order) -> dict[str, Any]:
        expected = self._expected
        if expected is not None and expected[0] == order.account.id and expected[1] == order.client_id:
            order.meta = expected[2]
        else:   # an order the engine made itself (liquidation)
            order.meta = {"type": "liquidation" if order.liquidation else "limit"}
        return order.meta

    def _on_event(self, event: OrderEvent) -> None:
        order = event.order
        if order.agent:
            return
        if order.meta is None:
            self._adopt(order)
        terminal = event.status in _TERMINAL
        if not terminal and not order.live:
            return          # a taker in mid-match: its final event follows in the same batch
        record = OrderRecord.of(order, lighter_status(order, event.status, event.reason))
        if terminal:
            self._remember(record)
        self.publish(record)

    def _remember(self, record: OrderRecord) -> None:
        history = self._history.setdefault(record.account, deque())
        by_coi = self._by_coi.setdefault(record.account, {})
        if len(history) >= HISTORY_PER_ACCOUNT:
            old = history.popleft()
            if by_coi.get(old.client_order_index) is old:
                del by_coi[old.client_order_index]
        history.append(record)
        if record.client_order_index:
            by_coi[record.client_order_index] = record

    # -- queries --------------------------------------------------------------------------------------
    def active(self, account: int, market_id: int | None = None) -> list[OrderRecord]:
        orders = sorted(self.engine.open_orders(account, market_id), key=lambda o: o.id)
        for order in orders:
            if order.meta is None:
                self._adopt(order)
        return [OrderRecord.of(o, "open") for o in orders]

    def inactive(self, account: int) -> list[OrderRecord]:
        """Closed orders, newest first."""
        return list(reversed(self._history.get(account, ())))

    def by_client_index(self, account: int, coi: int) -> OrderRecord | None:
        acct = self.engine.accounts.get(account)
        live = acct.client_ids.get(coi) if acct is not None else None
        if live is not None and live.live:
            return OrderRecord.of(live, "open")
        return self._by_coi.get(account, {}).get(coi)

    def counts(self, account: int) -> dict[int, int]:
        """Open orders per market."""
        out: dict[int, int] = {}
        acct = self.engine.accounts.get(account)
        for order in acct.open_orders.values() if acct is not None else ():
            out[order.market.id] = out.get(order.market.id, 0) + 1
        return out
