"""Private WebSocket frames → client state and events.

``account_all_orders`` updates feed the :class:`OrderTracker` (latest state per order, looked up
by order index or client order index, with waiters) and publish ``OrderUpdateEvent``s;
``account_all`` frames publish position updates, our fills (each trade once, by trade id) and
liquidations. Snapshot frames (``subscribed/...``) refresh state without replaying history as
new fills.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from exchange_clients.common.events import EventStream
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.lighter.client.utils.converters import (
    fill_from_trade,
    order_info,
    position_snapshot,
)
from exchange_clients.models import (
    FillEvent,
    LiquidationEvent,
    LiquidationNoticeEvent,
    OrderInfo,
    OrderUpdateEvent,
    PositionUpdateEvent,
)
from helpers.time import from_ms
from helpers.unified_logger import get_logger

__all__ = ["OrderTracker", "PrivateFrameHandler"]

_MAX_TRACKED = 20_000


class OrderTracker:
    """Latest known state of the account's orders, from the private feed and REST reads."""

    def __init__(self) -> None:
        self._by_id: OrderedDict[str, OrderInfo] = OrderedDict()
        self._by_cid: dict[str, str] = {}
        self._waiters: dict[str, list[asyncio.Future[OrderInfo]]] = {}

    def update(self, order: OrderInfo) -> None:
        self._by_id[order.order_id] = order
        self._by_id.move_to_end(order.order_id)
        if order.client_order_id:
            self._by_cid[order.client_order_id] = order.order_id
            for waiter in self._waiters.pop(order.client_order_id, []):
                if not waiter.done():
                    waiter.set_result(order)
        while len(self._by_id) > _MAX_TRACKED:
            _, old = self._by_id.popitem(last=False)
            if old.client_order_id and self._by_cid.get(old.client_order_id) == old.order_id:
                del self._by_cid[old.client_order_id]

    def get(self, order_id: str) -> OrderInfo | None:
        return self._by_id.get(order_id)

    def by_client_id(self, client_order_id: str) -> OrderInfo | None:
        order_id = self._by_cid.get(client_order_id)
        return self._by_id.get(order_id) if order_id else None

    async def wait_for_client_id(self, client_order_id: str, timeout: float) -> OrderInfo | None:
        """The first state of an order we just sent, or ``None`` after ``timeout``."""
        known = self.by_client_id(client_order_id)
        if known is not None:
            return known
        future: asyncio.Future[OrderInfo] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(client_order_id, []).append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiters.get(client_order_id)
            if waiters and future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._waiters[client_order_id]

    def open_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        return [o for o in self._by_id.values()
                if not o.status.is_terminal and (symbol is None or o.symbol == symbol)]


class PrivateFrameHandler:
    def __init__(self, account_index: int, catalog: MarketCatalog[LighterMarket],
                 tracker: OrderTracker, events: EventStream) -> None:
        self._account = account_index
        self._catalog = catalog
        self._tracker = tracker
        self._events = events
        self._seen_trades: OrderedDict[str, None] = OrderedDict()
        self._log = get_logger("private_feed", "lighter")

    def _entry(self, market_id: Any) -> MarketEntry[LighterMarket] | None:
        entry = self._catalog.by_market_id(str(market_id))
        if entry is None:
            self._log.warning("private frame for unknown market %s", market_id)
        return entry

    def __call__(self, frame: dict[str, Any]) -> None:
        kind = str(frame.get("type", ""))
        snapshot = kind.startswith("subscribed/")
        if "orders" in frame:
            self._orders(frame["orders"])
        if "positions" in frame:
            self._positions(frame["positions"])
        if "trades" in frame:
            self._trades(frame["trades"], publish=not snapshot)

    def _orders(self, orders_by_market: dict[str, list[dict[str, Any]]]) -> None:
        for market_id, orders in (orders_by_market or {}).items():
            entry = self._entry(market_id)
            if entry is None:
                continue
            for raw in orders:
                order = order_info(raw, entry)
                self._tracker.update(order)
                self._events.publish(OrderUpdateEvent(venue="lighter", order=order))

    def _positions(self, positions: dict[str, dict[str, Any]]) -> None:
        for market_id, raw in (positions or {}).items():
            entry = self._entry(raw.get("market_id", market_id))
            if entry is not None:
                self._events.publish(PositionUpdateEvent(venue="lighter",
                                                         position=position_snapshot(raw, entry)))

    def _trades(self, trades_by_market: dict[str, list[dict[str, Any]]], *, publish: bool) -> None:
        for market_id, trades in (trades_by_market or {}).items():
            entry = self._entry(market_id)
            if entry is None:
                continue
            for raw in trades:
                trade_id = str(raw.get("trade_id"))
                if trade_id in self._seen_trades:
                    continue
                self._seen_trades[trade_id] = None
                if len(self._seen_trades) > _MAX_TRACKED:
                    self._seen_trades.popitem(last=False)
                fill = fill_from_trade(raw, self._account, entry)
                if fill is None or not publish:
                    continue
                self._events.publish(FillEvent(venue="lighter", fill=fill))
                if raw.get("type") == "liquidation":
                    self._events.publish(LiquidationNoticeEvent(
                        venue="lighter", liquidation=LiquidationEvent(
                            venue="lighter", symbol=fill.symbol, quantity=fill.quantity,
                            price=fill.price, timestamp=from_ms(int(raw.get("timestamp") or 0)))))
