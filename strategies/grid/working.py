"""The grid's orders: the open order near the touch, the take-profit ladder, and what is owed.

Everything is placed through the shared :class:`~strategies.execution.OrderExecutor` (journal
first, then the venue; an unknown outcome resolved by client order id, never resent) and
followed by one :class:`~strategies.execution.OrderWatcher` (event stream + REST).

Coverage is the invariant: *position = working take-profits + carry*, where the carry is open
quantity filled but not yet handed to a take-profit (a fill smaller than a step, or a
take-profit the venue refused). :meth:`GridWorker.cover` measures it against the venue's
position each check and only ever adds what is provably missing (see ``cover``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from database import AlreadyExistsError
from database.models import OrderState
from exchange_clients.common.precision import round_size
from exchange_clients.errors import InsufficientMarginError, InvalidOrderError
from exchange_clients.models import MarketInfo, OrderInfo, OrderStatus, TimeInForce
from strategies.execution import LegSpec, Placed, SubmissionUnknownError
from strategies.execution.orders import LOCAL_REJECTION_CODES
from strategies.grid.pricing import (
    Lot,
    basis_of,
    is_stale,
    open_price,
    order_quantity,
    split_lots,
    take_profit_price,
    too_close,
)

if TYPE_CHECKING:
    from strategies.grid.strategy import GridStrategy, Observation

__all__ = ["GridWorker", "OpenOrder", "CloseOrder", "with_fresh_ids"]

ZERO = Decimal(0)
#: checks an order may stay unknown to the venue (by id and client id) before it is written off
MISSING_LIMIT = 3
#: journal refusals of a client order id tolerated per placement (see ``with_fresh_ids``)
ID_RETRIES = 256
T = TypeVar("T")


async def with_fresh_ids(action: Callable[[], Awaitable[T]]) -> T:
    """Run a placement again when the journal refuses its client order id as already used.

    A restarted client's time-ordered id generator can re-issue an id its previous process
    used, when that process had bursted ahead of the clock (Backpack's uint32 ids allow 32 a
    second). The journal refuses the id before anything is sent, so taking the generator's
    next id is safe; the refused one is never sent.
    """
    for attempt in range(ID_RETRIES):
        try:
            return await action()
        except AlreadyExistsError:
            if attempt == ID_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


@dataclass
class OpenOrder:
    cid: str
    price: Decimal
    quantity: Decimal
    placed_at: datetime
    covered: Decimal = ZERO       # filled quantity already moved to the carry
    missing: int = 0


@dataclass
class CloseOrder:
    cid: str
    price: Decimal
    quantity: Decimal
    basis: Decimal | None         # open price it takes profit on (None: adopted after a restart)
    missing: int = 0


class _Outcome(Enum):
    PLACED = "placed"
    REJECTED = "rejected"         # post-only would have crossed: re-price
    REFUSED = "refused"           # anything else: try again next check


class GridWorker:
    def __init__(self, strategy: GridStrategy) -> None:
        self.s = strategy
        self.config = strategy.config
        self.opens: dict[str, OpenOrder] = {}
        self.closes: dict[str, CloseOrder] = {}
        self.carry: list[Lot] = []
        self.round_trips = 0
        self.post_only_rejections = 0
        self.last_open_done: datetime | None = None
        self.waiting: str | None = None            # why no open order is working now
        self._refused_carry: Decimal | None = None
        self._undercover: Decimal | None = None

    # ---- views --------------------------------------------------------------------------

    @property
    def market(self) -> MarketInfo:
        assert self.s.market is not None, "reconcile() loads the market first"
        return self.s.market

    def open_leg(self) -> LegSpec:
        return LegSpec(self.s.client, self.config.account, self.config.symbol, self.config.open_side)

    def close_leg(self) -> LegSpec:
        return LegSpec(self.s.client, self.config.account, self.config.symbol, self.config.close_side,
                       reduce_only=True)

    def state(self, cid: str) -> OrderInfo | None:
        return self.s.watcher.state(cid)

    def filled(self, cid: str) -> Decimal:
        state = self.state(cid)
        return state.filled_quantity if state is not None else ZERO

    def _live(self, cid: str) -> bool:
        state = self.state(cid)
        return state is None or not state.status.is_terminal

    def remaining(self, close: CloseOrder) -> Decimal:
        state = self.state(close.cid)
        if state is None:
            return close.quantity
        return ZERO if state.status.is_terminal else state.remaining_quantity

    def live_closes(self) -> list[CloseOrder]:
        return [c for c in self.closes.values() if self._live(c.cid)]

    def working_opens(self) -> list[OpenOrder]:
        return [o for o in self.opens.values() if self._live(o.cid)]

    def carried(self) -> Decimal:
        return sum((lot.quantity for lot in self.carry), ZERO)

    def covered(self) -> Decimal:
        """Position quantity accounted for: working take-profits, the carry and open fills not
        yet moved to the carry."""
        owed = sum((max(self.filled(o.cid) - o.covered, ZERO) for o in self.opens.values()), ZERO)
        return sum((self.remaining(c) for c in self.closes.values()), ZERO) + self.carried() + owed

    def ladder(self) -> list[tuple[Decimal, Decimal]]:
        """The take-profits as (price, quantity), the carry included at its own price."""
        ladder = [(c.price, self.remaining(c)) for c in self.live_closes() if self.remaining(c) > 0]
        basis = basis_of(self.carry)
        quantity = round_size(self.carried(), self.market.step_size)
        if basis is not None and quantity > 0:
            ladder.append((self._tp_price(basis), quantity))
        return sorted(ladder)

    def _tp_price(self, basis: Decimal) -> Decimal:
        return take_profit_price(self.config.open_side, basis, self.config.take_profit_pct, self.market)

    # ---- following ----------------------------------------------------------------------

    async def sync(self, active: list[OrderInfo]) -> None:
        """Merge the venue's open orders; look every tracked order missing from them up by
        client order id (filled or cancelled since); write off orders the venue never knew."""
        watcher = self.s.watcher
        present = {state.client_order_id for order in active
                   if (state := watcher.observe(order)) is not None}
        tracked: list[OpenOrder | CloseOrder] = [*self.opens.values(), *self.closes.values()]
        for order in tracked:
            if order.cid in present or not self._live(order.cid):
                order.missing = 0
                continue
            found = await watcher.refresh(order.cid, self.config.symbol)
            order.missing = 0 if found is not None else order.missing + 1
            if order.missing >= MISSING_LIMIT:
                await self._write_off(order)

    async def _write_off(self, order: OpenOrder | CloseOrder) -> None:
        known = self.state(order.cid) is not None
        self.s.note(f"order {order.cid} is unknown to the venue after {MISSING_LIMIT} checks; "
                    "written off")
        if not known:
            await self.s.journal.update(self.config.account, self.config.venue, order.cid,
                                        status=OrderState.FAILED, error="not found at the venue")
        if isinstance(order, CloseOrder):
            self.closes.pop(order.cid, None)
            if not known and order.basis is not None:     # never existed: still owed
                self.carry.append(Lot(order.quantity, order.basis))
        else:
            self.opens.pop(order.cid, None)

    async def refresh_opens(self) -> None:
        """Read working opens from the venue (called after the position read, see ``cover``)."""
        for order in self.working_opens():
            await self.s.watcher.refresh(order.cid, self.config.symbol)

    def collect(self) -> None:
        """Fold new fills into the ledger, open fills into the carry; retire finished orders."""
        for fill in self.s.watcher.fills():
            self.s.ledger.apply(fill.trade_id, fill.side.value, fill.quantity, fill.price, fill.fee)
        for cid, close in list(self.closes.items()):
            state = self.state(cid)
            if state is None or not state.status.is_terminal:
                continue
            del self.closes[cid]
            if state.status is OrderStatus.FILLED:
                self.round_trips += 1
                self.s.note(f"take-profit {close.quantity} @ {close.price} filled "
                            f"(round trip {self.round_trips})")
        for cid, order in list(self.opens.items()):
            state = self.state(cid)
            filled = self.filled(cid)
            if filled > order.covered:
                self.carry.append(Lot(filled - order.covered, order.price))
                self.s.note(f"open {self.config.open_side.value} @ {order.price}: filled {filled} "
                            f"of {order.quantity}")
                order.covered = filled
            if state is not None and state.status.is_terminal:
                del self.opens[cid]
                if filled > 0:
                    self.last_open_done = self.s.clock()
                elif state.status is OrderStatus.REJECTED:
                    self.post_only_rejections += 1

    # ---- take-profits -------------------------------------------------------------------

    async def cover(self, position: Decimal, basis: Decimal | None, *, confirm: bool) -> None:
        """Hand uncovered position to take-profits.

        The measured shortfall never exceeds the true one: the take-profits are read (``sync``)
        *before* the position and the open orders *after* it, so a fill racing the reads can
        only make the position look covered, never short. ``confirm`` (every check) still
        waits for the same shortfall twice, against venues whose position endpoint lags their
        order state; reconciliation (nothing else running) acts at once.
        """
        step = self.market.step_size
        shortfall = position - self.covered()
        if shortfall >= step and basis is not None:
            if not confirm or (self._undercover is not None and self._undercover >= step):
                quantity = shortfall if not confirm else min(shortfall, self._undercover or shortfall)
                self.carry.append(Lot(quantity, basis))
                self.s.note(f"{quantity} of the position had no take-profit; covering it at the "
                            f"entry price {basis}")
                self._undercover = None
            else:
                self._undercover = shortfall
        else:
            self._undercover = None
        await self.place_take_profit()

    async def place_take_profit(self) -> None:
        """One reduce-only take-profit for the carry (rounded down to the step)."""
        total = self.carried()
        quantity = round_size(total, self.market.step_size)
        if quantity <= 0 or (self._refused_carry is not None and total <= self._refused_carry):
            return
        taken, left = split_lots(self.carry, quantity)
        basis = basis_of(taken)
        assert basis is not None
        if await self.place_close(self._tp_price(basis), quantity, basis):
            self.carry = left
            self._refused_carry = None
        else:
            self._refused_carry = total          # retried when more is owed, not every check

    async def place_close(self, price: Decimal, quantity: Decimal, basis: Decimal | None) -> bool:
        try:
            placed = await self._place(self.close_leg(), quantity, price, TimeInForce.GTC)
        except InvalidOrderError as exc:
            self.s.note(f"take-profit {quantity} @ {price} refused: {exc}")
            return False
        except SubmissionUnknownError as exc:       # tracked: looked up again every check
            self.s.note(str(exc))
            self.closes[exc.client_order_id] = CloseOrder(exc.client_order_id, price, quantity, basis)
            return True
        self.closes[placed.client_order_id] = CloseOrder(placed.client_order_id, price, quantity, basis)
        self.s.note(f"take-profit {self.config.close_side.value} {quantity} @ {price}")
        return True

    async def _place(self, leg: LegSpec, quantity: Decimal, price: Decimal, tif: TimeInForce) -> Placed:
        return await with_fresh_ids(lambda: self.s.orders.place(
            leg, quantity, watcher=self.s.watcher, price=price, tif=tif, position_id=self.s.grid_id))

    def adopt(self, order: OrderInfo) -> None:
        """A take-profit of an earlier run, still working at the venue."""
        assert order.client_order_id is not None and order.price is not None
        self.closes[order.client_order_id] = CloseOrder(order.client_order_id, order.price,
                                                        order.quantity, None)

    async def restore(self, ladder: list[tuple[Decimal, Decimal]], uncovered: Decimal,
                      reference: Decimal) -> Decimal:
        """Re-place a ladder a clean shutdown cancelled, nearest level first, never beyond the
        uncovered position; returns what is still uncovered."""
        step = self.market.step_size
        for price, quantity in sorted(ladder, key=lambda level: abs(level[0] - reference)):
            size = round_size(min(quantity, uncovered), step)
            if size <= 0:
                break
            if await self.place_close(price, size, None):
                uncovered -= size
        return uncovered

    # ---- the open order -----------------------------------------------------------------

    async def work_open(self, obs: Observation, *, allow: bool) -> None:
        """Keep one post-only open order near the touch while opening is allowed: re-price it
        when left behind or too old, cancel it when not allowed, place the next one when the
        wait, the take-profit count and the grid spacing permit."""
        for order in self.working_opens():
            reason = None if allow else "opening paused"
            if allow:
                target = open_price(self.config.open_side, obs.bbo, self.market,
                                    self.config.post_only_offset_ticks)
                age = (self.s.clock() - order.placed_at).total_seconds()
                if target is not None and is_stale(self.config.open_side, order.price, target,
                                                   self.config.reprice_bps):
                    reason = f"left behind (now {target})"
                elif age >= self.config.open_timeout_seconds:
                    reason = f"open for {age:.0f}s"
            if reason is None:
                return
            await self.s.orders.cancel(self.open_leg(), order.cid, self.s.watcher)
            self.s.note(f"open {order.quantity} @ {order.price} cancelled: {reason}")
        self.collect()                           # fills that raced the cancel are owed
        await self.place_take_profit()
        if allow and not self.working_opens():
            await self._place_open(obs)

    async def _place_open(self, obs: Observation) -> None:
        config = self.config
        if self.last_open_done is not None and \
                (self.s.clock() - self.last_open_done).total_seconds() < config.wait_seconds:
            self.waiting = f"waiting {config.wait_seconds:g}s after the last fill"
            return
        live = self.live_closes()
        if len(live) >= config.max_close_orders:
            self.waiting = f"{len(live)} take-profits working (max {config.max_close_orders})"
            return
        bbo = obs.bbo
        for attempt in range(config.post_only_retries + 1):
            if attempt:
                await self.s.sleep(config.post_only_retry_delay_seconds)
                if self.s.stop_requested:
                    return
                bbo = await self.s.client.fetch_bbo_prices(config.symbol)
            price = open_price(config.open_side, bbo, self.market, config.post_only_offset_ticks + attempt)
            if price is None:
                self.waiting = "the book is empty"
                return
            quantity = order_quantity(self.market, price, config.order_size, config.order_notional_usd)
            if quantity <= 0:
                self.waiting = f"order size below the venue minimum at {price}"
                return
            near = too_close(self._tp_price(price), (c.price for c in live), config.grid_step_pct)
            if near is not None:
                self.waiting = f"take-profit would be within {config.grid_step_pct}% of {near}"
                return
            outcome = await self._try_open(price, quantity)
            if outcome is not _Outcome.REJECTED:
                self.waiting = None if outcome is _Outcome.PLACED else self.waiting
                return
        self.waiting = "post-only rejected; re-pricing next check"
        self.s.note(f"post-only open rejected {config.post_only_retries + 1} times in a row")

    async def _try_open(self, price: Decimal, quantity: Decimal) -> _Outcome:
        try:
            placed = await self._place(self.open_leg(), quantity, price, TimeInForce.POST_ONLY)
        except InvalidOrderError as exc:
            if exc.code in LOCAL_REJECTION_CODES:
                self.waiting = f"open refused: {exc}"
                return _Outcome.REFUSED
            self.post_only_rejections += 1           # the venue's: the book moved onto our price
            return _Outcome.REJECTED
        except InsufficientMarginError as exc:
            self.waiting = f"insufficient margin: {exc}"
            return _Outcome.REFUSED
        except SubmissionUnknownError as exc:
            self.s.note(str(exc))
            self.opens[exc.client_order_id] = OpenOrder(exc.client_order_id, price, quantity,
                                                        self.s.clock())
            return _Outcome.PLACED
        state = placed.state
        if state is not None and state.status.is_terminal and state.filled_quantity == 0:
            self.post_only_rejections += 1           # accepted, then refused for crossing
            return _Outcome.REJECTED
        self.opens[placed.client_order_id] = OpenOrder(placed.client_order_id, price, quantity,
                                                       self.s.clock())
        self.s.note(f"open {self.config.open_side.value} {quantity} @ {price}")
        return _Outcome.PLACED

    # ---- stopping -----------------------------------------------------------------------

    async def cancel_everything(self) -> None:
        """Cancel every working order of the grid, then whatever of ours the venue still lists."""
        for working in self.working_opens():
            await self.s.orders.cancel(self.open_leg(), working.cid, self.s.watcher)
        for close in self.live_closes():
            await self.s.orders.cancel(self.close_leg(), close.cid, self.s.watcher)
        for order in await self.s.client.get_active_orders(self.config.symbol):
            state = self.s.watcher.observe(order)
            if state is not None and not state.status.is_terminal:
                self.s.watcher.observe(await self.s.client.cancel_order(order.order_id,
                                                                          self.config.symbol))
        self.collect()

