"""Backpack's WebSocket (``wss://ws.backpack.exchange``, no path): ``SUBSCRIBE``/``UNSUBSCRIBE`` with
no acknowledgement, data frames ``{"stream","data"}`` with µs ``E``/``T``, errors
``{"id":null,"error":{"code","message"}}``, protocol pings every 60 s (aiohttp heartbeat; client
pings are answered by aiohttp).

Public streams: ``depth.<symbol>`` (diffs from a 100 ms ``BookFeed``: ``U`` = first update id,
``u`` = last, ``U`` == previous ``u`` + 1; sequenced so ``skip_seq``/``repeat_seq`` faults apply),
``depth.200ms|600ms|1000ms.<symbol>``, ``bookTicker.<symbol>`` (``u`` = the depth id),
``markPrice.<symbol>`` (every second), ``trade.<symbol>``. Private streams (signed subscribe):
``account.orderUpdate[.<symbol>]``, ``account.positionUpdate[.<symbol>]`` (snapshot of the open
positions on subscribe, without ``e``), formatted by ``tracker.OrderTracker``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from helpers.decimal import decimal_str
from simulator.engine.events import TradeEvent
from simulator.engine.market import Market
from simulator.venues.backpack.errors import ApiError
from simulator.venues.backpack.formats import now_us, step_str, tick_str
from simulator.venues.backpack.tracker import ORDER_STREAM, POSITION_STREAM, private_channel
from simulator.venues.feeds import BookBatch, BookFeed
from simulator.venues.hub import WsConnection

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["BackpackStreams", "PARSE_ERROR", "STREAM_ERROR", "WINDOW_ERROR", "AUTH_ERROR"]

#: WebSocket errors (code, message) as observed; AUTH_ERROR is ours for a refused private subscription
PARSE_ERROR = (4002, "Parse error")
STREAM_ERROR = (4006, "Invalid stream")
WINDOW_ERROR = (4008, "Invalid depth window")
AUTH_ERROR = 4003
_WINDOWS = {"200ms": 0.2, "600ms": 0.6, "1000ms": 1.0}
_WINDOW_RE = re.compile(r"^(\d+ms)\.(.+)$")
#: streams the real venue has that the simulator accepts but does not feed
_SILENT = ("ticker.", "kline.", "openInterest.", "liquidation", "account.balanceUpdate", "account.rfqUpdate")
_PRIVATE = (ORDER_STREAM, POSITION_STREAM)


class BackpackStreams:
    #: seconds between markPrice frames (the venue: 1 s); tests shorten it
    mark_price_interval = 1.0

    def __init__(self, venue: BackpackVenue) -> None:
        self.venue = venue
        self.engine = venue.engine
        self.hub = venue.ctx.hub
        self.feed = BookFeed(self.engine, self._on_depth, interval=0.1)
        self.windows = {w: BookFeed(self.engine, self._window_handler(w), interval=s)
                        for w, s in _WINDOWS.items()}
        self._marks: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        self.feed.start()
        for feed in self.windows.values():
            feed.start()
        self._unsubscribe = self.engine.bus.subscribe(TradeEvent, self._on_trade)
        self._task = asyncio.get_running_loop().create_task(self._mark_loop(), name="backpack-mark-price")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.feed.stop()
        for feed in self.windows.values():
            await feed.stop()

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        return await self.hub.serve(request, self.on_message, on_close=self.on_close)

    # -- protocol -------------------------------------------------------------------------------
    @staticmethod
    def _error(conn: WsConnection, code: int, message: str) -> None:
        conn.send({"id": None, "error": {"code": code, "message": message}})

    async def on_message(self, conn: WsConnection, data: str | bytes) -> None:
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError:
            msg = None
        if not isinstance(msg, dict):
            self._error(conn, *PARSE_ERROR)
            return
        method, params = msg.get("method"), msg.get("params")
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE") or not isinstance(params, list) \
                or not all(isinstance(p, str) for p in params):
            self._error(conn, *PARSE_ERROR)
            return
        if method == "UNSUBSCRIBE":
            for stream in params:
                self._unsubscribe_stream(conn, stream)
            return
        private = [p for p in params if p.startswith("account.")]
        for stream in params:
            if stream not in private:
                self._subscribe_public(conn, stream)
        if private:
            self._subscribe_private(conn, private, msg.get("signature"))

    async def on_close(self, conn: WsConnection) -> None:
        for stream in list(conn.state.get("streams", {})):
            self._unsubscribe_stream(conn, stream)

    def _streams(self, conn: WsConnection) -> dict[str, tuple[str, str, int]]:
        """stream name -> (kind, hub channel, market id or -1) of one connection."""
        streams: dict[str, tuple[str, str, int]] = conn.state.setdefault("streams", {})
        return streams

    def _subscribe_public(self, conn: WsConnection, stream: str) -> None:
        streams = self._streams(conn)
        if stream in streams:
            return
        kind, _, rest = stream.partition(".")
        window = ""
        if kind == "depth" and (match := _WINDOW_RE.match(rest)):
            window, rest = match.group(1), match.group(2)
            if window not in self.windows:
                self._error(conn, *WINDOW_ERROR)
                return
        if kind not in ("depth", "bookTicker", "markPrice", "trade"):
            if not stream.startswith(_SILENT):
                self._error(conn, *STREAM_ERROR)
            return
        m = self.engine.by_venue_symbol.get(rest)
        if m is None:                   # an unknown market: silence, as the venue does
            return
        if kind == "depth" or kind == "bookTicker":
            (self.windows[window] if window else self.feed).watch(m.id)
        elif kind == "markPrice":
            self._marks[m.id] = self._marks.get(m.id, 0) + 1
        streams[stream] = (f"{kind}.{window}" if window else kind, stream, m.id)
        conn.subscribe(stream)

    def _subscribe_private(self, conn: WsConnection, streams: list[str], signature: Any) -> None:
        if signature is None:
            self._error(conn, AUTH_ERROR, "Missing signature")
            return
        try:
            account_id = self.venue.auth.verify_subscribe(signature, self.venue.ctx.wall_ms())
        except ApiError as exc:
            self._error(conn, AUTH_ERROR, exc.message)
            return
        subscribed = self._streams(conn)
        for stream in streams:
            base = next((p for p in _PRIVATE if stream == p or stream.startswith(p + ".")), None)
            if base is None:
                if not stream.startswith(_SILENT):
                    self._error(conn, *STREAM_ERROR)
                continue
            symbol = stream[len(base) + 1:]
            m = self.engine.by_venue_symbol.get(symbol) if symbol else None
            if (symbol and m is None) or stream in subscribed:
                continue
            channel = private_channel(stream, account_id)
            subscribed[stream] = (base, channel, m.id if m is not None else -1)
            conn.subscribe(channel)
            if base == POSITION_STREAM:
                self._position_snapshot(conn, account_id, stream, channel, m)

    def _position_snapshot(self, conn: WsConnection, account_id: int, stream: str, channel: str,
                           m: Market | None) -> None:
        acct = self.engine.account(account_id)
        for pos in list(acct.positions.values()):
            if pos.size and (m is None or pos.market is m):
                data = self.venue.tracker.position_data(pos, pos.market, account_id)
                conn.send({"stream": stream, "data": data}, channel=channel)

    def _unsubscribe_stream(self, conn: WsConnection, stream: str) -> None:
        entry = self._streams(conn).pop(stream, None)
        if entry is None:
            return
        kind, channel, mid = entry
        conn.unsubscribe(channel)
        if kind == "depth" or kind == "bookTicker":
            self.feed.unwatch(mid)
        elif kind.startswith("depth."):
            self.windows[kind.removeprefix("depth.")].unwatch(mid)
        elif kind == "markPrice":
            count = self._marks.get(mid, 0) - 1
            if count > 0:
                self._marks[mid] = count
            else:
                self._marks.pop(mid, None)

    # -- public feeds ---------------------------------------------------------------------------
    def _depth_payload(self, stream: str, batch: BookBatch) -> dict[str, Any]:
        m = batch.market
        return {"stream": stream, "data": {
            "e": "depth", "E": now_us(), "T": batch.ts_ms * 1000, "s": m.venue_symbol,
            "a": [[tick_str(m, p), step_str(m, q)] for p, q in batch.levels(-1)],
            "b": [[tick_str(m, p), step_str(m, q)] for p, q in batch.levels(1)],
            "U": batch.first_seq, "u": batch.last_seq}}

    def _on_depth(self, batch: BookBatch) -> None:
        m = batch.market
        stream = f"depth.{m.venue_symbol}"
        if self.hub.has_subscribers(stream):
            self.hub.publish(stream, self._depth_payload(stream, batch), sequenced=True)
        ticker = f"bookTicker.{m.venue_symbol}"
        if self.hub.has_subscribers(ticker):
            self.hub.publish(ticker, self._book_ticker(ticker, m, batch))

    def _window_handler(self, window: str) -> Callable[[BookBatch], None]:
        def handler(batch: BookBatch) -> None:
            stream = f"depth.{window}.{batch.market.venue_symbol}"
            if self.hub.has_subscribers(stream):
                self.hub.publish(stream, self._depth_payload(stream, batch), sequenced=True)
        return handler

    @staticmethod
    def _book_ticker(stream: str, m: Market, batch: BookBatch) -> dict[str, Any]:
        bid, ask = m.bids.best(), m.asks.best()
        return {"stream": stream, "data": {
            "e": "bookTicker", "E": now_us(), "T": batch.ts_ms * 1000, "s": m.venue_symbol,
            "u": batch.last_seq,
            "b": tick_str(m, m.price(bid)) if bid is not None else None,
            "B": step_str(m, m.size(m.bids.lots_at(bid))) if bid is not None else None,
            "a": tick_str(m, m.price(ask)) if ask is not None else None,
            "A": step_str(m, m.size(m.asks.lots_at(ask))) if ask is not None else None}}

    def _on_trade(self, trade: TradeEvent) -> None:
        m = trade.market
        stream = f"trade.{m.venue_symbol}"
        if not self.hub.has_subscribers(stream):
            return
        self.hub.publish(stream, {"stream": stream, "data": {
            "e": "trade", "E": now_us(), "T": trade.ts_ms * 1000, "s": m.venue_symbol,
            "p": decimal_str(m.price(trade.price_ticks)), "q": decimal_str(m.size(trade.lots)),
            "t": trade.trade_id, "m": trade.taker_side < 0, "b": None, "a": None}})

    def publish_mark_prices(self) -> None:
        now = now_us()
        for mid in list(self._marks):
            m = self.engine.markets[mid]
            s = self.engine.market_stats(mid)
            stream = f"markPrice.{m.venue_symbol}"
            self.hub.publish(stream, {"stream": stream, "data": {
                "e": "markPrice", "E": now, "T": now, "s": m.venue_symbol, "p": decimal_str(s.mark_price),
                "f": decimal_str(s.funding_rate), "i": decimal_str(s.index_price), "n": s.next_funding_ms}})

    async def _mark_loop(self) -> None:
        while True:
            await asyncio.sleep(self.mark_price_interval)
            try:
                self.publish_mark_prices()
            except Exception:  # a formatting bug must not stop the stream for good: logged
                self.venue.ctx.log.exception("markPrice publication failed")
