"""Liquidation: an account whose equity falls below its maintenance margin is closed out.

At each price step (after marks moved) every non-exempt account with positions is checked.
One that is under water has all its orders cancelled, then each position is closed by a
reduce-only IOC order against the book, no further than ``liquidation_band`` from the mark;
whatever the book cannot absorb is taken over by the engine's backstop account at the mark. If
the account is left with negative collateral, the insurance fund covers the deficit. Every
closed position emits a ``LiquidationEvent`` (besides the usual order, fill and position events).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.engine.accounts import Account
from simulator.engine.events import AccountEvent, LiquidationEvent, TradeEvent
from simulator.engine.market import Market
from simulator.engine.orders import CloseReason, Fill, Order, OrderType, TimeInForce
from simulator.engine.units import FRACTION_SCALE

if TYPE_CHECKING:
    from simulator.engine.engine import Engine

__all__ = ["find_underwater", "liquidate"]


def find_underwater(engine: Engine) -> list[Account]:
    epoch = engine.mark_epoch
    out = []
    for acct in engine.accounts.values():
        if acct.exempt or not acct.positions:
            continue
        if any(p.size for p in acct.positions.values()) and acct.equity(epoch) < acct.maintenance():
            out.append(acct)
    return out


def liquidate(engine: Engine, acct: Account) -> None:
    now = engine.wall_ms()
    for order in list(acct.open_orders.values()):
        engine._cancel_live(order, CloseReason.LIQUIDATION, now)
    events: list[LiquidationEvent] = []
    for pos in sorted((p for p in acct.positions.values() if p.size), key=lambda p: p.market.id):
        m = pos.market
        if m.quotes_stale:
            engine._refresh_quotes(m)
        side = -1 if pos.size > 0 else 1
        lots = abs(pos.size)
        band = m.mark_ticks * int(engine.params.liquidation_band * FRACTION_SCALE) // FRACTION_SCALE
        bound = max(1, m.mark_ticks + side * band)
        order = Order(engine._next_order_id, acct, m, side, OrderType.MARKET, TimeInForce.IOC, bound,
                      lots, True, None, now, None)
        engine._next_order_id += 1
        order.liquidation = True
        engine._execute(order, now, flush=False)
        rest = order.remaining_lots
        if rest:
            _backstop(engine, acct, m, side, rest, now)
        price = m.mark_ticks if not order.filled_lots else order.filled_cost // (order.filled_lots * m.unit)
        events.append(LiquidationEvent(acct.id, m, side, lots, price, rest, 0, now, engine.now_ms))
    acct.liquidations += 1
    deficit = -acct.cash if acct.cash < 0 and not acct.positions else 0
    for event in events:
        event.deficit_cash = deficit
    if engine.bus.listeners(LiquidationEvent):
        engine._pending.extend(events)
    if deficit:
        acct.cash += deficit
        acct.insurance_cash += deficit
        engine.insurance_fund -= deficit
        if engine.bus.listeners(AccountEvent):
            engine._pending.append(AccountEvent(acct.id, "insurance", deficit, now))
    engine._flush()


def _backstop(engine: Engine, acct: Account, m: Market, side: int, lots: int, now: int) -> None:
    """The backstop takes ``lots`` over from ``acct`` at the mark, without fees."""
    backstop = engine.backstop
    price = m.mark_ticks
    notional = price * lots * m.unit
    tid = engine._next_trade_id
    engine._next_trade_id += 1
    for account, s, other in ((acct, side, backstop), (backstop, -side, acct)):
        pos = engine._position(account, m)
        realized = engine._apply(account, pos, s, price, lots, notional, 0, now)
        fill = Fill(tid, m, account.id, 0, None, s, price, lots, 0, account is backstop, realized, True,
                    now, engine.now_ms, other.id, 0)
        account.fills.append(fill)
        if engine._l_fill:
            engine._pending.append(fill)
    if engine._l_trade:
        engine._pending.append(TradeEvent(m, tid, price, lots, side, now, True))
    if engine._ro_pending:
        engine._enforce_reduce_only(now)
