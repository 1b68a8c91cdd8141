"""Markets, BBO and depth on Hyperliquid: the live WebSocket book when it is in sync, the REST
``l2Book`` (a full snapshot of ≤ 20 levels per side, weight 2) otherwise."""

from __future__ import annotations

from exchange_clients.common.market_data import LiveBookMarketData
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import ExchangeError
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import book_snapshot
from exchange_clients.hyperliquid.client.utils.helpers import VENUE
from exchange_clients.hyperliquid.client.utils.transport import HyperliquidTransport
from exchange_clients.hyperliquid.websocket.manager import HyperliquidWebSocketManager
from exchange_clients.models import OrderBookSnapshot

__all__ = ["MarketDataManager"]

#: the venue's l2Book depth per side
REST_BOOK_LEVELS = 20


class MarketDataManager(LiveBookMarketData):
    def __init__(self, transport: HyperliquidTransport, catalog: MarketCatalog[HyperliquidMarket],
                 ws: HyperliquidWebSocketManager) -> None:
        super().__init__(VENUE, catalog, ws)
        self._transport = transport

    async def rest_book(self, symbol: str, levels: int = REST_BOOK_LEVELS) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.info({"type": "l2Book", "coin": entry.venue_data.coin})
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"no l2Book for {entry.venue_data.coin}: {str(body)[:100]}",
                                code="BODY")
        return book_snapshot(body, entry, levels)
