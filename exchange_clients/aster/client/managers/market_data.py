"""Markets, BBO and depth on Aster: the live WebSocket book when it is in sync, the REST
``depth`` endpoint otherwise (``limit`` rounded up to one Aster accepts)."""

from __future__ import annotations

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import depth_snapshot
from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.aster.websocket.manager import AsterWebSocketManager
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import StaleDataError
from exchange_clients.models import BBO, MarketInfo, OrderBookSnapshot

__all__ = ["MarketDataManager", "DEPTH_LIMITS"]

VENUE = "aster"
#: the ``limit`` values ``GET depth`` accepts (anything else is -4021)
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def rest_limit(levels: int) -> int:
    return next((limit for limit in DEPTH_LIMITS if limit >= levels), DEPTH_LIMITS[-1])


class MarketDataManager:
    def __init__(self, transport: AsterTransport, catalog: MarketCatalog[AsterMarket],
                 ws: AsterWebSocketManager) -> None:
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
        market = (await self.catalog.entry(symbol)).info
        if await self._live(market.symbol):
            try:
                return self._ws.get_latest_bbo(market.symbol)
            except StaleDataError:
                pass  # lost sync between the check and the read: fall back to REST
        book = await self.rest_book(market.symbol, 5)
        best_bid, best_ask = book.best_bid, book.best_ask
        return BBO(venue=VENUE, symbol=market.symbol,
                   bid=best_bid.price if best_bid else None,
                   bid_size=best_bid.size if best_bid else None,
                   ask=best_ask.price if best_ask else None,
                   ask_size=best_ask.size if best_ask else None, source="rest")

    async def depth(self, symbol: str, levels: int) -> OrderBookSnapshot:
        market = (await self.catalog.entry(symbol)).info
        if await self._live(market.symbol):
            try:
                return self._ws.get_order_book(market.symbol, levels)
            except StaleDataError:
                pass
        return await self.rest_book(market.symbol, levels)

    async def rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.public("depth", {"symbol": entry.info.venue_symbol,
                                                      "limit": rest_limit(levels)})
        return depth_snapshot(body, entry, levels)
