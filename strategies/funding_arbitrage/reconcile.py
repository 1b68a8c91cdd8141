"""Start-up (and after-failure) reconciliation: stored state against what the venues hold.

Run before anything new is done. First every order the journal does not know the end of is
looked up by client order id (a working one is cancelled, its fills recorded). Then each
active position is compared with the actual positions on its two venues:

* both legs flat → an ``opening`` position failed, an ``open``/``closing`` one is closed (PnL
  from its fills and funding);
* legs equal → ``opening`` becomes ``open``; ``closing`` resumes its exit;
* legs unequal → *complete the hedge or unwind*: an ``opening`` position first tries to bring
  the short leg up to the long one (or the reverse) with an IOC; whatever is still unequal is
  trimmed from the larger leg with reduce-only orders (``open``/``closing`` positions are only
  ever trimmed — that never adds exposure);
* a leg on the wrong side (someone else traded the account) → the strategy refuses to trade
  and says so.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from database.models import LegStatus, PositionStatus, StrategyPosition
from exchange_clients.errors import ExchangeError
from exchange_clients.models import Side
from strategies.funding_arbitrage.store import LEG_LONG, LEG_SHORT

if TYPE_CHECKING:
    from strategies.funding_arbitrage.strategy import FundingArbStrategy

__all__ = ["Reconciler"]

ZERO = Decimal(0)


class Reconciler:
    def __init__(self, strategy: FundingArbStrategy) -> None:
        self.s = strategy

    async def run(self) -> bool:
        """Reconcile everything; returns whether the strategy may trade (``blocked`` says why
        not)."""
        unresolved = await self.s.resolve_journaled_orders()
        if unresolved:
            ids = ", ".join(e.client_order_id for e in unresolved[:5])
            return await self._block(f"{len(unresolved)} orders could not be looked up ({ids})")
        ok = True
        for position in await self.s.store.active():
            try:
                ok = await self.reconcile_position(position) and ok
            except ExchangeError as exc:
                ok = await self._block(f"{position.symbol}: venue unavailable while reconciling: {exc}")
        if ok:
            self.s.blocked = None
        return ok

    async def _block(self, reason: str) -> bool:
        self.s.blocked = reason
        await self.s.alert("trading blocked", reason, "critical", dedupe=f"blocked:{reason[:100]}")
        return False

    async def _quantities(self, position: StrategyPosition) -> tuple[Decimal, Decimal]:
        legs = {leg.leg_index: leg for leg in position.legs}
        long_client = self.s.clients[legs[LEG_LONG].venue]
        short_client = self.s.clients[legs[LEG_SHORT].venue]
        long_q = (await long_client.get_position_snapshot(position.symbol)).quantity
        short_q = (await short_client.get_position_snapshot(position.symbol)).quantity
        return long_q, short_q

    async def reconcile_position(self, position: StrategyPosition, *, resume_exit: bool = True) -> bool:
        """Bring one position in line with its venues. ``resume_exit=False`` when called from
        an exit that is already in progress (it must not start another)."""
        long_q, short_q = await self._quantities(position)
        if long_q < 0 or short_q > 0:
            return await self._block(f"{position.symbol}: the long leg holds {long_q} and the short leg "
                                     f"{short_q} — not this strategy's position; trade it by hand")
        if long_q != -short_q:
            await self.square(position, long_q, short_q,
                              opening=position.status == PositionStatus.OPENING.value)
            long_q, short_q = await self._quantities(position)
            if long_q != -short_q:
                return await self._block(f"{position.symbol}: legs still unequal ({long_q} vs {short_q})")
        return await self._settle(position, long_q, resume_exit)

    async def _settle(self, position: StrategyPosition, quantity: Decimal, resume_exit: bool) -> bool:
        store, status = self.s.store, PositionStatus(position.status)
        if quantity == 0:
            if status is PositionStatus.OPENING:
                await store.set_status(position.id, PositionStatus.FAILED, "nothing open on reconciliation")
            else:
                reason = position.extra.get("exit_reason", "flat on reconciliation")
                await self.s.trader.finish_exit(position, reason)
            return True
        await store.set_legs(position.id, quantity, quantity, status=LegStatus.OPEN)
        if status is PositionStatus.OPENING:
            await store.set_status(position.id, PositionStatus.OPEN, "hedged on reconciliation")
            await self.s.alert("position recovered", f"{position.symbol}: {quantity} per leg, hedged")
        elif status is PositionStatus.CLOSING and resume_exit:
            return await self.s.trader.exit(await store.get(position.id), None,
                                            reason=position.extra.get("exit_reason", "resumed exit"))
        return True

    async def square(self, position: StrategyPosition, long_q: Decimal, short_q: Decimal, *,
                     opening: bool) -> None:
        """Make the legs equal: complete the smaller leg (opening positions only), then trim
        the larger one with reduce-only orders."""
        legs = {leg.leg_index: leg for leg in position.legs}
        long_venue, short_venue = legs[LEG_LONG].venue, legs[LEG_SHORT].venue
        trader = self.s.trader
        diff = long_q + short_q                          # > 0: long ahead; < 0: short ahead
        if opening and diff != 0:
            venue, side = (short_venue, Side.SELL) if diff > 0 else (long_venue, Side.BUY)
            if await self._completable(venue, position.symbol, abs(diff)):
                await trader.correct(position, venue, side, abs(diff), reduce_only=False)
                long_q, short_q = await self._quantities(position)
                diff = long_q + short_q
        if diff > 0:
            await trader.correct(position, long_venue, Side.SELL, diff, reduce_only=True)
        elif diff < 0:
            await trader.correct(position, short_venue, Side.BUY, -diff, reduce_only=True)
        self.s.note(f"{position.symbol}: squared legs ({long_q} / {short_q})")

    async def _completable(self, venue: str, symbol: str, quantity: Decimal) -> bool:
        client = self.s.clients[venue]
        market = await client.get_contract_attributes(symbol)
        bbo = await client.fetch_bbo_prices(symbol)
        price = bbo.mid or bbo.bid or bbo.ask
        return price is not None and quantity >= market.min_size and quantity * price >= market.min_notional
