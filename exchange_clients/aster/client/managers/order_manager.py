"""Orders on Aster: build, sign and send; acknowledge; cancel; look up.

Submission invariants (TRAPS.md):

* **Nonces never collide.** Every signed request takes ``TimestampNonces.next()`` (µs,
  strictly increasing under concurrency). A -4225 (nonce refused) is answered before the
  order is executed; we confirm the client order id is absent, then re-sign with a fresh nonce
  and send once more — never a blind resend.
* **Unknown outcomes are resolved by client order id.** A timeout, a dropped connection, a 5xx
  or -1006/-1007 ("execution status unknown") is followed by ``GET order?origClientOrderId``
  (``common.submission.resolve_by_client_id``).
* **Post-only never trades.** Post-only is ``timeInForce=GTX``. Aster either refuses a crossing
  GTX order (-5022, or -2021 as some deployments answer) → ``InvalidOrderError``, or accepts it
  and expires it at once → ``OrderStatus.REJECTED`` with no fill (see ``helpers.order_status``).
* **Market orders are bounded.** Aster's MARKET type takes no price; the contract asks for a
  worst price, so a market order is sent as ``LIMIT`` + ``IOC`` at the base client's bound.

Answers use ``newOrderRespType=RESULT``: IOC/FOK/GTX and bounded-market orders come back in
their final state (FILLED/EXPIRED), resting ones as NEW.
"""

from __future__ import annotations

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import order_info
from exchange_clients.aster.client.utils.errors import is_unknown_outcome
from exchange_clients.aster.client.utils.helpers import (
    SIDE_TO_ASTER,
    TIF_TO_ASTER,
    VENUE,
    is_valid_client_order_id,
    wire_price,
    wire_quantity,
)
from exchange_clients.aster.client.utils.transport import AsterTransport, Params
from exchange_clients.base_client import OrderRequest
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.common.submission import resolve_by_client_id
from exchange_clients.errors import ExchangeError, NonceError, OrderNotFoundError
from exchange_clients.models import OrderInfo, OrderResult, OrderType, TimeInForce
from helpers.unified_logger import get_logger

__all__ = ["OrderManager", "order_params", "NONCE_ATTEMPTS"]

#: sends of one order after nonce refusals (each after confirming the order is absent)
NONCE_ATTEMPTS = 3


def order_params(request: OrderRequest, market: AsterMarket) -> Params:
    """The ``POST order`` parameters, in the order they are signed and sent."""
    assert request.price is not None  # market orders carry their worst-price bound
    market_order = request.order_type is OrderType.MARKET
    tif = TimeInForce.IOC if market_order else request.time_in_force
    params = [("symbol", market.symbol), ("side", SIDE_TO_ASTER[request.side]),
              ("type", "LIMIT"), ("timeInForce", TIF_TO_ASTER[tif]),
              ("quantity", wire_quantity(request.quantity, market)),
              ("price", wire_price(request.price, market))]
    if request.reduce_only:
        params.append(("reduceOnly", "true"))
    params += [("newClientOrderId", request.client_order_id), ("newOrderRespType", "RESULT")]
    return params


