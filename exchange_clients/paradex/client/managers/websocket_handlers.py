"""Private WebSocket frames → client state and events.

``orders.ALL`` updates (a full ``OrderResp`` each: NEW, OPEN, partial fills, CLOSED) feed the
shared :class:`OrderTracker` and publish ``OrderUpdateEvent``s; ``fills.ALL`` publishes our
fills (each once, by fill id) and liquidations; ``positions`` publishes position updates.

Paradex accepts orders asynchronously: ``POST /orders`` answers 201 ``NEW`` and the matching
engine decides afterwards (OPEN, or CLOSED — filled, or refused with a ``cancel_reason``).
:class:`Settlements` lets the order manager wait for that decision — the first state of an
order past NEW — by client order id.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from exchange_clients.common.events import EventStream
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.models import (
    FillEvent,
    LiquidationEvent,
    LiquidationNoticeEvent,
    OrderInfo,
    OrderStatus,
    OrderUpdateEvent,
    PositionUpdateEvent,
)
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import (
    fill_from_row,
    order_info,
    position_snapshot,
)
from helpers.unified_logger import get_logger

__all__ = ["Settlements", "PrivateFrameHandler", "track"]

VENUE = "paradex"
_MAX_SEEN = 20_000


def track(tracker: OrderTracker, order: OrderInfo) -> OrderInfo:
    """Record ``order`` unless it would move a known order back to NEW (a REST read taken
    before the engine's decision, arriving after it); the tracker guards the rest."""
    known = tracker.get(order.order_id)
    if known is not None and order.status is OrderStatus.PENDING \
            and known.status is not OrderStatus.PENDING:
        return known
    return tracker.update(order)


class Settlements:
    """Waiters for the first decided state (anything but PENDING) of an order by client id."""

    def __init__(self, tracker: OrderTracker) -> None:
        self._tracker = tracker
        self._waiters: dict[str, list[asyncio.Future[OrderInfo]]] = {}

    def settled(self, order: OrderInfo) -> None:
        if order.status is OrderStatus.PENDING or not order.client_order_id:
            return
        for waiter in self._waiters.pop(order.client_order_id, []):
            if not waiter.done():
                waiter.set_result(order)

    async def wait(self, client_order_id: str, timeout: float) -> OrderInfo | None:
        known = self._tracker.by_client_id(client_order_id)
        if known is not None and known.status is not OrderStatus.PENDING:
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


class PrivateFrameHandler:
    def __init__(self, catalog: MarketCatalog[ParadexMarket], tracker: OrderTracker,
                 settlements: Settlements, events: EventStream) -> None:
        self._catalog = catalog
        self._tracker = tracker
        self._settlements = settlements
        self._events = events
        self._seen_fills: OrderedDict[str, None] = OrderedDict()
        self._log = get_logger("private_feed", VENUE)
        self.unknown_markets = 0

    def _entry(self, venue_symbol: Any) -> MarketEntry[ParadexMarket] | None:
        entry = self._catalog.by_market_id(str(venue_symbol))
        if entry is None:
            self.unknown_markets += 1
            self._log.warning("private frame for unknown market %s", venue_symbol)
        return entry

    def __call__(self, frame: dict[str, Any]) -> None:
        channel = str(frame.get("channel", ""))
        data = frame.get("data")
        if not isinstance(data, dict):
            return
        if channel.startswith("orders"):
            self._order(data)
        elif channel.startswith("fills"):
            self._fill(data)
        elif channel == "positions":
            self._position(data)

    def _order(self, raw: dict[str, Any]) -> None:
        entry = self._entry(raw.get("market"))
        if entry is None:
            return
        order = track(self._tracker, order_info(raw, entry))
        self._events.publish(OrderUpdateEvent(venue=VENUE, order=order))
        self._settlements.settled(order)

    def _fill(self, raw: dict[str, Any]) -> None:
        fill_id = str(raw.get("id"))
        if fill_id in self._seen_fills:
            return
        self._seen_fills[fill_id] = None
        if len(self._seen_fills) > _MAX_SEEN:
            self._seen_fills.popitem(last=False)
        entry = self._entry(raw.get("market"))
        if entry is None:
            return
        fill = fill_from_row(raw, entry)
        self._events.publish(FillEvent(venue=VENUE, fill=fill))
        if raw.get("fill_type") == "LIQUIDATION":
            self._events.publish(LiquidationNoticeEvent(venue=VENUE, liquidation=LiquidationEvent(
                venue=VENUE, symbol=fill.symbol, quantity=fill.quantity, price=fill.price,
                timestamp=fill.timestamp)))

    def _position(self, raw: dict[str, Any]) -> None:
        entry = self._entry(raw.get("market"))
        if entry is not None:
            self._events.publish(PositionUpdateEvent(venue=VENUE,
                                                     position=position_snapshot(raw, entry)))
