"""Private WebSocket frames → client state and events.

``account_all_orders`` updates feed the shared ``common.order_tracker.OrderTracker`` (latest
state per order, never moved backwards, looked up by order index or client order index, with
waiters) and publish ``OrderUpdateEvent``s;
``account_all`` frames publish position updates, our fills (each trade once, by trade id) and
liquidations. Snapshot frames (``subscribed/...``) refresh state without replaying history as
new fills.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from exchange_clients.common.events import EventStream
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
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
    OrderUpdateEvent,
    PositionUpdateEvent,
)
from helpers.time import from_ms
from helpers.unified_logger import get_logger

__all__ = ["PrivateFrameHandler"]

_MAX_TRACKED = 20_000


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
                order = self._tracker.update(order_info(raw, entry))
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
