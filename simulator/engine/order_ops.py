"""Cancelling and modifying resting orders (on top of ``MatchingEngine``)."""

from __future__ import annotations

from typing import Any

from simulator.engine.market import MarketStatus
from simulator.engine.matching import MatchingEngine, Submission
from simulator.engine.orders import (
    CloseReason,
    NotFoundError,
    Order,
    OrderRejected,
    RejectReason,
    TimeInForce,
)

__all__ = ["OrderOps"]


class OrderOps(MatchingEngine):
    def _live_order(self, account_id: int, order: Order | None, what: str) -> Order:
        if order is None or order.account.id != account_id:
            raise NotFoundError(RejectReason.ORDER_NOT_FOUND, f"no order {what}")
        if not order.live:
            raise OrderRejected(RejectReason.ORDER_CLOSED, f"order {what} is {order.status.value}")
        return order

    def cancel_order(self, account_id: int, order_id: int) -> Order:
        order = self._live_order(account_id, self.orders.get(order_id), str(order_id))
        self._cancel_live(order, CloseReason.USER, self.wall_ms())
        self._flush()
        return order

    def cancel_by_client_id(self, account_id: int, client_id: Any) -> Order:
        acct = self.account(account_id)
        order = self._live_order(account_id, acct.client_ids.get(client_id), f"client id {client_id!r}")
        self._cancel_live(order, CloseReason.USER, self.wall_ms())
        self._flush()
        return order

    def cancel_all(self, account_id: int, market_id: int | None = None) -> list[Order]:
        """Cancel every resting order of the account (in one market, or all)."""
        acct = self.account(account_id)
        now = self.wall_ms()
        cancelled = [o for o in acct.open_orders.values() if market_id is None or o.market.id == market_id]
        for order in cancelled:
            self._cancel_live(order, CloseReason.USER, now)
        self._flush()
        return cancelled

    def modify_order(self, account_id: int, order_id: int, *, lots: int | None = None,
                     price_ticks: int | None = None) -> Submission:
        """Change a resting order's remaining size and/or price. A pure size decrease keeps its
        time priority; anything else re-enters it (it may trade) under the same order id."""
        order = self._live_order(account_id, self.orders.get(order_id), str(order_id))
        m = order.market
        new_lots = order.remaining_lots if lots is None else lots
        new_price = price_ticks or order.price_ticks
        if new_lots <= 0:
            raise OrderRejected(RejectReason.INVALID_SIZE, "modified size must be > 0")
        if m.status is not MarketStatus.OPEN:
            raise OrderRejected(RejectReason.MARKET_NOT_OPEN, f"{m.venue_symbol} is {m.status.value}")
        now = self.wall_ms()
        if new_price == order.price_ticks and new_lots <= order.remaining_lots:
            if new_lots < order.remaining_lots:
                self._shrink(order, order.remaining_lots - new_lots, now)
            self._flush()
            return Submission(order, [])
        if m.quotes_stale:
            self._refresh_quotes(m)
        best = (m.asks if order.side > 0 else m.bids).best()
        if order.tif is TimeInForce.POST_ONLY and best is not None and (new_price - best) * order.side >= 0:
            raise OrderRejected(RejectReason.POST_ONLY_WOULD_CROSS, "post-only order would cross")
        acct = order.account
        if not acct.exempt and not order.reduce_only:
            self._check_margin(acct, m, acct.positions.get(m.id), order.side, new_lots, new_price,
                               release=order.remaining_lots)
        (m.bids if order.side > 0 else m.asks).discard(order, order.remaining_lots)
        self._mark_dirty(m, order.side, order.price_ticks)
        self._detach(order)
        order.price_ticks = new_price
        order.lots = order.filled_lots + new_lots
        order.remaining_lots = new_lots
        order.updated_ms = now
        if order.reduce_only:
            self._ro_pending.append(self._position(acct, m))
        fills = self._run(order, now)
        self._flush()
        return Submission(order, fills)
