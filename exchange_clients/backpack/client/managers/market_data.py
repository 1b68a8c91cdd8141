"""Markets, BBO and depth on Backpack: the live WebSocket book when it is in sync, REST
(``GET /api/v1/depth``: both sides ascending, best bid last) otherwise."""

from __future__ import annotations

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.converters import book_side
from exchange_clients.backpack.client.utils.helpers import VENUE, depth_limit
from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.backpack.websocket.manager import BackpackWebSocketManager
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import (
    ExchangeError,
    MarketNotFoundError,
    OrderNotFoundError,
    StaleDataError,
)
from exchange_clients.models import BBO, MarketInfo, OrderBookSnapshot

__all__ = ["MarketDataManager"]


class MarketDataManager:
    def __init__(self, transport: BackpackTransport, catalog: MarketCatalog[BackpackMarket],
                 ws: BackpackWebSocketManager) -> None:
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
        book = await self.rest_book(market.symbol, 1)
        bid, ask = book.best_bid, book.best_ask
        return BBO(venue=VENUE, symbol=market.symbol, bid=bid.price if bid else None,
                   bid_size=bid.size if bid else None, ask=ask.price if ask else None,
                   ask_size=ask.size if ask else None, source="rest")

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
