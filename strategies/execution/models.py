"""Values the executors take and return.

A leg is *what* to trade (client, account, symbol, side, reduce-only); the parameters are
*how* (bounds, styles, timeouts). Results are plain frozen dataclasses with Decimal money,
built once at the end of an execution from the recorded fills and order states — never
patched up afterwards (TRAPS.md, "A success overwritten in finally").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.models import Fill, MarketInfo, Side

__all__ = [
    "LegSpec", "FirstLegStyle", "TwoLegParams", "ExecutionOutcome", "LegReport", "UnwindReport",
    "TwoLegResult", "TakeResult", "ZERO",
]

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LegSpec:
    """One leg: ``side`` on ``symbol`` at ``client`` for ``account`` (the name orders are
    journaled under). ``reduce_only`` is true when the leg closes an existing position."""

    client: BaseExchangeClient
    account: str
    symbol: str
    side: Side
    reduce_only: bool = False

    @property
    def venue(self) -> str:
        return self.client.get_exchange_name()

    def __repr__(self) -> str:
        return (f"LegSpec({self.venue}:{self.symbol} {self.side.value} account={self.account} "
                f"reduce_only={self.reduce_only})")


class FirstLegStyle(StrEnum):
    """How the first leg is worked: resting post-only orders near the touch (``maker``,
    cheaper) or IOC clips (``taker``, fast: emergency exits, reconciliation)."""

    MAKER = "maker"
    TAKER = "taker"


@dataclass(frozen=True, slots=True)
class TwoLegParams:
    """Bounds and styles of one two-leg execution.

    ``max_unhedged_notional`` caps ``|first filled − hedge filled| × price`` at any moment: the
    first leg is worked in clips no larger than that. ``max_unhedged_seconds`` caps how long any
    exposure may stay unhedged: hedging is retried for ``hedge_budget_fraction`` of it, the
    rest is reserved for unwinding the unhedged part.
    """

    quantity: Decimal
    max_unhedged_notional: Decimal
    max_unhedged_seconds: float
    first_leg_style: FirstLegStyle = FirstLegStyle.MAKER
    hedge_slippage_bps: Decimal = Decimal(30)
    taker_slippage_bps: Decimal = Decimal(30)
    unwind_slippage_bps: Decimal = Decimal(100)
    reprice_after_seconds: float = 2.0
    maker_timeout_seconds: float = 60.0
    taker_fallback: bool = True
    poll_interval_seconds: float = 0.2
    hedge_budget_fraction: float = 0.5
    max_post_only_rejections: int = 50
    max_hedge_refusals: int = 2

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError("quantity must be positive")
        if self.max_unhedged_notional <= 0 or self.max_unhedged_seconds <= 0:
            raise ValueError("unhedged bounds must be positive")
        if not 0 < self.hedge_budget_fraction < 1:
            raise ValueError("hedge_budget_fraction must be in (0, 1)")


class ExecutionOutcome(StrEnum):
    FILLED = "filled"            # the whole quantity on both legs
    PARTIAL = "partial"          # less than asked, legs equal (stopped, timed out, market gone)
    NOT_FILLED = "not_filled"    # nothing traded on either leg
    UNWOUND = "unwound"          # the hedge failed; the unhedged part of the first leg was undone
    IMBALANCED = "imbalanced"    # exposure is left: unwinding failed too — needs attention


@dataclass(frozen=True, slots=True)
class LegReport:
    venue: str
    symbol: str
    side: Side
    filled: Decimal                       # net quantity traded on ``side`` (unwinds excluded)
    average_price: Decimal | None
    fees: Decimal                         # paid (negative: rebate)
    client_order_ids: tuple[str, ...]
    fills: tuple[Fill, ...]

    @property
    def notional(self) -> Decimal:
        return ZERO if self.average_price is None else self.filled * self.average_price


@dataclass(frozen=True, slots=True)
class UnwindReport:
    """The unhedged part of the first leg traded back, and what it cost: the price lost
    against the first leg's fills plus the fees of both trades."""

    quantity: Decimal
    average_price: Decimal | None
    fees: Decimal
    cost: Decimal
    complete: bool


@dataclass(frozen=True, slots=True)
class TakeResult:
    """An IOC (or bounded market) order's outcome."""

    client_order_id: str
    order_id: str | None
    requested: Decimal
    filled: Decimal
    average_price: Decimal | None
    status: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TwoLegResult:
    outcome: ExecutionOutcome
    target: Decimal
    first: LegReport
    hedge: LegReport
    hedged_quantity: Decimal
    residual: Decimal                     # first filled − hedge filled after unwinding (0 = flat)
    unwind: UnwindReport | None
    max_unhedged_notional: Decimal        # the executor's own view (tests observe independently)
    max_unhedged_seconds: float
    post_only_rejections: int
    errors: tuple[str, ...]
    started_at: datetime
    finished_at: datetime
    markets: tuple[MarketInfo, MarketInfo] | None = field(default=None, repr=False)

    @property
    def balanced(self) -> bool:
        """Both legs hold the same quantity: no directional exposure was left behind."""
        return self.residual == 0

    @property
    def ok(self) -> bool:
        """The execution did what was asked, in full, hedged (partial fills hedged along the
        way included)."""
        return self.outcome is ExecutionOutcome.FILLED and self.balanced

    @property
    def fees(self) -> Decimal:
        return self.first.fees + self.hedge.fees + (self.unwind.fees if self.unwind else ZERO)
