"""The live market-data machinery behind every venue's ``BaseWebSocketManager``.

A venue supplies a :class:`VenueFeed` — pure protocol knowledge: the URL, its continuity
rule, subscribe messages, a parser from frames to :data:`FeedMessage` values, and how to
resynchronise a book (a REST snapshot, or resubscribing when the venue's snapshot comes over
the socket). :class:`MarketFeedManager` supplies the mechanics, written once:

* one :class:`~exchange_clients.common.order_book.L2OrderBook` per market, any number of
  markets on one connection (``prepare_market_feed`` adds one; nothing is ever "switched");
* on every (re)connect: the venue's ``on_connect`` hook (auth, private channels), then every
  market resubscribed; venues with REST snapshots get a snapshot per market while the book
  buffers the deltas that arrive meanwhile;
* a gap, a crossed book, a silent market (per-market watchdog) or a disconnect marks the book
  not ready and schedules exactly one resync per market; readers get ``StaleDataError``
  until it is back in sync;
* BBO listeners are called when the touch changes;
* private frames are handed to ``private_handler`` (the client's websocket handlers).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from exchange_clients.base_websocket import BaseWebSocketManager, BBOListener
from exchange_clients.common.order_book import ContinuityRule, DeltaResult, L2OrderBook, LevelInput
from exchange_clients.common.ws_connection import Connector, WsConnection
from exchange_clients.errors import ExchangeError, StaleDataError
from exchange_clients.models import BBO, MarketInfo, OrderBookLevel, OrderBookSnapshot
from helpers.time import utc_now
from helpers.unified_logger import get_logger

__all__ = [
    "BookSnapshotMsg", "BookDeltaMsg", "ReplyMsg", "PrivateMsg", "FeedErrorMsg", "FeedMessage",
    "VenueFeed", "MarketFeedManager",
]


# Plain (not frozen) slots dataclasses: one is built per WebSocket message, and a frozen
# dataclass's __init__ pays object.__setattr__ per field.
@dataclass(slots=True)
class BookSnapshotMsg:
    """A full book for ``key`` (the venue's market key, e.g. Lighter market id "1").
    ``best_first``: bids descending and asks ascending as sent (lets a full-snapshot venue's
    book be read at the cost of its touch; see ``L2OrderBook.apply_snapshot``)."""
    key: str
    bids: Sequence[LevelInput]
    asks: Sequence[LevelInput]
    sequence: int | None
    best_first: bool = False


@dataclass(slots=True)
class BookDeltaMsg:
    key: str
    bids: Sequence[LevelInput]
    asks: Sequence[LevelInput]
    first: int | None
    last: int | None
    prev: int | None = None


@dataclass(frozen=True, slots=True)
class ReplyMsg:
    """Something to send back (a pong)."""
    payload: Any


@dataclass(frozen=True, slots=True)
class PrivateMsg:
    """An account frame for the client's private handler."""
    payload: Any


@dataclass(frozen=True, slots=True)
class FeedErrorMsg:
    """The venue reported an error on the socket (bad subscription, expired auth)."""
    code: str | None
    message: str
    key: str | None = None


FeedMessage = BookSnapshotMsg | BookDeltaMsg | ReplyMsg | PrivateMsg | FeedErrorMsg


class VenueFeed(Protocol):
    venue: str

    def ws_url(self) -> str: ...
    def continuity_rule(self) -> ContinuityRule: ...
    def market_key(self, market: MarketInfo) -> str: ...
    def subscribe_payloads(self, market: MarketInfo) -> list[Any]: ...
    def unsubscribe_payloads(self, market: MarketInfo) -> list[Any]: ...
    def parse(self, raw: str | bytes) -> Iterable[FeedMessage]: ...
    def ping_payload(self) -> str | None: ...
    async def on_connect(self, conn: WsConnection) -> None: ...
    async def rest_snapshot(self, market: MarketInfo) -> BookSnapshotMsg | None:
        """A REST snapshot for resync, or ``None`` if the venue resyncs by resubscribing."""
        ...


class _Market:
    __slots__ = ("info", "book", "ready_event", "resync_task", "last_bbo", "in_sync")

    def __init__(self, info: MarketInfo, book: L2OrderBook) -> None:
        self.info = info
        self.book = book
        self.ready_event = asyncio.Event()
        self.resync_task: asyncio.Task[None] | None = None
        self.last_bbo: tuple[Any, ...] | None = None
        self.in_sync = False  # mirrors ready_event without a call per message


_APPLIED = DeltaResult.APPLIED


def _scale(level: OrderBookLevel, multiplier: Decimal) -> OrderBookLevel:
    return OrderBookLevel(price=level.price / multiplier, size=level.size * multiplier)


class MarketFeedManager(BaseWebSocketManager):
    def __init__(self, feed: VenueFeed, resolve_market: Callable[[str], Awaitable[MarketInfo]], *,
                 stale_after: float = 30.0, connect_timeout: float = 10.0,
                 connector: Connector | None = None,
                 private_handler: Callable[[Any], Awaitable[None] | None] | None = None,
                 ping_interval: float = 20.0,
                 send_limit: tuple[int, float] | None = None) -> None:
        self.feed = feed
        self.venue = feed.venue
        self._resolve = resolve_market
        self._markets: dict[str, _Market] = {}    # venue key -> market
        self._by_symbol: dict[str, _Market] = {}
        self._listeners: list[BBOListener] = []
        self._private_handler = private_handler
        self._log = get_logger("market_feed", self.venue)
        self._stale_after = stale_after
        self._parse = feed.parse  # bound once: called per message
        self.feed_errors: list[FeedErrorMsg] = []
        self._listener_tasks: set[asyncio.Future[Any]] = set()
        self.resyncs = 0
        ping = feed.ping_payload()
        self.connection = WsConnection(
            self.venue, feed.ws_url(), on_message=self._on_message, on_connect=self._on_connect,
            on_disconnect=self._on_disconnect, on_stale=self._on_stale, connector=connector,
            name="ws", stale_after=stale_after, connect_timeout=connect_timeout,
            ping_payload=(lambda: ping) if ping else None, ping_interval=ping_interval,
            send_limit=send_limit)

    # ---- lifecycle ------------------------------------------------------------------------

    async def connect(self) -> None:
        await self.connection.start()

    async def disconnect(self) -> None:
        tasks: list[asyncio.Future[Any]] = [m.resync_task for m in self._markets.values()
                                            if m.resync_task is not None]
        tasks += self._listener_tasks
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.connection.stop()
        for market in self._markets.values():
            market.resync_task = None
            market.book.invalidate("disconnected")
            market.in_sync = False
            market.ready_event.clear()

    # ---- markets --------------------------------------------------------------------------

    async def prepare_market_feed(self, symbol: str) -> None:
        info = await self._resolve(symbol)
        if info.symbol in self._by_symbol:
            return
        key = self.feed.market_key(info)
        market = _Market(info, L2OrderBook(self.venue, info.symbol, self.feed.continuity_rule()))
        self._markets[key] = market
        self._by_symbol[info.symbol] = market
        book = market.book
        self.connection.watch(key, self._stale_after, last_seen=lambda: book.last_update)
        if self.connection.connected:
            await self._subscribe(market)

    async def remove_market_feed(self, symbol: str) -> None:
        market = self._by_symbol.pop(symbol, None)
        if market is None:
            return
        key = self.feed.market_key(market.info)
        self._markets.pop(key, None)
        self.connection.unwatch(key)
        if market.resync_task is not None:
            market.resync_task.cancel()
        if self.connection.connected:
            for payload in self.feed.unsubscribe_payloads(market.info):
                await self.connection.send_json(payload)

    def symbols(self) -> list[str]:
        return list(self._by_symbol)

    async def _subscribe(self, market: _Market) -> None:
        for payload in self.feed.subscribe_payloads(market.info):
            await self.connection.send_json(payload)
        self._schedule_snapshot(market, reason=None)

    def _schedule_snapshot(self, market: _Market, reason: str | None) -> None:
        """Venues with REST snapshots: fetch one (the book buffers deltas meanwhile)."""
        if market.resync_task is None or market.resync_task.done():
            market.resync_task = asyncio.create_task(self._resync(market, reason),
                                                     name=f"resync-{market.info.symbol}")

    async def _resync(self, market: _Market, reason: str | None) -> None:
        if reason is not None:
            self.resyncs += 1
            self._log.warning("%s: resynchronising book (%s)", market.info.symbol, reason)
        for attempt in range(6):
            try:
                snapshot = await self.feed.rest_snapshot(market.info)
                if snapshot is None:
                    if reason is not None and self.connection.connected:
                        for payload in self.feed.unsubscribe_payloads(market.info):
                            await self.connection.send_json(payload)
                        for payload in self.feed.subscribe_payloads(market.info):
                            await self.connection.send_json(payload)
                    return
                market.book.apply_snapshot(snapshot.bids, snapshot.asks, snapshot.sequence)
                self._after_change(market)
                if market.book.ready:
                    return
                reason = market.book.not_ready_reason  # buffered deltas did not chain: again
            except ExchangeError as exc:
                self._log.warning("%s: snapshot failed (%s); retrying", market.info.symbol, exc)
            await asyncio.sleep(min(0.2 * 2 ** attempt, 5.0))
        self._log.error("%s: could not resynchronise the book after 6 attempts", market.info.symbol)

    # ---- connection hooks -----------------------------------------------------------------

    async def _on_connect(self, conn: WsConnection) -> None:
        await self.feed.on_connect(conn)
        for market in list(self._markets.values()):
            await self._subscribe(market)

    def _on_disconnect(self, reason: str) -> None:
        for market in self._markets.values():
            market.book.invalidate(f"disconnected: {reason}")
            market.in_sync = False
            market.ready_event.clear()

    def _on_stale(self, key: str) -> None:
        market = self._markets.get(key)
        if market is None:
            return
        market.book.invalidate(f"no data for {self._stale_after}s")
        market.in_sync = False
        market.ready_event.clear()
        self._schedule_snapshot(market, reason="stale feed")

    # ---- messages -------------------------------------------------------------------------

    def _on_message(self, raw: str | bytes) -> Awaitable[None] | None:
        """Book messages are applied synchronously (the hot path allocates no coroutine);
        replies and private frames, which may need to await, are returned as one awaitable."""
        pending: list[FeedMessage] | None = None
        markets = self._markets
        for msg in self._parse(raw):
            if msg.__class__ is BookDeltaMsg:
                market = markets.get(msg.key)  # type: ignore[union-attr]
                if market is None:
                    continue
                result = market.book.apply_delta(msg.bids, msg.asks, msg.first,  # type: ignore[union-attr]
                                                 msg.last, msg.prev)  # type: ignore[union-attr]
                if result is _APPLIED:
                    self._after_change(market)
                elif result is DeltaResult.GAP or not market.book.ready:
                    self._lost_sync(market)
            elif msg.__class__ is BookSnapshotMsg:
                market = markets.get(msg.key)  # type: ignore[union-attr]
                if market is None:
                    continue
                market.book.apply_snapshot(msg.bids, msg.asks, msg.sequence,  # type: ignore[union-attr]
                                           best_first=msg.best_first)  # type: ignore[union-attr]
                self._after_change(market)
            elif isinstance(msg, FeedErrorMsg):
                self.feed_errors.append(msg)
                del self.feed_errors[:-50]
                self._log.error("venue reported a feed error %s: %s", msg.code, msg.message)
            else:
                pending = pending or []
                pending.append(msg)
        return self._handle_async(pending) if pending else None

    async def _handle_async(self, messages: list[FeedMessage]) -> None:
        for msg in messages:
            if isinstance(msg, PrivateMsg):
                if self._private_handler is not None:
                    handled = self._private_handler(msg.payload)
                    if inspect.isawaitable(handled):
                        await handled
            elif isinstance(msg, ReplyMsg):
                if isinstance(msg.payload, str):
                    await self.connection.send(msg.payload)
                else:
                    await self.connection.send_json(msg.payload)

    def _lost_sync(self, market: _Market) -> None:
        market.in_sync = False
        market.ready_event.clear()
        self._schedule_snapshot(market, reason=market.book.not_ready_reason or "gap")

    def _after_change(self, market: _Market) -> None:
        book = market.book
        if not book.ready:
            self._lost_sync(market)
            return
        if not market.in_sync:
            market.in_sync = True
            market.ready_event.set()
        if not self._listeners:
            return
        touch = book.touch()
        if touch == market.last_bbo:  # identical Decimal objects: compared by identity
            return
        market.last_bbo = touch
        bid, ask = touch
        bbo = self._bbo(market, bid, ask)
        for listener in list(self._listeners):
            try:
                result = listener(bbo)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._listener_tasks.add(task)
                    task.add_done_callback(self._listener_done)
            except Exception:  # noqa: BLE001 — a listener bug must not stop the feed
                self._log.exception("BBO listener failed")

    def _listener_done(self, task: asyncio.Future[Any]) -> None:
        self._listener_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error("async BBO listener failed: %r", task.exception())

    def _bbo(self, market: _Market, bid: tuple[Decimal, Decimal] | None,
             ask: tuple[Decimal, Decimal] | None) -> BBO:
        multiplier = market.info.multiplier
        if multiplier != 1:
            bid = (bid[0] / multiplier, bid[1] * multiplier) if bid else None
            ask = (ask[0] / multiplier, ask[1] * multiplier) if ask else None
        return BBO.trusted(self.venue, market.info.symbol, bid[0] if bid else None,
                           bid[1] if bid else None, ask[0] if ask else None,
                           ask[1] if ask else None, utc_now(), "ws")

    # ---- readers --------------------------------------------------------------------------

    def _market(self, symbol: str) -> _Market:
        market = self._by_symbol.get(symbol)
        if market is None:
            raise StaleDataError(self.venue, f"{symbol}: no market feed prepared", code="NO_FEED")
        return market

    def is_ready(self, symbol: str) -> bool:
        market = self._by_symbol.get(symbol)
        return market is not None and market.book.ready and self.connection.connected

    async def wait_ready(self, symbol: str, timeout: float) -> None:
        market = self._market(symbol)
        try:
            await asyncio.wait_for(market.ready_event.wait(), timeout)
        except TimeoutError:
            raise StaleDataError(self.venue, f"{symbol}: book not in sync after {timeout}s "
                                 f"({market.book.not_ready_reason})", code="NOT_READY") from None

    def get_order_book(self, symbol: str, levels: int = 10) -> OrderBookSnapshot:
        """Top levels in normalised units (a multiplier market's book is kept in venue
        contracts and converted here, off the hot path)."""
        market = self._market(symbol)
        if not self.connection.connected:
            raise StaleDataError(self.venue, f"{symbol}: feed disconnected", code="DISCONNECTED")
        snapshot = market.book.snapshot(levels, source="ws")
        multiplier = market.info.multiplier
        if multiplier == 1:
            return snapshot
        return snapshot.model_copy(update={
            "bids": tuple(_scale(level, multiplier) for level in snapshot.bids),
            "asks": tuple(_scale(level, multiplier) for level in snapshot.asks)})

    def get_latest_bbo(self, symbol: str) -> BBO:
        market = self._market(symbol)
        if not self.connection.connected:
            raise StaleDataError(self.venue, f"{symbol}: feed disconnected", code="DISCONNECTED")
        book = market.book
        return self._bbo(market, book.best_bid(), book.best_ask())

    def book(self, symbol: str) -> L2OrderBook:
        """The live book object (for depth/VWAP helpers); check ``ready`` before trusting it."""
        return self._market(symbol).book

    def add_bbo_listener(self, listener: BBOListener) -> None:
        self._listeners.append(listener)

    def remove_bbo_listener(self, listener: BBOListener) -> None:
        self._listeners = [cb for cb in self._listeners if cb is not listener]
