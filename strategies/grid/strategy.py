"""``GridStrategy``: a single-venue grid for perpetuals.

Open near the touch in the chosen direction with a post-only order; each fill (partial
fills included) gets a reduce-only take-profit for the filled size; up to
``max_close_orders`` take-profits work at once, spaced by ``grid_step_pct``.

One check (:meth:`GridStrategy.step`):

1. **observe** — the venue's open orders (ours merged into the watcher, missing ones looked up
   by client order id), the position, the working open order, the book;
2. **rules, before anything else** — stop price or stop-loss: cancel everything, close the
   position with reduce-only taker orders, close the grid's record and halt; pause price: no
   new opens (the open order is cancelled, take-profits keep working);
3. **cover** — new open fills become take-profits (:meth:`GridWorker.cover`);
4. **open** — re-price a stale open order, or place the next one when the wait, the
   take-profit count and the spacing allow; post-only rejections are re-priced.

Restart-safe: the grid's record, orders and fills are in the database (``store.py``); start-up
reconciliation (``reconcile.py``) adopts take-profits still working at the venue, re-places a
ladder a clean shutdown cancelled, and covers any uncovered position — never duplicating a
close order. Clean shutdown cancels every working order (``BaseStrategy.stop``) after writing
the ladder down.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar

from sqlalchemy.exc import SQLAlchemyError

from database import Database, DatabaseError
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.common.precision import round_size
from exchange_clients.errors import ExchangeError, StaleDataError
from exchange_clients.models import BBO, MarketInfo
from helpers.time import utc_now
from strategies.base_strategy import BaseStrategy, Clock, StrategyError
from strategies.execution import OrderWatcher
from strategies.grid.config import GridConfig
from strategies.grid.ledger import Ledger
from strategies.grid.pricing import evaluate_rules, reference_price
from strategies.grid.reconcile import GridReconciler
from strategies.grid.store import GridStore
from strategies.grid.working import GridWorker, with_fresh_ids
from strategies.notifications import Notifier

__all__ = ["GridStrategy", "Observation"]

ZERO = Decimal(0)
#: consecutive checks failing on a retryable venue error before the run gives up
MAX_ERRORS_IN_A_ROW = 20
CLOSE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Observation:
    at: datetime
    bbo: BBO
    price: Decimal                 # the rules' reference: mid (or the one side there is)
    position: Decimal              # held in the grid's direction (≥ 0)
    entry_price: Decimal | None
    mark_price: Decimal | None
    unrealized_pnl: Decimal


class GridStrategy(BaseStrategy):
    name: ClassVar[str] = "grid"

    def __init__(self, config: GridConfig, *, client: BaseExchangeClient, db: Database,
                 notifier: Notifier | None = None, clock: Clock = utc_now,
                 owns_clients: bool = True) -> None:
        super().__init__(clients={config.venue: client}, accounts={config.venue: config.account},
                         db=db, notifier=notifier, clock=clock, owns_clients=owns_clients)
        self.config = config
        self.client = client
        self.store = GridStore(db, config.account, config.key)
        self.watcher = OrderWatcher(client, config.account, self.journal)
        self.ledger = Ledger()
        self.worker = GridWorker(self)
        self.reconciler = GridReconciler(self)
        self.market: MarketInfo | None = None
        self.grid_id: str | None = None
        self.blocked: str | None = "not reconciled yet"
        self.paused = False
        self.halted: str | None = None
        self.observation: Observation | None = None
        self.messages: deque[str] = deque(maxlen=50)
        self.checks = 0
        self._errors_in_a_row = 0
        self._watching = False
        self._ladder_saved = False
        self._saved_levels: int | None = None          # take-profit levels written down on stop
        self._recorded: tuple[Any, ...] | None = None

    # ---- messages -----------------------------------------------------------------------

    def note(self, message: str) -> None:
        self.log.info("%s", message)
        self.messages.append(f"{self.clock():%H:%M:%S} {message}")

    async def alert(self, title: str, body: str, severity: str = "info") -> None:
        self.note(f"{title}: {body}")
        await self.notifier.notify("grid", title, body, severity=severity)

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await super().start()
        await self.watcher.__aenter__()          # before any order: no fill slips past
        self._watching = True

    async def reconcile(self) -> None:
        """Agree with the venue before trading. A refusal (someone else's orders, a position
        on the wrong side, an order size below the venue's minimum) raises ``StrategyError``;
        a venue that cannot be reached leaves the grid blocked and is retried every check."""
        try:
            await self.reconciler.run()
        except ExchangeError as exc:
            if not exc.retryable:
                raise
            self.blocked = f"venue unavailable while reconciling: {exc}"
            self.note(self.blocked)
            return
        self.blocked = None

    async def step(self) -> None:
        self.checks += 1
        if self.halted is not None:
            return
        if self.blocked is not None:
            await self.reconcile()
            return
        try:
            await self._check()
        except ExchangeError as exc:
            if not exc.retryable:
                raise
            self._errors_in_a_row += 1
            self.note(f"venue error, retrying next check: {exc}")
            if self._errors_in_a_row >= MAX_ERRORS_IN_A_ROW:
                raise StrategyError(f"{self._errors_in_a_row} checks in a row failed; last: {exc}") from exc
        else:
            self._errors_in_a_row = 0

    async def _check(self) -> None:
        obs = await self.observe()
        config = self.config
        decision = evaluate_rules(open_side=config.open_side, price=obs.price,
                                  entry_price=obs.entry_price, position=obs.position,
                                  stop_price=config.stop_price, pause_price=config.pause_price,
                                  stop_loss_pct=config.stop_loss_pct)
        if decision.halt is not None:
            await self.halt(decision.halt)
            return
        if decision.paused != self.paused:
            self.paused = decision.paused
            await self.alert("opening paused" if self.paused else "opening resumed",
                             f"{config.symbol} at {obs.price} (pause price {config.pause_price})")
        self.worker.collect()
        await self.worker.cover(obs.position, obs.entry_price or obs.price, confirm=True)
        await self.worker.work_open(obs, allow=not self.paused and not self.stop_requested)
        await self.watcher.flush()
        await self._record(obs)

    async def observe(self) -> Observation:
        """Orders first, then the position, then the open order (the order ``cover`` relies on)."""
        symbol = self.config.symbol
        await self.worker.sync(await self.client.get_active_orders(symbol))
        position = await self.client.get_position_snapshot(symbol)
        await self.worker.refresh_opens()
        bbo = await self.client.fetch_bbo_prices(symbol)
        await self.watcher.flush()
        price = reference_price(bbo)
        if price is None:
            raise StaleDataError(self.config.venue, f"{symbol}: the book is empty")
        held = position.quantity * self.config.open_side.sign
        if held < 0:
            raise StrategyError(f"{symbol}: the account holds {position.quantity}, against a "
                                f"{self.config.direction} grid; trade it by hand")
        obs = Observation(self.clock(), bbo, price, held, position.entry_price, position.mark_price,
                          position.unrealized_pnl)
        self.observation = obs
        return obs

    # ---- halting ------------------------------------------------------------------------

    async def halt(self, reason: str) -> None:
        """Cancel everything, close the position, close the grid's record; nothing more is
        traded by this grid until it is started again."""
        await self.alert("grid stopping", f"{self.config.symbol}: {reason}", "warning")
        await self.worker.cancel_everything()
        if not await self._close_position():
            raise StrategyError(f"{self.config.symbol}: could not close the position after "
                                f"{CLOSE_ATTEMPTS} attempts ({reason})")
        self.worker.collect()
        await self.watcher.flush()
        if self.observation is not None:     # what the view and the summary show from now on
            self.observation = replace(self.observation, position=ZERO, entry_price=None,
                                       unrealized_pnl=ZERO)
        assert self.grid_id is not None
        await self.store.close(self.grid_id, reason=reason, realized=self.ledger.net,
                               totals=self.totals())
        self.halted = reason
        await self.alert("grid halted", f"{self.config.symbol}: {reason}; orders cancelled, position "
                         f"closed; net realised PnL {self.ledger.net:.4f} over "
                         f"{self.worker.round_trips} round trips", "critical")

    async def _close_position(self) -> bool:
        symbol, step = self.config.symbol, self.worker.market.step_size
        for _ in range(CLOSE_ATTEMPTS):
            held = (await self.client.get_position_snapshot(symbol)).quantity * self.config.open_side.sign
            quantity = round_size(held, step)
            if quantity <= 0:
                return held >= 0
            await with_fresh_ids(partial(self.orders.take, self.worker.close_leg(), quantity,
                                         watcher=self.watcher, position_id=self.grid_id,
                                         slippage_bps=self.config.close_slippage_bps))
            self.worker.collect()
        held = (await self.client.get_position_snapshot(symbol)).quantity * self.config.open_side.sign
        return round_size(held, step) <= 0 <= held

    # ---- stopping -----------------------------------------------------------------------

    async def stop(self) -> None:
        """Write the take-profit ladder down, then cancel every working order and disconnect
        (the next start re-places the ladder). A grid that never finished reconciling leaves
        the venue exactly as it found it."""
        try:
            await self._save_ladder()
        finally:
            try:
                if self.blocked is None:
                    await super().stop()
                else:
                    await self._disconnect_only()
            finally:
                if self._watching:
                    self._watching = False
                    await self.watcher.__aexit__(None, None, None)
        if self._saved_levels is not None:
            self.note(f"stopped: working orders cancelled, the position kept; {self._saved_levels} "
                      "take-profit levels written down for the next start to re-place")

    async def _save_ladder(self) -> None:
        if self._ladder_saved or self.blocked is not None or self.halted is not None \
                or self.grid_id is None:
            return
        self._ladder_saved = True
        try:
            ladder = self.worker.ladder()
            await self.store.set_suspended(self.grid_id, ladder)
            await self.watcher.flush()
            self._saved_levels = len(ladder)
        except (DatabaseError, SQLAlchemyError) as exc:
            # the orders are still cancelled; the next start covers the position at its entry
            self.log.error("could not save the take-profit ladder: %s", exc)

    async def _disconnect_only(self) -> None:
        self.request_stop()
        self.state = "stopping"
        try:
            if self.owns_clients:
                await self.client.disconnect()
        finally:
            self.state = "stopped"

    # ---- reporting ----------------------------------------------------------------------

    def totals(self) -> dict[str, Any]:
        return {"round_trips": self.worker.round_trips, "realized_pnl": self.ledger.realized,
                "fees": self.ledger.fees, "post_only_rejections": self.worker.post_only_rejections}

    async def _record(self, obs: Observation) -> None:
        """Mirror the position and the totals on the grid's record when they change."""
        totals = self.totals()
        key = (obs.position, obs.entry_price, *totals.values())
        if key == self._recorded or self.grid_id is None:
            return
        await self.store.record(self.grid_id, size=obs.position, entry_price=obs.entry_price,
                                totals=totals)
        self._recorded = key

    def snapshot(self) -> dict[str, Any]:
        worker, obs = self.worker, self.observation
        orders = [{"kind": "open", "side": self.config.open_side.value, "price": o.price,
                   "quantity": o.quantity, "filled": worker.filled(o.cid), "cid": o.cid}
                  for o in worker.working_opens()]
        orders += [{"kind": "take-profit", "side": self.config.close_side.value, "price": c.price,
                    "quantity": c.quantity, "filled": c.quantity - worker.remaining(c), "cid": c.cid}
                   for c in sorted(worker.live_closes(), key=lambda c: c.price)]
        data = super().snapshot()
        data.update({
            "venue": self.config.venue, "account": self.config.account, "symbol": self.config.symbol,
            "direction": self.config.direction, "checks": self.checks, "blocked": self.blocked,
            "paused": self.paused, "halted": self.halted, "waiting": worker.waiting,
            "price": obs.price if obs else None, "bid": obs.bbo.bid if obs else None,
            "ask": obs.bbo.ask if obs else None, "position": obs.position if obs else None,
            "entry_price": obs.entry_price if obs else None,
            "unrealized_pnl": obs.unrealized_pnl if obs else None, "carry": worker.carried(),
            "realized_pnl": self.ledger.realized, "fees": self.ledger.fees, "net_pnl": self.ledger.net,
            "round_trips": worker.round_trips, "post_only_rejections": worker.post_only_rejections,
            "orders": orders, "messages": list(self.messages)})
        return data