class OrderManager:
    def __init__(self, transport: AsterTransport, catalog: MarketCatalog[AsterMarket],
                 tracker: OrderTracker) -> None:
        self._transport = transport
        self._catalog = catalog
        self._tracker = tracker
        self._log = get_logger("order_manager", VENUE)
        self.submitted = 0

    # ---- placement ------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> OrderResult:
        entry = await self._catalog.entry(request.symbol)
        params = order_params(request, entry.venue_data)
        cid, symbol = request.client_order_id, request.symbol
        for attempt in range(1, NONCE_ATTEMPTS + 1):
            try:
                body = await self._transport.private("POST", "order", params, nonce_retry=False,
                                                     new_order=True)
                break
            except NonceError:
                # refused before execution; confirm that before the one thing we may do: resend
                found = await self.order_by_client_id(cid, symbol)
                if found is not None:
                    return self._result(request, found)
                if attempt == NONCE_ATTEMPTS:
                    raise
                self._log.warning("nonce refused for %s; absent on the venue, re-signing", cid)
                await self._transport.resync_clock()
            except ExchangeError as exc:
                if not is_unknown_outcome(exc):
                    raise
                found = await resolve_by_client_id(
                    VENUE, cid, lambda: self.order_by_client_id(cid, symbol), cause=exc)
                return self._result(request, found)
        self.submitted += 1
        return self._result(request, self._convert(body, entry))

    @staticmethod
    def _result(request: OrderRequest, order: OrderInfo) -> OrderResult:
        return OrderResult(venue=VENUE, symbol=request.symbol, order_id=order.order_id,
                           client_order_id=request.client_order_id, side=request.side,
                           order_type=request.order_type, quantity=request.quantity,
                           price=request.price, status=order.status,
                           filled_quantity=order.filled_quantity,
                           average_fill_price=order.average_fill_price)

    def _convert(self, raw: object, entry: MarketEntry[AsterMarket] | None = None) -> OrderInfo:
        """A REST order object → the newest known state (a user-stream update may have
        overtaken the REST answer)."""
        if not isinstance(raw, dict) or "orderId" not in raw:
            raise ExchangeError(VENUE, f"unexpected order answer {str(raw)[:200]!r}",
                                code="BAD_ORDER")
        entry = entry or self._catalog.by_market_id(str(raw.get("symbol")))
        if entry is None:
            raise ExchangeError(VENUE, f"order of unknown symbol {raw.get('symbol')!r}",
                                code="UNKNOWN_SYMBOL")
        return self._tracker.update(order_info(raw, entry))

    # ---- cancellation ---------------------------------------------------------------------

    async def cancel(self, order_id: str, symbol: str) -> OrderInfo:
        entry = await self._catalog.entry(symbol)
        _check_order_id(order_id)
        try:
            body = await self._transport.private(
                "DELETE", "order", [("symbol", entry.info.venue_symbol), ("orderId", order_id)],
                retry=True)
        except OrderNotFoundError:
            # -2011 "Unknown order sent.": unknown, or already closed — then its final state
            return await self.order_info(order_id, symbol, force_refresh=True)
        return self._convert(body, entry)

    async def cancel_all(self, symbol: str | None) -> int:
        """``DELETE allOpenOrders`` needs a symbol: one call per symbol with open orders."""
        active = await self.active_orders(symbol)
        for market_symbol in sorted({o.symbol for o in active}):
            entry = await self._catalog.entry(market_symbol)
            await self._transport.private("DELETE", "allOpenOrders",
                                          [("symbol", entry.info.venue_symbol)], retry=True)
        return len(active)

    # ---- lookups --------------------------------------------------------------------------

    async def active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        params: list[tuple[str, str]] = []
        if symbol is not None:
            params.append(("symbol", (await self._catalog.entry(symbol)).info.venue_symbol))
        body = await self._transport.private("GET", "openOrders", params)
        out = []
        for raw in body if isinstance(body, list) else []:
            if self._catalog.by_market_id(str(raw.get("symbol"))) is not None:
                out.append(self._convert(raw))
        return out

    async def order_info(self, order_id: str, symbol: str, *, force_refresh: bool) -> OrderInfo:
        if not force_refresh:
            known = self._tracker.get(order_id)
            if known is not None:
                return known
        entry = await self._catalog.entry(symbol)
        _check_order_id(order_id)
        body = await self._transport.private(
            "GET", "order", [("symbol", entry.info.venue_symbol), ("orderId", order_id)])
        return self._convert(body, entry)

    async def order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        entry = await self._catalog.entry(symbol)
        if not is_valid_client_order_id(client_order_id):
            return self._tracker.by_client_id(client_order_id)  # not one we could have sent
        try:
            body = await self._transport.private(
                "GET", "order", [("symbol", entry.info.venue_symbol),
                                 ("origClientOrderId", client_order_id)])
        except OrderNotFoundError:
            return None
        return self._convert(body, entry)


def _check_order_id(order_id: str) -> None:
    """Aster order ids are integers; anything else cannot exist (refused before sending)."""
    if not order_id.isdigit():
        raise OrderNotFoundError(VENUE, f"order {order_id!r} not found (Aster ids are integers)",
                                 code="NOT_FOUND")
