"""Order entry and matching: price-time priority on integer ticks and lots.

``submit`` validates (market open, size/price, client id, reduce-only, min size/notional,
post-only, margin), then matches the order against the opposite side from the best price
outward, FIFO within a level, and rests the remainder of a GTC/post-only limit order. All
checks happen before anything changes: a rejected order leaves the engine untouched.
"""

from __future__ import annotations

import heapq
from decimal import Decimal
from typing import Any

from simulator.engine.accounts import Account, Position
from simulator.engine.core import EngineCore
from simulator.engine.events import OrderEvent, TradeEvent
from simulator.engine.funding import record_pending
from simulator.engine.market import Market, MarketStatus
from simulator.engine.orders import (
    CloseReason,
    Fill,
    NotFoundError,
    Order,
    OrderRejected,
    OrderStatus,
    OrderType,
    ReduceOnlyPolicy,
    RejectReason,
    SelfTradePolicy,
    TimeInForce,
)
from simulator.engine.units import FRACTION_SCALE, div_round

__all__ = ["MatchingEngine", "Submission"]

_OPEN = OrderStatus.OPEN
_PARTIAL = OrderStatus.PARTIALLY_FILLED
_FILLED = OrderStatus.FILLED
_GTC = TimeInForce.GTC
_POST = TimeInForce.POST_ONLY
_LIMIT = OrderType.LIMIT
_ALLOW = SelfTradePolicy.ALLOW
_CANCEL_MAKER = SelfTradePolicy.CANCEL_MAKER
_CANCEL_BOTH = SelfTradePolicy.CANCEL_BOTH


class Submission:
    """The order as it stands after submission, and the taker fills it produced."""

    __slots__ = ("order", "fills")

    def __init__(self, order: Order, fills: list[Fill]) -> None:
        self.order = order
        self.fills = fills

    def __repr__(self) -> str:
        return f"Submission({self.order!r}, fills={len(self.fills)})"


