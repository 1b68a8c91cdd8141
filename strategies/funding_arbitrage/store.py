"""The strategy's positions in the database: written before orders, updated as fills land.

A position has two legs, index 0 the long and 1 the short (``LEG_LONG``/``LEG_SHORT``). Its
``extra`` holds what the database has no column for: the account of each leg, which leg is
worked first, the target quantity, the strategy-clock times it opened/closed (the window its
funding payments are summed over) and the below-threshold counter that survives a restart.

PnL comes from the venues' own records: fills (journaled by the executor, linked to the
position through its orders) give fees and price PnL; funding payments are read from each
venue and summed over the position's window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from database import Database
from database.models import LegStatus, PositionStatus, StrategyPosition
from database.repositories.positions import LegInput
from helpers.time import ensure_utc

__all__ = ["FundingArbStore", "LEG_LONG", "LEG_SHORT", "LegFills", "PositionKey"]

LEG_LONG, LEG_SHORT = 0, 1
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PositionKey:
    symbol: str
    long_venue: str
    short_venue: str


@dataclass(frozen=True, slots=True)
class LegFills:
    """A leg's fills summed: signed net quantity, cash flow (sells +, buys −), fees paid."""

    quantity: Decimal
    cash: Decimal
    fees: Decimal
    bought: Decimal
    sold: Decimal
    buy_cost: Decimal
    sell_proceeds: Decimal

    def price_pnl(self, mark: Decimal | None) -> Decimal:
        """Realised plus unrealised price PnL (the open quantity valued at ``mark``)."""
        if self.quantity == 0 or mark is None:
            return self.cash
        return self.cash + self.quantity * mark

    @property
    def entry_price(self) -> Decimal | None:
        if self.quantity > 0 and self.bought > 0:
            return self.buy_cost / self.bought
        if self.quantity < 0 and self.sold > 0:
            return self.sell_proceeds / self.sold
        return None


class FundingArbStore:
    def __init__(self, db: Database, strategy: str, account: str) -> None:
        self.db = db
        self.strategy = strategy
        self.account = account

    async def open_position(self, key: PositionKey, quantity: Decimal, *, entry_spread: Decimal,
                            extra: dict[str, Any], run_id: str | None) -> StrategyPosition:
        legs = [LegInput(venue=key.long_venue, symbol=key.symbol, side="buy", size=quantity),
                LegInput(venue=key.short_venue, symbol=key.symbol, side="sell", size=quantity)]
        return await self.db.positions.open(self.strategy, self.account, key.symbol, legs,
                                            run_id=run_id, entry_spread=entry_spread, extra=extra)

    async def active(self) -> list[StrategyPosition]:
        return await self.db.positions.active(account=self.account, strategy=self.strategy)

    async def get(self, position_id: str) -> StrategyPosition:
        return await self.db.positions.get(position_id)

    async def set_status(self, position_id: str, status: PositionStatus, reason: str | None = None) -> None:
        await self.db.positions.set_status(position_id, status, reason=reason)

    async def set_legs(self, position_id: str, long: Decimal, short: Decimal,
                       prices: tuple[Decimal | None, Decimal | None] = (None, None),
                       status: LegStatus | None = None) -> None:
        for index, size, price in ((LEG_LONG, long, prices[0]), (LEG_SHORT, short, prices[1])):
            await self.db.positions.update_leg(position_id, index, size=abs(size), entry_price=price,
                                               status=status)

    async def update_extra(self, position_id: str, patch: dict[str, Any]) -> None:
        await self.db.positions.update_extra(position_id, patch)

    async def leg_fills(self, position: StrategyPosition) -> dict[int, LegFills]:
        """Fills of the position's orders, per leg (by venue)."""
        by_venue: dict[str, list[Any]] = {}
        for fill in await self.db.orders.position_fills(position.id):
            by_venue.setdefault(fill.venue, []).append(fill)
        out = {}
        for leg in position.legs:
            qty = cash = fees = bought = sold = cost = proceeds = ZERO
            for fill in by_venue.get(leg.venue, []):
                notional = fill.price * fill.quantity
                if fill.side == "buy":
                    qty, cash, bought, cost = qty + fill.quantity, cash - notional, bought + fill.quantity, \
                        cost + notional
                else:
                    qty, cash, sold, proceeds = qty - fill.quantity, cash + notional, sold + fill.quantity, \
                        proceeds + notional
                fees += fill.fee
            out[leg.leg_index] = LegFills(qty, cash, fees, bought, sold, cost, proceeds)
        return out

    async def sync_totals(self, position: StrategyPosition, funding: dict[int, Decimal],
                          fees: dict[int, Decimal]) -> None:
        """Move the stored per-leg funding and fees to the venue-derived totals (adds the
        difference: the repository accumulates exactly, in one locked transaction)."""
        for leg in position.legs:
            funding_delta = funding.get(leg.leg_index, ZERO) - leg.funding_collected
            if funding_delta != 0:
                await self.db.positions.add_funding(position.id, funding_delta, leg_index=leg.leg_index)
            fee_delta = fees.get(leg.leg_index, ZERO) - leg.fees
            if fee_delta != 0:
                await self.db.positions.add_fees(position.id, fee_delta, leg_index=leg.leg_index)

    async def close(self, position_id: str, *, net_pnl: Decimal, exit_spread: Decimal | None,
                    reason: str, extra: dict[str, Any]) -> StrategyPosition:
        await self.db.positions.update_extra(position_id, extra)
        for index in (LEG_LONG, LEG_SHORT):
            await self.db.positions.update_leg(position_id, index, status=LegStatus.CLOSED)
        return await self.db.positions.close(position_id, realized_pnl=net_pnl, exit_spread=exit_spread,
                                             reason=reason)


def window(position: StrategyPosition) -> tuple[datetime | None, datetime | None]:
    """The strategy-clock window of a position, from ``extra``."""
    opened = position.extra.get("opened_clock")
    closed = position.extra.get("closed_clock")
    return (ensure_utc(opened) if isinstance(opened, datetime) else None,
            ensure_utc(closed) if isinstance(closed, datetime) else None)
