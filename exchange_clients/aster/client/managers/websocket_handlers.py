"""User data stream events → client state and events.

* ``ORDER_TRADE_UPDATE`` feeds the :class:`OrderTracker` (latest state per order, by order id
  or client order id, never moving backwards — Aster: "payloads are not guaranteed to be in
  order during heavy periods") and publishes an ``OrderUpdateEvent``; ``x == "TRADE"`` is also
  our fill (each trade once, by trade id) and, for a liquidation or ADL order (client id
  ``autoclose-…``/``adl_autoclose``), a liquidation notice.
* ``ACCOUNT_UPDATE`` publishes a position update per ``P`` row (a position just closed comes
  with ``pa "0"``); funding-fee updates carry balances only.
* ``ACCOUNT_CONFIG_UPDATE`` records the leverage of a symbol.
Unknown events are ignored, as the docs require.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from exchange_clients.aster.client.utils.caching import AsterMarket, LeverageCache
from exchange_clients.aster.client.utils.converters import (
    fill_from_update,
    order_from_update,
    position_from_update,
)
from exchange_clients.aster.client.utils.helpers import LIQUIDATION_CLIENT_PREFIXES, VENUE
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

_MAX_SEEN = 20_000


class PrivateFrameHandler:
    def __init__(self, catalog: MarketCatalog[AsterMarket], tracker: OrderTracker,
                 events: EventStream, leverages: LeverageCache) -> None:
        self._catalog = catalog
        self._tracker = tracker
        self._events = events
        self._leverages = leverages
        self._seen_trades: OrderedDict[str, None] = OrderedDict()
        self._log = get_logger("private_feed", VENUE)
        self.events_handled = 0

    def _entry(self, venue_symbol: Any) -> MarketEntry[AsterMarket] | None:
        entry = self._catalog.by_market_id(str(venue_symbol))
        if entry is None:
            self._log.warning("user-stream event for unknown symbol %s", venue_symbol)
        return entry

    def __call__(self, event: dict[str, Any]) -> None:
        self.events_handled += 1
        kind = event.get("e")
        if kind == "ORDER_TRADE_UPDATE":
            self._order_update(event.get("o") or {})
        elif kind == "ACCOUNT_UPDATE":
            self._account_update(event.get("a") or {})
        elif kind == "ACCOUNT_CONFIG_UPDATE":
            config = event.get("ac") or {}
            if config.get("s") and config.get("l") is not None:
                self._leverages.set(str(config["s"]), Decimal(str(config["l"])))

    def _order_update(self, o: dict[str, Any]) -> None:
        entry = self._entry(o.get("s"))
        if entry is None:
            return
        order = self._tracker.update(order_from_update(o, entry))
        self._events.publish(OrderUpdateEvent(venue=VENUE, order=order))
        fill = fill_from_update(o, entry)
        # trade ids are per symbol, and a self-trade is two fills of one trade
        key = f"{fill.symbol}:{fill.trade_id}:{fill.order_id}" if fill is not None else ""
        if fill is None or key in self._seen_trades:
            return
        self._seen_trades[key] = None
        if len(self._seen_trades) > _MAX_SEEN:
            self._seen_trades.popitem(last=False)
        self._events.publish(FillEvent(venue=VENUE, fill=fill))
        if str(o.get("c") or "").startswith(LIQUIDATION_CLIENT_PREFIXES):
            self._events.publish(LiquidationNoticeEvent(venue=VENUE, liquidation=LiquidationEvent(
                venue=VENUE, symbol=fill.symbol, quantity=fill.quantity, price=fill.price,
                timestamp=fill.timestamp)))

    def _account_update(self, data: dict[str, Any]) -> None:
        for row in data.get("P") or []:
            entry = self._entry(row.get("s"))
            if entry is not None:
                self._events.publish(PositionUpdateEvent(
                    venue=VENUE, position=position_from_update(row, entry)))
