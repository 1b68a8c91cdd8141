"""Lighter's WebSocket ``/stream``.

On open the server sends ``{"type":"connected"}``; clients subscribe with
``{"type":"subscribe","channel":"<name>/<id>"}`` (``"auth"`` for private channels) and get
``subscribed/<name>`` (a snapshot) then ``update/<name>``, with the channel written
``<name>:<id>``. Public: ``order_book/{m}`` (deltas: ``begin_nonce`` == the previous message's
``nonce``; sent sequenced, so ``skip_seq`` faults make real gaps), ``ticker/{m}``, ``trade/{m}``,
``market_stats/{m|all}``. Account: ``account_all/{a}`` (no auth, as lighter-sdk's ``WsClient``
subscribes), ``account_all_orders/{a}`` and ``account_orders/{m}/{a}`` (auth). Txs:
``jsonapi/sendtx`` / ``jsonapi/sendtxbatch`` answered with ``id`` echoed at top level. The server
pings (``{"type":"ping"}``) and closes connections silent for ``idle_timeout``. Errors are nested
frames ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from simulator.engine.accounts import FundingPayment
from simulator.engine.events import AccountEvent, FundingEvent, MarketTick, PositionEvent
from simulator.engine.market import Market
from simulator.venues.feeds import BookBatch, BookFeed
from simulator.venues.hub import WsConnection
from simulator.venues.lighter.accounts import assets_json, funding_row, positions_json, volume_stats
from simulator.venues.lighter.errors import LighterError
from simulator.venues.lighter.formats import TradeRecord, trade_json
from simulator.venues.lighter.orders import OrderRecord

if TYPE_CHECKING:
    from simulator.venues.lighter.venue import LighterVenue

__all__ = ["Streams"]

Body = dict[str, Any]
_STATS_MIN_INTERVAL_S = 1.0
_TRADES_SNAPSHOT = 50
#: channel name -> (number of ids, private)
_CHANNELS = {"order_book": (1, False), "ticker": (1, False), "trade": (1, False), "market_stats": (1, False),
             "account_all": (1, False), "account_all_orders": (1, True), "account_orders": (2, True)}


class _WsError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class _AccountChanges:
    markets: set[int] = field(default_factory=set)
    trades: list[TradeRecord] = field(default_factory=list)
    fundings: list[FundingPayment] = field(default_factory=list)


def _key(name: str, ids: list[str]) -> str:
    return ":".join([name, *ids])


class Streams:
    def __init__(self, venue: LighterVenue) -> None:
        self.v = venue
        self.engine = venue.engine
        self.hub = venue.ctx.hub
        self.feed = BookFeed(self.engine, self._on_batch)
        self._offsets = itertools.count(1)
        self._tops: dict[int, tuple[int | None, int, int | None, int]] = {}
        self._changes: dict[int, _AccountChanges] = {}
        self._orders: list[OrderRecord] = []
        self._flush_handle: asyncio.Handle | None = None
        self._stats_sent: dict[int, float] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        self._pinger: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.feed.start()
        bus = self.engine.bus
        self._unsubscribe = [bus.subscribe(PositionEvent, self._on_position),
                             bus.subscribe(FundingPayment, self._on_payment),
                             bus.subscribe(AccountEvent, self._on_account_event),
                             bus.subscribe(FundingEvent, self._on_funding),
                             bus.subscribe(MarketTick, self._on_tick)]
        self._pinger = asyncio.get_running_loop().create_task(self._ping_loop(), name="lighter-ws-ping")

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        task, self._pinger = self._pinger, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise
        await self.feed.stop()

    async def route(self, request: web.Request) -> web.WebSocketResponse:
        return await self.hub.serve(request, self.on_message, on_open=self._on_open, on_close=self._on_close)

    async def _on_open(self, conn: WsConnection) -> None:
        conn.state["last_rx"] = asyncio.get_running_loop().time()
        conn.state["watched"] = []
        conn.send({"type": "connected", "session_id": str(uuid.uuid4())})

    async def _on_close(self, conn: WsConnection) -> None:
        for market_id in conn.state.get("watched", []):
            self.feed.unwatch(market_id)
        conn.state["watched"] = []

    async def _ping_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.v.ping_interval)
            now = loop.time()
            for conn in list(self.hub.connections.values()):
                if now - conn.state.get("last_rx", now) > self.v.idle_timeout:
                    self.hub.schedule_close(conn, code=1000, message="idle connection")
                else:
                    conn.send({"type": "ping"})

    # -- client messages ------------------------------------------------------------------------------
    async def on_message(self, conn: WsConnection, data: str | bytes) -> None:
        conn.state["last_rx"] = asyncio.get_running_loop().time()
        try:
            msg = orjson.loads(data)
            if not isinstance(msg, dict):
                raise _WsError(30000, "Invalid Json")
        except orjson.JSONDecodeError:
            conn.send({"error": {"code": 30000, "message": "Invalid Json"}})
            return
        except _WsError as exc:
            conn.send({"error": {"code": exc.code, "message": exc.message}})
            return
        kind = msg.get("type")
        try:
            if kind == "subscribe":
                self._subscribe(conn, msg)
            elif kind == "unsubscribe":
                self._unsubscribe_channel(conn, msg)
            elif kind == "ping":
                conn.send({"type": "pong"})
            elif kind in ("jsonapi/sendtx", "jsonapi/sendtxbatch"):
                self._send_tx(conn, kind, msg.get("data"))
            elif kind != "pong":        # a pong only proves the client is alive (last_rx above)
                raise _WsError(30001, "Invalid Type")
        except _WsError as exc:
            conn.send({"error": {"code": exc.code, "message": exc.message}})

    def _parse_channel(self, msg: Body) -> tuple[str, list[str]]:
        channel = msg.get("channel")
        if not isinstance(channel, str):
            raise _WsError(30005, "Invalid Channel")
        name, *ids = channel.split("/")
        spec = _CHANNELS.get(name)
        if spec is None or len(ids) != spec[0] or not all(ids):
            raise _WsError(30005, "Invalid Channel")
        return name, ids

    def _market(self, raw: str) -> Market:
        market = self.engine.markets.get(int(raw)) if raw.isdigit() else None
        if market is None:
            raise _WsError(30005, "Invalid Channel")
        return market

    def _account(self, raw: str, msg: Body | None) -> int:
        acct = self.engine.accounts.get(int(raw)) if raw.isdigit() else None
        if acct is None or acct.agent:
            raise _WsError(30005, "Invalid Channel")
        if msg is not None:         # a private channel: the token must be valid and the account's
            try:
                key = self.v.keys.check_token(msg.get("auth"), self.v.ctx.wall_ms() // 1000)
            except LighterError as exc:
                raise _WsError(30012, f"Failed to subscribe: {exc.message}") from None
            if key.account != acct.id:
                raise _WsError(30012, "Failed to subscribe: invalid auth: account mismatch")
        return acct.id

    def _subscribe(self, conn: WsConnection, msg: Body) -> None:
        name, ids = self._parse_channel(msg)
        key = _key(name, ids)
        echo = f"{name}:{ids[0]}"
        if key in conn.subscriptions:
            raise _WsError(30003, f"Already Subscribed to : {echo}")
        if name in ("order_book", "ticker"):
            m = self._market(ids[0])
            self.feed.watch(m.id)
            conn.state["watched"].append(m.id)
            body = self._book_snapshot(m) if name == "order_book" else self._ticker(m, "subscribed/ticker")
        elif name == "trade":
            m = self._market(ids[0])
            records = list(self.v.activity.recent[m.id])[-_TRADES_SNAPSHOT:]
            fmt = self.v.data.fmt(m.id)
            body = {"channel": echo, "nonce": m.seq, "liquidation_trades": [],
                    "trades": [trade_json(r, fmt) for r in records], "type": "subscribed/trade"}
        elif name == "market_stats":
            body = self._market_stats(ids[0], "subscribed/market_stats")
        elif name == "account_all":
            body = self._account_all(self._account(ids[0], None), None, "subscribed/account_all")
        elif name == "account_all_orders":
            account = self._account(ids[0], msg)
            body = {"channel": echo, "orders": self._orders_by_market(account, None),
                    "type": "subscribed/account_all_orders"}
        else:   # account_orders/{market}/{account}
            m = self._market(ids[0])
            account = self._account(ids[1], msg)
            body = {"account": account, "channel": echo, "nonce": m.seq,
                    "orders": self._orders_by_market(account, m.id), "type": "subscribed/account_orders"}
        conn.subscribe(key)
        conn.send(body, channel=key)

    def _unsubscribe_channel(self, conn: WsConnection, msg: Body) -> None:
        name, ids = self._parse_channel(msg)
        key = _key(name, ids)
        if key not in conn.subscriptions:
            raise _WsError(30002, f"Not Subscribed to : {name}:{ids[0]}")
        conn.unsubscribe(key)
        if name in ("order_book", "ticker"):
            market_id = int(ids[0])
            conn.state["watched"].remove(market_id)
            self.feed.unwatch(market_id)
        conn.send({"channel": f"{name}:{ids[0]}", "type": f"unsubscribed/{name}"})

    def _send_tx(self, conn: WsConnection, kind: str, data: Any) -> None:
        data = data if isinstance(data, dict) else {}
        reply: Body = {"type": kind}
        if "id" in data:
            reply["id"] = data["id"]
        try:
            if kind == "jsonapi/sendtx":
                body = self.v.txs.send(data.get("tx_type"), data.get("tx_info"), kind)
            else:
                body = self.v.txs.send_batch(data.get("tx_types"), data.get("tx_infos"), kind)
        except LighterError as exc:
            # both shapes clients parse: the reply's own code/message and the nested error frame
            conn.send({**reply, "code": exc.code, "message": exc.message,
                       "error": {"code": exc.code, "message": exc.message}})
            return
        conn.send({**reply, **body})

    # -- snapshots ------------------------------------------------------------------------------------
    def _book_snapshot(self, m: Market) -> Body:
        book = self.engine.book(m.id)
        fmt = self.v.data.fmt(m.id)
        now = self.v.ctx.wall_ms()
        offset = next(self._offsets)
        return {"channel": f"order_book:{m.id}", "offset": offset,
                "order_book": {"code": 0,
                               "asks": [{"price": fmt.price(lv.price_ticks), "size": fmt.size(lv.lots)}
                                        for lv in book.asks],
                               "bids": [{"price": fmt.price(lv.price_ticks), "size": fmt.size(lv.lots)}
                                        for lv in book.bids],
                               "offset": offset, "nonce": book.seq, "last_updated_at": now * 1000,
                               "begin_nonce": 0},
                "last_updated_at": now * 1000, "timestamp": now, "type": "subscribed/order_book"}

    def _ticker(self, m: Market, kind: str) -> Body:
        fmt = self.v.data.fmt(m.id)
        bid, ask = m.bids.best(), m.asks.best()
        now = self.v.ctx.wall_ms()

        def level(side: Any, px: int | None) -> Body:
            if px is None:
                return {"price": fmt.zero_price, "size": fmt.zero_size}
            return {"price": fmt.price(px), "size": fmt.size(side.lots_at(px))}

        self._tops[m.id] = (ask, m.asks.lots_at(ask) if ask else 0, bid, m.bids.lots_at(bid) if bid else 0)
        return {"channel": f"ticker:{m.id}", "nonce": m.seq,
                "ticker": {"s": m.venue_symbol, "a": level(m.asks, ask), "b": level(m.bids, bid),
                           "last_updated_at": now * 1000},
                "last_updated_at": now * 1000, "timestamp": now, "type": kind}

    def _market_stats(self, which: str, kind: str) -> Body:
        if which == "all":
            stats: Body = {str(m.id): self.v.data.market_stats(m) for m in self.v.data.markets_for(None)}
        else:
            stats = self.v.data.market_stats(self._market(which))
        return {"channel": f"market_stats:{which}", "market_stats": stats, "timestamp": self.v.ctx.wall_ms(),
                "type": kind}

    def _orders_by_market(self, account: int, market_id: int | None) -> Body:
        out: Body = {}
        for record in self.v.orders.active(account, market_id):
            out.setdefault(str(record.market_id), []).append(record.json(self.v.data.fmt(record.market_id)))
        return out

    def _account_all(self, account: int, changes: _AccountChanges | None, kind: str) -> Body:
        acct = self.engine.accounts[account]
        counts = self.v.orders.counts(account)
        markets = changes.markets if changes is not None else None
        positions = positions_json(self.engine, acct, self.v.data, counts, markets)
        if changes is None:
            trades = list(self.v.activity.by_account.get(account, ()))[-_TRADES_SNAPSHOT:]
            fundings = list(acct.funding_payments)[-_TRADES_SNAPSHOT:]
        else:
            trades, fundings = changes.trades, changes.fundings
        trades_by: Body = {}
        for r in trades:
            mid = r.fill.market.id
            trades_by.setdefault(str(mid), []).append(trade_json(r, self.v.data.fmt(mid)))
        fundings_by: Body = {}
        for p in fundings:
            fundings_by.setdefault(str(p.market.id), []).append(
                funding_row(p, self.v.data.fmt(p.market.id), discount=False))
        collateral = self.engine.account_state(account).collateral
        return {"account": account, "channel": f"account_all:{account}", "type": kind,
                **volume_stats(acct.fills, self.v.ctx.wall_ms()),
                "positions": {str(mid): p for mid, p in positions.items()}, "trades": trades_by,
                "funding_histories": fundings_by, "shares": [],
                "assets": {"3": assets_json(collateral)}}

    # -- engine -> streams ----------------------------------------------------------------------------
    def _on_batch(self, batch: BookBatch) -> None:
        m = batch.market
        key = f"order_book:{m.id}"
        if self.hub.has_subscribers(key):
            fmt = self.v.data.fmt(m.id)
            offset = next(self._offsets)
            asks = [{"price": fmt.price(px), "size": fmt.size(lots)}
                    for s, px, lots in batch.changes if s < 0]
            bids = [{"price": fmt.price(px), "size": fmt.size(lots)}
                    for s, px, lots in reversed(batch.changes) if s > 0]
            # one engine book operation per batch: the previous message's nonce is first_seq - 1
            self.hub.publish(key, {"channel": key, "offset": offset,
                                   "order_book": {"code": 0, "asks": asks, "bids": bids, "offset": offset,
                                                  "nonce": batch.last_seq,
                                                  "last_updated_at": batch.ts_ms * 1000,
                                                  "begin_nonce": batch.first_seq - 1},
                                   "last_updated_at": batch.ts_ms * 1000, "timestamp": batch.ts_ms,
                                   "type": "update/order_book"}, sequenced=True)
        ticker = f"ticker:{m.id}"
        if self.hub.has_subscribers(ticker):
            ask, bid = m.asks.best(), m.bids.best()
            top = (ask, m.asks.lots_at(ask) if ask else 0, bid, m.bids.lots_at(bid) if bid else 0)
            if top != self._tops.get(m.id):
                self.hub.publish(ticker, self._ticker(m, "update/ticker"))

    def on_trade(self, record: TradeRecord) -> None:
        m = record.fill.market
        self.v.data.on_trade(m, record.fill.price_ticks)
        key = f"trade:{m.id}"
        if self.hub.has_subscribers(key):
            trade = trade_json(record, self.v.data.fmt(m.id))
            self.hub.publish(key, {"channel": key, "nonce": m.seq,
                                   "liquidation_trades": [trade] if record.fill.liquidation else [],
                                   "trades": [trade], "type": "update/trade"})
        for account in (record.fill.account_id, record.fill.other_account_id):
            changes = self._changes_of(account)
            if changes is not None:
                changes.trades.append(record)
                changes.markets.add(m.id)

    def on_order(self, record: OrderRecord) -> None:
        """Queued, and pushed once the tx that changed the order has been answered (a
        ``jsonapi/sendtx`` reply precedes the order updates it causes, as on the venue)."""
        account, market_id = record.account, record.market_id
        if (self.hub.has_subscribers(f"account_all_orders:{account}")
                or self.hub.has_subscribers(f"account_orders:{market_id}:{account}")):
            self._orders.append(record)
            self._schedule_flush()

    def _publish_order(self, record: OrderRecord) -> None:
        account, market_id = record.account, record.market_id
        all_key = f"account_all_orders:{account}"
        one_key = f"account_orders:{market_id}:{account}"
        orders = {str(market_id): [record.json(self.v.data.fmt(market_id))]}
        self.hub.publish(all_key, {"channel": all_key, "orders": orders, "type": "update/account_all_orders"})
        self.hub.publish(one_key, {"account": account, "channel": f"account_orders:{market_id}",
                                   "nonce": self.engine.markets[market_id].seq, "orders": orders,
                                   "type": "update/account_orders"})

    def _changes_of(self, account: int) -> _AccountChanges | None:
        if not self.hub.has_subscribers(f"account_all:{account}"):
            return None
        changes = self._changes.get(account)
        if changes is None:
            changes = self._changes[account] = _AccountChanges()
        self._schedule_flush()
        return changes

    def _schedule_flush(self) -> None:
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Push what the last engine operations changed: orders, then account summaries."""
        self._flush_handle = None
        orders, self._orders = self._orders, []
        for record in orders:
            self._publish_order(record)
        pending, self._changes = self._changes, {}
        for account, changes in pending.items():
            key = f"account_all:{account}"
            if account in self.engine.accounts and self.hub.has_subscribers(key):
                self.hub.publish(key, self._account_all(account, changes, "update/account_all"))

    def _on_position(self, event: PositionEvent) -> None:
        changes = self._changes_of(event.account_id)
        if changes is not None:
            changes.markets.add(event.market.id)

    def _on_payment(self, payment: FundingPayment) -> None:
        changes = self._changes_of(payment.account_id)
        if changes is not None:
            changes.fundings.append(payment)
            changes.markets.add(payment.market.id)

    def _on_account_event(self, event: AccountEvent) -> None:
        changes = self._changes_of(event.account_id)
        if changes is not None and event.market is not None:
            changes.markets.add(event.market.id)

    def _on_funding(self, event: FundingEvent) -> None:
        self._push_stats(event.record.market, force=True)

    def _on_tick(self, tick: MarketTick) -> None:
        self._push_stats(tick.market, force=False)

    def _push_stats(self, m: Market, force: bool) -> None:
        one, every = f"market_stats:{m.id}", "market_stats:all"
        if not (self.hub.has_subscribers(one) or self.hub.has_subscribers(every)):
            return
        now = asyncio.get_running_loop().time()
        if not force and now - self._stats_sent.get(m.id, 0.0) < _STATS_MIN_INTERVAL_S:
            return
        self._stats_sent[m.id] = now
        stats = self.v.data.market_stats(m)
        ts = self.v.ctx.wall_ms()
        self.hub.publish(one, {"channel": one, "market_stats": stats, "timestamp": ts,
                               "type": "update/market_stats"})
        self.hub.publish(every, {"channel": every, "market_stats": {str(m.id): stats}, "timestamp": ts,
                                 "type": "update/market_stats"})
