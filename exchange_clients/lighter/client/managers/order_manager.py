"""Orders on Lighter: sign, sequence, send, acknowledge, cancel, look up.

Submission invariants (TRAPS.md):

* **Nonces never collide.** Each (account, API key) has one ``SequentialNonces``; a slot is
  held from signing until the venue answered, so transactions arrive in nonce order however
  many coroutines submit at once.
* **Rejections do not burn nonces; unknown outcomes force a resync.** HTTP 400 means the tx was
  refused and its nonce is reused; a timeout, dropped connection, 429 or 5xx leaves the slot
  dirty, so the next one re-reads ``nextNonce``.
* **Never resend blindly.** An invalid-nonce rejection is retried (after a resync) only once the
  client order index is confirmed absent; a submission with an unknown outcome is resolved by
  looking the order up by its client order index (``common.submission``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal
from typing import Any

from lighter import SignerClient

from exchange_clients.base_client import OrderRequest
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.nonce import SequentialNonces
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.common.submission import resolve_by_client_id
from exchange_clients.errors import (
    ConfigurationError,
    ExchangeError,
    InvalidOrderError,
    NetworkError,
    NonceError,
    NotSupportedError,
    OrderNotFoundError,
)
from exchange_clients.lighter.client.utils.caching import AuthTokenCache, LighterMarket
from exchange_clients.lighter.client.utils.converters import order_info
from exchange_clients.lighter.client.utils.errors import error_from_body
from exchange_clients.lighter.client.utils.helpers import (
    CANCEL_ALL_IMMEDIATE,
    NIL_MARKET_INDEX,
    ORDER_EXPIRY_MS,
    ORDER_TYPE_LIMIT,
    ORDER_TYPE_MARKET,
    TIF_CODES,
    base_amount,
    price_int,
)
from exchange_clients.lighter.client.utils.transport import LighterTransport
from exchange_clients.models import OrderInfo, OrderResult, OrderStatus, OrderType, TimeInForce
from helpers.time import now_ms
from helpers.unified_logger import get_logger

__all__ = ["TxSender", "OrderManager"]

VENUE = "lighter"
# The bundled Go signer keeps process-wide state; calls into it are serialised across threads.
_SIGNER_LOCK = threading.Lock()
ACK_TIMEOUT = 3.0


class TxSender:
    """Sign with lighter-sdk's ``SignerClient``; submit with the SDK's ``TransactionApi.send_tx``
    (what ``SignerClient.send_tx`` wraps) so that timeouts and our error table apply."""

    def __init__(self, transport: LighterTransport, api_key_index: int,
                 account_index: int) -> None:
        self._signer: SignerClient | None = None  # bound at connect(): it needs the running loop
        self.transport = transport
        self.api_key_index = api_key_index
        self.account_index = account_index
        self.nonces = SequentialNonces(self._next_nonce)
        self.sign_seconds = 0.0
        self.signed = 0

    def bind(self, signer: SignerClient | None) -> None:
        self._signer = signer

    @property
    def signer(self) -> SignerClient:
        if self._signer is None:
            raise ConfigurationError(VENUE, "client not connected: await connect() first",
                                     code="NOT_CONNECTED")
        return self._signer

    async def _next_nonce(self) -> int:
        body = await self.transport.call("nextNonce", self.transport.tx.next_nonce,
                                         account_index=self.account_index,
                                         api_key_index=self.api_key_index)
        return int(body["nonce"])

    def _sign(self, method: str, *args: Any, nonce: int) -> tuple[int, str]:
        started = time.perf_counter()
        with _SIGNER_LOCK:
            tx_type, tx_info, _hash, error = getattr(self.signer, method)(
                *args, nonce=nonce, api_key_index=self.api_key_index)
        self.sign_seconds += time.perf_counter() - started
        self.signed += 1
        if error is not None:
            raise InvalidOrderError(VENUE, f"signer refused the transaction: {error}", code="SIGNER")
        return int(tx_type), str(tx_info)

    async def send(self, method: str, *args: Any) -> dict[str, Any]:
        """Sign ``method(*args)`` with the next nonce and send it; typed errors on rejection."""
        async with self.nonces.slot() as slot:
            try:
                tx_type, tx_info = await asyncio.to_thread(self._sign, method, *args,
                                                           nonce=slot.nonce)
            except InvalidOrderError:
                slot.unused()
                raise
            try:
                body = await self.transport.call("sendTx", self.transport.tx.send_tx,
                                                 tx_type=tx_type, tx_info=tx_info)
            except ExchangeError as exc:
                if _refused(exc):
                    slot.unused()
                    if isinstance(exc, NonceError):
                        self.nonces.invalidate()
                    raise
                raise  # outcome unknown: the slot's exit marks the sequence dirty
            code = body.get("code")
            if code not in (None, 200):
                slot.unused()
                raise error_from_body(200, body)
            slot.consumed()
            return body


def _refused(exc: ExchangeError) -> bool:
    """A venue answer that definitely did not accept the tx (HTTP 400 with a Lighter code)."""
    return exc.code is not None and exc.code.isdigit() and len(exc.code) == 5


class OrderManager:
    def __init__(self, sender: TxSender, transport: LighterTransport,
                 catalog: MarketCatalog[LighterMarket], tracker: OrderTracker,
                 auth: AuthTokenCache) -> None:
        self._sender = sender
        self._transport = transport
        self._catalog = catalog
        self._tracker = tracker
        self._auth = auth
        self._account = sender.account_index
        self._log = get_logger("order_manager", VENUE)

    # ---- placement ------------------------------------------------------------------------

    async def submit(self, request: OrderRequest) -> OrderResult:
        entry = await self._catalog.entry(request.symbol)
        args = self._create_args(request, entry.venue_data)
        cid = request.client_order_id
        for attempt in range(3):
            try:
                await self._sender.send("sign_create_order", *args)
                break
            except NonceError:
                # refused, not accepted: confirm the order is absent before sending it again
                if attempt == 2 or await self.order_by_client_id(cid, request.symbol) is not None:
                    raise
                self._log.warning("nonce rejected for %s; resynced, resending", cid)
            except (NetworkError, TimeoutError) as exc:
                found = await resolve_by_client_id(
                    VENUE, cid, lambda: self.order_by_client_id(cid, request.symbol), cause=exc)
                return self._result(request, found)
        order = await self._acknowledged(cid, request.symbol)
        return self._result(request, order)

    def _create_args(self, request: OrderRequest, market: LighterMarket) -> tuple[Any, ...]:
        if request.time_in_force is TimeInForce.FOK:
            raise NotSupportedError(VENUE, "Lighter has no fill-or-kill orders", code="FOK")
        market_order = request.order_type is OrderType.MARKET
        tif = TIF_CODES[TimeInForce.IOC if market_order else request.time_in_force]
        expiry = 0 if tif == TIF_CODES[TimeInForce.IOC] else now_ms() + ORDER_EXPIRY_MS
        assert request.price is not None  # market orders carry their worst-price bound
        return (market.market_index, int(request.client_order_id),
                base_amount(request.quantity, market), price_int(request.price, market),
                request.side.value == "sell", ORDER_TYPE_MARKET if market_order else ORDER_TYPE_LIMIT,
                tif, request.reduce_only, 0, expiry)

    async def _acknowledged(self, cid: str, symbol: str) -> OrderInfo | None:
        """The order's first state: from the private feed, else by client id over REST."""
        order = await self._tracker.wait_for_client_id(cid, ACK_TIMEOUT)
        if order is None:
            order = await self.order_by_client_id(cid, symbol)
        return order

    @staticmethod
    def _result(request: OrderRequest, order: OrderInfo | None) -> OrderResult:
        if order is None:  # accepted by sendTx, not yet visible: report it as pending
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
        await self._sender.send("sign_cancel_order", entry.venue_data.market_index, int(order_id))
        deadline = asyncio.get_running_loop().time() + ACK_TIMEOUT
        while asyncio.get_running_loop().time() < deadline:
            known = self._tracker.get(order_id)
            if known is not None and known.status.is_terminal:
                return known
            await asyncio.sleep(0.02)
        return await self.order_info(order_id, symbol, force_refresh=True)

    async def cancel_all(self, symbol: str | None) -> int:
        active = await self.active_orders(symbol)
        if not active:
            return 0
        market_index = NIL_MARKET_INDEX
        if symbol is not None:
            market_index = (await self._catalog.entry(symbol)).venue_data.market_index
        await self._sender.send("sign_cancel_all_orders", CANCEL_ALL_IMMEDIATE, 0, market_index)
        return len(active)

    # ---- lookups --------------------------------------------------------------------------

    async def _orders(self, endpoint: str, fn: Any, **kwargs: Any) -> list[dict[str, Any]]:
        body = await self._transport.call(endpoint, fn, authorization=await self._auth.get(),
                                          **kwargs)
        return list(body.get("orders") or [])

    def _convert(self, raw: dict[str, Any]) -> OrderInfo | None:
        entry: MarketEntry[LighterMarket] | None = self._catalog.by_market_id(
            str(raw.get("market_index")))
        if entry is None:
            return None
        return self._tracker.update(order_info(raw, entry))

    async def active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        market_id = None
        if symbol is not None:
            market_id = (await self._catalog.entry(symbol)).venue_data.market_index
        raw = await self._orders("accountActiveOrders", self._transport.order.account_active_orders,
                                 account_index=self._account, market_id=market_id)
        return [o for o in map(self._convert, raw) if o is not None]

    async def order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        raw = await self._orders("accountOrders", self._transport.order.account_orders,
                                 client_order_indexes=client_order_id, account_index=self._account)
        orders = [o for o in map(self._convert, raw) if o is not None]
        return next((o for o in orders if o.client_order_id == client_order_id), None)

    async def order_info(self, order_id: str, symbol: str, *, force_refresh: bool) -> OrderInfo:
        if not force_refresh:
            known = self._tracker.get(order_id)
            if known is not None:
                return known
        entry = await self._catalog.entry(symbol)
        market_id = entry.venue_data.market_index
        for endpoint, fn, extra in (
                ("accountActiveOrders", self._transport.order.account_active_orders, {}),
                ("accountInactiveOrders", self._transport.order.account_inactive_orders,
                 {"limit": 100})):
            for raw in await self._orders(endpoint, fn, account_index=self._account,
                                          market_id=market_id, **extra):
                if str(raw.get("order_index")) == order_id:
                    order = self._convert(raw)
                    if order is not None:
                        return order
        raise OrderNotFoundError(VENUE, f"order {order_id} not found in {symbol}", code="NOT_FOUND")

    @staticmethod
    def leverage_fraction(leverage: Decimal) -> int:
        """IMF in 1/10000 for ``leverage``, rounded *up* so that the effective leverage never
        exceeds the one asked for (3x → 3334, i.e. 2.9994x, not 3333 = 3.0003x)."""
        scaled = Decimal(10_000) / leverage
        return int(scaled.to_integral_value(rounding="ROUND_CEILING"))
