"""Markets, BBO and depth on Lighter: the live WebSocket book when it is in sync, REST
(``orderBookOrders``, individual orders aggregated into price levels) otherwise."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import StaleDataError
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.lighter.client.utils.helpers import price_from_venue, size_from_venue
from exchange_clients.lighter.client.utils.transport import LighterTransport
from exchange_clients.lighter.websocket.manager import LighterWebSocketManager
from exchange_clients.models import BBO, MarketInfo, OrderBookLevel, OrderBookSnapshot

__all__ = ["MarketDataManager"]

VENUE = "lighter"
_REST_ORDERS_MAX = 250


class MarketDataManager:
    def __init__(self, transport: LighterTransport, catalog: MarketCatalog[LighterMarket],
                 ws: LighterWebSocketManager) -> None:
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
        book = await self._rest_book(market.symbol, 1)
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
        return await self._rest_book(market.symbol, levels)

    async def _rest_book(self, symbol: str, levels: int) -> OrderBookSnapshot:
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
