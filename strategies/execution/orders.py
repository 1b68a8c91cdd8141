"""The order executor: every order journaled before it is sent, every outcome resolved.

Building blocks the two-leg executor and the grid strategy share:

* :meth:`OrderExecutor.place` — write-ahead intent with a fresh client order id, then the
  venue call. A refusal is journaled and re-raised as the client's typed error. An unknown
  outcome (timeout, 5xx, dropped connection) is resolved by looking the order up by its client
  order id — never by resending (TRAPS.md) — and raises :class:`SubmissionUnknownError` if it
  is still not found (the id stays tracked by the watcher and is looked up again later).
* :meth:`take` — an aggressive IOC limit at the touch ± a slippage bound (the bounded market
  order of venues without IOC limits), waited on until final.
* :meth:`limit_with_timeout` — a resting limit order that is cancelled after a timeout.
* :meth:`execute` — limit with timeout, then aggressive limit, then bounded market: the
  single-venue fallback chain.
* :meth:`cancel` / :meth:`cancel_working` — cancel and read back the final state (fills that
  raced the cancel are counted, never lost).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

from database.models import OrderState
from database.repositories.orders import OrderIntent
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.common.precision import round_price
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    InsufficientMarginError,
    InvalidOrderError,
    MarketNotFoundError,
    NonceError,
    NotSupportedError,
    OrderNotFoundError,
    RateLimitError,
)
from exchange_clients.models import OrderInfo, OrderResult, OrderType, Side, TimeInForce
from helpers.unified_logger import get_logger
from strategies.execution.errors import SubmissionUnknownError
from strategies.execution.journal import OrderJournal
from strategies.execution.models import LegSpec, TakeResult
from strategies.execution.watcher import OrderWatcher

__all__ = ["OrderExecutor", "Placed", "new_client_order_id", "LOCAL_REJECTION_CODES"]

_log = get_logger("strategies.orders")

#: codes of ``InvalidOrderError`` raised by the base client's validation, before any request
LOCAL_REJECTION_CODES = frozenset({"TICK", "STEP", "MIN_SIZE", "MIN_NOTIONAL", "NON_POSITIVE",
                                   "NOT_FINITE", "PRICE_FORMAT", "NO_LIQUIDITY", "TIF",
                                   "LEVERAGE", "CLIENT_ID", "UNKNOWN_SYMBOL", "NOT_TRADEABLE"})
#: errors that mean the venue did not take the order (nothing to look up)
_REFUSED = (InvalidOrderError, InsufficientMarginError, MarketNotFoundError, AuthenticationError,
            NotSupportedError, ConfigurationError, RateLimitError, NonceError)
_LOOKUP_DELAYS = (0.05, 0.1, 0.2)


def new_client_order_id(client: BaseExchangeClient) -> str:
    """A fresh client order id in ``client``'s venue format, unique under concurrency.

    The contract generates ids inside ``place_*`` when none is given; write-ahead needs the id
    *before* the call, so the generator is used directly (the same one the client would use)."""
    return client._new_client_order_id()


@dataclass(frozen=True, slots=True)
class Placed:
    leg: LegSpec
    client_order_id: str
    state: OrderInfo | None        # first known state; None while accepted but not yet visible


def _info_from_result(result: OrderResult, tif: TimeInForce, reduce_only: bool) -> OrderInfo | None:
    if result.order_id is None:
        return None
    return OrderInfo(venue=result.venue, symbol=result.symbol, order_id=result.order_id,
                     client_order_id=result.client_order_id, side=result.side,
                     order_type=result.order_type, price=result.price, quantity=result.quantity,
                     filled_quantity=result.filled_quantity,
                     average_fill_price=result.average_fill_price, status=result.status,
                     time_in_force=tif, reduce_only=reduce_only)


class OrderExecutor:
    """Places, follows and cancels orders through a write-ahead :class:`OrderJournal`."""

    def __init__(self, journal: OrderJournal, *, final_timeout: float = 5.0,
                 poll_interval: float = 0.2) -> None:
        self.journal = journal
        self.final_timeout = final_timeout
        self.poll_interval = poll_interval
        self._working: dict[str, tuple[LegSpec, OrderWatcher]] = {}

    # ---- placement ----------------------------------------------------------------------

    async def place(self, leg: LegSpec, quantity: Decimal, *, watcher: OrderWatcher,
                    price: Decimal | None = None, tif: TimeInForce = TimeInForce.GTC,
                    market: bool = False, slippage_bps: Decimal | None = None,
                    side: Side | None = None, reduce_only: bool | None = None,
                    position_id: str | None = None, record: list[str] | None = None) -> Placed:
        """Journal, then send. ``record`` (the caller's list of its orders) gets the client
        order id as soon as the intent is committed, so even an order whose outcome is unknown
        is accounted for by the caller."""
        side = leg.side if side is None else side
        reduce_only = leg.reduce_only if reduce_only is None else reduce_only
        tif = TimeInForce.IOC if market else tif
        cid = new_client_order_id(leg.client)
        await self.journal.record_intent(OrderIntent(
            account=leg.account, venue=leg.venue, symbol=leg.symbol, client_order_id=cid,
            side=side.value, order_type=(OrderType.MARKET if market else OrderType.LIMIT).value,
            quantity=quantity, price=price, time_in_force=tif.value,
            reduce_only=reduce_only, position_id=position_id))
        watcher.track(cid)
        if record is not None:
            record.append(cid)
        await self.journal.mark_sent(leg.account, leg.venue, cid)
        try:
            if market:
                result = await leg.client.place_market_order(
                    leg.symbol, quantity, side, reduce_only=reduce_only,
                    max_slippage_bps=slippage_bps, client_order_id=cid)
            else:
                assert price is not None, "a limit order needs a price"
                result = await leg.client.place_limit_order(
                    leg.symbol, quantity, price, side, reduce_only=reduce_only,
                    time_in_force=tif, client_order_id=cid)
        except _REFUSED as exc:
            local = isinstance(exc, InvalidOrderError) and exc.code in LOCAL_REJECTION_CODES
            await self.journal.update(leg.account, leg.venue, cid, error=str(exc),
                                      status=OrderState.FAILED if local else OrderState.REJECTED)
            raise
        except (ExchangeError, TimeoutError) as exc:
            # 5xx, timeout, dropped connection, unknown code: the order may exist
            await self.journal.update(leg.account, leg.venue, cid, status=OrderState.UNKNOWN,
                                      error=str(exc))
            found = await self.resolve(leg, cid, watcher)
            if found is None:
                raise SubmissionUnknownError(leg.venue, cid, exc) from exc
            return self._placed(leg, cid, found, tif, watcher)
        state = _info_from_result(result, tif, reduce_only)
        if state is None:
            await self.journal.update(leg.account, leg.venue, cid, status=OrderState(result.status.value))
        else:
            watcher.track(cid, state.order_id)
            state = watcher.observe(state)
            await watcher.flush()
        return self._placed(leg, cid, state, tif, watcher)

    def _placed(self, leg: LegSpec, cid: str, state: OrderInfo | None, tif: TimeInForce,
                watcher: OrderWatcher) -> Placed:
        if tif not in (TimeInForce.IOC, TimeInForce.FOK) and (
                state is None or not state.status.is_terminal):
            self._working[cid] = (leg, watcher)
        return Placed(leg, cid, state)

    async def resolve(self, leg: LegSpec, cid: str, watcher: OrderWatcher) -> OrderInfo | None:
        """Find an order whose submission outcome is unknown: the feed first, then REST by
        client order id, a few times (venues index asynchronously)."""
        for delay in _LOOKUP_DELAYS:
            known = watcher.state(cid)
            if known is not None:
                return known
            try:
                found = await watcher.refresh(cid, leg.symbol)
            except ExchangeError as exc:
                _log.info("%s: lookup of %s failed (%s); retrying", leg.venue, cid, exc)
                found = None
            if found is not None:
                await watcher.flush()
                return found
            await asyncio.sleep(delay)
        return watcher.state(cid)

    # ---- following ----------------------------------------------------------------------

    async def await_final(self, leg: LegSpec, cid: str, watcher: OrderWatcher,
                          timeout: float | None = None) -> OrderInfo | None:
        """Wait for ``cid`` to reach a terminal state (feed first, REST every few polls);
        returns the newest state known when it does or when ``timeout`` runs out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.final_timeout if timeout is None else timeout)
        polls = 0
        while True:
            state = watcher.state(cid)
            if state is not None and state.status.is_terminal:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            if not await watcher.wait(min(self.poll_interval, remaining)):
                polls += 1
                if polls % 2 == 0 or state is None:
                    await self._refresh_quietly(leg, cid, watcher)
        final = watcher.state(cid)
        await watcher.flush()
        if final is not None and final.status.is_terminal:
            self._working.pop(cid, None)
        return final

    async def _refresh_quietly(self, leg: LegSpec, cid: str, watcher: OrderWatcher) -> None:
        try:
            await watcher.refresh(cid, leg.symbol)
        except ExchangeError as exc:
            _log.info("%s: could not read order %s (%s)", leg.venue, cid, exc)

    # ---- aggressive orders --------------------------------------------------------------

    async def take(self, leg: LegSpec, quantity: Decimal, *, watcher: OrderWatcher,
                   slippage_bps: Decimal, side: Side | None = None,
                   reduce_only: bool | None = None, position_id: str | None = None,
                   record: list[str] | None = None) -> TakeResult:
        """IOC at the touch ± ``slippage_bps`` (rounded passively, so never beyond the bound);
        a venue without IOC limits gets a market order with the same bound."""
        side = leg.side if side is None else side
        market = await leg.client.get_contract_attributes(leg.symbol)
        bbo = await leg.client.fetch_bbo_prices(leg.symbol)
        touch = bbo.ask if side is Side.BUY else bbo.bid
        if touch is None:
            raise InvalidOrderError(leg.venue, f"{leg.symbol}: no {'asks' if side is Side.BUY else 'bids'}"
                                    " to take", code="NO_LIQUIDITY")
        factor = slippage_bps / Decimal(10_000)
        bound = touch * (1 + factor) if side is Side.BUY else touch * (1 - factor)
        price = max(round_price(bound, market.tick_size, side, passive=True), market.tick_size)
        try:
            placed = await self.place(leg, quantity, watcher=watcher, price=price, tif=TimeInForce.IOC,
                                      side=side, reduce_only=reduce_only, position_id=position_id,
                                      record=record)
        except NotSupportedError:
            placed = await self.place(leg, quantity, watcher=watcher, market=True, side=side,
                                      slippage_bps=slippage_bps, reduce_only=reduce_only,
                                      position_id=position_id, record=record)
        final = await self.await_final(leg, placed.client_order_id, watcher)
        filled = final.filled_quantity if final is not None else Decimal(0)
        return TakeResult(client_order_id=placed.client_order_id,
                          order_id=final.order_id if final is not None else None,
                          requested=quantity, filled=filled,
                          average_price=final.average_fill_price if final is not None else None,
                          status=final.status.value if final is not None else "unknown",
                          reason=final.cancel_reason if final is not None else None)

    # ---- resting orders -----------------------------------------------------------------

    async def cancel(self, leg: LegSpec, cid: str, watcher: OrderWatcher, *,
                     attempts: int = 3) -> OrderInfo | None:
        """Cancel ``cid`` and return its final state (fills that raced the cancel included).
        Raises the venue's error if it cannot be cancelled after ``attempts``."""
        for attempt in range(attempts):
            state = watcher.state(cid) or await watcher.refresh(cid, leg.symbol)
            if state is None:
                return None                    # the venue does not know it: nothing rests
            if state.status.is_terminal:
                break
            try:
                watcher.observe(await leg.client.cancel_order(state.order_id, leg.symbol))
                break
            except OrderNotFoundError:
                await self._refresh_quietly(leg, cid, watcher)
                break
            except ExchangeError as exc:
                if attempt == attempts - 1 or not exc.retryable:
                    raise
                _log.warning("%s: cancel of %s failed (%s); retrying", leg.venue, cid, exc)
                await asyncio.sleep(0.2 * (attempt + 1))
        return await self.await_final(leg, cid, watcher)

    def working(self) -> list[tuple[LegSpec, str]]:
        """Resting orders placed through this executor and not yet known to be final."""
        out = []
        for cid, (leg, watcher) in list(self._working.items()):
            state = watcher.state(cid)
            if state is not None and state.status.is_terminal:
                self._working.pop(cid, None)
                continue
            out.append((leg, cid))
        return out

    async def cancel_working(self) -> int:
        """Cancel every resting order of this executor (shutdown); returns how many."""
        count = 0
        for leg, cid in self.working():
            _, watcher = self._working[cid]
            try:
                await self.cancel(leg, cid, watcher)
                count += 1
            except ExchangeError as exc:
                _log.error("%s: could not cancel working order %s on shutdown: %s", leg.venue, cid, exc)
        return count

    async def limit_with_timeout(self, leg: LegSpec, quantity: Decimal, price: Decimal, *,
                                 watcher: OrderWatcher, timeout: float, post_only: bool = False,
                                 position_id: str | None = None) -> OrderInfo | None:
        """A resting limit order, cancelled if not filled within ``timeout`` s; returns its
        final state."""
        placed = await self.place(leg, quantity, watcher=watcher, price=price,
                                  tif=TimeInForce.POST_ONLY if post_only else TimeInForce.GTC,
                                  position_id=position_id)
        state = await self.await_final(leg, placed.client_order_id, watcher, timeout)
        if state is not None and state.status.is_terminal:
            return state
        return await self.cancel(leg, placed.client_order_id, watcher)

    async def execute(self, leg: LegSpec, quantity: Decimal, price: Decimal, *,
                      watcher: OrderWatcher, timeout: float, slippage_bps: Decimal,
                      position_id: str | None = None) -> Decimal:
        """Single-venue fallback chain: a limit order at ``price`` for ``timeout`` s, then an
        aggressive IOC for the rest, then a bounded market order. Returns the quantity filled."""
        state = await self.limit_with_timeout(leg, quantity, price, watcher=watcher,
                                              timeout=timeout, position_id=position_id)
        filled = state.filled_quantity if state is not None else Decimal(0)
        for market in (False, True):
            remaining = quantity - filled
            if remaining <= 0:
                break
            if market:
                placed = await self.place(leg, remaining, watcher=watcher, market=True,
                                          slippage_bps=slippage_bps, position_id=position_id)
                final = await self.await_final(leg, placed.client_order_id, watcher)
                filled += final.filled_quantity if final is not None else Decimal(0)
            else:
                taken = await self.take(leg, remaining, watcher=watcher, slippage_bps=slippage_bps,
                                        position_id=position_id)
                filled += taken.filled
        return filled
