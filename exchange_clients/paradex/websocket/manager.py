"""``ParadexWebSocketManager``: live Paradex books for any number of markets, plus the
account's private channels when used by a trading client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from exchange_clients.common.market_feed import (
    BookDeltaMsg,
    BookSnapshotMsg,
    FeedErrorMsg,
    FeedMessage,
    MarketFeedManager,
)
from exchange_clients.common.order_book import ContinuityRule
from exchange_clients.common.ws_connection import Connector, WsConnection
from exchange_clients.models import MarketInfo
from exchange_clients.paradex.client.utils.errors import WS_AUTH_ERRORS
from exchange_clients.paradex.websocket import market_switcher, order_book
from exchange_clients.paradex.websocket.connection import PrivateChannels
from exchange_clients.paradex.websocket.message_handler import RpcReplyMsg, parse_frame
from helpers.venue_config import VenueConfig

if TYPE_CHECKING:
    from exchange_clients.paradex.funding_adapter.funding_client import ParadexPublicApi

__all__ = ["ParadexFeed", "ParadexWebSocketManager"]

_BOOK_MESSAGES = (BookDeltaMsg, BookSnapshotMsg)


class ParadexFeed:
    """Paradex's protocol knowledge for ``MarketFeedManager`` (see ``common/market_feed.py``)."""

    venue = "paradex"

    def __init__(self, ws_url: str, private: PrivateChannels | None = None) -> None:
        self._ws_url = ws_url
        self._private = private

    def ws_url(self) -> str:
        return self._ws_url

    def continuity_rule(self) -> ContinuityRule:
        return order_book.continuity_rule()

    def market_key(self, market: MarketInfo) -> str:
        return market.venue_symbol

    def subscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return market_switcher.book_subscriptions(market)

    def unsubscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return market_switcher.book_unsubscriptions(market)

    def parse(self, raw: str | bytes) -> Iterable[FeedMessage]:
        messages = parse_frame(raw)
        if len(messages) == 1 and messages[0].__class__ in _BOOK_MESSAGES:
            return messages  # type: ignore[return-value]  # the hot path: one book message
        out: list[FeedMessage] = []
        for msg in messages:
            if isinstance(msg, RpcReplyMsg):
                if self._private is not None:
                    self._private.on_reply(msg.id)
                continue
            if isinstance(msg, FeedErrorMsg) and msg.code in WS_AUTH_ERRORS \
                    and self._private is not None:
                self._private.refused(msg.code, msg.message)
            out.append(msg)
        return out

    def ping_payload(self) -> str | None:
        return None  # protocol pings only (aiohttp heartbeat and autoping)

    async def on_connect(self, conn: WsConnection) -> None:
        if self._private is not None:
            await self._private.subscribe(conn)

    async def rest_snapshot(self, market: MarketInfo) -> BookSnapshotMsg | None:
        return None  # resync by resubscribing: see order_book.py


class ParadexWebSocketManager(MarketFeedManager):
    """Public books (and, for a trading client, private channels) on one connection.

    Standalone (``registry.create_websocket_manager("paradex")``) it resolves symbols through
    its own public market catalogue; a ``ParadexClient`` passes its catalogue and private
    channels instead."""

    def __init__(self, config: VenueConfig, *,
                 resolve_market: Callable[[str], Awaitable[MarketInfo]] | None = None,
                 private: PrivateChannels | None = None,
                 private_handler: Callable[[Any], Awaitable[None] | None] | None = None,
                 connector: Connector | None = None) -> None:
        self._own_api: ParadexPublicApi | None = None
        if resolve_market is None:
            from exchange_clients.paradex.funding_adapter.funding_client import ParadexPublicApi

            self._own_api = ParadexPublicApi(config)
            resolve_market = self._resolve_public
        self.private = private
        super().__init__(ParadexFeed(config.resolved_ws_url(), private), resolve_market,
                         stale_after=config.ws_stale_after, connect_timeout=config.connect_timeout,
                         connector=connector, private_handler=private_handler)

    async def _resolve_public(self, symbol: str) -> MarketInfo:
        assert self._own_api is not None
        return (await self._own_api.catalog.entry(symbol)).info

    async def disconnect(self) -> None:
        await super().disconnect()
        if self.private is not None:
            await self.private.close()
        if self._own_api is not None:
            await self._own_api.close()
