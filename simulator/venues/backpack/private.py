"""Backpack's signed order endpoints: ``POST/DELETE/GET /api/v1/order``, ``POST/DELETE/GET
/api/v1/orders`` (batch execute, cancel all, open orders)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from simulator.engine.orders import EngineError
from simulator.venues.backpack.errors import ApiError, json_response, param_error, payload_error, reject_error
from simulator.venues.backpack.formats import order_json
from simulator.venues.backpack.orders import OrderDesk, client_id_field, market_field, parse_order
from simulator.venues.backpack.request import guarded, market_or_error, require_symbol, signed

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["OrderApi"]

CANCEL = "OrderCancelPayload"
CANCEL_ALL = "OrderCancelAllPayload"


class OrderApi:
    def __init__(self, venue: BackpackVenue) -> None:
        self.venue = venue
        self.engine = venue.engine
        self.desk = OrderDesk(venue)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/order", guarded(self.execute))
        app.router.add_delete("/api/v1/order", guarded(self.cancel))
        app.router.add_get("/api/v1/order", guarded(self.query))
        app.router.add_post("/api/v1/orders", guarded(self.execute_batch))
        app.router.add_delete("/api/v1/orders", guarded(self.cancel_all))
        app.router.add_get("/api/v1/orders", guarded(self.open_orders))

    async def execute(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "orderExecute", "OrderExecutePayload")
        order = self.desk.place(req.account_id, parse_order(self.venue, req.body))
        return json_response(order_json(order))

    async def execute_batch(self, request: web.Request) -> web.Response:
        """Every order parsed first (a bad one fails the request); each executes on its own."""
        req = await signed(self.venue, request, "orderExecute", "Vec<OrderExecutePayload>")
        if not isinstance(req.body, list):
            raise payload_error("Vec<OrderExecutePayload>", "invalid type: expected a sequence")
        orders = [parse_order(self.venue, item) for item in req.body]
        results: list[dict[str, Any]] = []
        for item in orders:
            try:
                results.append({"operation": "Ok", **order_json(self.desk.place(req.account_id, item))})
            except EngineError as exc:
                err = reject_error(exc)
                results.append({"operation": "Err", "code": err.code, "message": err.message})
            except ApiError as exc:
                results.append({"operation": "Err", "code": exc.code, "message": exc.message})
        return json_response(results)

    async def cancel(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "orderCancel", CANCEL)
        body = req.body if isinstance(req.body, dict) else {}
        m = market_field(self.venue, body, CANCEL)
        order_id = body.get("orderId")
        if order_id is not None and (isinstance(order_id, bool) or not isinstance(order_id, str)):
            raise payload_error(CANCEL, "invalid type for `orderId`: expected a string")
        order = self.desk.find(req.account_id, m, order_id, client_id_field(body, CANCEL))
        return json_response(order_json(self.desk.cancel(req.account_id, order)))

    async def cancel_all(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "orderCancelAll", CANCEL_ALL)
        body = req.body if isinstance(req.body, dict) else {}
        m = market_field(self.venue, body, CANCEL_ALL)
        kind = body.get("orderType")
        if kind not in (None, "RestingLimitOrder", "ConditionalOrder"):
            raise payload_error(CANCEL_ALL, f"unknown variant `{kind}` for `orderType`")
        if kind == "ConditionalOrder":          # the simulator holds no trigger orders
            return json_response([])
        cancelled = self.engine.cancel_all(req.account_id, m.id)
        return json_response([order_json(o) for o in cancelled])

    async def query(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "orderQuery", "")
        m = market_or_error(self.venue, require_symbol(req.query))
        client = req.query.get("clientId")
        if client is not None and not client.isdigit():
            raise param_error("clientId", f'failed to parse "integer(uint32)": {client!r}')
        order = self.desk.find(req.account_id, m, req.query.get("orderId"),
                               int(client) if client is not None else None)
        return json_response(order_json(order))

    async def open_orders(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "orderQueryAll", "")
        kind = req.query.get("marketType")
        symbol = req.query.get("symbol")
        mid = market_or_error(self.venue, symbol).id if symbol is not None else None
        if kind is not None and kind != "PERP":
            return json_response([])
        orders = sorted(self.engine.open_orders(req.account_id, mid), key=lambda o: o.id)
        return json_response([order_json(o) for o in orders])
