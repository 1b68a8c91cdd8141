"""Markets, BBO and depth on Aster: the live WebSocket book when it is in sync, the REST
``depth`` endpoint otherwise (``limit`` rounded up to one Aster accepts)."""

from __future__ import annotations

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import depth_snapshot
from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.aster.websocket.manager import AsterWebSocketManager
from exchange_clients.common.market_data import LiveBookMarketData
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.models import OrderBookSnapshot

__all__ = ["MarketDataManager", "DEPTH_LIMITS"]

VENUE = "aster"
#: the ``limit`` values ``GET depth`` accepts (anything else is -4021)
DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def rest_limit(levels: int) -> int:
    return next((limit for limit in DEPTH_LIMITS if limit >= levels), DEPTH_LIMITS[-1])


class MarketDataManager(LiveBookMarketData):
    def __init__(self, transport: AsterTransport, catalog: MarketCatalog[AsterMarket],
                 ws: AsterWebSocketManager) -> None:
        super().__init__(VENUE, catalog, ws)
        self._transport = transport

    async def rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.public("depth", {"symbol": entry.info.venue_symbol,
                                                      "limit": rest_limit(levels)})
        return depth_snapshot(body, entry, levels)
