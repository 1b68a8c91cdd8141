"""``AsterWebSocketManager``: live Aster books for any number of markets, plus the account's
user data stream when used by a trading client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.aster.websocket import market_switcher, order_book
from exchange_clients.aster.websocket.connection import SEND_LIMIT, UserDataStream, market_url
from exchange_clients.aster.websocket.message_handler import (
    MARK_PRICE_STREAM,
    MarkPrices,
    parse_frame,
)
from exchange_clients.common.market_feed import BookSnapshotMsg, FeedMessage, MarketFeedManager
from exchange_clients.common.order_book import ContinuityRule
from exchange_clients.common.ws_connection import Connector, WsConnection
from exchange_clients.errors import NotSupportedError
from exchange_clients.models import MarketInfo
from helpers.venue_config import VenueConfig

if TYPE_CHECKING:
    from exchange_clients.aster.funding_adapter.funding_client import AsterPublicApi

__all__ = ["AsterFeed", "AsterWebSocketManager"]


class AsterFeed:
    """Aster's protocol knowledge for ``MarketFeedManager`` (see ``common/market_feed.py``).

    Besides each market's diff-depth stream, the connection subscribes ``!markPrice@arr@1s``
    (one stream for all symbols, sent along with every market's subscription): a quiet book
    can send nothing for minutes, and without a liveness signal the per-market watchdog would
    refetch its snapshot (weight 20) every ``ws_stale_after`` seconds and the connection
    watchdog would reconnect a healthy socket.
    Each push marks every listed market alive and keeps the latest marks (``marks``)."""

    venue = "aster"

    def __init__(self, ws_base: str, transport: AsterTransport) -> None:
        self._url = market_url(ws_base)
        self._transport = transport
        self._requests = market_switcher.StreamRequests()
        self._conn: WsConnection | None = None
        #: latest mark price (per contract, as sent) by venue symbol
        self.marks: dict[str, str] = {}

    def ws_url(self) -> str:
        return self._url

    def continuity_rule(self) -> ContinuityRule:
        return order_book.continuity_rule()

    def market_key(self, market: MarketInfo) -> str:
        return market.market_id  # the venue symbol, as events name it in ``s``

    def subscribe_payloads(self, market: MarketInfo) -> list[Any]:
        # the liveness stream rides along (re-subscribing a stream is a no-op on the venue)
        return [self._requests.subscribe([*market_switcher.book_streams(market),
                                          MARK_PRICE_STREAM])]

    def unsubscribe_payloads(self, market: MarketInfo) -> list[Any]:
        return [self._requests.unsubscribe(market_switcher.book_streams(market))]

    def parse(self, raw: str | bytes) -> Iterable[FeedMessage]:
        msgs = parse_frame(raw)
        if isinstance(msgs, MarkPrices):
            self.marks.update(msgs.marks)
            if self._conn is not None:
                for key in msgs.marks:
                    self._conn.mark(key)
            return ()
        return msgs

    def ping_payload(self) -> str | None:
        return None  # protocol pings only (aiohttp autoping and heartbeat)

    async def on_connect(self, conn: WsConnection) -> None:
        """Public streams need no authentication."""
        self._conn = conn

    async def rest_snapshot(self, market: MarketInfo) -> BookSnapshotMsg | None:
        body = await self._transport.public("depth", {"symbol": market.venue_symbol,
                                                      "limit": order_book.SNAPSHOT_LIMIT})
        return order_book.snapshot_message(market.venue_symbol, body)


class AsterWebSocketManager(MarketFeedManager):
    """Public books on one connection (and, for a trading client, the user data stream on its
    own connection, as Aster serves it).

    Standalone (``registry.create_websocket_manager("aster")``) it resolves symbols and fetches
    snapshots through its own public API; an ``AsterClient`` passes its catalogue, transport
    and user stream instead."""

    def __init__(self, config: VenueConfig, *,
                 resolve_market: Callable[[str], Awaitable[MarketInfo]] | None = None,
                 transport: AsterTransport | None = None,
                 user_stream: UserDataStream | None = None,
                 connector: Connector | None = None) -> None:
        self._own_api: AsterPublicApi | None = None
        if resolve_market is None or transport is None:
            from exchange_clients.aster.funding_adapter.funding_client import AsterPublicApi

            self._own_api = AsterPublicApi(config)
            transport = transport or self._own_api.transport
            resolve_market = resolve_market or self._resolve_public
        self.user_stream = user_stream
        super().__init__(AsterFeed(config.resolved_ws_url(), transport), resolve_market,
                         stale_after=config.ws_stale_after, connect_timeout=config.connect_timeout,
                         connector=connector, send_limit=SEND_LIMIT)

    async def prepare_market_feed(self, symbol: str) -> None:
        """Add ``symbol``'s book. One connection carries at most 200 streams (one per market
        plus the mark-price stream)."""
        info = await self._resolve(symbol)
        known = self.symbols()
        if info.symbol not in known and len(known) + 1 >= market_switcher.MAX_STREAMS_PER_CONNECTION:
            raise NotSupportedError(self.venue, "an Aster connection carries at most "
                                    f"{market_switcher.MAX_STREAMS_PER_CONNECTION} streams",
                                    code="TOO_MANY_STREAMS")
        await super().prepare_market_feed(symbol)

    async def _resolve_public(self, symbol: str) -> MarketInfo:
        assert self._own_api is not None
        return (await self._own_api.catalog.entry(symbol)).info

    async def connect(self) -> None:
        await super().connect()
        if self.user_stream is not None:
            await self.user_stream.start()

    async def disconnect(self) -> None:
        if self.user_stream is not None:
            await self.user_stream.close()
        await super().disconnect()
        if self._own_api is not None:
            await self._own_api.close()
