"""Paradex WebSocket API (JSON-RPC 2.0 on ``/v1``): ``auth``, ``subscribe``, ``unsubscribe``;
public channels (``bbo``, ``order_book`` snapshot and deltas, ``markets_summary``,
``funding_data``, ``trades``) and private ones (``orders``, ``fills``, ``positions``, ``account``,
``funding_payments``). Every data message is
``{"jsonrpc":"2.0","method":"subscription","params":{"channel":<the subscribed string>,"data":{...}}}``.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from helpers.unified_logger import get_logger
from simulator.engine.events import TradeEvent
from simulator.engine.market import Market
from simulator.venues.feeds import BookBatch, BookFeed
from simulator.venues.hub import WsConnection
from simulator.venues.paradex.errors import (
    WS_INVALID_BEARER,
    WS_INVALID_PARAMS,
    WS_INVALID_REQUEST,
    WS_MALFORMED_BEARER,
    WS_METHOD_NOT_FOUND,
    WS_PARSE_ERROR,
    WS_PERMISSION_DENIED,
    error_response,
)
from simulator.venues.paradex.formats import account_summary, book_levels, num, top_of_book
from simulator.venues.paradex.keys import JwtError

if TYPE_CHECKING:
    from simulator.venues.paradex.venue import ParadexVenue

__all__ = ["ParadexWs", "SNAPSHOT_DEPTH"]

SNAPSHOT_DEPTH = 15
_BOOK = re.compile(r"^order_book\.(?P<market>[^.]+)\.(?P<feed>snapshot|deltas|interactive|interactive_deltas)"
                   r"(?:@15@(?P<rate>\d+)ms(?:@(?P<tick>[0-9_]+))?)?$")
_PRIVATE = ("orders", "fills", "funding_payments")
_SNAPSHOT_RATES = (50, 100, 200, 400)


@dataclass(slots=True)
class _Snapshot:
    market: Market
    interval_s: float
    tick: Decimal | None
    last_seq: int = -1
    last_at: float = 0.0


def _envelope(channel: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}}


class _BadChannel(Exception):
    pass


class ParadexWs:
    #: seconds between markets_summary / funding_data pushes
    summary_interval_s = 1.0

    def __init__(self, venue: ParadexVenue) -> None:
        self.venue = venue
        self.engine = venue.engine
        self.hub = venue.ctx.hub
        self.data = venue.data
        self.feed = BookFeed(self.engine, self._on_batch)
        self._refs: dict[int, int] = {}
        self._mirrors: dict[int, tuple[dict[int, int], dict[int, int]]] = {}
        self._last_bbo: dict[int, tuple[int | None, int, int | None, int]] = {}
        self._delta_names: dict[int, set[str]] = {}
        self._snapshots: dict[str, _Snapshot] = {}
        self._periodic: dict[str, str] = {}          # channel -> "summary" | "funding"
        self._private: dict[int, set[WsConnection]] = {}
        self._dirty_accounts: set[int] = set()
        self._dirty_positions: set[tuple[int, int]] = set()
        self._flush_handle: asyncio.Handle | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe_trades: Any = None
        self._log = get_logger("paradex.ws", venue="paradex")

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self.feed.start()
        self._unsubscribe_trades = self.engine.bus.subscribe(TradeEvent, self._on_trade)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._snapshot_loop(), name="paradex-book-snapshots"),
                       loop.create_task(self._periodic_loop(), name="paradex-summaries")]

    async def stop(self) -> None:
        if self._unsubscribe_trades is not None:
            self._unsubscribe_trades()
            self._unsubscribe_trades = None
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
        self._tasks = []
        await self.feed.stop()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if "sbeSchemaId" in request.query or "sbeSchemaVersion" in request.query:
            return error_response(400, "VALIDATION_ERROR", "SBE encoding is not supported by this server: "
                                  "connect without sbeSchemaId/sbeSchemaVersion for JSON")
        return await self.hub.serve(request, self.on_message, on_close=self.on_close)

    # -- JSON-RPC ---------------------------------------------------------------------------------
    @staticmethod
    def _reply(conn: WsConnection, msg_id: Any, us_in: int, result: dict[str, Any] | None = None,
               error: tuple[int, str, str | None] | None = None) -> None:
        us_out = time.time_ns() // 1000
        msg: dict[str, Any] = {"jsonrpc": "2.0"}
        if error is not None:
            code, message, data = error
            msg["error"] = {"code": code, "message": message, **({"data": data} if data else {})}
        else:
            msg["result"] = result or {}
        msg.update(usIn=us_in, usOut=us_out, usDiff=us_out - us_in, id=msg_id)
        conn.send(msg)

    async def on_message(self, conn: WsConnection, raw: str | bytes) -> None:
        us_in = time.time_ns() // 1000
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError:
            self._reply(conn, None, us_in, error=(WS_PARSE_ERROR, "parse error", None))
            return
        if not isinstance(msg, dict):
            self._reply(conn, None, us_in, error=(WS_INVALID_REQUEST, "invalid request", None))
            return
        msg_id, method, params = msg.get("id"), msg.get("method"), msg.get("params")
        if method == "auth":
            self._auth(conn, msg_id, us_in, params)
        elif method in ("subscribe", "unsubscribe"):
            channel = params.get("channel") if isinstance(params, dict) else None
            if not isinstance(channel, str):
                self._reply(conn, msg_id, us_in,
                            error=(WS_INVALID_PARAMS, "invalid params", "channel is required"))
            elif method == "subscribe":
                self._subscribe(conn, msg_id, us_in, channel)
            else:
                self._unsubscribe(conn, msg_id, us_in, channel)
        else:
            self._reply(conn, msg_id, us_in, error=(WS_METHOD_NOT_FOUND, "method not found", str(method)))

    def _auth(self, conn: WsConnection, msg_id: Any, us_in: int, params: Any) -> None:
        token = params.get("bearer") if isinstance(params, dict) else None
        if not isinstance(token, str) or not token:
            self._reply(conn, msg_id, us_in, error=(WS_MALFORMED_BEARER, "malformed bearer token", None))
            return
        try:
            ident = self.venue.decode_token(token)
        except JwtError as exc:
            code = WS_INVALID_BEARER if exc.expired else WS_MALFORMED_BEARER
            self._reply(conn, msg_id, us_in, error=(code, f"invalid bearer token: {exc}", None))
            return
        previous = conn.state.get("account")
        if previous is not None:
            self._private.get(previous, set()).discard(conn)
        conn.state["account"] = ident.account_id
        self._private.setdefault(ident.account_id, set()).add(conn)
        self._reply(conn, msg_id, us_in, result={"node_id": f"sim-{self.venue.ctx.port}-{conn.id}"})

    def _subscribe(self, conn: WsConnection, msg_id: Any, us_in: int, channel: str) -> None:
        if channel in conn.subscriptions:
            self._reply(conn, msg_id, us_in, error=(WS_INVALID_REQUEST, "invalid subscribe request",
                                                    "already subscribed"))
            return
        try:
            private = self._is_private(channel)
            if private and conn.state.get("account") is None:
                self._reply(conn, msg_id, us_in, error=(WS_PERMISSION_DENIED, "permission denied",
                                                        "authenticate first"))
                return
            initial = self._open_channel(conn, channel)
        except _BadChannel as exc:
            self._reply(conn, msg_id, us_in,
                        error=(WS_INVALID_REQUEST, "invalid subscribe request", str(exc)))
            return
        conn.subscribe(channel)
        self._reply(conn, msg_id, us_in, result={"channel": channel})
        for payload in initial:
            conn.send(_envelope(channel, payload), channel=channel)

    def _unsubscribe(self, conn: WsConnection, msg_id: Any, us_in: int, channel: str) -> None:
        if channel not in conn.subscriptions:
            self._reply(conn, msg_id, us_in, error=(WS_INVALID_REQUEST, "invalid unsubscribe request",
                                                    "not subscribed"))
            return
        conn.unsubscribe(channel)
        self._release(conn, channel)
        self._reply(conn, msg_id, us_in, result={"channel": channel})

    async def on_close(self, conn: WsConnection) -> None:
        for channel in list(conn.state.get("watched", {})):
            self._release(conn, channel)
        account = conn.state.get("account")
        if account is not None:
            conns = self._private.get(account)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del self._private[account]

    # -- channels ----------------------------------------------------------------------------------
    @staticmethod
    def _is_private(channel: str) -> bool:
        return channel in ("positions", "account") or channel.split(".", 1)[0] in _PRIVATE

    def _markets(self, name: str | None) -> list[Market]:
        if name is None or name == "ALL":
            return list(self.engine.markets.values())
        m = self.engine.by_venue_symbol.get(name)
        if m is None:
            raise _BadChannel(f"unknown market {name}")
        return [m]

    def _open_channel(self, conn: WsConnection, channel: str) -> list[dict[str, Any]]:
        """Validate ``channel``, start what feeds it; returns the messages sent right away."""
        if channel in ("positions", "account"):
            acct = self.engine.account(conn.state["account"])
            if channel == "account":
                desk = self.venue.desk
                return [account_summary(self.engine, acct, desk.address(acct), self.venue.ctx.wall_ms(),
                                        desk.next_seq())]
            return []
        head, _, rest = channel.partition(".")
        if head in _PRIVATE or head == "trades":
            self._markets(rest or "ALL")
            return []
        if head in ("markets_summary", "funding_data"):
            markets = self._markets(rest or None)
            self._periodic[channel] = head
            make = self.data.summary if head == "markets_summary" else self.data.funding_now
            return [make(m) for m in markets]
        if head == "bbo":
            markets = self._markets(rest)
            self._watch(conn, channel, markets)
            return [self.data.bbo(m) for m in markets] if rest != "ALL" else []
        match = _BOOK.match(channel)
        if match is None:
            raise _BadChannel("invalid channel")
        (m,) = self._markets(match["market"])
        feed, rate, tick_text = match["feed"], match["rate"], match["tick"]
        if feed in ("deltas", "interactive_deltas"):
            self._watch(conn, channel, [m])
            self._delta_names.setdefault(m.id, set()).add(channel)
            return [self._full_book(m)]
        if rate is None or int(rate) not in _SNAPSHOT_RATES:
            raise _BadChannel("snapshot channels need @15@{50,100,200,400}ms")
        tick = Decimal(tick_text.replace("_", ".")) if tick_text else None
        if tick is not None and (tick <= 0 or tick % m.tick):
            raise _BadChannel("price_tick must be a multiple of the market's tick")
        self._watch(conn, channel, [m])
        if channel not in self._snapshots:
            self._snapshots[channel] = _Snapshot(m, int(rate) / 1000, tick)
        return [self._snapshot(m, tick)]

    def _watch(self, conn: WsConnection, channel: str, markets: list[Market]) -> None:
        conn.state.setdefault("watched", {})[channel] = [m.id for m in markets]
        for m in markets:
            self.feed.watch(m.id)
            count = self._refs.get(m.id, 0)
            self._refs[m.id] = count + 1
            if not count:
                book = self.engine.book(m.id)
                self._mirrors[m.id] = ({lv.price_ticks: lv.lots for lv in book.bids},
                                       {lv.price_ticks: lv.lots for lv in book.asks})

    def _release(self, conn: WsConnection, channel: str) -> None:
        for mid in conn.state.get("watched", {}).pop(channel, []):
            self.feed.unwatch(mid)
            count = self._refs.get(mid, 0) - 1
            if count > 0:
                self._refs[mid] = count
            else:
                self._refs.pop(mid, None)
                self._mirrors.pop(mid, None)
                self._last_bbo.pop(mid, None)

    # -- books --------------------------------------------------------------------------------------
    @staticmethod
    def _level(side: int, price: Decimal, size: Decimal) -> dict[str, str]:
        return {"side": "BUY" if side > 0 else "SELL", "price": num(price), "size": num(size)}

    def _snapshot(self, m: Market, tick: Decimal | None) -> dict[str, Any]:
        inserts = [self._level(side, p, s) for side in (1, -1)
                   for p, s in book_levels(m, side, SNAPSHOT_DEPTH, tick)]
        return {"seq_no": m.seq, "market": m.venue_symbol, "last_updated_at": self.venue.ctx.wall_ms(),
                "update_type": "s", "inserts": inserts, "updates": [], "deletes": []}

    def _full_book(self, m: Market) -> dict[str, Any]:
        book = self.engine.book(m.id)
        inserts = [self._level(1, lv.price, lv.size) for lv in book.bids]
        inserts += [self._level(-1, lv.price, lv.size) for lv in book.asks]
        return {"seq_no": book.seq, "market": m.venue_symbol, "last_updated_at": book.ts_ms,
                "update_type": "s", "inserts": inserts, "updates": [], "deletes": []}

    def _on_batch(self, batch: BookBatch) -> None:
        m = batch.market
        mirror = self._mirrors.get(m.id)
        if mirror is None:
            return
        inserts, updates, deletes = [], [], []
        for side, ticks, lots in batch.changes:
            book = mirror[0] if side > 0 else mirror[1]
            level = self._level(side, m.price(ticks), m.size(lots))
            if not lots:
                if book.pop(ticks, None) is not None:
                    deletes.append(level)
            elif ticks in book:
                book[ticks] = lots
                updates.append(level)
            else:
                book[ticks] = lots
                inserts.append(level)
        payload = {"seq_no": batch.last_seq, "market": m.venue_symbol, "last_updated_at": batch.ts_ms,
                   "update_type": "d", "inserts": inserts, "updates": updates, "deletes": deletes}
        for channel in self._delta_names.get(m.id, ()):
            self.hub.publish(channel, _envelope(channel, payload), sequenced=True)
        top = top_of_book(self.engine, m)
        if self._last_bbo.get(m.id) != top:
            self._last_bbo[m.id] = top
            bbo = self.data.bbo(m)
            for channel in (f"bbo.{m.venue_symbol}", "bbo.ALL"):
                self.hub.publish(channel, _envelope(channel, bbo))

    async def _snapshot_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0.05)
            now = loop.time()
            for channel, snap in list(self._snapshots.items()):
                if not self.hub.has_subscribers(channel):
                    del self._snapshots[channel]
                    continue
                m = snap.market
                if m.seq != snap.last_seq and now - snap.last_at >= snap.interval_s:
                    snap.last_seq, snap.last_at = m.seq, now
                    self.hub.publish(channel, _envelope(channel, self._snapshot(m, snap.tick)))

    async def _periodic_loop(self) -> None:
        while True:
            await asyncio.sleep(self.summary_interval_s)
            try:
                self.publish_periodic()
            except Exception:  # noqa: BLE001 — a formatting bug must not stop the feed; logged
                self._log.exception("paradex summary push failed")

    def publish_periodic(self) -> None:
        """One ``markets_summary`` / ``funding_data`` push per market of every subscribed channel."""
        for channel, kind in list(self._periodic.items()):
            if not self.hub.has_subscribers(channel):
                del self._periodic[channel]
                continue
            _, _, name = channel.partition(".")
            make = self.data.summary if kind == "markets_summary" else self.data.funding_now
            for m in self._markets(name or None):
                self.hub.publish(channel, _envelope(channel, make(m)))

    def _on_trade(self, ev: TradeEvent) -> None:
        sym = ev.market.venue_symbol
        channels = [c for c in (f"trades.{sym}", "trades.ALL") if self.hub.has_subscribers(c)]
        if channels:
            row = self.data.trade_row(ev)
            for channel in channels:
                self.hub.publish(channel, _envelope(channel, row))

    # -- private (PrivateSink) ----------------------------------------------------------------------
    def push(self, account_id: int, channels: tuple[str, ...], payload: dict[str, Any]) -> None:
        for conn in self._private.get(account_id, ()):
            for channel in channels:
                if channel in conn.subscriptions:
                    conn.send(_envelope(channel, payload), channel=channel)

    def _wants(self, account_id: int, channel: str) -> bool:
        return any(channel in c.subscriptions for c in self._private.get(account_id, ()))

    def account_changed(self, account_id: int) -> None:
        if self._wants(account_id, "account"):
            self._dirty_accounts.add(account_id)
            self._schedule_flush()

    def position_changed(self, account_id: int, market_id: int) -> None:
        if self._wants(account_id, "positions"):
            self._dirty_positions.add((account_id, market_id))
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_handle is None:
            try:
                self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)
            except RuntimeError:      # an engine operation outside the loop: push at once
                self._flush()

    def _flush(self) -> None:
        """Coalesced account/position pushes: one message per changed account or position."""
        self._flush_handle = None
        desk, rest = self.venue.desk, self.venue.rest
        positions, self._dirty_positions = self._dirty_positions, set()
        for account_id, market_id in sorted(positions):
            acct = self.engine.accounts[account_id]
            address = desk.address(acct)
            rows = rest.positions_of(acct, address, market_id)
            if not rows:
                rows = [self.venue.closed_position(acct, address, self.engine.markets[market_id])]
            self.push(account_id, ("positions",), rows[0])
        accounts, self._dirty_accounts = self._dirty_accounts, set()
        for account_id in sorted(accounts):
            acct = self.engine.accounts[account_id]
            self.push(account_id, ("account",), account_summary(
                self.engine, acct, desk.address(acct), self.venue.ctx.wall_ms(), desk.next_seq()))
