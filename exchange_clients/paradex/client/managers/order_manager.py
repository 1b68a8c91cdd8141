"""Orders on Paradex: sign, send, acknowledge, cancel, look up.

Submission (TRAPS.md):

* **Asynchronous acceptance.** ``POST /orders`` validates synchronously (signature, fields,
  tick/step, min notional, client-id uniqueness) and answers 201 ``NEW``; the matching engine
  decides afterwards — OPEN, or CLOSED (filled, or refused with a ``cancel_reason`` such as
  ``NOT_ENOUGH_MARGIN`` / ``POST_ONLY_WOULD_CROSS``). ``submit`` returns that decision: the first
  state past NEW from the private feed, else (after ``ACK_TIMEOUT``) the order read by client id;
  a refusal comes back as ``OrderStatus.REJECTED``, not as an exception.
* **Never resend blindly.** A submission that times out, loses its connection or gets a 5xx has
  an unknown outcome and is resolved by looking the order up by its client id
  (``common.submission``); nothing is sent again.
* **Market orders are bounded.** A market order is sent as a LIMIT IOC at the worst price the
  caller accepted (touch ± ``max_slippage_bps``): Paradex's own MARKET type carries no price
  and would trade up to the venue's price band (±5 %).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from exchange_clients.base_client import OrderRequest
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.common.submission import resolve_by_client_id
from exchange_clients.errors import (
    ExchangeError,
    ExchangeUnavailableError,
    NetworkError,
    OrderNotFoundError,
)
from exchange_clients.models import OrderInfo, OrderResult, OrderStatus, OrderType, Side, TimeInForce
from exchange_clients.paradex.client.managers.websocket_handlers import Settlements, track
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import order_info
from exchange_clients.paradex.client.utils.errors import is_closed_order
from exchange_clients.paradex.client.utils.helpers import (
    SIDE_BUY,
    SIDE_SELL,
    instruction_for,
    venue_price,
    venue_size,
)
from exchange_clients.paradex.client.utils.transport import ParadexTransport
from helpers.unified_logger import get_logger

__all__ = ["OrderManager", "ACK_TIMEOUT"]

VENUE = "paradex"
#: how long a submit waits for the engine's decision on the private feed before asking REST
ACK_TIMEOUT = 2.0
#: how long a cancel waits for the CLOSED update before reading the order over REST
CANCEL_TIMEOUT = 2.0
#: REST polling interval while the private feed is down
POLL_INTERVAL = 0.1


class OrderManager:
    def __init__(self, transport: ParadexTransport, catalog: MarketCatalog[ParadexMarket],
                 tracker: OrderTracker, settlements: Settlements,
                 feed_live: Callable[[], bool] = lambda: True) -> None:
        self._transport = transport
        self._catalog = catalog
        self._tracker = tracker
        self._settlements = settlements
        #: whether the private order feed is connected and authenticated; when it is not,
        #: acknowledgements and cancels are followed over REST instead of waited for
        self._feed_live = feed_live
        self._log = get_logger("order_manager", VENUE)

    # ---- placement ------------------------------------------------------------------------

    def order_body(self, request: OrderRequest, market: ParadexMarket) -> dict[str, Any]:
        """The signed ``POST /orders`` body of a validated request (venue units)."""
        market_order = request.order_type is OrderType.MARKET
        instruction = instruction_for(TimeInForce.IOC if market_order else request.time_in_force)
        assert request.price is not None  # market orders carry their worst-price bound
        signer = self._transport.signer
        assert signer is not None
        return signer.order_body(
            market.venue_symbol, SIDE_BUY if request.side is Side.BUY else SIDE_SELL,
            venue_size(request.quantity, market), venue_price(request.price, market),
            instruction, request.reduce_only, request.client_order_id)

    async def submit(self, request: OrderRequest) -> OrderResult:
        entry = await self._catalog.entry(request.symbol)
        body = self.order_body(request, entry.venue_data)
        cid = request.client_order_id
        try:
            response = await self._transport.private("POST", "/orders", json=body)
        except (NetworkError, ExchangeUnavailableError) as exc:
            found = await resolve_by_client_id(
                VENUE, cid, lambda: self.order_by_client_id(cid, request.symbol), cause=exc)
            if found.status is OrderStatus.PENDING:
                found = await self._settled(cid, request.symbol) or found
            return self._result(request, found, found.order_id)
        accepted = response.body if isinstance(response.body, dict) else {}
        order = await self._settled(cid, request.symbol)
        return self._result(request, order, str(accepted["id"]) if accepted.get("id") else None)

    async def _settled(self, cid: str, symbol: str) -> OrderInfo | None:
        """``_acknowledged``, but an accepted order is never reported as a failure because its
        state could not be read: it is then PENDING (follow it with ``await_order_update``)."""
        try:
            return await self._acknowledged(cid, symbol)
        except ExchangeError as exc:
            self._log.warning("order %s was accepted but its state could not be read: %s", cid, exc)
            return None

    async def _acknowledged(self, cid: str, symbol: str) -> OrderInfo | None:
        """The engine's decision: from the private feed, else by client id over REST (which
        may still say NEW: reported as PENDING). Without a live feed, REST is polled."""
        if self._feed_live():
            order = await self._settlements.wait(cid, ACK_TIMEOUT)
            return order if order is not None else await self.order_by_client_id(cid, symbol)
        return await self._poll(lambda: self.order_by_client_id(cid, symbol),
                                lambda o: o.status is not OrderStatus.PENDING, ACK_TIMEOUT)

    @staticmethod
    async def _poll(read: Callable[[], Awaitable[OrderInfo | None]],
                    done: Callable[[OrderInfo], bool], timeout: float) -> OrderInfo | None:
        """Read until ``done`` or ``timeout`` (every ``POLL_INTERVAL``); the last state read."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            order = await read()
            if (order is not None and done(order)) or loop.time() >= deadline:
                return order
            await asyncio.sleep(POLL_INTERVAL)

    @staticmethod
    def _result(request: OrderRequest, order: OrderInfo | None, order_id: str | None) -> OrderResult:
        if order is None:
            return OrderResult(venue=VENUE, symbol=request.symbol, order_id=order_id,
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
        """``DELETE /orders/{id}`` queues the cancel (204); the CLOSED state follows on the
        feed. An order that is already closed is returned as it ended."""
        await self._catalog.entry(symbol)
        try:
            await self._transport.private("DELETE", f"/orders/{quote(order_id, safe='')}")
        except OrderNotFoundError as exc:
            if not is_closed_order(exc):
                raise
            return await self.order_info(order_id, symbol, force_refresh=True)
        if self._feed_live():
            loop = asyncio.get_running_loop()
            deadline = loop.time() + CANCEL_TIMEOUT
            while loop.time() < deadline:
                known = self._tracker.get(order_id)
                if known is not None and known.status.is_terminal:
                    return known
                await asyncio.sleep(0.01)
            return await self.order_info(order_id, symbol, force_refresh=True)
        final = await self._poll(lambda: self.order_info(order_id, symbol, force_refresh=True),
                                 lambda o: o.status.is_terminal, CANCEL_TIMEOUT)
        assert final is not None
        return final

    async def cancel_all(self, symbol: str | None) -> int:
        params: dict[str, str] = {}
        if symbol is not None:
            params["market"] = (await self._catalog.entry(symbol)).venue_data.venue_symbol
        active = await self.active_orders(symbol)
        if not active:
            return 0
        await self._transport.private("DELETE", "/orders", params=params)
        return len(active)

    # ---- lookups --------------------------------------------------------------------------

    def _convert(self, raw: Any) -> OrderInfo | None:
        if not isinstance(raw, dict):
            return None
        entry = self._catalog.by_market_id(str(raw.get("market")))
        if entry is None:
            return None
        return track(self._tracker, order_info(raw, entry))

    async def active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        params = None
        if symbol is not None:
            params = {"market": (await self._catalog.entry(symbol)).venue_data.venue_symbol}
        body = (await self._transport.private("GET", "/orders", params=params)).body
        rows = body.get("results") if isinstance(body, dict) else None
        return [o for o in map(self._convert, rows or []) if o is not None]

    async def order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        """``GET /orders/by_client_id/{cid}`` (documented for open orders), then the order
        history filtered by client id (closed ones); ``None`` if the venue knows neither."""
        entry = await self._catalog.entry(symbol)
        try:
            response = await self._transport.private(
                "GET", f"/orders/by_client_id/{quote(client_order_id, safe='')}")
            found = self._convert(response.body)
            if found is not None:
                return found
        except OrderNotFoundError:
            pass  # not open (or unknown): look in the history
        body = (await self._transport.private("GET", "/orders-history", params={
            "client_id": client_order_id, "market": entry.venue_data.venue_symbol,
            "page_size": 1})).body
        rows = body.get("results") if isinstance(body, dict) else None
        for raw in rows or []:
            order = self._convert(raw)
            if order is not None and order.client_order_id == client_order_id:
                return order
        return None

    async def order_info(self, order_id: str, symbol: str, *, force_refresh: bool) -> OrderInfo:
        entry = await self._catalog.entry(symbol)
        if not force_refresh:
            known = self._tracker.get(order_id)
            if known is not None:
                return known
        response = await self._transport.private("GET", f"/orders/{quote(order_id, safe='')}")
        order = self._convert(response.body)
        if order is None or order.symbol != entry.info.symbol:
            raise OrderNotFoundError(VENUE, f"order {order_id} not found in {symbol}",
                                     code="NOT_FOUND")
        return order
