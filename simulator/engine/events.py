"""Engine events and the bus that delivers them to venue modules.

Events are collected while an engine operation runs and delivered, in order, when it has
finished (the engine is consistent whenever a listener runs, and a listener may call the
engine). Delivery is synchronous: a listener that sends over the network must only enqueue.
A listener that raises is logged and counted (``EventBus.errors``); it does not break the
operation nor the other listeners.

Streams (``subscribe(EventType, callback)``):

* ``BookDelta`` — per market, one per operation that changed the book: ``seq`` (+1 each time)
  and the changed levels with their new total size (0 = level removed).
* ``TradeEvent`` — public trades.
* ``OrderEvent`` — an order's state changed (accepted/resting, partially filled, filled,
  cancelled, expired); carries the changing fields at that moment.
* ``Fill`` (from ``orders``) — a private fill, one per side of every trade.
* ``PositionEvent`` — one per (account, market) whose position changed in the operation.
* ``FundingPayment`` (from ``accounts``) — a funding payment on a position.
* ``FundingEvent`` — a market's funding settlement / hourly record (``FundingRecord``).
* ``LiquidationEvent`` — a position closed by the liquidation engine.
* ``AccountEvent`` — deposits, withdrawals, insurance credits, leverage changes.
* ``MarketTick`` — index/mark/funding rate of a market after each price step.
* ``MarketStatusEvent`` — a market opened, paused or delisted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from helpers.unified_logger import get_logger

if TYPE_CHECKING:
    from simulator.engine.market import FundingRecord, Market, MarketStatus
    from simulator.engine.orders import CloseReason, Order, OrderStatus

__all__ = [
    "EventBus", "BookDelta", "TradeEvent", "OrderEvent", "PositionEvent", "FundingEvent",
    "LiquidationEvent", "AccountEvent", "MarketTick", "MarketStatusEvent",
]

_log = get_logger("engine.events", venue="sim")

E = TypeVar("E")


class BookDelta:
    """``changes``: tuple of ``(side, price_ticks, new_total_lots)``; side +1 bid, −1 ask."""

    __slots__ = ("market", "seq", "changes", "ts_ms")

    def __init__(self, market: Market, seq: int, changes: tuple[tuple[int, int, int], ...],
                 ts_ms: int) -> None:
        self.market, self.seq, self.changes, self.ts_ms = market, seq, changes, ts_ms

    @property
    def market_id(self) -> int:
        return self.market.id

    def decimal_changes(self) -> list[tuple[int, Any, Any]]:
        m = self.market
        return [(side, m.price(px), m.size(lots)) for side, px, lots in self.changes]

    def __repr__(self) -> str:
        return f"BookDelta({self.market.symbol}, seq={self.seq}, {self.changes})"


class TradeEvent:
    __slots__ = ("market", "trade_id", "price_ticks", "lots", "taker_side", "ts_ms", "liquidation")

    def __init__(self, market: Market, trade_id: int, price_ticks: int, lots: int, taker_side: int,
                 ts_ms: int, liquidation: bool) -> None:
        self.market, self.trade_id, self.price_ticks, self.lots = market, trade_id, price_ticks, lots
        self.taker_side, self.ts_ms, self.liquidation = taker_side, ts_ms, liquidation


class OrderEvent:
    __slots__ = ("order", "status", "filled_lots", "remaining_lots", "reason", "ts_ms")

    def __init__(self, order: Order, status: OrderStatus, filled_lots: int, remaining_lots: int,
                 reason: CloseReason | None, ts_ms: int) -> None:
        self.order, self.status, self.filled_lots = order, status, filled_lots
        self.remaining_lots, self.reason, self.ts_ms = remaining_lots, reason, ts_ms

    @property
    def account_id(self) -> int:
        return self.order.account.id

    def __repr__(self) -> str:
        return f"OrderEvent(order={self.order.id}, {self.status.value}, filled={self.filled_lots})"


class PositionEvent:
    __slots__ = ("account_id", "market", "size_lots", "cost_cash", "realized_cash", "funding_cash",
                 "ts_ms")

    def __init__(self, account_id: int, market: Market, size_lots: int, cost_cash: int,
                 realized_cash: int, funding_cash: int, ts_ms: int) -> None:
        self.account_id, self.market, self.size_lots = account_id, market, size_lots
        self.cost_cash, self.realized_cash, self.funding_cash = cost_cash, realized_cash, funding_cash
        self.ts_ms = ts_ms


class FundingEvent:
    __slots__ = ("record",)

    def __init__(self, record: FundingRecord) -> None:
        self.record = record


class LiquidationEvent:
    """``by_backstop``: lots the book could not absorb, taken over by the engine at mark."""

    __slots__ = ("account_id", "market", "side", "lots", "price_ticks", "by_backstop",
                 "deficit_cash", "ts_ms", "market_ms")

    def __init__(self, account_id: int, market: Market, side: int, lots: int, price_ticks: int,
                 by_backstop: int, deficit_cash: int, ts_ms: int, market_ms: int) -> None:
        self.account_id, self.market, self.side, self.lots = account_id, market, side, lots
        self.price_ticks, self.by_backstop, self.deficit_cash = price_ticks, by_backstop, deficit_cash
        self.ts_ms, self.market_ms = ts_ms, market_ms


class AccountEvent:
    """``kind``: deposit, withdraw (``amount_cash`` signed), insurance (deficit covered after a
    liquidation), leverage (``leverage`` set on ``market``)."""

    __slots__ = ("account_id", "kind", "amount_cash", "market", "leverage", "ts_ms")

    def __init__(self, account_id: int, kind: str, amount_cash: int, ts_ms: int,
                 market: Market | None = None, leverage: int | None = None) -> None:
        self.account_id, self.kind, self.amount_cash = account_id, kind, amount_cash
        self.market, self.leverage, self.ts_ms = market, leverage, ts_ms


class MarketTick:
    __slots__ = ("market", "index_ticks", "mark_ticks", "rate_num", "rate_8h_num", "market_ms", "ts_ms")

    def __init__(self, market: Market, market_ms: int, ts_ms: int) -> None:
        self.market = market
        self.index_ticks, self.mark_ticks = market.index_ticks, market.mark_ticks
        self.rate_num, self.rate_8h_num = market.rate_num, market.rate_8h_num
        self.market_ms, self.ts_ms = market_ms, ts_ms


class MarketStatusEvent:
    __slots__ = ("market", "status", "ts_ms")

    def __init__(self, market: Market, status: MarketStatus, ts_ms: int) -> None:
        self.market, self.status, self.ts_ms = market, status, ts_ms


class EventBus:
    """Listeners per event type. ``listeners(T)`` returns the live list (cheap emptiness test)."""

    def __init__(self) -> None:
        self._subs: dict[type, list[Callable[[Any], None]]] = {}
        self.errors = 0

    def listeners(self, event_type: type) -> list[Callable[[Any], None]]:
        return self._subs.setdefault(event_type, [])

    def subscribe(self, event_type: type[E], callback: Callable[[E], None]) -> Callable[[], None]:
        """Add a listener; returns a function that removes it."""
        subs = self.listeners(event_type)
        subs.append(callback)

        def unsubscribe() -> None:
            if callback in subs:
                subs.remove(callback)

        return unsubscribe

    def deliver(self, events: list[Any]) -> None:
        subs = self._subs
        for event in events:
            for callback in subs.get(type(event), ()):
                try:
                    callback(event)
                except Exception:  # noqa: BLE001 — a faulty listener must not break the engine: logged, counted
                    self.errors += 1
                    _log.exception("engine event listener %r failed on %s", callback, type(event).__name__)