class MatchingEngine(EngineCore):
    # -- entry points ---------------------------------------------------------------------
    def submit_order(self, account_id: int, market: int | str, side: int, size: Decimal,
                     price: Decimal | None = None, *, order_type: OrderType = _LIMIT,
                     tif: TimeInForce = _GTC, reduce_only: bool = False, client_id: Any = None,
                     expires_ms: int | None = None) -> Submission:
        """Decimal entry point: ``price`` is the limit (market orders: the worst acceptable
        price, or None). Off-tick prices and off-step sizes are rejected, never rounded."""
        m = self.market(market)
        lots = m.size_to_lots(size)
        ticks = m.price_to_ticks(price) if price is not None else 0
        return self.submit(account_id, m.id, side, lots, ticks, order_type=order_type, tif=tif,
                           reduce_only=reduce_only, client_id=client_id, expires_ms=expires_ms)

    def submit(self, account_id: int, market_id: int, side: int, lots: int, price_ticks: int = 0,
               *, order_type: OrderType = _LIMIT, tif: TimeInForce = _GTC,
               reduce_only: bool = False, client_id: Any = None,
               expires_ms: int | None = None) -> Submission:
        """Integer entry point (ticks and lots). Raises ``OrderRejected``/``NotFoundError``."""
        acct = self.accounts.get(account_id)
        if acct is None:
            raise NotFoundError(RejectReason.UNKNOWN_ACCOUNT, f"no account {account_id}")
        m = self.markets.get(market_id)
        if m is None:
            raise NotFoundError(RejectReason.UNKNOWN_MARKET, f"no market {market_id}")
        if m.status is not MarketStatus.OPEN:
            raise OrderRejected(RejectReason.MARKET_NOT_OPEN, f"{m.venue_symbol} is {m.status.value}")
        if side != 1 and side != -1:
            raise OrderRejected(RejectReason.INVALID_REQUEST, f"side {side!r} must be +1 or -1")
        if lots <= 0:
            raise OrderRejected(RejectReason.INVALID_SIZE, f"size {lots} lots must be > 0")
        is_limit = order_type is _LIMIT
        if is_limit:
            if price_ticks <= 0:
                raise OrderRejected(RejectReason.INVALID_PRICE, "a limit order needs a price > 0")
        else:
            if price_ticks < 0:
                raise OrderRejected(RejectReason.INVALID_PRICE, "worst price must be >= 0")
            if tif is _POST:
                raise OrderRejected(RejectReason.INVALID_REQUEST, "a market order cannot be post-only")
            if tif is _GTC:
                tif = TimeInForce.IOC
        if client_id is not None:
            existing = acct.client_ids.get(client_id)
            if existing is not None and existing.live:
                raise OrderRejected(RejectReason.DUPLICATE_CLIENT_ID, f"client id {client_id!r} is in use")
        if m.quotes_stale:
            self._refresh_quotes(m)
        pos = acct.positions.get(market_id)
        if reduce_only:
            lots = self._reduce_only_lots(pos, side, lots)
        elif lots < m.min_lots:
            raise OrderRejected(RejectReason.BELOW_MIN_SIZE, f"{lots} lots < minimum {m.min_lots}")
        opp = m.asks if side > 0 else m.bids
        best = opp.best()
        ref = price_ticks if price_ticks else (best or m.mark_ticks)
        if not reduce_only and m.min_notional_cash and ref * lots * m.unit < m.min_notional_cash:
            raise OrderRejected(RejectReason.BELOW_MIN_NOTIONAL, f"notional below {m.spec.min_notional}")
        if tif is _POST and best is not None and (price_ticks - best) * side >= 0:
            raise OrderRejected(RejectReason.POST_ONLY_WOULD_CROSS, "post-only order would cross")
        if not acct.exempt and not reduce_only:
            self._check_margin(acct, m, pos, side, lots, ref)
        now = self.wall_ms()
        order = Order(self._next_order_id, acct, m, side, order_type, tif, price_ticks, lots,
                      reduce_only, client_id, now, expires_ms)
        self._next_order_id += 1
        if tif is TimeInForce.FOK and self._fillable(m, acct, side, lots, price_ticks) < lots:
            self._register(order)
            self._close(order, OrderStatus.EXPIRED, CloseReason.FOK_UNFILLED, now)
            self._flush()
            return Submission(order, [])
        return self._execute(order, now)

    def place_agent_order(self, acct: Account, m: Market, side: int, lots: int, price_ticks: int,
                          tif: TimeInForce = _GTC) -> Order:
        """An engine agent's limit order: no validation, no margin check; may trade."""
        now = self.wall_ms()
        order = Order(self._next_order_id, acct, m, side, _LIMIT, tif, price_ticks, lots, False,
                      None, now, None)
        self._next_order_id += 1
        self._execute(order, now, flush=False)
        return order

    # -- validation helpers -----------------------------------------------------------------
    def _reduce_only_lots(self, pos: Position | None, side: int, lots: int) -> int:
        size = pos.size if pos is not None else 0
        if size == 0 or (size > 0) == (side > 0):
            raise OrderRejected(RejectReason.REDUCE_ONLY_WOULD_INCREASE,
                                "reduce-only order would open or increase a position")
        if lots > abs(size):
            if self.config.reduce_only is ReduceOnlyPolicy.REJECT:
                raise OrderRejected(RejectReason.REDUCE_ONLY_WOULD_INCREASE,
                                    f"reduce-only {lots} lots exceeds position {abs(size)}")
            lots = abs(size)
        return lots

    def _check_margin(self, acct: Account, m: Market, pos: Position | None, side: int, lots: int,
                      ref: int, release: int = 0) -> None:
        """Refuse an order that would leave equity below initial margin (+ fee and the loss
        of trading through the mark). ``release``: open lots on ``side`` the order replaces."""
        epoch = self.mark_epoch
        if acct.epoch != epoch:
            acct.refresh(epoch)
        mark = m.mark_ticks or ref
        if pos is None:
            size = ob = os = old_im = 0
            imf = self._imf_for(acct, m)
        else:
            size, ob, os, old_im, imf = pos.size, pos.open_buy, pos.open_sell, pos.im, pos.imf_num
        old_worst = max(abs(size + ob), abs(size - os))
        if side > 0:
            ob += lots - release
        else:
            os += lots - release
        worst = max(abs(size + ob), abs(size - os))
        if worst <= old_worst:
            return
        unit = m.unit
        im_new = worst * mark * unit * imf // FRACTION_SCALE
        fee = max(ref * lots * unit * m.taker_num // FRACTION_SCALE, 0)
        slip = max((ref - mark) * side, 0) * lots * unit
        free = acct.cash + acct.value_sum - (acct.im_sum - old_im + im_new) - fee - slip
        if free < 0:
            raise OrderRejected(RejectReason.INSUFFICIENT_MARGIN, "insufficient margin for the order")

    def _fillable(self, m: Market, acct: Account, side: int, lots: int, bound: int) -> int:
        total = 0
        skip_own = self._stp is not _ALLOW
        for level in (m.asks if side > 0 else m.bids).iter_levels():
            if bound and (level.price - bound) * side > 0:
                break
            if skip_own:
                total += sum(o.remaining_lots for o in level.live_orders() if o.account is not acct)
            else:
                total += level.lots
            if total >= lots:
                break
        return total

    # -- execution --------------------------------------------------------------------------
    def _execute(self, order: Order, now: int, *, flush: bool = True) -> Submission:
        self._register(order)
        fills = self._run(order, now)
        if flush:
            self._flush()
        return Submission(order, fills)

    def _run(self, order: Order, now: int) -> list[Fill]:
        """Match an order, then rest or close what is left."""
        fills, stopped = self._match(order, now)
        if not order.remaining_lots:
            self._close(order, _FILLED, None, now)
        elif order.type is _LIMIT and (order.tif is _GTC or order.tif is _POST) and not stopped:
            self._rest(order)
            if not fills and self._l_order and not order.agent:
                self._pending.append(OrderEvent(order, order.status, 0, order.remaining_lots, None, now))
        else:
            reason = (CloseReason.SELF_TRADE if stopped
                      else CloseReason.IOC_REMAINDER if fills else CloseReason.NO_LIQUIDITY)
            self._close(order, OrderStatus.EXPIRED, reason, now)
        if self._ro_pending:
            self._enforce_reduce_only(now)
        return fills

    def _match(self, order: Order, now: int) -> tuple[list[Fill], bool]:
        m = order.market
        side = order.side
        acct = order.account
        opp = m.asks if side > 0 else m.bids
        keys = opp.keys
        levels = opp.levels
        ks = opp.key_sign
        bound = order.price_ticks
        stp = self._stp
        fills: list[Fill] = []
        stopped = False
        while order.remaining_lots and keys:
            price = ks * keys[-1]
            if bound and (price - bound) * side > 0:
                break
            level = levels[price]
            q = level.orders
            while order.remaining_lots and level.count:
                maker = q[0]
                if not maker.live:
                    q.popleft()
                    level.dead -= 1
                    continue
                if maker.account is acct and stp is not _ALLOW:
                    if stp is _CANCEL_MAKER or stp is _CANCEL_BOTH:
                        q.popleft()
                        level.count -= 1
                        level.lots -= maker.remaining_lots
                        self._detach(maker)
                        self._close(maker, OrderStatus.CANCELLED, CloseReason.SELF_TRADE, now)
                    if stp is not _CANCEL_MAKER:
                        stopped = True
                        break
                    continue
                lots = order.remaining_lots
                if maker.remaining_lots < lots:
                    lots = maker.remaining_lots
                fills.append(self._trade(order, maker, price, lots, now))
                level.lots -= lots
                if not maker.remaining_lots:
                    q.popleft()
                    level.count -= 1
                    maker.live = False
                    maker.account.open_orders.pop(maker.id, None)
                    if not maker.agent:
                        m.client_resting -= 1
                    self._close(maker, _FILLED, None, now)
            if not m.dirty:
                self._dirty_markets.append(m)
            m.dirty.add((-side, price))
            if not level.count:
                opp.remove_level(price)
            if stopped:
                break
        return fills, stopped

    def _trade(self, taker: Order, maker: Order, price: int, lots: int, now: int) -> Fill:
        m = taker.market
        notional = price * lots * m.unit
        maker_fee = notional * m.maker_num // FRACTION_SCALE
        taker_fee = notional * m.taker_num // FRACTION_SCALE
        tid = self._next_trade_id
        self._next_trade_id = tid + 1
        market_ms = self.now_ms
        # both orders, unrolled (hot path)
        maker.remaining_lots -= lots
        maker.filled_lots += lots
        maker.filled_cost += notional
        maker.fees_cash += maker_fee
        maker.updated_ms = now
        if maker.remaining_lots:
            maker.status = _PARTIAL
        taker.remaining_lots -= lots
        taker.filled_lots += lots
        taker.filled_cost += notional
        taker.fees_cash += taker_fee
        taker.updated_ms = now
        if taker.remaining_lots:
            taker.status = _PARTIAL
        ma = maker.account
        mpos = ma.positions[m.id]
        if not maker.reduce_only:
            if maker.side > 0:
                mpos.open_buy -= lots
            else:
                mpos.open_sell -= lots
        elif not maker.remaining_lots:
            mpos.ro_orders -= 1
        r_maker = self._apply(ma, mpos, maker.side, price, lots, notional, maker_fee, now)
        ta = taker.account
        tpos = ta.positions.get(m.id) or self._position(ta, m)
        r_taker = self._apply(ta, tpos, taker.side, price, lots, notional, taker_fee, now)
        self.house_fees += maker_fee + taker_fee
        liq = taker.liquidation
        f_maker = Fill(tid, m, ma.id, maker.id, maker.client_id, maker.side, price, lots, maker_fee,
                       True, r_maker, liq, now, market_ms, ta.id, taker.id)
        f_taker = Fill(tid, m, ta.id, taker.id, taker.client_id, taker.side, price, lots, taker_fee,
                       False, r_taker, liq, now, market_ms, ma.id, maker.id)
        ma.fills.append(f_maker)
        ta.fills.append(f_taker)
        m.last_trade_ticks = price
        m.add_volume(lots, notional, market_ms)
        pending = self._pending
        if self._l_trade:
            pending.append(TradeEvent(m, tid, price, lots, taker.side, now, liq))
        if self._l_fill:
            pending.append(f_maker)
            pending.append(f_taker)
        if self._l_order:
            for order in (maker, taker):
                if order.remaining_lots and not order.agent:
                    pending.append(OrderEvent(order, _PARTIAL, order.filled_lots, order.remaining_lots,
                                              None, now))
        return f_taker

    def _apply(self, acct: Account, pos: Position, side: int, price: int, lots: int,
               notional: int, fee: int, now: int) -> int:
        """Book one fill into an account: cash, cost basis, realised PnL, OI. Returns realised."""
        m = pos.market
        acct.cash -= (notional if side > 0 else -notional) + fee
        acct.fees_paid += fee
        size = pos.size
        realized = 0
        if size == 0 or (size > 0) == (side > 0):
            if size == 0:
                pos.opened_ms = now
                pos.realized = pos.fees = pos.funding = 0
            pos.size = size + (lots if side > 0 else -lots)
            pos.cost += notional if side > 0 else -notional
        else:
            held = size if size > 0 else -size
            if lots <= held:
                removed = pos.cost if lots == held else div_round(pos.cost * lots, held)
                realized = (notional if side < 0 else -notional) - removed
                pos.cost -= removed
                pos.size = size + (lots if side > 0 else -lots)
            else:
                close_notional = price * held * m.unit
                realized = (close_notional if side < 0 else -close_notional) - pos.cost
                pos.size = (lots - held) * side
                pos.cost = (notional - close_notional) * side
                pos.opened_ms = now
            pos.realized += realized
            acct.realized += realized
        pos.fees += fee
        pos.updated_ms = now
        new = pos.size
        if (size > 0) or (new > 0):
            m.oi_lots += (new if new > 0 else 0) - (size if size > 0 else 0)
        if new:
            m.holders[acct.id] = pos
        elif size:
            m.holders.pop(acct.id, None)
        if not acct.exempt:
            acct.update_position_cache(pos, self.mark_epoch)
        if pos.ro_orders:
            self._ro_pending.append(pos)
        if self._l_position:
            self._dirty_positions[(acct.id, m.id)] = pos
        if not new:
            if pos.funding_pending:
                record_pending(self, acct, pos, self.now_ms, m.rate_num)  # type: ignore[arg-type]
            if pos.idle:
                acct.positions.pop(m.id, None)
        return realized

    def _rest(self, order: Order) -> None:
        m = order.market
        acct = order.account
        side = order.side
        (m.bids if side > 0 else m.asks).add(order)
        order.live = True
        acct.open_orders[order.id] = order
        pos = acct.positions.get(m.id) or self._position(acct, m)
        if order.reduce_only:
            pos.ro_orders += 1
        elif side > 0:
            pos.open_buy += order.remaining_lots
        else:
            pos.open_sell += order.remaining_lots
        if not acct.exempt:
            acct.update_position_cache(pos, self.mark_epoch)
        if not order.agent:
            m.client_resting += 1
        if order.expires_ms is not None:
            heapq.heappush(self._expiries, (order.expires_ms, order.id))
        if not m.dirty:
            self._dirty_markets.append(m)
        m.dirty.add((side, order.price_ticks))

    def _detach(self, order: Order) -> None:
        """Account-side bookkeeping of a resting order leaving the book (book side done by caller)."""
        m = order.market
        acct = order.account
        order.live = False
        acct.open_orders.pop(order.id, None)
        pos = acct.positions[m.id]
        if order.reduce_only:
            pos.ro_orders -= 1
        elif order.side > 0:
            pos.open_buy -= order.remaining_lots
        else:
            pos.open_sell -= order.remaining_lots
        if not acct.exempt:
            acct.update_position_cache(pos, self.mark_epoch)
        if pos.idle:
            acct.positions.pop(m.id, None)
        if not order.agent:
            m.client_resting -= 1

    def _cancel_live(self, order: Order, reason: CloseReason, now: int,
                     status: OrderStatus = OrderStatus.CANCELLED) -> None:
        m = order.market
        (m.bids if order.side > 0 else m.asks).discard(order, order.remaining_lots)
        self._mark_dirty(m, order.side, order.price_ticks)
        self._detach(order)
        self._close(order, status, reason, now)

    def _enforce_reduce_only(self, now: int) -> None:
        """Resting reduce-only orders never exceed the position they reduce (trimmed/cancelled)."""
        pending, self._ro_pending = self._ro_pending, []
        for pos in {id(p): p for p in pending}.values():
            acct = self.accounts[pos.account_id]
            size = pos.size
            allowed = abs(size)
            for order in [o for o in acct.open_orders.values() if o.reduce_only and o.market is pos.market]:
                if size == 0 or (order.side > 0) == (size > 0) or allowed == 0:
                    self._cancel_live(order, CloseReason.REDUCE_ONLY, now)
                elif order.remaining_lots <= allowed:
                    allowed -= order.remaining_lots
                else:
                    self._shrink(order, order.remaining_lots - allowed, now)
                    allowed = 0

    def _shrink(self, order: Order, lots: int, now: int) -> None:
        """Reduce a resting order's remaining size in place (keeps its time priority)."""
        m = order.market
        (m.bids if order.side > 0 else m.asks).reduce(order, lots)
        order.remaining_lots -= lots
        order.lots -= lots
        order.updated_ms = now
        if not order.reduce_only:
            pos = order.account.positions[m.id]
            if order.side > 0:
                pos.open_buy -= lots
            else:
                pos.open_sell -= lots
            if not order.account.exempt:
                order.account.update_position_cache(pos, self.mark_epoch)
        self._mark_dirty(m, order.side, order.price_ticks)
        if self._l_order:
            self._pending.append(OrderEvent(order, order.status, order.filled_lots,
                                            order.remaining_lots, None, now))

    def _refresh_quotes(self, m: Market) -> None:
        """Hook: market makers re-quote a market whose quotes are stale (see agents)."""
        m.quotes_stale = False
