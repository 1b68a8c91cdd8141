"""Run one full lifecycle — enter → hold → exit — and summarise it (for the demo and tests).

    summary = await run_lifecycle(strategy, db, pace=advance_one_check)
    summary.position.net_pnl, summary.position.funding_long, summary.worst_unhedged_notional

The strategy runs under a :class:`StrategyRunner` (runner lock, run row, notifications,
clean shutdown) until its first position is closed, ``max_checks`` checks have run, or a stop
is requested. ``pace`` (an async callable) replaces the wait between checks, so a demo or a
test can move simulated market time by exactly one check interval.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from database import Database
from strategies.base_strategy import StrategyError
from strategies.funding_arbitrage.strategy import FundingArbStrategy
from strategies.funding_arbitrage.trading import ClosedPosition
from strategies.notifications import NotificationDispatcher
from strategies.runner import RunSummary, StrategyRunner, config_record

__all__ = ["LifecycleSummary", "LifecycleIncompleteError", "run_lifecycle"]


class LifecycleIncompleteError(StrategyError):
    """The run ended before a position was opened and closed."""

    def __init__(self, run: RunSummary, detail: str) -> None:
        self.run = run
        super().__init__(f"no complete lifecycle after {run.steps} checks ({run.status.value}: "
                         f"{run.reason}); {detail}")


@dataclass(frozen=True, slots=True)
class LifecycleSummary:
    position: ClosedPosition
    run: RunSummary
    checks: int
    worst_unhedged_notional: Decimal
    worst_unhedged_seconds: float

    def as_dict(self) -> dict[str, Any]:
        p = self.position
        return {
            "symbol": p.symbol, "long": {"venue": p.long_venue, "entry_price": p.long_entry,
                                         "funding": p.funding_long},
            "short": {"venue": p.short_venue, "entry_price": p.short_entry, "funding": p.funding_short},
            "size": p.quantity, "funding": p.funding, "fees": p.fees, "price_pnl": p.price_pnl,
            "net_pnl": p.net_pnl, "exit_reason": p.exit_reason, "checks": self.checks,
            "worst_unhedged_notional": self.worst_unhedged_notional,
            "worst_unhedged_seconds": self.worst_unhedged_seconds}


async def run_lifecycle(strategy: FundingArbStrategy, db: Database, *,
                        pace: Callable[[], Awaitable[None]] | None = None, max_checks: int = 1000,
                        dispatcher: NotificationDispatcher | None = None,
                        install_signals: bool = False, check_interval: float | None = None,
                        on_tick: Callable[[Any], Any] | None = None) -> LifecycleSummary:
    """``check_interval`` defaults to the config's; under ``--sim`` wiring pass the session's
    (``FundingArbSession.check_interval``)."""
    interval = strategy.config.check_interval_seconds if check_interval is None else check_interval
    runner = StrategyRunner(strategy, db=db, check_interval=interval,
                            dispatcher=dispatcher, install_signals=install_signals, pace=pace,
                            on_tick=on_tick, config=config_record(strategy.config))
    run = await runner.run(max_steps=max_checks, until=lambda: bool(strategy.closed))
    if not strategy.closed:
        raise LifecycleIncompleteError(run, strategy.blocked or "no position was closed")
    notional = max((r.max_unhedged_notional for _, r in strategy.results), default=Decimal(0))
    seconds = max((r.max_unhedged_seconds for _, r in strategy.results), default=0.0)
    return LifecycleSummary(strategy.closed[0], run, strategy.checks, notional, seconds)
