"""Private WebSocket frames → client state and events.

``account.orderUpdate`` events (``orderAccepted``, ``orderFill``, ``orderCancelled``,
``orderExpired``, ``orderModified``, ``trigger*``) feed the :class:`OrderTracker` and publish
``OrderUpdateEvent``s; each ``orderFill`` also publishes our fill once (deduplicated on the
trade id ``t``), and a fill of an order the venue placed to close our position (origin ``O``
``LIQUIDATION_AUTOCLOSE``/``ADL_AUTOCLOSE``/``BACKSTOP_LIQUIDITY_PROVIDER``) a liquidation
notice. ``account.positionUpdate`` frames (including the snapshot without ``e`` sent on
subscribe) publish position updates.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.converters import (
    LIQUIDATION_ORIGINS,
    fill_from_update,
    order_from_update,
    position_from_update,
)
from exchange_clients.common.events import EventStream
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.models import (
    FillEvent,
    LiquidationEvent,
    LiquidationNoticeEvent,
    OrderUpdateEvent,
    PositionUpdateEvent,
)
from helpers.unified_logger import get_logger

__all__ = ["PrivateFrameHandler"]

VENUE = "backpack"
_MAX_SEEN = 20_000


class PrivateFrameHandler:
    def __init__(self, catalog: MarketCatalog[BackpackMarket], tracker: OrderTracker,
                 events: EventStream) -> None:
        self._catalog = catalog
        self._tracker = tracker
        self._events = events
        self._seen_trades: OrderedDict[str, None] = OrderedDict()
        self._log = get_logger("private_feed", VENUE)
        self.frames = 0

    def _entry(self, venue_symbol: Any) -> MarketEntry[BackpackMarket] | None:
        entry = self._catalog.by_market_id(str(venue_symbol))  # market_id is the venue symbol
        if entry is None:
            self._log.warning("private frame for unknown market %s", venue_symbol)
        return entry

    def __call__(self, frame: dict[str, Any]) -> None:
        self.frames += 1
        stream = str(frame.get("stream", ""))
        data = frame.get("data")
        if not isinstance(data, dict):
            return
        if stream.startswith("account.orderUpdate"):
            self._order(data)
        elif stream.startswith("account.positionUpdate"):
            entry = self._entry(data.get("s"))
            if entry is not None:
                self._events.publish(PositionUpdateEvent(venue=VENUE,
                                                         position=position_from_update(data, entry)))

    def _order(self, data: dict[str, Any]) -> None:
        entry = self._entry(data.get("s"))
        if entry is None:
            return
        order = self._tracker.update(order_from_update(data, entry))
        self._events.publish(OrderUpdateEvent(venue=VENUE, order=order))
        fill = fill_from_update(data, entry)
        if fill is None or self._seen(fill.trade_id, fill.order_id):
            return
        self._events.publish(FillEvent(venue=VENUE, fill=fill))
        if data.get("O") in LIQUIDATION_ORIGINS:
            self._events.publish(LiquidationNoticeEvent(venue=VENUE, liquidation=LiquidationEvent(
                venue=VENUE, symbol=fill.symbol, quantity=fill.quantity, price=fill.price,
                timestamp=fill.timestamp)))

    def _seen(self, trade_id: str, order_id: str) -> bool:
        # both sides of a self-trade share a trade id: key by order too
        key = f"{trade_id}/{order_id}"
        if key in self._seen_trades:
            return True
        self._seen_trades[key] = None
        if len(self._seen_trades) > _MAX_SEEN:
            self._seen_trades.popitem(last=False)
        return False
