"""Orders on Hyperliquid: build, sign, send, acknowledge, cancel, look up.

* **Synchronous answers.** ``/exchange`` answers after matching: ``resting {oid}``,
  ``filled {totalSz, avgPx, oid}`` or a per-order ``error``, so the answer is the
  acknowledgement. Market orders are IOC limit orders at the worst price the caller accepted
  (the base client computes it from the touch and ``max_slippage_bps``, on the price grid) —
  what the official SDK's ``market_open`` sends too. An IOC that matched nothing is reported
  as ``EXPIRED`` (the venue answers ``Order could not immediately match…``).
* **Client ids** are cloids (``0x`` + 32 lower-case hex digits, ``common.ids.HexIds``),
  assigned before anything is sent; every order carries one, so every order can be found.
* **Nonces** (``transport``): unique per signer under any concurrency. An ``Invalid nonce``
  answer refused the whole action — nothing executed — and is retried with a fresh nonce only
  after confirming by cloid that the order is absent (TRAPS.md); ``nonce too low N < M`` also
  moves our counter past ``M``.
* **Never resend blindly.** A timeout, dropped connection or 5xx leaves the outcome unknown:
  the order is looked up by cloid (``common.submission``), never sent again.
* **Lookups** by oid or cloid (``orderStatus``, weight 2; the venue keeps about the last
  2000 orders of an account).
"""

from __future__ import annotations

from typing import Any

