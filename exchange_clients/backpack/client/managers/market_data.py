"""Markets, BBO and depth on Backpack: the live WebSocket book when it is in sync, REST
(``GET /api/v1/depth``: both sides ascending, best bid last) otherwise."""

from __future__ import annotations

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.converters import book_side
from exchange_clients.backpack.client.utils.helpers import VENUE, depth_limit
from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.backpack.websocket.manager import BackpackWebSocketManager
from exchange_clients.common.market_data import LiveBookMarketData
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import (
    ExchangeError,
    MarketNotFoundError,
    OrderNotFoundError,
)
from exchange_clients.models import OrderBookSnapshot

__all__ = ["MarketDataManager"]


class MarketDataManager(LiveBookMarketData):
    def __init__(self, transport: BackpackTransport, catalog: MarketCatalog[BackpackMarket],
                 ws: BackpackWebSocketManager) -> None:
        super().__init__(VENUE, catalog, ws)
        self._transport = transport

    async def rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        market = entry.venue_data
        try:
            body = await self._transport.public("/api/v1/depth", {
                "symbol": market.venue_symbol, "limit": depth_limit(levels)})
        except OrderNotFoundError as exc:  # 404 RESOURCE_NOT_FOUND: a closed market
            raise MarketNotFoundError(VENUE, f"{symbol}: {exc.message}", code=exc.code) from None
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"{symbol}: unexpected depth body {str(body)[:80]!r}",
                                code="BAD_DEPTH")
        return OrderBookSnapshot(
            venue=VENUE, symbol=symbol, source="rest",
            sequence=int(body["lastUpdateId"]) if body.get("lastUpdateId") is not None else None,
            bids=book_side(body.get("bids") or [], market, bids=True, limit=levels),
            asks=book_side(body.get("asks") or [], market, bids=False, limit=levels))
