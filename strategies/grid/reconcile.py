"""Start-up reconciliation of a grid: stored state against what the venue holds.

Checks first, acting after — so a refusal leaves the venue exactly as it was found:

1. the market exists and the configured order size meets its minimums;
2. the grid's record is resumed (same venue, account, symbol, direction) or opened;
3. every order the journal does not know the end of is looked up by client order id: this
   grid's **take-profits still working are adopted** (tracked again, not cancelled, not
   duplicated); anything else still working (an open order of the crashed run, another
   strategy's order) is cancelled and its fills recorded (``BaseStrategy._resolve_one``);
4. the venue's open orders on the symbol must all be ours — an order nobody journaled means
   someone else trades this account and symbol: refuse;
5. the position must not be on the wrong side: refuse;

then leverage is set, the realised PnL and round trips are rebuilt from the journal, the
ladder a clean shutdown cancelled is re-placed (never beyond the uncovered position), and
whatever is still uncovered gets a take-profit priced from the position's entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from database.models import OrderState
from exchange_clients.errors import ExchangeError, InvalidOrderError, NotSupportedError
from helpers.time import utc_now
from strategies.base_strategy import StrategyError
from strategies.execution import JournalEntry
from strategies.grid.pricing import order_quantity, reference_price
from strategies.runner import config_record

if TYPE_CHECKING:
    from strategies.grid.strategy import GridStrategy

__all__ = ["GridReconciler"]

_UNRESOLVED = frozenset({OrderState.INTENT.value, OrderState.PENDING.value, OrderState.UNKNOWN.value})


class GridReconciler:
    def __init__(self, strategy: GridStrategy) -> None:
        self.s = strategy

    async def run(self) -> None:
        s, config = self.s, self.s.config
        symbol, client = config.symbol, self.s.client
        s.market = market = await client.get_contract_attributes(symbol)
        price = reference_price(await client.fetch_bbo_prices(symbol))
        if price is None:
            raise StrategyError(f"{config.venue}:{symbol}: the book is empty")
        if order_quantity(market, price, config.order_size, config.order_notional_usd) <= 0:
            raise StrategyError(
                f"{symbol}: the order size is below {config.venue}'s minimum at {price} (min size "
                f"{market.min_size}, min notional {market.min_notional}, step {market.step_size})")
        grid, resumed = await s.store.resume_or_open(
            venue=config.venue, symbol=symbol, side=config.open_side.value, run_id=s.run_id,
            config=config_record(config))
        s.grid_id = grid.id
        await self._sweep_journal(grid.id)
        foreign = [o for o in await client.get_active_orders(symbol) if s.watcher.observe(o) is None]
        if foreign:
            ids = ", ".join(o.client_order_id or o.order_id for o in foreign[:5])
            raise StrategyError(f"{symbol} has {len(foreign)} open orders this grid did not place "
                                f"({ids}); cancel them or use another account")
        position = await client.get_position_snapshot(symbol)
        held = position.quantity * config.open_side.sign
        if held < 0:
            raise StrategyError(f"{symbol}: the account holds {position.quantity}, against a "
                                f"{config.direction} grid; trade it by hand")
        await self._leverage()
        await self._history(grid.id)
        uncovered = held - s.worker.covered()
        ladder = await s.store.suspended(grid.id)
        if ladder:
            uncovered = await s.worker.restore(ladder, uncovered, price)
            await s.store.set_suspended(grid.id, [])
        await s.worker.cover(held, position.entry_price or price, confirm=False)
        await s.watcher.flush()
        adopted = len(s.worker.closes)
        await s.alert("grid resumed" if resumed else "grid started",
                      f"{config.direction} {symbol} on {config.venue}: position {held}, "
                      f"{adopted} take-profits working ({len(ladder)} re-placed), "
                      f"{s.worker.round_trips} round trips so far")

    async def _sweep_journal(self, grid_id: str) -> None:
        s = self.s
        accounts = {s.config.account}
        entries = await s.journal.unresolved(accounts) + await s.journal.live(accounts)
        failed: list[str] = []
        oldest: datetime | None = None
        for entry in entries:
            if entry.venue != s.config.venue:
                continue
            try:
                if entry.position_id == grid_id and entry.reduce_only and entry.symbol == s.config.symbol:
                    created = await self._adopt(entry)
                    oldest = created if oldest is None or (created and created < oldest) else oldest
                else:
                    await s._resolve_one(s.client, entry)
            except ExchangeError as exc:
                s.log.warning("could not resolve order %s: %s", entry.client_order_id, exc)
                failed.append(entry.client_order_id)
        if failed:
            raise ExchangeError(s.config.venue, f"{len(failed)} orders could not be looked up "
                                f"({', '.join(failed[:5])})", retryable=True)
        if oldest is not None:        # fills of the adopted orders while nobody watched
            since = (utc_now() - oldest).total_seconds() + 60
            await s.watcher.settle_from_history(s.config.symbol, since)
        await s.watcher.flush()

    async def _adopt(self, entry: JournalEntry) -> datetime | None:
        """Track one of our take-profits again; adopt it if it is still working."""
        s = self.s
        s.watcher.track(entry.client_order_id, entry.exchange_order_id)
        found = await s.watcher.refresh(entry.client_order_id, entry.symbol)
        if found is None:
            if entry.status in _UNRESOLVED:
                await s.journal.update(entry.account, entry.venue, entry.client_order_id,
                                       status=OrderState.FAILED,
                                       error="not found at the venue on reconciliation")
            return None
        if not found.status.is_terminal:
            s.worker.adopt(found)
        return found.created_at

    async def _leverage(self) -> None:
        leverage = self.s.config.leverage
        if leverage is None:
            return
        try:
            info = await self.s.client.set_leverage(self.s.config.symbol, leverage)
        except InvalidOrderError as exc:
            raise StrategyError(f"leverage {leverage} refused: {exc}") from exc
        except NotSupportedError as exc:
            self.s.note(f"leverage not set: {exc}")
            return
        self.s.note(f"leverage {info.leverage:.2f}x set on {self.s.config.symbol}")

    async def _history(self, grid_id: str) -> None:
        """Realised PnL and round trips from the journal (every run of this grid)."""
        s = self.s
        for fill in await s.store.fills(grid_id):
            s.ledger.apply(fill.trade_id, fill.side, fill.quantity, fill.price, fill.fee)
        s.worker.round_trips = await s.store.round_trips(grid_id)
        s.worker.collect()
        # a run that crashed leaves no trace of when its last open filled: do not wait
        s.worker.last_open_done = None
