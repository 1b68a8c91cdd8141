"""Aster's WebSocket: ``/ws/<stream>[/<stream>…]`` (raw payloads), ``/stream?streams=a/b``
(``{"stream", "data"}`` frames), and ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS``/
``SET_PROPERTY combined``/``GET_PROPERTY`` on any of them.

Streams: ``<sym>@depth`` (also ``@depth@100ms``/``@depth@500ms``: diffs with ``U``/``u``/``pu`` from
one ``BookFeed`` at 100 ms, sequenced — a ``skip_seq`` fault leaves a ``pu`` gap),
``<sym>@depth<5|10|20>[@100ms|@500ms]`` (top-N), ``<sym>@bookTicker`` and ``!bookTicker``,
``<sym>@markPrice[@1s]`` and ``!markPrice@arr[@1s]`` (every 3 s / 1 s), ``<sym>@aggTrade``, and a
valid listen key (the user data stream). Unknown stream names are accepted and stay silent, as
on the venue. More than ``max_messages_per_s`` (10) incoming messages in a second close the
connection (1008). Protocol-level pings every 5 minutes (``AsterVenue.ws_heartbeat``).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from simulator.engine.events import TradeEvent
from simulator.venues.aster.core import AsterCore
from simulator.venues.aster.formats import fixed, money
from simulator.venues.aster.listing import Listing
from simulator.venues.aster.userdata import Publisher, UserStreams
from simulator.venues.feeds import BookBatch, BookFeed
from simulator.venues.hub import WsConnection

__all__ = ["MarketStreams"]

_COMBINED = "|c"
_DIFF = ("@depth", "@depth@100ms", "@depth@500ms")
_PARTIAL = tuple((n, f"@depth{n}{speed}") for n in (5, 10, 20) for speed in ("", "@100ms", "@500ms"))
_SUFFIX = re.compile(r"^(depth(?:5|10|20)?(?:@100ms|@500ms)?|bookTicker|markPrice(?:@1s)?|aggTrade)$")
_BOOK_KINDS = ("depth", "bookTicker")
_TICK_S = 0.25
_METHOD_ERROR = ("Invalid request: unknown variant {0}, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
                 "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column 28")


class MarketStreams(Publisher):
    def __init__(self, core: AsterCore) -> None:
        self.core = core
        self.engine = core.engine
        self.hub = core.ctx.hub
        self.feed = BookFeed(core.engine, self._on_batch, interval=0.1)
        self.user: UserStreams | None = None
        self.max_messages_per_s = 10
        self.by_stream = {lst.stream: lst for lst in core.listings.values()}
        self._tops: dict[int, tuple[Any, ...]] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.feed.start()
        self._unsubscribe = self.engine.bus.subscribe(TradeEvent, self._on_trade)
        self._task = asyncio.get_running_loop().create_task(self._timer(), name="aster-timer")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
        await self.feed.stop()

    # -- Publisher -----------------------------------------------------------------------------------
    def has_subscribers(self, stream: str) -> bool:
        return self.hub.has_subscribers(stream) or self.hub.has_subscribers(stream + _COMBINED)

    def publish(self, stream: str, payload: Any, *, sequenced: bool = False) -> None:
        if self.hub.has_subscribers(stream):
            self.hub.publish(stream, payload, sequenced=sequenced)
        if self.hub.has_subscribers(stream + _COMBINED):
            self.hub.publish(stream + _COMBINED, {"stream": stream, "data": payload}, sequenced=sequenced)

    # -- connections -----------------------------------------------------------------------------------
    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        if request.path == "/stream":
            combined, initial = True, request.query.get("streams", "")
        else:
            combined, initial = False, request.match_info.get("streams", "")
        streams = [s for s in initial.split("/") if s]

        async def on_open(conn: WsConnection) -> None:
            conn.state.update(combined=combined, streams={}, recent=deque(maxlen=self.max_messages_per_s + 1))
            for stream in streams:
                self._subscribe(conn, stream)

        return await self.hub.serve(request, self._on_message, on_open=on_open, on_close=self._on_close)

    async def _on_close(self, conn: WsConnection) -> None:
        for stream in list(conn.state.get("streams", {})):
            self._release(conn, stream)

    def _kind(self, stream: str) -> tuple[str, Listing | None] | None:
        """(kind, listing) of a stream name, None if it is not one Aster serves here."""
        if stream == "!bookTicker":
            return "bookTicker", None
        if stream in ("!markPrice@arr", "!markPrice@arr@1s"):
            return "markPrice", None
        if self.user is not None and self.user.valid(stream):
            return "user", None
        symbol, _, suffix = stream.partition("@")
        listing = self.by_stream.get(symbol)
        match = _SUFFIX.match(suffix)
        if listing is None or match is None:
            return None
        kind = suffix.split("@")[0].rstrip("0123456789")
        return kind, listing

    def _channel(self, conn: WsConnection, stream: str) -> str:
        return stream + _COMBINED if conn.state["combined"] else stream

    def _subscribe(self, conn: WsConnection, stream: str) -> None:
        kind = self._kind(stream)
        if kind is None or stream in conn.state["streams"]:
            return
        conn.state["streams"][stream] = kind
        conn.subscribe(self._channel(conn, stream))
        name, listing = kind
        if name in _BOOK_KINDS:
            for mid in [listing.market_id] if listing else list(self.core.by_market):
                self.feed.watch(mid)

    def _release(self, conn: WsConnection, stream: str) -> None:
        name, listing = conn.state["streams"].pop(stream)
        conn.unsubscribe(self._channel(conn, stream))
        if name in _BOOK_KINDS:
            for mid in [listing.market_id] if listing else list(self.core.by_market):
                self.feed.unwatch(mid)

    def _set_combined(self, conn: WsConnection, combined: bool) -> None:
        for stream in conn.state["streams"]:
            conn.unsubscribe(self._channel(conn, stream))
        conn.state["combined"] = combined
        for stream in conn.state["streams"]:
            conn.subscribe(self._channel(conn, stream))

    async def _on_message(self, conn: WsConnection, data: str | bytes) -> None:
        recent: deque[int] = conn.state["recent"]
        if recent.maxlen != self.max_messages_per_s + 1:
            recent = conn.state["recent"] = deque(recent, maxlen=self.max_messages_per_s + 1)
        now = self.core.wall_ms()
        recent.append(now)
        if len(recent) == recent.maxlen and now - recent[0] < 1000:     # > N messages within a second
            self.hub.schedule_close(conn, code=1008, message="too many messages")
            return
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            conn.send({"code": 3, "msg": f"Invalid JSON: expected value at line 1 column {exc.pos + 1}"})
            return
        if not isinstance(msg, dict) or "method" not in msg:
            conn.send({"code": 2, "msg": "Invalid request: missing field `method` at line 1 column 1"})
            return
        request_id = msg.get("id")
        if not isinstance(request_id, int) or isinstance(request_id, bool) or request_id < 0:
            conn.send({"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"})
            return
        result = self._dispatch(conn, msg.get("method"), msg.get("params"))
        if isinstance(result, dict):
            conn.send(result)
        else:
            conn.send({"result": result[0], "id": request_id})

    def _dispatch(self, conn: WsConnection, method: Any, params: Any) -> tuple[Any] | dict[str, Any]:
        """``(result,)`` for a reply, or an error body."""
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: params must be a list of stream names"}
            for stream in params:
                if method == "SUBSCRIBE":
                    self._subscribe(conn, stream)
                elif stream in conn.state["streams"]:
                    self._release(conn, stream)
            return (None,)
        if method == "LIST_SUBSCRIPTIONS":
            return (sorted(conn.state["streams"]),)
        if method in ("SET_PROPERTY", "GET_PROPERTY"):
            if not isinstance(params, list) or not params or not isinstance(params[0], str):
                return {"code": 2, "msg": "Invalid request: property name must be a string"}
            if params[0] != "combined":
                return {"code": 0, "msg": "Unknown property"}
            if method == "GET_PROPERTY":
                return (conn.state["combined"],)
            if len(params) != 2 or not isinstance(params[1], bool):
                return {"code": 1, "msg": "Invalid value type: expected Boolean"}
            self._set_combined(conn, params[1])
            return (None,)
        return {"code": 2, "msg": _METHOD_ERROR.format(method)}

    # -- market data -------------------------------------------------------------------------------------
    def _levels(self, listing: Listing, levels: list[tuple[Any, Any]]) -> list[list[str]]:
        return [[listing.price_str(p), listing.qty_str(q)] for p, q in levels]

    def _on_batch(self, batch: BookBatch) -> None:
        listing = self.core.by_market[batch.market.id]
        s, now = listing.stream, self.core.wall_ms()
        head = {"e": "depthUpdate", "E": now, "T": batch.ts_ms, "s": listing.symbol,
                "U": batch.first_seq, "u": batch.last_seq, "pu": batch.prev_seq}
        if any(self.has_subscribers(s + v) for v in _DIFF):
            payload = {**head, "b": self._levels(listing, batch.levels(1)),
                       "a": self._levels(listing, batch.levels(-1))}
            for variant in _DIFF:
                self.publish(s + variant, payload, sequenced=True)
        books: dict[int, Any] = {}
        for n, suffix in _PARTIAL:
            if self.has_subscribers(s + suffix):
                book = books.get(n) or books.setdefault(n, self.engine.book(listing.market_id, n))
                bids = [(lv.price, lv.size) for lv in book.bids]
                asks = [(lv.price, lv.size) for lv in book.asks]
                self.publish(s + suffix, {**head, "b": self._levels(listing, bids),
                                          "a": self._levels(listing, asks)})
        if self.has_subscribers(s + "@bookTicker") or self.has_subscribers("!bookTicker"):
            self._book_ticker(listing, batch.last_seq, now, batch.ts_ms)

    def _book_ticker(self, listing: Listing, seq: int, now: int, ts: int) -> None:
        book = self.engine.book(listing.market_id, 1)
        bid, ask = (book.bids[0] if book.bids else None), (book.asks[0] if book.asks else None)
        top = (bid.price if bid else None, bid.size if bid else None, ask.price if ask else None,
               ask.size if ask else None)
        if self._tops.get(listing.market_id) == top:
            return
        self._tops[listing.market_id] = top
        payload = {"e": "bookTicker", "u": seq, "E": now, "T": ts, "s": listing.symbol,
                   "b": listing.price_str(bid.price) if bid else "0",
                   "B": listing.qty_str(bid.size) if bid else "0",
                   "a": listing.price_str(ask.price) if ask else "0",
                   "A": listing.qty_str(ask.size) if ask else "0"}
        self.publish(listing.stream + "@bookTicker", payload)
        self.publish("!bookTicker", payload)

    def _on_trade(self, trade: TradeEvent) -> None:
        listing = self.core.by_market[trade.market.id]
        stream = listing.stream + "@aggTrade"
        if self.has_subscribers(stream):
            m = trade.market
            self.publish(stream, {"e": "aggTrade", "E": self.core.wall_ms(), "s": listing.symbol,
                                  "a": trade.trade_id, "p": listing.price_str(m.price(trade.price_ticks)),
                                  "q": listing.qty_str(m.size(trade.lots)), "f": trade.trade_id,
                                  "l": trade.trade_id, "T": trade.ts_ms, "m": trade.taker_side < 0})

    def _mark_price(self, listing: Listing, now: int) -> dict[str, Any]:
        stats = self.engine.market_stats(listing.market_id)
        return {"e": "markPriceUpdate", "E": now, "s": listing.symbol, "p": money(stats.mark_price),
                "i": money(stats.index_price), "P": money(stats.index_price),
                "r": fixed(stats.funding_rate, 8), "T": stats.next_funding_ms}

    def publish_mark_prices(self, suffix: str) -> None:
        """``suffix`` "@1s" for the 1-second streams, "" for the 3-second ones."""
        now = self.core.wall_ms()
        everything = self.has_subscribers(f"!markPrice@arr{suffix}")
        rows = []
        for listing in self.core.listings.values():
            stream = f"{listing.stream}@markPrice{suffix}"
            single = self.has_subscribers(stream)
            if single or everything:
                row = self._mark_price(listing, now)
                rows.append(row)
                if single:
                    self.publish(stream, row)
        if everything:
            self.publish(f"!markPrice@arr{suffix}", rows)

    async def _timer(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(_TICK_S)
            ticks += 1
            try:
                if self.user is not None:
                    self.user.expire()
                if ticks % 4 == 0:
                    self.publish_mark_prices("@1s")
                if ticks % 12 == 0:
                    self.publish_mark_prices("")
            except Exception:     # a formatting bug must not stop every timed stream: logged
                self.core.ctx.log.exception("aster timed streams failed")
