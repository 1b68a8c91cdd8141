"""Accounts and positions: cross margin on integer units.

Money accounting is *cash-flow* based, which makes conservation exact: a buy of ``n`` cash units
of notional takes ``n`` from the buyer's ``cash`` and the seller receives it; fees move from
``cash`` to the house; funding moves between ``cash`` and the house. Hence, at every instant,
``sum(cash) + house fees + house funding + insurance fund == sum(deposits)`` and positions net
to zero per market.

The venue-facing numbers are derived:

* ``cost``: signed notional paid for the open position (the cost basis); average entry price
  is ``cost / size``. Reducing a position removes the proportional cost; the difference to the
  proceeds is the fill's realised PnL.
* collateral (balance) ``= cash + sum(cost)`` = deposits + realised PnL − fees + funding.
* equity ``= cash + sum(size * mark)`` = collateral + unrealised PnL.
* initial margin per market ``= imf * mark * max(|size + open buys|, |size − open sells|)``
  (worst case if every non-reduce-only open order filled); available = equity − total IM.
* maintenance margin ``= mmf * mark * |size|``; equity below it triggers liquidation.

Per-account sums of position value and IM are cached and kept current by deltas while the
marks do not change (``epoch``), and recomputed lazily after a price step.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from simulator.engine.units import FRACTION_SCALE

if TYPE_CHECKING:
    from simulator.engine.market import Market
    from simulator.engine.orders import Fill, Order

__all__ = ["Position", "Account", "FundingPayment"]


class Position:
    __slots__ = ("market", "account_id", "size", "cost", "open_buy", "open_sell", "ro_orders",
                 "realized", "fees", "funding", "funding_pending", "value", "im", "imf_num",
                 "opened_ms", "updated_ms")

    def __init__(self, market: Market, account_id: int, imf_num: int) -> None:
        self.market = market
        self.account_id = account_id
        self.size = 0          # lots, signed (+ long)
        self.cost = 0          # cash, signed cost basis of the open size
        self.open_buy = 0      # lots of resting non-reduce-only buy orders
        self.open_sell = 0
        self.ro_orders = 0     # resting reduce-only orders (trimmed when the position shrinks)
        self.realized = 0      # cash, realised trading PnL since the position was opened
        self.fees = 0
        self.funding = 0       # cash received (+) or paid (−) as funding on this position
        self.funding_pending = 0   # continuous accrual not yet recorded as a payment
        self.value = 0         # cached size * mark * unit
        self.im = 0            # cached initial margin
        self.imf_num = imf_num
        self.opened_ms = 0
        self.updated_ms = 0

    def contribution(self) -> tuple[int, int]:
        """(value, initial margin) at the current mark."""
        m = self.market
        px = m.mark_ticks * m.unit
        size = self.size
        long_worst = size + self.open_buy
        short_worst = self.open_sell - size
        worst = long_worst if long_worst > short_worst else short_worst
        if worst < 0:
            worst = -worst
        return size * px, worst * px * self.imf_num // FRACTION_SCALE

    def maintenance(self) -> int:
        m = self.market
        return abs(self.size) * m.mark_ticks * m.unit * m.mmf_num // FRACTION_SCALE

    @property
    def idle(self) -> bool:
        return not (self.size or self.open_buy or self.open_sell or self.ro_orders)


class FundingPayment:
    """A funding payment (amount > 0 received, < 0 paid) on one position."""

    __slots__ = ("account_id", "market", "market_ms", "rate_num", "mark_ticks", "size_lots",
                 "amount_cash", "ts_ms")

    def __init__(self, account_id: int, market: Market, market_ms: int, rate_num: int,
                 mark_ticks: int, size_lots: int, amount_cash: int, ts_ms: int) -> None:
        self.account_id = account_id
        self.market = market
        self.market_ms = market_ms
        self.rate_num = rate_num
        self.mark_ticks = mark_ticks
        self.size_lots = size_lots
        self.amount_cash = amount_cash
        self.ts_ms = ts_ms

    @property
    def symbol(self) -> str:
        return self.market.symbol

    def __repr__(self) -> str:
        return (f"FundingPayment(acct={self.account_id}, {self.market.symbol}, "
                f"rate={self.rate_num}, size={self.size_lots}, amount={self.amount_cash})")


class Account:
    __slots__ = ("id", "label", "agent", "exempt", "cash", "deposits", "realized", "fees_paid",
                 "funding_cash", "insurance_cash", "positions", "open_orders", "client_ids",
                 "fills", "funding_payments", "leverage", "epoch", "value_sum", "im_sum",
                 "liquidations", "created_ms", "meta")

    def __init__(self, account_id: int, *, label: str | None = None, agent: bool = False,
                 exempt: bool = False, history: int = 10_000, created_ms: int = 0) -> None:
        self.id = account_id
        self.label = label
        self.agent = agent           # an engine agent (market maker, taker, backstop)
        self.exempt = exempt         # no margin checks, never liquidated
        self.cash = 0
        self.deposits = 0
        self.realized = 0
        self.fees_paid = 0
        self.funding_cash = 0
        self.insurance_cash = 0      # deficits covered by the insurance fund after liquidation
        self.positions: dict[int, Position] = {}
        self.open_orders: dict[int, Order] = {}
        self.client_ids: dict[Any, Order] = {}
        self.fills: deque[Fill] = deque(maxlen=history)
        self.funding_payments: deque[FundingPayment] = deque(maxlen=history)
        self.leverage: dict[int, int] = {}   # market id -> leverage chosen by the account
        self.epoch = -1                      # mark epoch of value_sum/im_sum
        self.value_sum = 0
        self.im_sum = 0
        self.liquidations = 0
        self.created_ms = created_ms
        #: free slot for a venue module (keys, addresses, nonces ...)
        self.meta: dict[str, Any] = {}

    def refresh(self, epoch: int) -> None:
        """Recompute cached position values and initial margin at the current marks."""
        value_sum = im_sum = 0
        for pos in self.positions.values():
            value, im = pos.contribution()
            pos.value, pos.im = value, im
            value_sum += value
            im_sum += im
        self.value_sum, self.im_sum, self.epoch = value_sum, im_sum, epoch

    def update_position_cache(self, pos: Position, epoch: int) -> None:
        """Keep the cached sums current after one position changed (cheap when marks did not move)."""
        if self.epoch != epoch:
            self.refresh(epoch)
            return
        # Position.contribution, inlined: this runs on every fill and every resting order
        m = pos.market
        px = m.mark_ticks * m.unit
        size = pos.size
        worst = size + pos.open_buy
        short_worst = pos.open_sell - size
        if short_worst > worst:
            worst = short_worst
        value = size * px
        im = worst * px * pos.imf_num // FRACTION_SCALE
        self.value_sum += value - pos.value
        self.im_sum += im - pos.im
        pos.value = value
        pos.im = im

    def equity(self, epoch: int) -> int:
        if self.epoch != epoch:
            self.refresh(epoch)
        return self.cash + self.value_sum

    def collateral(self) -> int:
        return self.cash + sum(p.cost for p in self.positions.values())

    def maintenance(self) -> int:
        return sum(p.maintenance() for p in self.positions.values())

    def __repr__(self) -> str:
        return (f"Account(id={self.id}, label={self.label!r}, cash={self.cash}, "
                f"positions={len(self.positions)})")
