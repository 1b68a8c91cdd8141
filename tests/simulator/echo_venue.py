"""A tiny test-only venue module ("echo") exercising the simulator scaffold: a few REST
routes over the engine, a WebSocket with book snapshot + sequenced deltas and private order
events, token credentials. It is what a real venue module looks like, minus the real protocol."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from simulator.engine import Account, EngineError, NotFoundError, OrderEvent, OrderType, TimeInForce
from simulator.venues import register_venue
from simulator.venues.base import VenueModule
from simulator.venues.feeds import AccountEvents, BookBatch, BookFeed
from simulator.venues.hub import WsConnection


@register_venue
class EchoVenue(VenueModule):
    name = "echo"
    rest_prefix = "/api"
    ws_path = "/ws"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.tokens: dict[str, int] = {}
        self.feed = BookFeed(self.engine, self._on_batch)
        self.accounts = AccountEvents(self.engine)

    def issue_credentials(self, account: Account) -> dict[str, Any]:
        token = secrets.token_hex(16)
        self.tokens[token] = account.id
        return {"account_id": account.id, "api_key": token}

    async def start(self) -> None:
        self.feed.start()
        self.accounts.start()

    async def stop(self) -> None:
        await self.feed.stop()
        self.accounts.stop()

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/markets", self.markets_route)
        app.router.add_get("/api/book", self.book_route)
        app.router.add_post("/api/order", self.order_route)
        app.router.add_get("/ws", self.ws_route)

    # -- REST -------------------------------------------------------------------------------
    def _account(self, request: web.Request) -> int:
        account = self.tokens.get(request.headers.get("X-Key", ""))
        if account is None:
            raise web.HTTPUnauthorized(text='{"error":"auth"}', content_type="application/json")
        return account

    async def markets_route(self, request: web.Request) -> web.Response:
        stats = [self.engine.market_stats(m.id) for m in self.engine.markets.values()]
        return web.json_response([{"symbol": s.venue_symbol, "mark": str(s.mark_price),
                                   "funding": str(s.funding_rate)} for s in stats])

    async def book_route(self, request: web.Request) -> web.Response:
        book = self.engine.book(request.query["symbol"], 5)
        return web.json_response({"seq": book.seq,
                                  "bids": [[str(lv.price), str(lv.size)] for lv in book.bids],
                                  "asks": [[str(lv.price), str(lv.size)] for lv in book.asks]})

    async def order_route(self, request: web.Request) -> web.Response:
        account = self._account(request)
        body = await request.json()
        try:
            sub = self.engine.submit_order(
                account, body["symbol"], 1 if body["side"] == "buy" else -1, Decimal(body["size"]),
                Decimal(body["price"]) if body.get("price") else None,
                order_type=OrderType(body.get("type", "limit")), tif=TimeInForce(body.get("tif", "gtc")),
                client_id=body.get("client_id"))
        except NotFoundError as exc:
            return web.json_response({"error": exc.reason.value}, status=404)
        except EngineError as exc:
            return web.json_response({"error": exc.reason.value}, status=400)
        order = sub.order
        return web.json_response({"id": order.id, "status": order.status.value, "filled": str(order.filled)})

    # -- WebSocket -------------------------------------------------------------------------------
    async def ws_route(self, request: web.Request) -> web.WebSocketResponse:
        return await self.ctx.hub.serve(request, self.on_message, on_close=self.on_close)

    async def on_message(self, conn: WsConnection, data: str | bytes) -> None:
        msg = orjson.loads(data)
        op, channel = msg.get("op"), msg.get("channel", "")
        if op == "subscribe" and channel.startswith("book."):
            m = self.feed.watch(channel[5:])
            conn.subscribe(channel)
            book = self.engine.book(m.id, 20)
            conn.send({"channel": channel, "type": "snapshot", "seq": book.seq,
                       "bids": [[lv.price, lv.size] for lv in book.bids],
                       "asks": [[lv.price, lv.size] for lv in book.asks]}, channel=channel)
        elif op == "subscribe" and channel == "orders":
            account = self.tokens.get(msg.get("key", ""))
            if account is None:
                conn.send({"error": "auth"})
                return
            remove = self.accounts.add(account, lambda ev, c=conn: self._on_account(c, ev))
            conn.state.setdefault("remove", []).append(remove)
            conn.subscribe("orders")
        elif op == "ping":
            conn.send({"op": "pong"})

    async def on_close(self, conn: WsConnection) -> None:
        for channel in list(conn.subscriptions):
            if channel.startswith("book."):
                self.feed.unwatch(channel[5:])
        for remove in conn.state.get("remove", []):
            remove()

    def _on_batch(self, batch: BookBatch) -> None:
        channel = f"book.{batch.market.symbol}"
        self.ctx.hub.publish(channel, {"channel": channel, "type": "delta", "first": batch.first_seq,
                                       "seq": batch.last_seq, "prev": batch.prev_seq,
                                       "bids": batch.levels(1), "asks": batch.levels(-1)}, sequenced=True)

    def _on_account(self, conn: WsConnection, event: Any) -> None:
        if isinstance(event, OrderEvent):
            conn.send({"channel": "orders", "id": event.order.id, "status": event.status.value,
                       "filled": event.order.market.size(event.filled_lots)}, channel="orders")
