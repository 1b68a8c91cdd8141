"""Markets, BBO and depth on Paradex: the live WebSocket book when it is in sync, REST
(``GET /bbo/{market}``, ``GET /orderbook/{market}?depth=``) otherwise."""

from __future__ import annotations

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import ExchangeError, StaleDataError
from exchange_clients.models import BBO, MarketInfo, OrderBookSnapshot
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import bbo_from_rest, book_snapshot
from exchange_clients.paradex.client.utils.transport import ParadexTransport
from exchange_clients.paradex.websocket.manager import ParadexWebSocketManager

__all__ = ["MarketDataManager"]

VENUE = "paradex"
#: the REST book's depth limit, and its default
REST_DEPTH_MAX = 1000


class MarketDataManager:
    def __init__(self, transport: ParadexTransport, catalog: MarketCatalog[ParadexMarket],
                 ws: ParadexWebSocketManager) -> None:
        self._transport = transport
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
        entry = await self.catalog.entry(symbol)
        if await self._live(entry.info.symbol):
            try:
                return self._ws.get_latest_bbo(entry.info.symbol)
            except StaleDataError:
                pass  # lost sync between the check and the read: fall back to REST
        body = await self._transport.public(f"/bbo/{entry.venue_data.venue_symbol}")
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"unexpected /bbo body for {symbol}", code="BAD_BBO")
        return bbo_from_rest(body, entry)

    async def depth(self, symbol: str, levels: int) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        if await self._live(entry.info.symbol):
            try:
                return self._ws.get_order_book(entry.info.symbol, levels)
            except StaleDataError:
                pass
        body = await self._transport.public(f"/orderbook/{entry.venue_data.venue_symbol}",
                                            {"depth": min(max(levels, 1), REST_DEPTH_MAX)})
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"unexpected /orderbook body for {symbol}", code="BAD_BOOK")
        return book_snapshot(body, entry, levels)
