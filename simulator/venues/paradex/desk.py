"""The Paradex order desk: validation and acceptance of ``POST /orders`` (201 NEW), the
asynchronous hand-over to the matching engine (NEW → OPEN → CLOSED, a refusal after acceptance
becomes CLOSED with a ``cancel_reason``), queued cancellations, order lookups, and the private
history (fills, funding payments) with its pushes to the WebSocket.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Protocol

from helpers.unified_logger import get_logger
from simulator.engine.accounts import Account, FundingPayment
from simulator.engine.engine import Engine
from simulator.engine.events import AccountEvent, OrderEvent, PositionEvent
from simulator.engine.market import Market, MarketStatus
from simulator.engine.orders import (
    EngineError,
    Fill,
    OrderRejected,
    OrderStatus,
    OrderType,
    RejectReason,
    TimeInForce,
)
from simulator.engine.units import cash_to_decimal
from simulator.venues.paradex.errors import CLOSE_REASONS, REJECTIONS, ApiError, rejection
from simulator.venues.paradex.formats import PdxOrder, funding_index, num, order_resp

__all__ = ["OrderDesk", "PrivateSink", "ORDER_RETENTION", "HISTORY"]

D = Decimal
ORDER_RETENTION = 100_000     # closed orders kept for lookups
HISTORY = 10_000              # fills / funding payments / orders kept per account
DEFAULT_RECV_WINDOW_MS = 300_000
MAX_OPEN_ORDERS = 100
MARKET_SLIPPAGE = D("0.05")   # a MARKET order trades at most this far from the mark (max_slippage)
_TERMINAL = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)
_INSTRUCTIONS = {"GTC": TimeInForce.GTC, "POST_ONLY": TimeInForce.POST_ONLY, "IOC": TimeInForce.IOC}
_STP = ("EXPIRE_MAKER", "EXPIRE_TAKER", "EXPIRE_BOTH")


class PrivateSink(Protocol):
    """Where private updates go (the WebSocket side)."""

    def push(self, account_id: int, channels: tuple[str, ...], payload: dict[str, Any]) -> None: ...

    def account_changed(self, account_id: int) -> None: ...

    def position_changed(self, account_id: int, market_id: int) -> None: ...


def _validation(message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message)


def _decimal(body: dict[str, Any], key: str) -> Decimal:
    value = body.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ApiError(400, "BINDING_ERROR", f"{key} must be a decimal string")
    try:
        result = D(value)
    except InvalidOperation:
        raise _validation(f"{key} {value!r} is not a number") from None
    if not result.is_finite():
        raise _validation(f"{key} {value!r} is not a number")
    return result


class OrderDesk:
    def __init__(self, engine: Engine, sink: PrivateSink, wall_ms: Callable[[], int]) -> None:
        self.engine = engine
        self.sink = sink
        self.wall_ms = wall_ms
        self.records: dict[str, PdxOrder] = {}
        self._closed: deque[str] = deque()
        self._ids = itertools.count(1)
        self._seq = 0
        #: acceptance latency: OPEN/CLOSED follow NEW after this many seconds (0: next loop turn)
        self.latency_s = 0.0
        self._actions: deque[tuple[float, Callable[[], None]]] = deque()
        self._handle: asyncio.TimerHandle | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        #: market id -> max_order_size in lots (set by the venue from its listing)
        self.max_lots: dict[int, int] = {}
        self._log = get_logger("paradex.desk", venue="paradex")

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        bus = self.engine.bus
        self._unsubscribe = [bus.subscribe(OrderEvent, self._on_order), bus.subscribe(Fill, self._on_fill),
                             bus.subscribe(PositionEvent, self._on_position),
                             bus.subscribe(FundingPayment, self._on_funding),
                             bus.subscribe(AccountEvent, self._on_account_event)]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._actions.clear()

    def next_seq(self) -> int:
        """Increasing, non-sequential ``seq_no`` of order/position/account updates."""
        self._seq = max(self._seq + 1, self.wall_ms() * 1_000_000)
        return self._seq

    # -- asynchronous actions (FIFO, after ``latency_s``) -----------------------------------------
    def _enqueue(self, action: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        self._actions.append((loop.time() + self.latency_s, action))
        if self._handle is None:
            self._handle = loop.call_at(self._actions[0][0], self._drain)

    def _drain(self) -> None:
        self._handle = None
        loop = asyncio.get_running_loop()
        while self._actions and self._actions[0][0] <= loop.time():
            _, action = self._actions.popleft()
            try:
                action()
            except Exception:  # noqa: BLE001 — one order's failure must not stall the queue; logged
                self._log.exception("paradex order action failed")
        if self._actions:
            self._handle = loop.call_at(self._actions[0][0], self._drain)

    # -- acceptance ---------------------------------------------------------------------------------
    def accept(self, acct: Account, address: str, body: Any,
               verify: Callable[[dict[str, Any]], bool]) -> PdxOrder:
        """Validate a POST /orders body synchronously; returns the NEW order (processing queued).
        ``verify`` checks the order signature against the account's key."""
        rec = self.validate(acct, address, body, verify)
        self._store(acct, rec)
        self.publish(rec)
        self._enqueue(lambda: self._process(rec))
        return rec

    def validate(self, acct: Account, address: str, body: Any,
                 verify: Callable[[dict[str, Any]], bool]) -> PdxOrder:
        if not isinstance(body, dict):
            raise ApiError(400, "BINDING_ERROR", "order must be a JSON object")
        market, side, otype = body.get("market"), body.get("side"), body.get("type")
        if not isinstance(market, str) or not market:
            raise _validation("market is required")
        if side not in ("BUY", "SELL"):
            raise _validation(f"side must be BUY or SELL, not {side!r}")
        if otype not in ("LIMIT", "MARKET"):
            raise _validation(f"order type {otype!r} is not supported (LIMIT, MARKET)")
        size = _decimal(body, "size")
        price = _decimal(body, "price") if otype == "LIMIT" else None
        instruction = body.get("instruction") or "GTC"
        if instruction == "RPI":
            raise ApiError(400, "RPI_ACCOUNT_NOT_WHITELISTED", "account is not whitelisted for RPI orders")
        if instruction not in _INSTRUCTIONS:
            raise _validation(f"instruction {instruction!r} must be GTC, POST_ONLY or IOC")
        if otype == "MARKET" and instruction != "GTC":
            raise _validation(f"{instruction} is allowed on LIMIT orders only")
        flags = body.get("flags") or []
        if not isinstance(flags, list) or any(f not in ("REDUCE_ONLY", "MMP") for f in flags):
            raise _validation(f"invalid flags {flags!r}")
        client_id = body.get("client_id") or ""
        if not isinstance(client_id, str) or len(client_id) > 64:
            raise _validation("client_id must be a string of at most 64 characters")
        stp = body.get("stp") or "EXPIRE_TAKER"
        if stp not in _STP:
            raise _validation(f"stp must be one of {', '.join(_STP)}")
        signature, ts = body.get("signature"), body.get("signature_timestamp")
        if not isinstance(signature, str) or not isinstance(ts, int) or isinstance(ts, bool):
            raise ApiError(400, "BINDING_ERROR",
                           "signature (string) and signature_timestamp (int ms) are required")
        recv_window = body.get("recv_window")
        if recv_window is not None and (not isinstance(recv_window, int) or recv_window < 10):
            raise _validation("recv_window must be an integer >= 10 (ms)")
        m = self.engine.by_venue_symbol.get(market)
        if m is None:
            raise ApiError(400, "MARKET_NOT_FOUND", f"market {market} not found")
        try:
            signed = verify(body)
        except (ValueError, KeyError, TypeError):
            signed = False
        if not signed:
            raise ApiError(400, "INVALID_ORDER_SIGNATURE", "invalid order signature")
        now = self.wall_ms()
        if now > ts + (recv_window or DEFAULT_RECV_WINDOW_MS):
            raise _validation("order signature timestamp is outside the receive window")
        reduce_only = "REDUCE_ONLY" in flags
        lots, ticks = self._check_market(acct, m, size, price, reduce_only, side == "BUY")
        if client_id and any(r.client_id == client_id for r in self._open(acct).values()):
            raise ApiError(400, "DUPLICATED_CLIENT_ID", f"client id {client_id!r} is in use")
        if sum(1 for r in self._open(acct).values() if r.market is m) >= MAX_OPEN_ORDERS:
            raise _validation(f"too many open orders on {market} (max {MAX_OPEN_ORDERS})")
        oid = f"{now:013d}{next(self._ids):015d}"
        return PdxOrder(oid, acct.id, address, m, side, otype, size, price, instruction, list(flags),
                        client_id, stp, ts, now, lots=lots, price_ticks=ticks, reduce_only=reduce_only)

    def _check_market(self, acct: Account, m: Market, size: Decimal, price: Decimal | None,
                      reduce_only: bool, buy: bool) -> tuple[int, int]:
        """The synchronous checks Paradex makes before answering 201 (market open, tick/step,
        size limits, min notional); the engine repeats them, so they cannot drift apart."""
        if m.status is not MarketStatus.OPEN:
            raise rejection(RejectReason.MARKET_NOT_OPEN, f"market {m.venue_symbol} is not open")
        try:
            lots = m.size_to_lots(size)
            ticks = m.price_to_ticks(price) if price is not None else 0
        except OrderRejected as exc:
            raise rejection(exc.reason, exc.message) from None
        max_lots = self.max_lots.get(m.id)
        if max_lots is not None and lots > max_lots:
            raise _validation(f"size {size} exceeds max_order_size {m.size(max_lots)}")
        if reduce_only:
            return lots, ticks
        if lots < m.min_lots:
            raise rejection(RejectReason.BELOW_MIN_SIZE,
                            f"size {size} is below the minimum {m.size(m.min_lots)}")
        if m.min_notional_cash:
            best = None if m.quotes_stale else (m.asks if buy else m.bids).best()
            ref = ticks or best or m.mark_ticks
            if ref * lots * m.unit < m.min_notional_cash:
                raise rejection(RejectReason.BELOW_MIN_NOTIONAL,
                                f"order value is below min_notional {m.spec.min_notional}")
        return lots, ticks

    # -- processing (the matching engine's turn) ---------------------------------------------------
    def _process(self, rec: PdxOrder) -> None:
        if rec.status == "CLOSED":
            return
        m = rec.market
        side = 1 if rec.side == "BUY" else -1
        if rec.type == "MARKET":
            order_type, tif = OrderType.MARKET, TimeInForce.IOC
            ticks = self._market_bound(m, side)
        else:
            order_type, tif, ticks = OrderType.LIMIT, _INSTRUCTIONS[rec.instruction], rec.price_ticks
        try:
            sub = self.engine.submit(rec.account_id, m.id, side, rec.lots, ticks, order_type=order_type,
                                     tif=tif, reduce_only=rec.reduce_only, client_id=rec.id)
        except EngineError as exc:
            self._close(rec, REJECTIONS[exc.reason][2])
            return
        rec.engine = sub.order

    @staticmethod
    def _market_bound(m: Market, side: int) -> int:
        """A MARKET order's worst price: the mark ± max_slippage, on the tick."""
        mark = m.price(m.mark_ticks)
        bound = mark * (1 + side * MARKET_SLIPPAGE)
        rounding = ROUND_FLOOR if side > 0 else ROUND_CEILING
        return max(1, int((bound / m.tick).to_integral_value(rounding)))

    def _close(self, rec: PdxOrder, reason: str) -> None:
        rec.status = "CLOSED"
        rec.cancel_reason = reason
        rec.updated_at = self.wall_ms()
        self._retire(rec)
        self.publish(rec)

    # -- engine events ----------------------------------------------------------------------------
    def _record_of(self, client_id: Any) -> PdxOrder | None:
        return self.records.get(client_id) if isinstance(client_id, str) else None

    def _on_order(self, ev: OrderEvent) -> None:
        rec = self._record_of(ev.order.client_id)
        if rec is None:
            return
        rec.engine = ev.order
        if ev.status in _TERMINAL:
            rec.status = "CLOSED"
            filled = ev.status is OrderStatus.FILLED
            rec.cancel_reason = "" if filled or ev.reason is None else CLOSE_REASONS[ev.reason]
            self._retire(rec)
        elif ev.order.status in _TERMINAL:
            return        # an intermediate fill of an order that closed in the same operation
        else:
            rec.status = "OPEN"
        rec.updated_at = ev.ts_ms
        self.publish(rec, ev.order.market.size(ev.remaining_lots))

    def publish(self, rec: PdxOrder, remaining: Decimal | None = None) -> None:
        sym = rec.market.venue_symbol
        rec.seq_no = self.next_seq()
        payload = order_resp(rec, rec.seq_no, remaining)
        self.sink.push(rec.account_id, (f"orders.{sym}", "orders.ALL"), payload)

    def _client(self, account_id: int) -> Account | None:
        acct = self.engine.accounts.get(account_id)
        return None if acct is None or acct.agent else acct

    def _on_fill(self, f: Fill) -> None:
        acct = self._client(f.account_id)
        if acct is None:
            return
        m = f.market
        rec = self._record_of(f.client_id)
        remaining = 0
        if rec is not None:
            rec.filled_lots += f.lots
            order = self.engine.orders.get(f.order_id)      # its lots: a reduce-only may be trimmed
            remaining = max(0, (order.lots if order is not None else rec.lots) - rec.filled_lots)
        fill_id = f"{f.ts_ms:013d}{f.trade_id:014d}{1 if f.is_maker else 2}"
        row: dict[str, Any] = {
            "id": fill_id, "account": self.address(acct), "market": m.venue_symbol,
            "order_id": rec.id if rec is not None else str(f.order_id),
            "client_id": rec.client_id if rec is not None else "", "side": "BUY" if f.side > 0 else "SELL",
            "liquidity": "MAKER" if f.is_maker else "TAKER", "price": num(f.price), "size": num(f.size),
            "remaining_size": num(m.size(remaining)), "fee": num(f.fee), "fee_currency": "USDC",
            "fill_type": "LIQUIDATION" if f.liquidation else "FILL", "realized_pnl": num(f.realized_pnl),
            "realized_funding": "0", "underlying_price": num(m.price(m.index_ticks)), "flags": [],
            "orderbook_seq_no": m.seq, "created_at": f.ts_ms,
        }
        acct.meta.setdefault("pdx_fills", deque(maxlen=HISTORY)).append(row)
        acct.meta.setdefault("pdx_last_fill", {})[m.id] = fill_id
        self.sink.push(acct.id, (f"fills.{m.venue_symbol}", "fills.ALL"), row)
        self.sink.account_changed(acct.id)

    def _on_position(self, ev: PositionEvent) -> None:
        if self._client(ev.account_id) is not None:
            self.sink.position_changed(ev.account_id, ev.market.id)
            self.sink.account_changed(ev.account_id)

    def _on_funding(self, p: FundingPayment) -> None:
        acct = self._client(p.account_id)
        if acct is None:
            return
        m = p.market
        row = {"id": f"{p.market_ms:013d}{next(self._ids):015d}", "account": self.address(acct),
               "market": m.venue_symbol, "payment": num(cash_to_decimal(p.amount_cash)),
               "index": num(funding_index(m)), "fill_id": "", "created_at": p.market_ms}
        acct.meta.setdefault("pdx_funding", deque(maxlen=HISTORY)).append(row)
        self.sink.push(acct.id, (f"funding_payments.{m.venue_symbol}", "funding_payments.ALL"), row)
        self.sink.account_changed(acct.id)

    def _on_account_event(self, ev: AccountEvent) -> None:
        if self._client(ev.account_id) is not None:
            self.sink.account_changed(ev.account_id)

    @staticmethod
    def address(acct: Account) -> str:
        info = acct.meta.get("paradex")
        return str(info.address_hex) if info is not None else hex(acct.id)

    # -- bookkeeping ----------------------------------------------------------------------------------
    @staticmethod
    def _open(acct: Account) -> dict[str, PdxOrder]:
        opened: dict[str, PdxOrder] = acct.meta.setdefault("pdx_open", {})
        return opened

    def _store(self, acct: Account, rec: PdxOrder) -> None:
        self.records[rec.id] = rec
        self._open(acct)[rec.id] = rec
        acct.meta.setdefault("pdx_orders", deque(maxlen=HISTORY)).append(rec.id)
        if rec.client_id:
            acct.meta.setdefault("pdx_cids", {})[rec.client_id] = rec.id

    def _retire(self, rec: PdxOrder) -> None:
        acct = self.engine.accounts.get(rec.account_id)
        if acct is not None:
            self._open(acct).pop(rec.id, None)
        self._closed.append(rec.id)
        while len(self._closed) > ORDER_RETENTION:
            old = self.records.pop(self._closed.popleft(), None)
            owner = self.engine.accounts.get(old.account_id) if old is not None else None
            if old is not None and owner is not None and old.client_id:
                cids = owner.meta.get("pdx_cids", {})
                if cids.get(old.client_id) == old.id:
                    del cids[old.client_id]

    # -- cancels ------------------------------------------------------------------------------------
    def _cancel(self, rec: PdxOrder) -> None:
        if rec.status == "CLOSED":
            return
        order = rec.engine
        if order is None:                     # never reached the engine: nothing to take off the book
            self._close(rec, "USER_CANCELED")
        elif order.live:
            try:
                self.engine.cancel_order(rec.account_id, order.id)
            except EngineError as exc:        # filled between the request and its turn
                self._log.debug("cancel of %s found it closed: %s", rec.id, exc)

    def cancel(self, acct: Account, order_id: str) -> PdxOrder:
        rec = self.get(acct, order_id)
        if rec.status == "CLOSED":
            raise ApiError(400, "ORDER_IS_CLOSED", f"order {order_id} is closed")
        self._enqueue(lambda: self._cancel(rec))
        return rec

    def cancel_by_client_id(self, acct: Account, client_id: str, market: str | None = None) -> PdxOrder:
        live = [r for r in self._open(acct).values() if r.client_id == client_id
                and (market is None or r.market.venue_symbol == market)]
        if not live:
            self.by_client_id(acct, client_id)            # raises CLIENT_ORDER_ID_NOT_FOUND if unknown
            raise ApiError(400, "ORDER_IS_CLOSED", f"order with client id {client_id} is closed")
        rec = live[-1]
        self._enqueue(lambda: self._cancel(rec))
        return rec

    def cancel_all(self, acct: Account, market: str | None = None) -> list[PdxOrder]:
        recs = [r for r in self._open(acct).values() if market is None or r.market.venue_symbol == market]
        for rec in recs:
            self._enqueue(lambda rec=rec: self._cancel(rec))   # type: ignore[misc]
        return recs

    # -- lookups ------------------------------------------------------------------------------------
    def get(self, acct: Account, order_id: str) -> PdxOrder:
        rec = self.records.get(order_id)
        if rec is None or rec.account_id != acct.id:
            raise ApiError(400, "ORDER_ID_NOT_FOUND", f"order {order_id} not found")
        return rec

    def by_client_id(self, acct: Account, client_id: str) -> PdxOrder:
        oid = acct.meta.get("pdx_cids", {}).get(client_id)
        rec = self.records.get(oid) if oid is not None else None
        if rec is None:
            raise ApiError(400, "CLIENT_ORDER_ID_NOT_FOUND", f"order with client id {client_id} not found")
        return rec

    def open_orders(self, acct: Account, market: str | None = None) -> list[PdxOrder]:
        return [r for r in self._open(acct).values() if market is None or r.market.venue_symbol == market]

    def history(self, acct: Account) -> list[PdxOrder]:
        """The account's orders, newest first."""
        ids = acct.meta.get("pdx_orders", ())
        return [rec for oid in reversed(ids) if (rec := self.records.get(oid)) is not None]

    def resp(self, rec: PdxOrder) -> dict[str, Any]:
        return order_resp(rec, rec.seq_no or self.next_seq())

