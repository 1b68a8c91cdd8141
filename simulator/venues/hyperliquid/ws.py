"""The ``/ws`` WebSocket: subscriptions, pushes, ``ping`` and ``post``.

Every frame is a JSON object with a ``channel`` (the official SDK reads it from every frame),
except the greeting text ``Websocket connection established.``. ``l2Book`` pushes the whole book
(no sequence numbers: every message is a snapshot), coalesced per ``book_interval``; the pushes
are marked sequenced so that ``skip_seq``/``repeat_seq`` faults drop or repeat a snapshot —
which the venue's clients cannot detect and need not, since the next snapshot is complete.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from simulator.engine.accounts import FundingPayment
from simulator.engine.events import MarketTick, OrderEvent
from simulator.engine.market import Market
from simulator.engine.orders import Fill
from simulator.venues.feeds import BookBatch, BookFeed
from simulator.venues.hub import WsConnection, dumps
from simulator.venues.hyperliquid.info import valid_aggregation
from simulator.venues.hyperliquid.rules import num
from simulator.venues.hyperliquid.signing import DESERIALIZE_ERROR, Unprocessable
from simulator.venues.hyperliquid.views import (
    asset_ctx,
    fill_rows,
    funding_row,
    order_basic,
    status_of,
    tx_hash,
)

if TYPE_CHECKING:
    from simulator.venues.hyperliquid.venue import HyperliquidVenue

__all__ = ["WsStreams"]

GREETING = "Websocket connection established."
_RECENT_TRADES = 30
_SNAPSHOT_FILLS = 2000
_COIN_TYPES = ("l2Book", "bbo", "trades", "activeAssetCtx")
_PARSE_ERROR = "Error parsing JSON into valid websocket request: "
_USER_TYPES = ("orderUpdates", "userFills", "userFundings", "userEvents")


@dataclass(frozen=True)
class Sub:
    kind: str
    channel: str            # hub channel the pushes go to
    echo: dict[str, Any]    # the subscription as acknowledged
    market: Market | None = None
    user: str | None = None
    n_sig_figs: int | None = None
    mantissa: int | None = None


def _ack(method: str, sub: Sub) -> dict[str, Any]:
    return {"channel": "subscriptionResponse", "data": {"method": method, "subscription": sub.echo}}


class _UnknownCoin(Exception):
    """The venue closes the socket, without a frame, on a subscription to an unknown coin."""


class WsStreams:
    def __init__(self, hl: HyperliquidVenue) -> None:
        self.hl = hl
        self.engine = hl.engine
        self.hub = hl.ctx.hub
        self.feed = BookFeed(self.engine, self._on_batch, interval=hl.book_interval)
        self._books: dict[int, Counter[tuple[int | None, int | None]]] = {}
        self._bbo: dict[int, tuple[Any, ...]] = {}
        self._ctx: Counter[int] = Counter()
        self._mids = 0
        self._trades: dict[int, deque[dict[str, Any]]] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._tick_unsubscribe: Callable[[], None] | None = None
        self._flush_pending = False

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.feed.start()
        bus = self.engine.bus
        self._unsubscribe = [bus.subscribe(OrderEvent, self._on_order), bus.subscribe(Fill, self._on_fill),
                             bus.subscribe(FundingPayment, self._on_funding)]

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self._watch_ticks(False)
        await self.feed.stop()

    async def route(self, request: web.Request) -> web.WebSocketResponse:
        return await self.hub.serve(request, self.on_message, on_open=self.on_open, on_close=self.on_close)

    async def on_open(self, conn: WsConnection) -> None:
        conn.state["subs"] = {}
        conn.state["channels"] = Counter()
        conn.send(GREETING)

    async def on_close(self, conn: WsConnection) -> None:
        for sub in list(conn.state.get("subs", {}).values()):
            self._release(sub)
        conn.state["subs"] = {}

    # -- requests --------------------------------------------------------------------------------------
    async def on_message(self, conn: WsConnection, data: str | bytes) -> None:
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError:
            msg = None
        method = msg.get("method") if isinstance(msg, dict) else None
        if method == "ping":
            conn.send({"channel": "pong"})
        elif method in ("subscribe", "unsubscribe") and isinstance(msg, dict):
            self._subscription(conn, method, msg.get("subscription"))
        elif method == "post" and isinstance(msg, dict):
            self._post(conn, msg)
        else:
            text = data if isinstance(data, str) else data.decode(errors="replace")
            conn.send({"channel": "error", "data": f"{_PARSE_ERROR}{text}"})

    def _subscription(self, conn: WsConnection, method: str, raw: Any) -> None:
        try:
            sub = self._parse(raw)
        except _UnknownCoin:
            self.hub.schedule_close(conn, code=1000)
            return
        if sub is None:
            conn.send({"channel": "error", "data": f"Invalid subscription {dumps(raw)}"})
            return
        key = dumps(sub.echo)
        subs: dict[str, Sub] = conn.state["subs"]
        if method == "subscribe":
            if key in subs:
                conn.send({"channel": "error", "data": f"Already subscribed: {key}"})
                return
            subs[key] = sub
            conn.state["channels"][sub.channel] += 1
            conn.subscribe(sub.channel)
            conn.send(_ack(method, sub))
            self._acquire(sub)
            self._initial(conn, sub)
            return
        if key not in subs:
            conn.send({"channel": "error", "data": f"Already unsubscribed: {key}"})
            return
        del subs[key]
        channels: Counter[str] = conn.state["channels"]
        channels[sub.channel] -= 1
        if channels[sub.channel] <= 0:
            del channels[sub.channel]
            conn.unsubscribe(sub.channel)
        self._release(sub)
        conn.send(_ack(method, sub))

    def _parse(self, raw: Any) -> Sub | None:
        kind = raw.get("type") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not isinstance(kind, str):
            return None
        echo = dict(raw)
        if kind in _COIN_TYPES:
            coin = raw.get("coin")
            if not isinstance(coin, str):
                return None
            m = self.hl.coin(coin)
            if m is None:
                raise _UnknownCoin(coin)
            if kind != "l2Book":
                return Sub(kind, f"{kind}:{coin}", echo, m)
            n_sig, mantissa = raw.get("nSigFigs"), raw.get("mantissa")
            if not valid_aggregation(n_sig, mantissa):
                return None
            return Sub(kind, f"l2Book:{coin}:{n_sig}:{mantissa}", echo, m, None, n_sig, mantissa)
        if kind in _USER_TYPES:
            user = raw.get("user")
            if not isinstance(user, str) or len(user) != 42 or not user.startswith("0x"):
                return None
            user = user.lower()
            echo["user"] = user
            if kind == "userFills":
                echo.setdefault("aggregateByTime", False)
            return Sub(kind, f"{kind}:{user}", echo, None, user)
        if kind == "allMids":
            return Sub(kind, "allMids", echo)
        return None

    def _acquire(self, sub: Sub) -> None:
        m = sub.market
        if sub.kind == "l2Book" and m is not None:
            self.feed.watch(m.id)
            self._books.setdefault(m.id, Counter())[(sub.n_sig_figs, sub.mantissa)] += 1
        elif sub.kind == "bbo" and m is not None:
            self.feed.watch(m.id)
            self._bbo.pop(m.id, None)
        elif sub.kind == "activeAssetCtx" and m is not None:
            self._ctx[m.id] += 1
            self._watch_ticks(True)
        elif sub.kind == "allMids":
            self._mids += 1
            self._watch_ticks(True)

    def _release(self, sub: Sub) -> None:
        m = sub.market
        if sub.kind == "l2Book" and m is not None:
            self.feed.unwatch(m.id)
            variants = self._books.get(m.id)
            if variants is not None:
                variants[(sub.n_sig_figs, sub.mantissa)] -= 1
                if variants[(sub.n_sig_figs, sub.mantissa)] <= 0:
                    del variants[(sub.n_sig_figs, sub.mantissa)]
                if not variants:
                    del self._books[m.id]
        elif sub.kind == "bbo" and m is not None:
            self.feed.unwatch(m.id)
        elif sub.kind == "activeAssetCtx" and m is not None:
            self._ctx[m.id] -= 1
            if self._ctx[m.id] <= 0:
                del self._ctx[m.id]
        elif sub.kind == "allMids":
            self._mids -= 1
        if not self._ctx and self._mids <= 0:
            self._watch_ticks(False)

    def _initial(self, conn: WsConnection, sub: Sub) -> None:
        """What the venue sends right after the acknowledgement."""
        m, user = sub.market, sub.user
        if sub.kind == "l2Book" and m is not None:
            conn.send({"channel": "l2Book", "data": self.hl.book_snapshot(m, sub.n_sig_figs, sub.mantissa)})
        elif sub.kind == "bbo" and m is not None:
            conn.send({"channel": "bbo", "data": self._bbo_data(m)})
        elif sub.kind == "trades" and m is not None and self._trades.get(m.id):
            conn.send({"channel": "trades", "data": list(self._trades[m.id])})
        elif sub.kind == "activeAssetCtx" and m is not None:
            conn.send(self._ctx_frame(m))
        elif sub.kind == "allMids":
            conn.send({"channel": "allMids", "data": {"mids": self.hl.all_mids()}})
        elif user is not None:
            self._initial_user(conn, sub.kind, user)

    def _initial_user(self, conn: WsConnection, kind: str, user: str) -> None:
        account_id = self.hl.wallets.users.get(user)
        acct = self.engine.accounts.get(account_id) if account_id is not None else None
        if kind == "orderUpdates":
            orders = sorted(acct.open_orders.values(), key=lambda o: o.id) if acct is not None else []
            updates = [{"order": order_basic(o), "status": "open", "statusTimestamp": o.updated_ms}
                       for o in orders]
            if updates:
                conn.send({"channel": "orderUpdates", "data": updates})
        elif kind == "userFills":
            fills = list(acct.fills)[-_SNAPSHOT_FILLS:][::-1] if acct is not None else []
            rows = fill_rows(self.engine, acct.id, fills, self.hl.name) if acct is not None else []
            conn.send({"channel": "userFills", "data": {"isSnapshot": True, "user": user, "fills": rows}})
        elif kind == "userFundings":
            rows = [funding_row(p) for p in acct.funding_payments] if acct is not None else []
            conn.send({"channel": "userFundings",
                       "data": {"isSnapshot": True, "user": user, "fundings": rows}})

    def _post(self, conn: WsConnection, msg: dict[str, Any]) -> None:
        """``{"method":"post","id":..,"request":{"type":"info"|"action","payload":{...}}}``."""
        request_id, request = msg.get("id"), msg.get("request")
        kind = request.get("type") if isinstance(request, dict) else None
        payload = request.get("payload") if isinstance(request, dict) else None
        response: dict[str, Any]
        try:
            if kind == "info":
                data = self.hl.info.handle(payload)
                response = {"type": "info", "payload": {"type": payload.get("type"), "data": data}}  # type: ignore[union-attr]
            elif kind == "action":
                response = {"type": "action", "payload": self.hl.exchange.handle(payload)}
            else:
                raise Unprocessable("unknown post type")
        except Unprocessable:
            response = {"type": "error", "payload": DESERIALIZE_ERROR}
        conn.send({"channel": "post", "data": {"id": request_id, "response": response}})

    # -- pushes ----------------------------------------------------------------------------------------------
    def _on_batch(self, batch: BookBatch) -> None:
        m = batch.market
        for n_sig, mantissa in list(self._books.get(m.id, ())):
            snapshot = {"channel": "l2Book", "data": self.hl.book_snapshot(m, n_sig, mantissa)}
            self.hub.publish(f"l2Book:{m.venue_symbol}:{n_sig}:{mantissa}", snapshot, sequenced=True)
        channel = f"bbo:{m.venue_symbol}"
        if self.hub.has_subscribers(channel):
            data = self._bbo_data(m)
            key = tuple(orjson.dumps(side) for side in data["bbo"])
            if self._bbo.get(m.id) != key:       # sent only when the bbo changed
                self._bbo[m.id] = key
                self.hub.publish(channel, {"channel": "bbo", "data": data})

    def _bbo_data(self, m: Market) -> dict[str, Any]:
        book = self.engine.book(m.id, 1)
        sides = [{"px": num(lv.price), "sz": num(lv.size), "n": lv.orders} if lv is not None else None
                 for lv in (book.bids[0] if book.bids else None, book.asks[0] if book.asks else None)]
        return {"coin": m.venue_symbol, "time": book.ts_ms, "bbo": sides}

    def _ctx_frame(self, m: Market) -> dict[str, Any]:
        return {"channel": "activeAssetCtx",
                "data": {"coin": m.venue_symbol, "ctx": asset_ctx(m, self.engine.market_stats(m.id))}}

    def _on_order(self, event: OrderEvent) -> None:
        user = self.hl.wallets.address_of.get(event.account_id)
        channel = f"orderUpdates:{user}"
        if user is None or not self.hub.has_subscribers(channel):
            return
        self.hub.publish(channel, {"channel": "orderUpdates", "data": [
            {"order": order_basic(event.order, event.remaining_lots),
             "status": status_of(event.status, event.reason), "statusTimestamp": event.ts_ms}]})

    def _on_fill(self, fill: Fill) -> None:
        if not fill.is_maker:
            self._on_trade(fill)
        user = self.hl.wallets.address_of.get(fill.account_id)
        if user is None:
            return
        channel, events = f"userFills:{user}", f"userEvents:{user}"
        if not self.hub.has_subscribers(channel) and not self.hub.has_subscribers(events):
            return
        rows = fill_rows(self.engine, fill.account_id, [fill], self.hl.name)
        self.hub.publish(channel, {"channel": "userFills",
                                   "data": {"isSnapshot": False, "user": user, "fills": rows}})
        self.hub.publish(events, {"channel": "user", "data": {"fills": rows}})

    def _on_trade(self, taker: Fill) -> None:
        """The public trade of a taker fill: ``users`` = [buyer, seller]."""
        m = taker.market
        wallets = self.hl.wallets
        mine, other = wallets.pseudo_address(taker.account_id), wallets.pseudo_address(taker.other_account_id)
        trade = {"coin": m.venue_symbol, "side": "B" if taker.side > 0 else "A", "px": num(taker.price),
                 "sz": num(taker.size), "time": taker.ts_ms,
                 "hash": tx_hash(self.hl.name, "trade", taker.trade_id), "tid": taker.trade_id,
                 "users": [mine, other] if taker.side > 0 else [other, mine]}
        recent = self._trades.get(m.id)
        if recent is None:
            recent = self._trades[m.id] = deque(maxlen=_RECENT_TRADES)
        recent.append(trade)
        self.hub.publish(f"trades:{m.venue_symbol}", {"channel": "trades", "data": [trade]})

    def _on_funding(self, payment: FundingPayment) -> None:
        user = self.hl.wallets.address_of.get(payment.account_id)
        if user is None:
            return
        row = funding_row(payment)
        self.hub.publish(f"userFundings:{user}", {"channel": "userFundings", "data": {
            "isSnapshot": False, "user": user, "fundings": [row]}})
        self.hub.publish(f"userEvents:{user}", {"channel": "user", "data": {"funding": row}})

    # -- market ticks (activeAssetCtx, allMids), coalesced per loop iteration ------------------------
    def _watch_ticks(self, on: bool) -> None:
        if on and self._tick_unsubscribe is None:
            self._tick_unsubscribe = self.engine.bus.subscribe(MarketTick, self._on_tick)
        elif not on and self._tick_unsubscribe is not None:
            self._tick_unsubscribe()
            self._tick_unsubscribe = None

    def _on_tick(self, tick: MarketTick) -> None:
        if self._flush_pending:
            return
        self._flush_pending = True
        try:
            asyncio.get_running_loop().call_soon(self._flush_ticks)
        except RuntimeError:        # no loop (a synchronous caller): push now
            self._flush_ticks()

    def _flush_ticks(self) -> None:
        self._flush_pending = False
        for market_id in list(self._ctx):
            m = self.engine.markets[market_id]
            self.hub.publish(f"activeAssetCtx:{m.venue_symbol}", self._ctx_frame(m))
        if self._mids > 0:
            self.hub.publish("allMids", {"channel": "allMids", "data": {"mids": self.hl.all_mids()}})
