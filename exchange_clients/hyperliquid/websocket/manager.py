"""``HyperliquidWebSocketManager``: live Hyperliquid books for any number of markets, plus the
account's channels when used by a trading client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from exchange_clients.common.market_feed import BookSnapshotMsg, FeedMessage, MarketFeedManager
from exchange_clients.common.order_book import ContinuityRule
from exchange_clients.common.ws_connection import Connector, WsConnection
from exchange_clients.hyperliquid.websocket import market_switcher, order_book
from exchange_clients.hyperliquid.websocket.connection import PING, PrivateChannels, ws_url_for
from exchange_clients.hyperliquid.websocket.message_handler import parse_frame
from exchange_clients.models import MarketInfo
from helpers.venue_config import VenueConfig

__all__ = ["HyperliquidFeed", "HyperliquidWebSocketManager"]


class HyperliquidFeed:
    """Hyperliquid's protocol knowledge for ``MarketFeedManager`` (see
    ``common/market_feed.py``)."""

    venue = "hyperliquid"

    def __init__(self, ws_url: str, private: PrivateChannels | None = None) -> None:
        self._ws_url = ws_url
        self._private = private

    def ws_url(self) -> str:
        return self._ws_url

    def continuity_rule(self) -> ContinuityRule:
        return order_book.continuity_rule()

    def market_key(self, market: MarketInfo) -> str:
        return market.venue_symbol  # frames name the coin

    def subscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return market_switcher.book_subscriptions(market)

    def unsubscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return market_switcher.book_unsubscriptions(market)

    def parse(self, raw: str | bytes) -> Iterable[FeedMessage]:
        return parse_frame(raw)

    def ping_payload(self) -> str | None:
        return PING

    async def on_connect(self, conn: WsConnection) -> None:
        if self._private is not None:
            await self._private.subscribe(conn)

    async def rest_snapshot(self, market: MarketInfo) -> BookSnapshotMsg | None:
        return None  # resync by resubscribing: the venue answers with the whole book


class HyperliquidWebSocketManager(MarketFeedManager):
    """Public books (and, for a trading client, the account channels) on one connection.

    Standalone (``registry.create_websocket_manager("hyperliquid")``) it resolves symbols
    through its own public market catalogue; a ``HyperliquidClient`` passes its catalogue and
    private channels instead."""

    def __init__(self, config: VenueConfig, *,
                 resolve_market: Callable[[str], Awaitable[MarketInfo]] | None = None,
                 private: PrivateChannels | None = None,
                 private_handler: Callable[[Any], Awaitable[None] | None] | None = None,
                 connector: Connector | None = None) -> None:
        self._own_api = None
        if resolve_market is None:
            from exchange_clients.hyperliquid.funding_adapter.funding_client import (
                HyperliquidPublicApi,
            )

            self._own_api = HyperliquidPublicApi(config)
            resolve_market = self._resolve_public
        super().__init__(HyperliquidFeed(ws_url_for(config), private), resolve_market,
                         stale_after=config.ws_stale_after, connect_timeout=config.connect_timeout,
                         connector=connector, private_handler=private_handler)

    async def _resolve_public(self, symbol: str) -> MarketInfo:
        assert self._own_api is not None
        return (await self._own_api.catalog.entry(symbol)).info

    async def disconnect(self) -> None:
        await super().disconnect()
        if self._own_api is not None:
            await self._own_api.close()
