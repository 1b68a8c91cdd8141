"""BBO and depth for a trading client: the live WebSocket book when it is in sync, REST
otherwise — the same policy on every venue, written once.

A venue subclasses :class:`LiveBookMarketData` with its REST book (``rest_book``) and, where the
venue has a cheaper endpoint for the touch, ``rest_bbo``. The first read of a symbol subscribes
its live book (so later reads are local) and is answered from REST meanwhile; a book that lost
sync between the readiness check and the read falls back to REST too. A stale book is never
returned.
"""

from __future__ import annotations

import abc
from typing import Any

from exchange_clients.common.market_feed import MarketFeedManager
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import StaleDataError
from exchange_clients.models import BBO, MarketInfo, OrderBookSnapshot

__all__ = ["LiveBookMarketData"]


class LiveBookMarketData(abc.ABC):
    def __init__(self, venue: str, catalog: MarketCatalog[Any], ws: MarketFeedManager) -> None:
        self.venue = venue
        self.catalog = catalog
        self._ws = ws

    async def markets(self) -> dict[str, MarketInfo]:
        return await self.catalog.markets()

    async def _live(self, symbol: str) -> bool:
        """True if the WebSocket book can answer; subscribes the market on first use."""
        if symbol not in self._ws.symbols():
            await self._ws.prepare_market_feed(symbol)
            return False
        return self._ws.is_ready(symbol)

    async def bbo(self, symbol: str) -> BBO:
        market = (await self.catalog.entry(symbol)).info
        if await self._live(market.symbol):
            try:
                return self._ws.get_latest_bbo(market.symbol)
            except StaleDataError:
                pass  # lost sync between the check and the read: fall back to REST
        return await self.rest_bbo(market.symbol)

    async def depth(self, symbol: str, levels: int) -> OrderBookSnapshot:
        market = (await self.catalog.entry(symbol)).info
        if await self._live(market.symbol):
            try:
                return self._ws.get_order_book(market.symbol, levels)
            except StaleDataError:
                pass
        return await self.rest_book(market.symbol, levels)

    @abc.abstractmethod
    async def rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
        """The venue's REST order book, top ``levels`` per side, in normalised units."""

    async def rest_bbo(self, symbol: str) -> BBO:
        """The touch over REST; by default the top of :meth:`rest_book`."""
        book = await self.rest_book(symbol, 1)
        bid, ask = book.best_bid, book.best_ask
        return BBO(venue=self.venue, symbol=symbol, bid=bid.price if bid else None,
                   bid_size=bid.size if bid else None, ask=ask.price if ask else None,
                   ask_size=ask.size if ask else None, source="rest")
