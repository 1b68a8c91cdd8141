"""Top-of-book depth for the liquidity filter.

Funding adapters carry no order books, so depth comes from a :class:`DepthProvider`. The
default one subscribes public WebSocket books through ``exchange_clients.registry``
(``create_websocket_manager``, no credentials) on demand, only for the markets of candidate
opportunities, and keeps them live afterwards. Depth of a market is the thinner side of its
top ``levels`` levels in USD, ``min(sum bid price x size, sum ask price x size)``: a hedge
buys on one venue and sells on the other, and unwinds the other way round, so both sides
matter. A market whose book cannot be had in time is simply absent from the answer; the
ranking then excludes it when a depth minimum is asked for (unknown is not "deep enough").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from exchange_clients.base_websocket import BaseWebSocketManager
from exchange_clients.errors import ExchangeError
from exchange_clients.models import OrderBookSnapshot
from exchange_clients.registry import create_websocket_manager
from helpers.unified_logger import get_logger

__all__ = ["DepthProvider", "WebSocketDepthProvider", "book_depth_usd"]

_log = get_logger("funding_rate_service.depth")
Key = tuple[str, str]


class DepthProvider(Protocol):
    async def depth(self, keys: Iterable[Key]) -> dict[Key, Decimal]:
        """Top-of-book depth (USD) of each (venue, symbol) it could observe."""
        ...

    async def close(self) -> None: ...


def book_depth_usd(book: OrderBookSnapshot, levels: int = 1) -> Decimal:
    bids = sum((lv.price * lv.size for lv in book.bids[:levels]), Decimal(0))
    asks = sum((lv.price * lv.size for lv in book.asks[:levels]), Decimal(0))
    return min(bids, asks)


class WebSocketDepthProvider:
    """Depth from public WebSocket books, one manager per venue, subscribed on demand."""

    def __init__(self, configs: Mapping[str, Any], *, levels: int = 1, ready_timeout: float = 5.0,
                 max_markets_per_venue: int = 50,
                 factory: Callable[[str, Any], BaseWebSocketManager] = create_websocket_manager) -> None:
        self._configs = dict(configs)
        self.levels = levels
        self.ready_timeout = ready_timeout
        self.max_markets_per_venue = max_markets_per_venue
        self._factory = factory
        self._managers: dict[str, BaseWebSocketManager] = {}
        self._subscribed: dict[str, set[str]] = {}
        self._lock = asyncio.Lock()

    async def depth(self, keys: Iterable[Key]) -> dict[Key, Decimal]:
        wanted = sorted({k for k in keys if k[0] in self._configs})
        async with self._lock:  # subscriptions change shared state; one request at a time
            ready = await asyncio.gather(*(self._ensure(venue, symbol) for venue, symbol in wanted))
        out: dict[Key, Decimal] = {}
        for key, ok in zip(wanted, ready, strict=True):
            if not ok:
                continue
            try:
                out[key] = book_depth_usd(self._managers[key[0]].get_order_book(key[1], self.levels),
                                          self.levels)
            except ExchangeError as exc:  # stale since subscribed: unknown depth this time
                _log.info("no live book for %s/%s: %s", key[0], key[1], exc)
        return out

    async def _ensure(self, venue: str, symbol: str) -> bool:
        subscribed = self._subscribed.setdefault(venue, set())
        try:
            manager = await self._manager(venue)
            if symbol not in subscribed:
                if len(subscribed) >= self.max_markets_per_venue:
                    _log.info("depth: %s already follows %d books; not adding %s", venue,
                              len(subscribed), symbol)
                    return False
                await manager.prepare_market_feed(symbol)
                subscribed.add(symbol)
            if not manager.is_ready(symbol):
                await manager.wait_ready(symbol, self.ready_timeout)
        except (ExchangeError, TimeoutError, OSError) as exc:
            _log.warning("depth of %s/%s unavailable: %s", venue, symbol, exc)
            return False
        return True

    async def _manager(self, venue: str) -> BaseWebSocketManager:
        manager = self._managers.get(venue)
        if manager is None:
            manager = self._factory(venue, self._configs[venue])
            self._managers[venue] = manager
            await manager.connect()
        return manager

    async def close(self) -> None:
        managers, self._managers = self._managers, {}
        self._subscribed.clear()
        for venue, manager in managers.items():
            try:
                await manager.disconnect()
            except (ExchangeError, OSError) as exc:
                _log.warning("closing the %s book feed failed: %s", venue, exc)
