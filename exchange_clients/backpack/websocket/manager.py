"""``BackpackWebSocketManager``: live Backpack books for any number of markets, plus the
account streams when used by a trading client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.backpack.websocket import market_switcher, order_book
from exchange_clients.backpack.websocket.connection import PrivateStreams
from exchange_clients.backpack.websocket.message_handler import (
    AUTH_ERROR_MESSAGES,
    MarkPriceMsg,
    parse_frame,
)
from exchange_clients.common.market_feed import (
    BookDeltaMsg,
    BookSnapshotMsg,
    FeedErrorMsg,
    FeedMessage,
    MarketFeedManager,
)
from exchange_clients.common.order_book import ContinuityRule
from exchange_clients.common.ws_connection import Connector, WsConnection
from exchange_clients.errors import ExchangeError
from exchange_clients.models import MarketInfo
from helpers.venue_config import VenueConfig

if TYPE_CHECKING:
    from exchange_clients.backpack.funding_adapter.funding_client import BackpackPublicApi

__all__ = ["BackpackFeed", "BackpackWebSocketManager"]


class BackpackFeed:
    """Backpack's protocol knowledge for ``MarketFeedManager`` (see ``common/market_feed.py``)."""

    venue = "backpack"

    def __init__(self, ws_url: str, transport: BackpackTransport,
                 private: PrivateStreams | None = None) -> None:
        self._ws_url = ws_url
        self._transport = transport
        self._private = private
        self._conn: WsConnection | None = None
        #: the latest ``markPrice`` frame per venue symbol
        self.marks: dict[str, MarkPriceMsg] = {}

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
        msgs = parse_frame(raw)
        if len(msgs) == 1 and msgs[0].__class__ is BookDeltaMsg:  # the hot path: depth
            return msgs  # type: ignore[return-value]
        out: list[FeedMessage] = []
        for msg in msgs:
            if isinstance(msg, MarkPriceMsg):
                # a quiet book sends nothing for tens of seconds; the 1 s markPrice shows the
                # market's subscription is alive, so the watchdog does not resync it for nothing
                self.marks[msg.key] = msg
                if self._conn is not None:
                    self._conn.mark(msg.key)
                continue
            if isinstance(msg, FeedErrorMsg) and self._private is not None \
                    and msg.message.startswith(AUTH_ERROR_MESSAGES):
                self._private.refused(msg.message)
            out.append(msg)
        return out

    def ping_payload(self) -> str | None:
        return None  # protocol pings only (aiohttp heartbeat and autoping)

    async def on_connect(self, conn: WsConnection) -> None:
        self._conn = conn
        if self._private is not None:
            await self._private.subscribe(conn)

    async def rest_snapshot(self, market: MarketInfo) -> BookSnapshotMsg | None:
        """``GET /api/v1/depth``: both sides ascending (order does not matter to the book),
        ``lastUpdateId`` a string continuing the stream's ``u``."""
        body = await self._transport.public("/api/v1/depth", {
            "symbol": market.venue_symbol, "limit": order_book.SNAPSHOT_LIMIT})
        if not isinstance(body, dict) or body.get("lastUpdateId") is None:
            raise ExchangeError(self.venue, f"{market.venue_symbol}: depth without lastUpdateId",
                                code="BAD_DEPTH")
        return BookSnapshotMsg(market.venue_symbol, body.get("bids") or [], body.get("asks") or [],
                               sequence=int(body["lastUpdateId"]))


class BackpackWebSocketManager(MarketFeedManager):
    """Public books (and, for a trading client, the account streams) on one connection.

    Standalone (``registry.create_websocket_manager("backpack")``) it resolves symbols and
    fetches snapshots through its own public API; a ``BackpackClient`` passes its catalogue,
    transport and private streams instead."""

    def __init__(self, config: VenueConfig, *,
                 resolve_market: Callable[[str], Awaitable[MarketInfo]] | None = None,
                 transport: BackpackTransport | None = None,
                 private: PrivateStreams | None = None,
                 private_handler: Callable[[Any], Awaitable[None] | None] | None = None,
                 connector: Connector | None = None) -> None:
        self._own_api: BackpackPublicApi | None = None
        if resolve_market is None or transport is None:
            from exchange_clients.backpack.funding_adapter.funding_client import BackpackPublicApi

            self._own_api = BackpackPublicApi(config)
            transport = self._own_api.transport
            resolve_market = resolve_market or self._resolve_public
        self.backpack_feed = BackpackFeed(config.resolved_ws_url(), transport, private)
        self._private_streams = private
        super().__init__(self.backpack_feed, resolve_market, stale_after=config.ws_stale_after,
                         connect_timeout=config.connect_timeout, connector=connector,
                         private_handler=private_handler)

    async def _resolve_public(self, symbol: str) -> MarketInfo:
        assert self._own_api is not None
        return (await self._own_api.catalog.entry(symbol)).info

    async def disconnect(self) -> None:
        await super().disconnect()
        if self._private_streams is not None:
            await self._private_streams.close()
        if self._own_api is not None:
            await self._own_api.close()
