"""Markets, BBO and depth on Paradex: the live WebSocket book when it is in sync, REST
(``GET /bbo/{market}``, ``GET /orderbook/{market}?depth=``) otherwise."""

from __future__ import annotations

from exchange_clients.common.market_data import LiveBookMarketData
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import ExchangeError
from exchange_clients.models import BBO, OrderBookSnapshot
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import bbo_from_rest, book_snapshot
from exchange_clients.paradex.client.utils.transport import ParadexTransport
from exchange_clients.paradex.websocket.manager import ParadexWebSocketManager

__all__ = ["MarketDataManager"]

VENUE = "paradex"
#: the REST book's depth limit, and its default
REST_DEPTH_MAX = 1000


class MarketDataManager(LiveBookMarketData):
    def __init__(self, transport: ParadexTransport, catalog: MarketCatalog[ParadexMarket],
                 ws: ParadexWebSocketManager) -> None:
        super().__init__(VENUE, catalog, ws)
        self._transport = transport

    async def rest_bbo(self, symbol: str) -> BBO:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.public(f"/bbo/{entry.venue_data.venue_symbol}")
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"unexpected /bbo body for {symbol}", code="BAD_BBO")
        return bbo_from_rest(body, entry)

    async def rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.public(f"/orderbook/{entry.venue_data.venue_symbol}",
                                            {"depth": min(max(levels, 1), REST_DEPTH_MAX)})
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"unexpected /orderbook body for {symbol}", code="BAD_BOOK")
        return book_snapshot(body, entry, levels)
