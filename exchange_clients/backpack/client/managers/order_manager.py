"""Orders on Backpack: build, sign, send, acknowledge, cancel, look up.

* **Synchronous answers.** ``POST /api/v1/order`` returns the order *after* matching, so the
  REST answer is the acknowledgement (a taker may wait the venue's 100 ms speed bump first).
  Market orders are sent as ``Limit`` + ``IOC`` at the worst price the caller accepted
  (touch ± slippage): Backpack's own market orders carry no price bound.
* **Client ids.** ``clientId`` is a uint32, unique per process under concurrency
  (``common.ids.TimeOrderedIntIds``), assigned by the base class before anything is sent.
* **Never resend blindly.** A refusal the venue answered (4xx, ``MAINTENANCE``,
  ``TRADING_PAUSED``, 429) raises its typed error; a request refused as *expired* was not
  executed and is re-signed once (transport). A timeout, dropped connection, other 5xx or a
  ``202`` leaves the outcome unknown: the order is looked up by its client id
  (``common.submission``), never sent again.
* **Reduce-only larger than the position.** Backpack refuses it ("Reduce only order not
  reduced") where other venues close the position. After that refusal, if the account holds
  a smaller position on the other side, the order is sent once more trimmed to the position
  (same client id: the first was not accepted), so a reduce-only close closes.
* **Lookups.** ``GET /api/v1/order`` sees resting orders only; filled, cancelled and expired
  orders are found in ``/wapi/v1/history/orders`` (which has no ``clientId`` filter: rows are
  scanned newest first).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.converters import order_info
from exchange_clients.backpack.client.utils.errors import is_definitive_refusal
from exchange_clients.backpack.client.utils.helpers import SIDES, VENUE, wire_price, wire_quantity
from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.base_client import OrderRequest
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.common.submission import resolve_by_client_id
from exchange_clients.errors import ExchangeError, InvalidOrderError, OrderNotFoundError
from exchange_clients.models import OrderInfo, OrderResult, OrderStatus, OrderType, TimeInForce
from helpers.unified_logger import get_logger

__all__ = ["OrderManager", "order_body", "HISTORY_SCAN"]

#: newest history rows scanned for a client id (the history endpoint cannot filter by it)
HISTORY_SCAN = 500
ACK_TIMEOUT = 3.0
REDUCE_ONLY_REFUSAL = "Reduce only order not reduced"
_TIF = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK",
        TimeInForce.POST_ONLY: "GTC"}


def order_body(request: OrderRequest, market: BackpackMarket) -> dict[str, str | int | bool]:
    """The ``OrderExecutePayload`` of a validated order: decimals as strings in venue units,
    ``clientId`` an integer, booleans only when true, no ``null``s (they would be signed)."""
    assert request.price is not None  # market orders carry their worst-price bound
    tif = TimeInForce.IOC if request.order_type is OrderType.MARKET else request.time_in_force
    body: dict[str, str | int | bool] = {
        "symbol": market.venue_symbol, "side": SIDES[request.side], "orderType": "Limit",
        "quantity": wire_quantity(request.quantity, market),
        "price": wire_price(request.price, market), "timeInForce": _TIF[tif],
        "clientId": int(request.client_order_id)}
    if tif is TimeInForce.POST_ONLY:
        body["postOnly"] = True
    if request.reduce_only:
        body["reduceOnly"] = True
    return body


class OrderManager:
    def __init__(self, transport: BackpackTransport, catalog: MarketCatalog[BackpackMarket],
                 tracker: OrderTracker,
                 position_of: Callable[[str], Awaitable[Decimal]] | None = None) -> None:
        self._transport = transport
        self._catalog = catalog
        self._tracker = tracker
        self._position_of = position_of
        self._log = get_logger("order_manager", VENUE)
        self.submitted = 0

    # ---- placement ------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> OrderResult:
        try:
            return await self._submit(request)
        except InvalidOrderError as exc:
            trimmed = await self._trimmed_reduce_only(request, exc)
            if trimmed is None:
                raise
            self._log.info("reduce-only %s larger than the position: sending %s instead of %s",
                           request.client_order_id, trimmed.quantity, request.quantity)
            return await self._submit(trimmed)

    async def _trimmed_reduce_only(self, request: OrderRequest, exc: InvalidOrderError
                                   ) -> OrderRequest | None:
        """The reduce-only ``request`` cut to the position it may reduce, if that is what the
        venue refused; ``None`` when the refusal stands (flat, or the same side)."""
        if not request.reduce_only or self._position_of is None \
                or not exc.message.startswith(REDUCE_ONLY_REFUSAL):
            return None
        position = await self._position_of(request.symbol)
        held = abs(position)
        if held == 0 or position * request.side.sign > 0 or held >= request.quantity:
            return None
        return OrderRequest(request.market, request.side, held, request.price, request.order_type,
                            request.time_in_force, True, request.client_order_id)

    async def _submit(self, request: OrderRequest) -> OrderResult:
        entry = await self._catalog.entry(request.symbol)
        body = order_body(request, entry.venue_data)
        cid = request.client_order_id
        try:
            response = await self._transport.private("POST", "/api/v1/order", "orderExecute",
                                                     body=body)
        except ExchangeError as exc:
            if is_definitive_refusal(exc):
                raise
            found = await resolve_by_client_id(
                VENUE, cid, lambda: self.order_by_client_id(cid, request.symbol), cause=exc)
            return self._result(request, found)
        finally:
            self.submitted += 1
        if response.status == 202 or not isinstance(response.body, dict):
            # accepted, not yet executed: its first state comes from the feed or a lookup
            seen = await self._tracker.wait_for_client_id(cid, ACK_TIMEOUT)
            return self._result(request, seen or await self.order_by_client_id(cid, request.symbol))
        order = self._tracker.update(order_info(response.body, entry))
        if order.status is OrderStatus.REJECTED:
            raise InvalidOrderError(VENUE, f"post-only order {cid} would have taken liquidity; the "
                                    "venue expired it", code="PostOnlyTaker")
        return self._result(request, order)

    @staticmethod
    def _result(request: OrderRequest, order: OrderInfo | None) -> OrderResult:
        if order is None:  # accepted, not yet visible: report it as pending
            return OrderResult(venue=VENUE, symbol=request.symbol, order_id=None,
                               client_order_id=request.client_order_id, side=request.side,
                               order_type=request.order_type, quantity=request.quantity,
                               price=request.price, status=OrderStatus.PENDING)
        return OrderResult(venue=VENUE, symbol=request.symbol, order_id=order.order_id,
                           client_order_id=request.client_order_id, side=request.side,
                           order_type=request.order_type, quantity=request.quantity,
                           price=request.price, status=order.status,
                           filled_quantity=order.filled_quantity,
                           average_fill_price=order.average_fill_price)

    # ---- cancellation ---------------------------------------------------------------------

    async def cancel(self, order_id: str, symbol: str) -> OrderInfo:
        entry = await self._catalog.entry(symbol)
        body = {"symbol": entry.venue_data.venue_symbol, "orderId": order_id}
        try:
            response = await self._transport.private("DELETE", "/api/v1/order", "orderCancel",
                                                     body=body)
        except OrderNotFoundError:
            # not resting: already filled, cancelled or expired — its final state, if any
            final = await self._from_history(entry, order_id)
            if final is None:
                raise
            return final
        except ExchangeError as exc:
            if is_definitive_refusal(exc):
                raise
            return await self._settled(order_id, symbol, exc)
        if response.status == 202 or not isinstance(response.body, dict):
            return await self._settled(order_id, symbol, None)
        return self._tracker.update(order_info(response.body, entry))

    async def _settled(self, order_id: str, symbol: str, cause: ExchangeError | None) -> OrderInfo:
        """After a cancel with an unknown outcome (or a 202): the order's state once terminal."""
        deadline = asyncio.get_running_loop().time() + ACK_TIMEOUT
        while True:
            known = self._tracker.get(order_id)
            if known is not None and known.status.is_terminal:
                return known
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.05)
        state = await self.order_info(order_id, symbol, force_refresh=True)
        if not state.status.is_terminal and cause is not None:
            raise cause
        return state

    async def cancel_all(self, symbol: str | None) -> int:
        if symbol is not None:
            symbols = [symbol]
        else:
            symbols = sorted({o.symbol for o in await self.active_orders(None)})
        count = 0
        for name in symbols:
            entry = await self._catalog.entry(name)
            response = await self._transport.private(
                "DELETE", "/api/v1/orders", "orderCancelAll",
                body={"symbol": entry.venue_data.venue_symbol})
            if isinstance(response.body, list) and response.status != 202:
                for raw in response.body:
                    self._tracker.update(order_info(raw, entry))
                count += len(response.body)
            else:  # 202: accepted; count what was open
                count += len(await self.active_orders(name))
        return count

    # ---- lookups --------------------------------------------------------------------------

    def _convert(self, raw: dict[str, Any], entry: MarketEntry[BackpackMarket] | None = None
                 ) -> OrderInfo | None:
        entry = entry or self._catalog.by_market_id(str(raw.get("symbol")))
        if entry is None:
            return None
        info = order_info(raw, entry)
        self._tracker.update(info)
        return info

    async def active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        params: dict[str, str | int | bool] = {"marketType": "PERP"}
        if symbol is not None:
            params["symbol"] = (await self._catalog.entry(symbol)).venue_data.venue_symbol
        response = await self._transport.private("GET", "/api/v1/orders", "orderQueryAll",
                                                 params=params)
        rows = response.body if isinstance(response.body, list) else []
        return [o for o in map(self._convert, rows) if o is not None]

    async def _resting(self, entry: MarketEntry[BackpackMarket], **key: str | int
                       ) -> OrderInfo | None:
        params: dict[str, str | int | bool] = {"symbol": entry.venue_data.venue_symbol, **key}
        try:
            response = await self._transport.private("GET", "/api/v1/order", "orderQuery",
                                                     params=params)
        except OrderNotFoundError:
            return None
        return self._convert(response.body, entry) if isinstance(response.body, dict) else None

    async def _history(self, entry: MarketEntry[BackpackMarket], *, order_id: str | None = None,
                       limit: int = 100) -> list[dict[str, Any]]:
        params: dict[str, str | int | bool] = {"symbol": entry.venue_data.venue_symbol,
                                               "limit": limit}
        if order_id is not None:
            params["orderId"] = order_id
        response = await self._transport.private("GET", "/wapi/v1/history/orders",
                                                 "orderHistoryQueryAll", params=params)
        return list(response.body) if isinstance(response.body, list) else []

    async def _from_history(self, entry: MarketEntry[BackpackMarket], order_id: str
                            ) -> OrderInfo | None:
        for raw in await self._history(entry, order_id=order_id, limit=10):
            if str(raw.get("id")) == order_id:
                return self._convert(raw, entry)
        return None

    async def order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        known = self._tracker.by_client_id(client_order_id)
        if known is not None and known.status.is_terminal:
            return known
        if not client_order_id.isdigit():
            return None
        entry = await self._catalog.entry(symbol)
        resting = await self._resting(entry, clientId=int(client_order_id))
        if resting is not None:
            return resting
        for raw in await self._history(entry, limit=HISTORY_SCAN):
            if raw.get("clientId") is not None and str(raw.get("clientId")) == client_order_id:
                return self._convert(raw, entry)
        return known

    async def order_info(self, order_id: str, symbol: str, *, force_refresh: bool) -> OrderInfo:
        if not force_refresh:
            known = self._tracker.get(order_id)
            if known is not None:
                return known
        entry = await self._catalog.entry(symbol)
        if not order_id.isdigit():
            raise OrderNotFoundError(VENUE, f"order {order_id!r} is not a Backpack order id",
                                     code="NOT_FOUND")
        found = await self._resting(entry, orderId=order_id) or \
            await self._from_history(entry, order_id)
        if found is None:
            raise OrderNotFoundError(VENUE, f"order {order_id} not found in {symbol}",
                                     code="NOT_FOUND")
        return found
