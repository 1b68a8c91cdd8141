"""``FundingArbStrategy``: hold a long perp where funding is received and an equal short where
it is paid, collect the spread, and never be caught with one naked leg.

Each :meth:`step` (one check):

1. refresh the funding data (the funding-rate service, in-process);
2. look at every active position (:func:`monitor.build_view`): funding per leg, fees, price
   PnL, spread now vs at entry, liquidation distance, leg imbalance;
3. **emergency exits first** — a leg near liquidation is taken off (taker, both legs) before
   anything else; then positions whose exit was interrupted (``closing``), then the regular
   exit rules (spread flipped, below the threshold for N checks, too old) and rotation;
4. enter new positions while slots and caps allow: the scanner's candidates, sized by
   :func:`sizing.size_position`, executed by the two-leg executor.

Nothing new is entered while reconciliation has not succeeded (:attr:`blocked`).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any, ClassVar

from database import Database
from database.models import StrategyPosition
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.errors import ExchangeError
from funding_rate_service import FundingService
from helpers.time import utc_now
from strategies.base_strategy import BaseStrategy, Clock
from strategies.execution import ExecutionError, TwoLegExecutor, TwoLegResult
from strategies.funding_arbitrage.config import FundingArbConfig
from strategies.funding_arbitrage.monitor import (
    ExitDecision,
    ExitReason,
    PositionView,
    build_view,
    decide_exit,
)
from strategies.funding_arbitrage.reconcile import Reconciler
from strategies.funding_arbitrage.scanner import Candidate, Scanner, ScanReport
from strategies.funding_arbitrage.store import LEG_LONG, LEG_SHORT, FundingArbStore, window
from strategies.funding_arbitrage.trading import ClosedPosition, Trader
from strategies.notifications import Notifier

__all__ = ["FundingArbStrategy"]

ZERO = Decimal(0)


class FundingArbStrategy(BaseStrategy):
    name: ClassVar[str] = "funding-arb"

    def __init__(self, config: FundingArbConfig, *, clients: dict[str, BaseExchangeClient],
                 db: Database, service: FundingService, notifier: Notifier | None = None,
                 clock: Clock = utc_now, owns_clients: bool = True, refresh_funding: bool = True) -> None:
        super().__init__(clients={v: clients[v] for v in config.venues}, accounts=config.accounts(),
                         db=db, notifier=notifier, clock=clock, owns_clients=owns_clients)
        self.config = config
        self.service = service
        self.refresh_funding = refresh_funding
        self.store = FundingArbStore(db, self.name, self.account_label)
        self.scanner = Scanner(config, service, self.clients)
        self.two_leg = TwoLegExecutor(self.orders, should_stop=lambda: self.stop_requested)
        self.trader = Trader(self)
        self.reconciler = Reconciler(self)
        self.blocked: str | None = "not reconciled yet"
        self.views: dict[str, PositionView] = {}
        self.closed: list[ClosedPosition] = []
        self.results: list[tuple[str, TwoLegResult]] = []
        self.last_scan: ScanReport | None = None
        self.venue_errors: dict[str, str] = {}
        self.messages: deque[str] = deque(maxlen=50)
        self.checks = 0

    # ---- helpers used by the trader and the reconciler ----------------------------------

    def note(self, message: str) -> None:
        self.log.info("%s", message)
        self.messages.append(f"{self.clock():%H:%M:%S} {message}")

    async def alert(self, title: str, body: str, severity: str = "info", *,
                    dedupe: str | None = None) -> None:
        self.note(f"{title}: {body}")
        await self.notifier.notify("funding-arb", title, body, severity=severity, dedupe_key=dedupe)

    def record_result(self, position_id: str, result: TwoLegResult) -> None:
        self.results.append((position_id, result))

    def worst_unhedged(self, position_id: str) -> tuple[Decimal, float]:
        """Worst exposure the executor saw over this position's executions in this process."""
        mine = [r for pid, r in self.results if pid == position_id]
        notional = max((r.max_unhedged_notional for r in mine), default=ZERO)
        seconds = max((r.max_unhedged_seconds for r in mine), default=0.0)
        return notional, seconds

    def spread_8h(self, symbol: str, long_venue: str, short_venue: str) -> Decimal | None:
        rates = {r.venue: r for r in self.service.rates(symbol=symbol) if not r.stale}
        if long_venue not in rates or short_venue not in rates:
            return None
        return rates[short_venue].rate_8h - rates[long_venue].rate_8h

    async def view(self, position: StrategyPosition, *, closing: bool = False) -> PositionView:
        legs = {leg.leg_index: leg for leg in position.legs}
        spread = self.spread_8h(position.symbol, legs[LEG_LONG].venue, legs[LEG_SHORT].venue)
        if closing and window(position)[1] is None:
            position.extra = {**position.extra, "closed_clock": self.clock()}
        fills = await self.store.leg_fills(position)
        return await build_view(position, self.clients, fills, spread, self.clock())

    # ---- lifecycle ----------------------------------------------------------------------

    async def reconcile(self) -> None:
        await self.reconciler.run()

    async def step(self) -> None:
        self.checks += 1
        if self.blocked is not None and not await self.reconciler.run():
            self.note(f"trading blocked: {self.blocked}")
            return
        if self.refresh_funding:
            cycle = await self.service.refresh()
            for venue in cycle.failed_venues:
                self.venue_errors[f"funding:{venue}"] = "funding data unavailable"
        positions = await self.store.active()
        views = await self._views(positions)
        emergencies = await self._exits(positions, views)
        # after an emergency the accounts' margin has just been under stress: no new entry
        # in the same check
        if not self.stop_requested and self.blocked is None and not emergencies:
            await self._entries()

    async def _views(self, positions: list[StrategyPosition]) -> dict[str, PositionView]:
        views: dict[str, PositionView] = {}
        for position in positions:
            try:
                view = await self.view(position)
            except ExchangeError as exc:
                self.venue_errors[exc.venue or "venue"] = str(exc)
                self.note(f"{position.symbol}: cannot read the venues ({exc}); holding")
                continue
            await self.store.sync_totals(
                position, {LEG_LONG: view.long.funding, LEG_SHORT: view.short.funding},
                {LEG_LONG: view.long.fees, LEG_SHORT: view.short.fees})
            views[position.id] = await self._count_below_threshold(position, view)
        self.views = views
        return views

    async def _count_below_threshold(self, position: StrategyPosition, view: PositionView) -> PositionView:
        spread = view.current_spread_8h
        if spread is None:
            return view
        count = view.below_threshold_checks + 1 if spread < self.config.exit.min_spread_8h else 0
        if count != view.below_threshold_checks:
            await self.store.update_extra(position.id, {"below_threshold_checks": count})
        return PositionView(**{**{f: getattr(view, f) for f in view.__dataclass_fields__},
                               "below_threshold_checks": count})

    def _urgency(self, position: StrategyPosition, decision: ExitDecision | None) -> int:
        if decision is not None and decision.emergency:
            return 0
        return 1 if position.status == "closing" else 2

    @staticmethod
    def _resumed(position: StrategyPosition) -> ExitDecision:
        try:
            reason = ExitReason(str(position.extra.get("exit_reason")))
        except ValueError:
            reason = ExitReason.SHUTDOWN
        return ExitDecision(reason, False, "resuming an interrupted exit")

    async def _exits(self, positions: list[StrategyPosition], views: dict[str, PositionView]) -> int:
        """Emergencies first, then interrupted exits, then the regular rules and rotation;
        returns the number of emergency exits."""
        by_id = {p.id: p for p in positions}
        emergencies = 0
        decisions = {pid: decide_exit(v, self.config.exit) for pid, v in views.items()}
        for pid in sorted(views, key=lambda pid: self._urgency(by_id[pid], decisions[pid])):
            decision, position = decisions[pid], by_id[pid]
            if position.status == "opening":
                continue                      # reconciliation's job, not an exit's
            if decision is None and position.status == "closing":
                decision = self._resumed(position)
            if decision is None and self.config.rotation.enabled and not self.stop_requested:
                decision = await self._rotation(position, views[pid])
            if decision is None or (self.stop_requested and not decision.emergency):
                continue
            if decision.emergency:
                emergencies += 1
                await self.alert("emergency exit", f"{position.symbol}: {decision.detail}", "critical")
            try:
                await self.trader.exit(position, decision, view=views[pid])
            except ExchangeError as exc:
                await self.alert("exit failed", f"{position.symbol}: {exc}; will retry", "error")
        return emergencies

    async def _rotation(self, position: StrategyPosition, view: PositionView) -> ExitDecision | None:
        """Switch to a better pair only when the extra funding over the horizon covers the
        round trip of switching (closing this one and opening the other)."""
        if view.current_spread_8h is None or self.last_scan is None or not self.last_scan.candidates:
            return None
        best = self.last_scan.candidates[0].opportunity
        horizon = self.config.entry.horizon_hours
        current = view.current_spread_8h * horizon / 8
        gain = best.net_return - current
        if gain > self.config.rotation.min_gain:
            return ExitDecision(ExitReason.ROTATION, False, f"{best.direction} {best.symbol} earns "
                                f"{gain:.4%} more over {horizon} h after the switching cost")
        return None

    async def _entries(self) -> None:
        active = await self.store.active()
        if len(active) >= self.config.limits.max_positions:
            return
        busy = {(leg.venue, p.symbol) for p in active for leg in p.legs}
        used = sum((max(leg.size for leg in p.legs) * self._mark(p) for p in active), ZERO)
        self.last_scan = await self.scanner.scan(busy)
        for candidate in self.last_scan.candidates[: self.config.limits.max_positions - len(active)]:
            if self.stop_requested:
                return
            await self._enter(candidate, used)
            used = sum((max(leg.size for leg in p.legs) * self._mark(p) for p in await self.store.active()),
                       ZERO)

    async def _enter(self, candidate: Candidate, used: Decimal) -> None:
        opp = candidate.opportunity
        sizing = await self.trader.size(candidate, used)
        if not sizing.ok:
            self.note(f"{opp.symbol} {opp.direction}: not entered, {sizing.reason}")
            return
        if self.config.dry_run:
            await self.alert("dry run", f"would enter {opp.direction} {opp.symbol}: {sizing.quantity} "
                             f"(net APR {opp.net_apr:.2%}, limited by {sizing.binding})")
            return
        try:
            await self.trader.enter(candidate, sizing)
        except (ExchangeError, ExecutionError) as exc:
            # the position row (if written) is settled by reconciliation on the next check
            self.blocked = f"entry of {opp.symbol} failed: {exc}"
            await self.alert("entry failed", f"{opp.symbol}: {exc}", "error")

    def _mark(self, position: StrategyPosition) -> Decimal:
        view = self.views.get(position.id)
        if view is not None and view.long.mark_price is not None:
            return view.long.mark_price
        prices = [leg.entry_price for leg in position.legs if leg.entry_price is not None]
        return max(prices) if prices else ZERO

    # ---- views --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        data = super().snapshot()
        data.update({
            "checks": self.checks, "blocked": self.blocked, "positions": list(self.views.values()),
            "closed": list(self.closed), "venue_health": [h.model_dump() for h in self.service.health()],
            "venue_errors": dict(self.venue_errors), "messages": list(self.messages),
            "last_scan": self.last_scan, "dry_run": self.config.dry_run})
        return data
