"""Markets, BBO and depth on Hyperliquid: the live WebSocket book when it is in sync, the REST
``l2Book`` (a full snapshot of ≤ 20 levels per side, weight 2) otherwise."""

from __future__ import annotations

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import ExchangeError, StaleDataError
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import book_snapshot
from exchange_clients.hyperliquid.client.utils.helpers import VENUE
from exchange_clients.hyperliquid.client.utils.transport import HyperliquidTransport
from exchange_clients.hyperliquid.websocket.manager import HyperliquidWebSocketManager
from exchange_clients.models import BBO, MarketInfo, OrderBookSnapshot

__all__ = ["MarketDataManager"]

#: the venue's l2Book depth per side
REST_BOOK_LEVELS = 20


class MarketDataManager:
    def __init__(self, transport: HyperliquidTransport, catalog: MarketCatalog[HyperliquidMarket],
                 ws: HyperliquidWebSocketManager) -> None:
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
        best_bid, best_ask = book.best_bid, book.best_ask
        return BBO(venue=VENUE, symbol=market.symbol,
                   bid=best_bid.price if best_bid else None, bid_size=best_bid.size if best_bid else None,
                   ask=best_ask.price if best_ask else None, ask_size=best_ask.size if best_ask else None,
                   source="rest")

    async def depth(self, symbol: str, levels: int) -> OrderBookSnapshot:
        market = (await self.catalog.entry(symbol)).info
        if await self._live(market.symbol):
            try:
                return self._ws.get_order_book(market.symbol, levels)
            except StaleDataError:
                pass
        return await self.rest_book(market.symbol, levels)

    async def rest_book(self, symbol: str, levels: int = REST_BOOK_LEVELS) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.info({"type": "l2Book", "coin": entry.venue_data.coin})
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"no l2Book for {entry.venue_data.coin}: {str(body)[:100]}",
                                code="BODY")
        return book_snapshot(body, entry, levels)
