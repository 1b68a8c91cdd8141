"""Aster's user data stream: listen keys and the private events of each account.

``POST listenKey`` returns the account's active key (extended by ``ttl_ms``, 60 min) or a new
one; ``PUT`` extends it, ``DELETE`` closes it (both take an optional ``listenKey`` parameter, as
the official demo sends; an unknown key is -1125). A key not kept alive expires: its subscribers
get ``{"e":"listenKeyExpired"}`` and nothing more; the same is pushed when a key is closed.

Events, per account, from the engine:

* ``ORDER_TRADE_UPDATE`` — ``x=NEW`` when an order is accepted (resting or not: the engine has no
  "accepted" event for an order that trades at once, so NEW is sent before its first trade),
  ``x=TRADE`` per fill (``X`` PARTIALLY_FILLED/FILLED, ``z`` the cumulative quantity up to that
  fill), then ``x=CANCELED``/``x=EXPIRED`` (IOC/FOK/market remainders, self-trade, crossing GTX).
* ``ACCOUNT_UPDATE`` — ``m=ORDER`` with ``B`` and the changed position ``P`` after fills;
  ``m=FUNDING_FEE`` with ``B`` only (cross margin); ``DEPOSIT``/``WITHDRAW``/``INSURANCE_CLEAR``.
* ``ACCOUNT_CONFIG_UPDATE`` — ``ac: {s, l}`` on a leverage change.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulator.engine.accounts import FundingPayment
from simulator.engine.events import AccountEvent, OrderEvent, PositionEvent
from simulator.engine.orders import CloseReason, Fill, Order, OrderStatus
from simulator.engine.units import cash_to_decimal
from simulator.engine.views import AccountView
from simulator.venues.aster.core import AsterCore, Call
from simulator.venues.aster.errors import AsterError
from simulator.venues.aster.formats import account_update, fixed, money, order_update
from simulator.venues.feeds import AccountEvents

__all__ = ["UserStreams", "Transfer", "Publisher"]

_Z = Decimal(0)
_KEY_ALPHABET = string.ascii_letters + string.digits
_ACCOUNT_REASONS = {"deposit": "DEPOSIT", "withdraw": "WITHDRAW", "insurance": "INSURANCE_CLEAR"}
_EXPIRING = (CloseReason.SELF_TRADE, CloseReason.REDUCE_ONLY)


class Publisher:
    """What the user streams need from the WebSocket side (implemented by ``MarketStreams``)."""

    def has_subscribers(self, stream: str) -> bool:
        raise NotImplementedError

    def publish(self, stream: str, payload: Any, *, sequenced: bool = False) -> None:
        raise NotImplementedError


@dataclass
class _Key:
    account_id: int
    expires_ms: int


@dataclass(frozen=True)
class Transfer:
    """A deposit or withdrawal, for ``income`` (TRANSFER)."""

    time_ms: int
    amount: Decimal
    tran_id: str


class UserStreams:
    def __init__(self, core: AsterCore, publisher: Publisher) -> None:
        self.core = core
        self.engine = core.engine
        self.publisher = publisher
        self.ttl_ms = 3_600_000
        self.keys: dict[str, _Key] = {}
        self.key_of: dict[int, str] = {}
        self.transfers: dict[int, list[Transfer]] = {}
        self._events = AccountEvents(core.engine)
        self._removers: dict[int, Callable[[], None]] = {}

    def start(self) -> None:
        self._events.start()

    def stop(self) -> None:
        self._events.stop()

    def register_account(self, account_id: int) -> None:
        """Route an account's engine events here (once, when its credentials are issued)."""
        if account_id in self._removers:
            return
        self._removers[account_id] = self._events.add(account_id, lambda ev: self._on_event(account_id, ev))
        acct = self.engine.account(account_id)
        if acct.deposits:      # the opening deposit happened before we listened
            self._record_transfer(account_id, acct.created_ms, cash_to_decimal(acct.deposits))

    # -- listen keys (REST) ----------------------------------------------------------------------
    def valid(self, key: str) -> bool:
        entry = self.keys.get(key)
        return entry is not None and entry.expires_ms > self.core.wall_ms()

    def create(self, call: Call) -> dict[str, Any]:
        now = self.core.wall_ms()
        key = self.key_of.get(call.account_id)
        if key is None or not self.valid(key):
            key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(64))
            self.keys[key] = _Key(call.account_id, 0)
            self.key_of[call.account_id] = key
        self.keys[key].expires_ms = now + self.ttl_ms
        return {"listenKey": key}

    def _own_key(self, call: Call) -> str:
        key = call.get("listenKey") or self.key_of.get(call.account_id)
        entry = self.keys.get(key or "")
        if key is None or entry is None or entry.account_id != call.account_id or not self.valid(key):
            raise AsterError(-1125, "This listenKey does not exist.")
        return key

    def keepalive(self, call: Call) -> dict[str, Any]:
        self.keys[self._own_key(call)].expires_ms = self.core.wall_ms() + self.ttl_ms
        return {}

    def close(self, call: Call) -> dict[str, Any]:
        self._end(self._own_key(call))
        return {}

    def expire(self) -> None:
        """End every key past its expiry (called periodically)."""
        now = self.core.wall_ms()
        for key in [k for k, e in self.keys.items() if e.expires_ms <= now]:
            self._end(key)

    def _end(self, key: str) -> None:
        entry = self.keys.pop(key)
        if self.key_of.get(entry.account_id) == key:
            del self.key_of[entry.account_id]
        self.publisher.publish(key, {"e": "listenKeyExpired", "E": self.core.wall_ms()})

    # -- engine events ---------------------------------------------------------------------------
    def _active_key(self, account_id: int) -> str | None:
        key = self.key_of.get(account_id)
        if key is not None and self.valid(key) and self.publisher.has_subscribers(key):
            return key
        return None

    def _on_event(self, account_id: int, event: Any) -> None:
        key = self._active_key(account_id)
        if isinstance(event, Fill):
            self._on_fill(event, key)
        elif isinstance(event, OrderEvent):
            self._on_order(event, key)
        elif isinstance(event, PositionEvent):
            if key is not None:
                self._position_update(key, event)
        elif isinstance(event, FundingPayment):
            if key is not None:
                view = self.engine.account_state(account_id)
                now = self.core.wall_ms()
                self.publisher.publish(key, account_update("FUNDING_FEE", view, now, event.ts_ms,
                                                           change=cash_to_decimal(event.amount_cash)))
        elif isinstance(event, AccountEvent):
            self._on_account(event, key)

    @staticmethod
    def _meta(order: Order) -> dict[str, Any]:
        if order.meta is None:
            order.meta = {}
        return order.meta

    def _announce(self, order: Order, key: str | None) -> dict[str, Any]:
        meta = self._meta(order)
        if not meta.get("announced"):
            meta["announced"] = True
            meta.setdefault("cum_lots", 0)
            meta.setdefault("cum_cost", 0)
            if key is not None:
                self._push_order(key, order, "NEW", "NEW")
        return meta

    def _push_order(self, key: str, order: Order, execution: str, status: str,
                    fill: Fill | None = None) -> None:
        listing = self.core.by_market[order.market.id]
        meta = self._meta(order)
        self.publisher.publish(key, order_update(
            order, listing, self.core.wall_ms(), execution=execution, status=status, fill=fill,
            cum_lots=meta.get("cum_lots", 0), cum_cost=meta.get("cum_cost", 0),
            open_notional=self._open_notional(order)))

    def _open_notional(self, order: Order) -> tuple[Decimal, Decimal]:
        bids = asks = _Z
        for o in order.account.open_orders.values():
            if o.market is order.market and o.price is not None:
                if o.side > 0:
                    bids += o.remaining * o.price
                else:
                    asks += o.remaining * o.price
        return bids, asks

    def _on_fill(self, fill: Fill, key: str | None) -> None:
        order = self.engine.orders.get(fill.order_id) if fill.order_id else None
        if order is None or order.account.id != fill.account_id:
            return                       # a backstop takeover (no order): positions still update
        meta = self._announce(order, key)
        meta["cum_lots"] += fill.lots
        meta["cum_cost"] += fill.price_ticks * fill.lots * order.market.unit
        if key is not None:
            status = "FILLED" if meta["cum_lots"] >= order.lots else "PARTIALLY_FILLED"
            self._push_order(key, order, "TRADE", status, fill)

    def _on_order(self, event: OrderEvent, key: str | None) -> None:
        order = event.order
        if event.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED):
            self._announce(order, key)           # later OPEN/PARTIAL events (trims) are not pushed
            return
        self._announce(order, key)
        if key is not None:
            expired = event.status is OrderStatus.EXPIRED or event.reason in _EXPIRING
            status = "EXPIRED" if expired else "CANCELED"
            self._push_order(key, order, status, status)

    def push_expired_post_only(self, order: Order) -> None:
        key = self._active_key(order.account.id)
        self._announce(order, key)
        if key is not None:
            self._push_order(key, order, "EXPIRED", "EXPIRED")

    def _position_update(self, key: str, event: PositionEvent) -> None:
        view = self.engine.account_state(event.account_id)
        listing = self.core.by_market[event.market.id]
        now = self.core.wall_ms()
        row = self._position_row(view, event, listing.qty_str)
        self.publisher.publish(key, account_update("ORDER", view, now, event.ts_ms, positions=[row]))

    @staticmethod
    def _position_row(view: AccountView, event: PositionEvent,
                      qty: Callable[[Decimal], str]) -> dict[str, Any]:
        pos = next((p for p in view.positions if p.market_id == event.market.id), None)
        if pos is None:
            return {"s": event.market.venue_symbol, "pa": "0", "ep": "0.00000", "cr": money(_Z),
                    "up": money(_Z), "mt": "cross", "iw": "0", "ps": "BOTH"}
        return {"s": event.market.venue_symbol, "pa": qty(pos.size), "ep": fixed(pos.entry_price or _Z, 8),
                "cr": money(pos.realized_pnl), "up": money(pos.unrealized_pnl), "mt": "cross", "iw": "0",
                "ps": "BOTH"}

    def _on_account(self, event: AccountEvent, key: str | None) -> None:
        now = self.core.wall_ms()
        amount = cash_to_decimal(event.amount_cash)
        if event.kind in ("deposit", "withdraw"):
            self._record_transfer(event.account_id, event.ts_ms, amount)
        if key is None:
            return
        if event.kind == "leverage" and event.market is not None:
            self.publisher.publish(key, {"e": "ACCOUNT_CONFIG_UPDATE", "E": now, "T": event.ts_ms,
                                         "ac": {"s": event.market.venue_symbol, "l": event.leverage}})
        elif event.kind in _ACCOUNT_REASONS:
            view = self.engine.account_state(event.account_id)
            self.publisher.publish(key, account_update(_ACCOUNT_REASONS[event.kind], view, now, event.ts_ms,
                                                       change=amount, positions=[]))

    def _record_transfer(self, account_id: int, time_ms: int, amount: Decimal) -> None:
        rows = self.transfers.setdefault(account_id, [])
        rows.append(Transfer(time_ms, amount, f"{time_ms}{len(rows):04d}"))
        del rows[:-10_000]
