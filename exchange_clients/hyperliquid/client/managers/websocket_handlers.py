"""Private WebSocket frames → client state and events.

* ``orderUpdates`` (a list of ``{order, status, statusTimestamp}``) feed the shared
  ``OrderTracker`` and publish ``OrderUpdateEvent``s. The frame carries no user (one
  ``orderUpdates`` subscription per connection, ours) and no time in force; what it omits is
  taken from our last state of the order.
* ``userFills`` (``{isSnapshot, user, fills}``) publish each of our fills once (by trade id).
  The first snapshot after connecting only primes the de-duplication (it is history); a
  snapshot after a *re*connect publishes the fills we missed while away. Each fill also gives
  the position after it exactly — ``startPosition`` ± size — published as a
  ``PositionUpdateEvent`` (quantity only: entry price and PnL come from
  ``get_account_positions()``), and a fill of our own liquidation (``liquidation`` present and
  naming us, or naming nobody) a ``LiquidationNoticeEvent``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from exchange_clients.common.events import EventStream
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import fill_from_row, order_from_update
from exchange_clients.hyperliquid.client.utils.helpers import VENUE, size_from_venue
from exchange_clients.models import (
    Fill,
    FillEvent,
    LiquidationEvent,
    LiquidationNoticeEvent,
    OrderUpdateEvent,
    PositionSnapshot,
    PositionUpdateEvent,
    Side,
)
from helpers.unified_logger import get_logger

__all__ = ["PrivateFrameHandler"]

_MAX_SEEN = 20_000


class PrivateFrameHandler:
    def __init__(self, user: str, catalog: MarketCatalog[HyperliquidMarket],
                 tracker: OrderTracker, events: EventStream) -> None:
        self._user = user.lower()
        self._catalog = catalog
        self._tracker = tracker
        self._events = events
        self._seen_fills: OrderedDict[str, None] = OrderedDict()
        self._primed = False
        self._snapshot_seen = asyncio.Event()
        self._log = get_logger("private_feed", VENUE)

    async def wait_subscribed(self, timeout: float) -> bool:
        """Wait for the first ``userFills`` snapshot: from then on every fill of the account
        arrives as a live frame (the venue processes our subscriptions in order, so
        ``orderUpdates`` is active too). False after ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._snapshot_seen.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _entry(self, coin: Any) -> MarketEntry[HyperliquidMarket] | None:
        entry = self._catalog.by_market_id(str(coin))
        if entry is None:
            self._log.debug("private frame for a coin we do not trade: %s", coin)
        return entry

    def __call__(self, frame: dict[str, Any]) -> None:
        channel = frame.get("channel")
        data = frame.get("data")
        if channel == "orderUpdates" and isinstance(data, list):
            self._orders(data)
        elif channel == "userFills" and isinstance(data, dict):
            if str(data.get("user", self._user)).lower() != self._user:
                return
            self._fills(data.get("fills") or [], snapshot=bool(data.get("isSnapshot")))

    # ---- orders ---------------------------------------------------------------------------

    def _orders(self, updates: list[dict[str, Any]]) -> None:
        for item in updates:
            raw = item.get("order") or {}
            entry = self._entry(raw.get("coin"))
            if entry is None:
                continue
            known = self._tracker.get(str(raw.get("oid")))
            order = order_from_update(item, entry, known=known)
            kept = self._tracker.update(order)
            if kept is not known:  # an update older than what we know is not news
                self._events.publish(OrderUpdateEvent(venue=VENUE, order=kept))

    # ---- fills ----------------------------------------------------------------------------

    def _fills(self, rows: list[dict[str, Any]], *, snapshot: bool) -> None:
        publish = self._primed or not snapshot
        if snapshot:
            self._primed = True
            self._snapshot_seen.set()
        positions: dict[str, PositionSnapshot] = {}
        for row in sorted(rows, key=lambda r: int(r.get("time") or 0)):
            tid = str(row.get("tid"))
            if tid in self._seen_fills:
                continue
            self._seen_fills[tid] = None
            if len(self._seen_fills) > _MAX_SEEN:
                self._seen_fills.popitem(last=False)
            entry = self._entry(row.get("coin"))
            if entry is None or not publish:
                continue
            fill = fill_from_row(row, entry)
            self._events.publish(FillEvent(venue=VENUE, fill=fill))
            position = _position_after(row, fill, entry)
            if position is not None:
                positions[fill.symbol] = position
            if self._is_our_liquidation(row):
                self._events.publish(LiquidationNoticeEvent(venue=VENUE, liquidation=LiquidationEvent(
                    venue=VENUE, symbol=fill.symbol, quantity=fill.quantity, price=fill.price,
                    timestamp=fill.timestamp)))
        for position in positions.values():
            self._events.publish(PositionUpdateEvent(venue=VENUE, position=position))

    def _is_our_liquidation(self, row: dict[str, Any]) -> bool:
        liquidation = row.get("liquidation")
        if not isinstance(liquidation, dict):
            return False
        victim = liquidation.get("liquidatedUser")
        return victim is None or str(victim).lower() == self._user


def _position_after(row: dict[str, Any], fill: Fill, entry: MarketEntry[HyperliquidMarket]
                    ) -> PositionSnapshot | None:
    start = row.get("startPosition")
    if start is None:
        return None
    before = size_from_venue(str(start), entry.venue_data)
    after = before + (fill.quantity if fill.side is Side.BUY else -fill.quantity)
    return PositionSnapshot(venue=VENUE, symbol=fill.symbol, quantity=after, entry_price=None,
                            timestamp=fill.timestamp)