from exchange_clients.base_client import OrderRequest
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.common.submission import resolve_by_client_id
from exchange_clients.errors import (
    ExchangeError,
    ExchangeUnavailableError,
    NetworkError,
    NonceError,
    NotSupportedError,
    OrderNotFoundError,
)
from exchange_clients.hyperliquid.client.utils.caching import CoinResolver, HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import (
    order_from_ack,
    order_from_status,
    order_info,
)
from exchange_clients.hyperliquid.client.utils.errors import error_from_text, nonce_floor
from exchange_clients.hyperliquid.client.utils.helpers import (
    TIF_WIRE,
    VENUE,
    is_cloid,
    venue_price,
    venue_size,
)
from exchange_clients.hyperliquid.client.utils.transport import HyperliquidTransport
from exchange_clients.models import (
    OrderInfo,
    OrderResult,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from helpers.unified_logger import get_logger

__all__ = ["OrderManager", "order_wire", "order_action", "MAX_CANCELS_PER_ACTION"]

#: the venue refuses a cancel action of more than 200 entries ("over weight limit of 200")
MAX_CANCELS_PER_ACTION = 200
NONCE_ATTEMPTS = 3
#: per-order answers that mean "an IOC found nothing to trade against", not a refusal
_NOTHING_MATCHED = frozenset({"IOC_NO_MATCH", "NO_LIQUIDITY"})


def order_wire(request: OrderRequest, market: HyperliquidMarket) -> dict[str, Any]:
    """The ``OrderWire`` of a validated order, in the SDK's field order (``a b p s r t c``):
    the key order is hashed into the signature."""
    if request.order_type is OrderType.MARKET:
        tif = "Ioc"
    elif request.time_in_force in TIF_WIRE:
        tif = TIF_WIRE[request.time_in_force]
    else:
        raise NotSupportedError(VENUE, f"Hyperliquid has no {request.time_in_force} orders "
                                "(limit orders are Gtc, Ioc or Alo)", code="TIF")
    assert request.price is not None  # market orders carry their worst-price bound
    return {"a": market.asset, "b": request.side is Side.BUY,
            "p": venue_price(request.price, market), "s": venue_size(request.quantity, market),
            "r": request.reduce_only, "t": {"limit": {"tif": tif}}, "c": request.client_order_id}


def order_action(wires: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "order", "orders": wires, "grouping": "na"}


def _statuses(response: Any) -> list[Any]:
    data = response.get("data") if isinstance(response, dict) else None
    statuses = data.get("statuses") if isinstance(data, dict) else None
    if not isinstance(statuses, list):
        raise ExchangeError(VENUE, f"unexpected /exchange response: {str(response)[:200]}",
                            code="BODY")
    return statuses


class OrderManager:
    def __init__(self, transport: HyperliquidTransport, catalog: MarketCatalog[HyperliquidMarket],
                 tracker: OrderTracker, user: str) -> None:
        self._transport = transport
        self._catalog = catalog
        self._coins = CoinResolver(catalog)
        self._tracker = tracker
        self._user = user.lower()
        self._log = get_logger("order_manager", VENUE)
        self.submitted = 0

    # ---- placement ------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> OrderResult:
        entry = await self._catalog.entry(request.symbol)
        action = order_action([order_wire(request, entry.venue_data)])
        cid = request.client_order_id
        response: Any = None
        for attempt in range(NONCE_ATTEMPTS):
            try:
                self.submitted += 1
                response = await self._transport.exchange(action)
                break
            except NonceError as exc:
                floor = nonce_floor(exc)
                if floor is not None and self._transport.nonces is not None:
                    self._transport.nonces.advance_past(floor)
                # refused as a whole, so nothing executed; still confirm before signing again
                if attempt + 1 == NONCE_ATTEMPTS or \
                        await self.order_by_client_id(cid, request.symbol) is not None:
                    raise
                self._log.warning("nonce refused for %s (%s); resending with a new nonce",
                                  cid, exc.message)
            except (NetworkError, ExchangeUnavailableError) as exc:
                found = await resolve_by_client_id(
                    VENUE, cid, lambda: self.order_by_client_id(cid, request.symbol), cause=exc)
                return self._result(request, found)
        return self._acknowledged(request, entry, _statuses(response)[0])

    def _acknowledged(self, request: OrderRequest, entry: MarketEntry[HyperliquidMarket],
                      status: Any) -> OrderResult:
        if isinstance(status, dict) and "error" in status:
            error = error_from_text(status["error"])
            if error.code in _NOTHING_MATCHED and (request.order_type is OrderType.MARKET
                                                   or request.time_in_force is TimeInForce.IOC):
                return self._result(request, None, expired=True)
            raise error
        order = order_from_ack(status, request, entry)
        if order is None:  # a bare status string (TP/SL children): accepted, not yet an order
            return self._result(request, None)
        return self._result(request, self._tracker.update(order))

    @staticmethod
    def _result(request: OrderRequest, order: OrderInfo | None, *,
                expired: bool = False) -> OrderResult:
        if order is None:
            return OrderResult(venue=VENUE, symbol=request.symbol, order_id=None,
                               client_order_id=request.client_order_id, side=request.side,
                               order_type=request.order_type, quantity=request.quantity,
                               price=request.price,
                               status=OrderStatus.EXPIRED if expired else OrderStatus.PENDING)
        return OrderResult(venue=VENUE, symbol=request.symbol, order_id=order.order_id,
                           client_order_id=request.client_order_id, side=request.side,
                           order_type=request.order_type, quantity=request.quantity,
                           price=request.price, status=order.status,
                           filled_quantity=order.filled_quantity,
                           average_fill_price=order.average_fill_price)

    # ---- cancellation ---------------------------------------------------------------------

    async def cancel(self, order_id: str, symbol: str) -> OrderInfo:
        """Cancel by oid (or by cloid when ``order_id`` is one); returns the final state."""
        asset = (await self._catalog.entry(symbol)).venue_data.asset
        if is_cloid(order_id):
            action: dict[str, Any] = {"type": "cancelByCloid",
                                      "cancels": [{"asset": asset, "cloid": order_id}]}
        else:
            action = {"type": "cancel", "cancels": [{"a": asset, "o": self._oid(order_id)}]}
        status = _statuses(await self._transport.exchange(action))[0]
        if status != "success":
            error = error_from_text(status.get("error") if isinstance(status, dict) else status)
            if not isinstance(error, OrderNotFoundError):
                raise error
            # "never placed, already canceled, or filled": a finished order is reported as such
            final = await self._lookup(order_id)
            if final is not None and final.status.is_terminal:
                return final
            raise error
        final = await self._lookup(order_id)
        if final is None or not final.status.is_terminal:
            known = final or self._tracker.get(order_id) or self._tracker.by_client_id(order_id)
            if known is None:
                raise OrderNotFoundError(VENUE, f"order {order_id} was cancelled but cannot be "
                                         "read back", code="NOT_FOUND")
            final = self._tracker.update(known.model_copy(update={"status": OrderStatus.CANCELLED}))
        return final

    async def cancel_all(self, symbol: str | None) -> int:
        active = await self.active_orders(symbol)
        cancels = []
        for order in active:
            entry = self._catalog.cached_entry(order.symbol)
            if entry is not None:
                cancels.append({"a": entry.venue_data.asset, "o": int(order.order_id)})
        cancelled = 0
        for start in range(0, len(cancels), MAX_CANCELS_PER_ACTION):
            chunk = cancels[start:start + MAX_CANCELS_PER_ACTION]
            response = await self._transport.exchange({"type": "cancel", "cancels": chunk},
                                                      batch_length=len(chunk))
            for wanted, status in zip(chunk, _statuses(response), strict=False):
                if status == "success":
                    cancelled += 1
                    continue
                error = error_from_text(status.get("error") if isinstance(status, dict) else status)
                if not isinstance(error, OrderNotFoundError):  # gone meanwhile is fine
                    self._log.warning("cancel of order %s failed: %s", wanted["o"], error)
        return cancelled

    # ---- lookups --------------------------------------------------------------------------

    @staticmethod
    def _oid(order_id: str) -> int:
        if not order_id.isdigit():
            raise OrderNotFoundError(VENUE, f"{order_id!r} is neither an order id nor a cloid",
                                     code="NOT_FOUND")
        return int(order_id)

    async def _order_status(self, ref: int | str
                            ) -> tuple[dict[str, Any], MarketEntry[HyperliquidMarket]] | None:
        """``orderStatus`` by oid or cloid → (body, market); ``None`` if unknown."""
        body = await self._transport.info({"type": "orderStatus", "user": self._user, "oid": ref})
        if not isinstance(body, dict) or body.get("status") != "order":
            return None
        entry = await self._coins.resolve(str(body["order"]["order"]["coin"]))
        return (body, entry) if entry is not None else None

    async def _lookup(self, order_id: str) -> OrderInfo | None:
        """The venue's current state of an order named by oid or cloid (tracked), or ``None``."""
        ref: int | str = order_id if is_cloid(order_id) else self._oid(order_id)
        found = await self._order_status(ref)
        if found is None:
            return None
        body, order_entry = found
        known = self._tracker.get(str(body["order"]["order"]["oid"]))
        order = order_from_status(body, order_entry, known=known)
        return self._tracker.update(order) if order is not None else None

    async def order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        """The order with this cloid (open or among the account's recent ones), or ``None``."""
        if not is_cloid(client_order_id):
            return None
        await self._catalog.entry(symbol)  # an unknown symbol is a MarketNotFoundError
        return await self._lookup(client_order_id)

    async def order_info(self, order_id: str, symbol: str, *, force_refresh: bool) -> OrderInfo:
        if not force_refresh:
            known = self._tracker.get(order_id)
            if known is not None:
                return known
        await self._catalog.entry(symbol)
        order = await self._lookup(order_id)
        if order is None:
            raise OrderNotFoundError(VENUE, f"order {order_id} not found", code="NOT_FOUND")
        return order

    async def active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        coin = None
        if symbol is not None:
            coin = (await self._catalog.entry(symbol)).venue_data.coin
        rows = await self._transport.info({"type": "frontendOpenOrders", "user": self._user})
        out = []
        for row in rows or []:
            if coin is not None and row.get("coin") != coin:
                continue
            entry = await self._coins.resolve(str(row.get("coin")))
            if entry is None:
                continue
            known = self._tracker.get(str(row["oid"]))
            out.append(self._tracker.update(order_info(row, "open", entry, known=known)))
        return out
