"""Strategy positions and their legs: what is open where, at what price, and what it earned.

Money is accumulated in Python inside one locked transaction (``SELECT … FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) because SQLite stores Decimals as text and must
never do arithmetic on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from database.errors import InvalidTransitionError, NotFoundError
from database.models import LegStatus, PositionLeg, PositionStatus, StrategyPosition
from database.session import SessionFactory
from helpers.time import utc_now

__all__ = ["LegInput", "PositionRepository", "ACTIVE_STATUSES"]

ACTIVE_STATUSES = (PositionStatus.OPENING, PositionStatus.OPEN, PositionStatus.CLOSING)

_TRANSITIONS: dict[PositionStatus, frozenset[PositionStatus]] = {
    PositionStatus.OPENING: frozenset({PositionStatus.OPEN, PositionStatus.CLOSING,
                                       PositionStatus.FAILED}),
    PositionStatus.OPEN: frozenset({PositionStatus.CLOSING, PositionStatus.CLOSED}),
    # a failed exit leaves the position open again
    PositionStatus.CLOSING: frozenset({PositionStatus.OPEN, PositionStatus.CLOSED,
                                       PositionStatus.FAILED}),
    PositionStatus.CLOSED: frozenset(),
    PositionStatus.FAILED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class LegInput:
    venue: str
    symbol: str
    side: str                      # "buy" (long) or "sell" (short)
    size: Decimal
    entry_price: Decimal | None = None
    status: LegStatus = LegStatus.PENDING


class PositionRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def open(self, strategy: str, account: str, symbol: str, legs: Sequence[LegInput], *,
                   run_id: str | None = None, entry_spread: Decimal | None = None,
                   status: PositionStatus = PositionStatus.OPENING,
                   extra: Mapping[str, Any] | None = None) -> StrategyPosition:
        position = StrategyPosition(
            strategy=strategy, account=account, symbol=symbol, run_id=run_id, status=status.value,
            entry_spread=entry_spread, extra=dict(extra or {}), funding_collected=Decimal(0),
            fees=Decimal(0),
            legs=[PositionLeg(leg_index=i, venue=leg.venue, symbol=leg.symbol, side=leg.side,
                              size=leg.size, entry_price=leg.entry_price, status=leg.status.value,
                              fees=Decimal(0), funding_collected=Decimal(0),
                              opened_at=utc_now() if leg.status is LegStatus.OPEN else None)
                  for i, leg in enumerate(legs)])
        async with self._sessions.begin() as session:
            session.add(position)
        return position

    async def get(self, position_id: str) -> StrategyPosition:
        async with self._sessions() as session:
            return await self._locked(session, position_id, lock=False)

    async def find(self, *, account: str | None = None, strategy: str | None = None,
                   statuses: Iterable[PositionStatus] | None = None) -> list[StrategyPosition]:
        query = select(StrategyPosition).order_by(StrategyPosition.opened_at)
        if account is not None:
            query = query.where(StrategyPosition.account == account)
        if strategy is not None:
            query = query.where(StrategyPosition.strategy == strategy)
        if statuses is not None:
            query = query.where(StrategyPosition.status.in_([s.value for s in statuses]))
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def active(self, *, account: str | None = None, strategy: str | None = None
                     ) -> list[StrategyPosition]:
        """Positions a restarted strategy must pick up again (opening, open, closing)."""
        return await self.find(account=account, strategy=strategy, statuses=ACTIVE_STATUSES)

    async def set_status(self, position_id: str, status: PositionStatus, *,
                         reason: str | None = None) -> StrategyPosition:
        async with self._sessions.begin() as session:
            position = await self._locked(session, position_id)
            self._transition(position, status)
            if reason is not None:
                position.exit_reason = reason
            return position

    async def close(self, position_id: str, *, realized_pnl: Decimal,
                    exit_spread: Decimal | None = None, reason: str) -> StrategyPosition:
        async with self._sessions.begin() as session:
            position = await self._locked(session, position_id)
            self._transition(position, PositionStatus.CLOSED)
            position.realized_pnl = realized_pnl
            position.exit_spread = exit_spread
            position.exit_reason = reason
            position.closed_at = utc_now()
            return position

    async def update_leg(self, position_id: str, leg_index: int, *, status: LegStatus | None = None,
                         size: Decimal | None = None, entry_price: Decimal | None = None,
                         exit_price: Decimal | None = None) -> PositionLeg:
        async with self._sessions.begin() as session:
            position = await self._locked(session, position_id)
            leg = _leg(position, leg_index)
            if size is not None:
                leg.size = size
            if entry_price is not None:
                leg.entry_price = entry_price
            if exit_price is not None:
                leg.exit_price = exit_price
            if status is not None:
                leg.status = status.value
                if status is LegStatus.OPEN and leg.opened_at is None:
                    leg.opened_at = utc_now()
                if status is LegStatus.CLOSED:
                    leg.closed_at = utc_now()
            return leg

    async def add_funding(self, position_id: str, amount: Decimal, *,
                          leg_index: int | None = None) -> Decimal:
        """Add a funding payment (signed: + received) to the position, and to one leg when
        given; returns the position's new total."""
        return await self._accumulate(position_id, "funding_collected", amount, leg_index)

    async def add_fees(self, position_id: str, amount: Decimal, *,
                       leg_index: int | None = None) -> Decimal:
        """Add fees paid (positive; a rebate is negative); returns the position's new total."""
        return await self._accumulate(position_id, "fees", amount, leg_index)

    async def update_extra(self, position_id: str, patch: Mapping[str, Any]) -> StrategyPosition:
        async with self._sessions.begin() as session:
            position = await self._locked(session, position_id)
            position.extra = {**position.extra, **patch}
            return position

    async def _accumulate(self, position_id: str, column: str, amount: Decimal,
                          leg_index: int | None) -> Decimal:
        if not isinstance(amount, Decimal):
            raise TypeError(f"{column} amount must be a Decimal, not {type(amount).__name__}")
        async with self._sessions.begin() as session:
            position = await self._locked(session, position_id)
            total = getattr(position, column) + amount
            setattr(position, column, total)
            if leg_index is not None:
                leg = _leg(position, leg_index)
                setattr(leg, column, getattr(leg, column) + amount)
            return total  # type: ignore[no-any-return]

    @staticmethod
    def _transition(position: StrategyPosition, status: PositionStatus) -> None:
        current = PositionStatus(position.status)
        if status is not current and status not in _TRANSITIONS[current]:
            raise InvalidTransitionError(f"position {position.id}: {current.value} -> "
                                         f"{status.value} is not allowed")
        position.status = status.value

    @staticmethod
    async def _locked(session: Any, position_id: str, *, lock: bool = True) -> StrategyPosition:
        query = select(StrategyPosition).where(StrategyPosition.id == position_id)
        if lock:
            query = query.with_for_update()
        position = await session.scalar(query)
        if position is None:
            raise NotFoundError(f"no strategy position {position_id!r}")
        return position  # type: ignore[no-any-return]


def _leg(position: StrategyPosition, leg_index: int) -> PositionLeg:
    for leg in position.legs:
        if leg.leg_index == leg_index:
            return leg
    raise NotFoundError(f"position {position.id} has no leg {leg_index}")
