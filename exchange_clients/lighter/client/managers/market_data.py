"""Markets, BBO and depth on Lighter: the live WebSocket book when it is in sync, REST
(``orderBookOrders``, individual orders aggregated into price levels) otherwise."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from exchange_clients.common.market_data import LiveBookMarketData
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.lighter.client.utils.helpers import price_from_venue, size_from_venue
from exchange_clients.lighter.client.utils.transport import LighterTransport
from exchange_clients.lighter.websocket.manager import LighterWebSocketManager
from exchange_clients.models import OrderBookLevel, OrderBookSnapshot

__all__ = ["MarketDataManager"]

VENUE = "lighter"
_REST_ORDERS_MAX = 250


class MarketDataManager(LiveBookMarketData):
    def __init__(self, transport: LighterTransport, catalog: MarketCatalog[LighterMarket],
                 ws: LighterWebSocketManager) -> None:
        super().__init__(VENUE, catalog, ws)
        self._transport = transport

    async def rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
        entry = await self.catalog.entry(symbol)
        body = await self._transport.call("orderBookOrders", self._transport.order.order_book_orders,
                                          market_id=entry.venue_data.market_index,
                                          limit=_REST_ORDERS_MAX)
        market = entry.venue_data
        return OrderBookSnapshot(
            venue=VENUE, symbol=symbol, source="rest",
            bids=_aggregate(body.get("bids") or [], market, descending=True, levels=levels),
            asks=_aggregate(body.get("asks") or [], market, descending=False, levels=levels))


def _aggregate(orders: list[dict[str, Any]], market: LighterMarket, *, descending: bool,
               levels: int) -> tuple[OrderBookLevel, ...]:
    by_price: dict[Decimal, Decimal] = defaultdict(Decimal)
    for order in orders:
        by_price[price_from_venue(str(order["price"]), market)] += size_from_venue(
            str(order["remaining_base_amount"]), market)
    prices = sorted(by_price, reverse=descending)[:levels]
    return tuple(OrderBookLevel(price=p, size=by_price[p]) for p in prices if by_price[p] > 0)
