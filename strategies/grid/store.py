"""The grid in the database: one ``strategy_positions`` row per grid, orders linked to it.

A grid is identified by venue, account, symbol and direction (``GridConfig.key``); a restart
with the same four continues the same row. Every order the grid places carries the row's id
as ``position_id``, so the journal answers "which orders and fills are this grid's" after any
restart. The row's single leg mirrors the venue position; ``extra`` holds what has no column:

* ``key``, ``round_trips``, ``realized_pnl``, ``fees`` — the running totals (the journal's
  fills remain the source; these are for reports);
* ``suspended`` — the take-profit ladder ``[{price, quantity}]`` as it stood when a clean
  shutdown cancelled it, re-placed by the next start so the grid keeps its levels.

The row is closed (with the reason and the net realised PnL) when a stop rule halts the grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from database import Database
from database.models import LegStatus, OrderState, PositionStatus, StrategyPosition
from database.repositories.positions import LegInput

__all__ = ["GridStore", "STRATEGY"]

STRATEGY = "grid"


class GridStore:
    def __init__(self, db: Database, account: str, key: str) -> None:
        self.db = db
        self.account = account
        self.key = key

    async def active(self) -> StrategyPosition | None:
        for row in await self.db.positions.active(account=self.account, strategy=STRATEGY):
            if row.extra.get("key") == self.key:
                return row
        return None

    async def resume_or_open(self, *, venue: str, symbol: str, side: str, run_id: str | None,
                             config: dict[str, Any]) -> tuple[StrategyPosition, bool]:
        """The active grid row for this key, or a new one; (row, resumed)."""
        row = await self.active()
        if row is not None:
            await self.db.positions.update_extra(row.id, {"last_run_id": run_id, "config": config})
            return row, True
        row = await self.db.positions.open(
            STRATEGY, self.account, symbol,
            [LegInput(venue=venue, symbol=symbol, side=side, size=Decimal(0), status=LegStatus.OPEN)],
            run_id=run_id, status=PositionStatus.OPEN,
            extra={"key": self.key, "round_trips": 0, "realized_pnl": Decimal(0), "fees": Decimal(0),
                   "suspended": [], "last_run_id": run_id, "config": config})
        return row, False

    async def round_trips(self, grid_id: str) -> int:
        """Take-profits of this grid that filled completely (from the journal)."""
        orders = await self.db.orders.for_position(grid_id)
        return sum(1 for o in orders if o.reduce_only and o.status == OrderState.FILLED.value)

    async def fills(self, grid_id: str) -> list[Any]:
        return list(await self.db.orders.position_fills(grid_id))

    async def record(self, grid_id: str, *, size: Decimal, entry_price: Decimal | None,
                     totals: dict[str, Any]) -> None:
        await self.db.positions.update_leg(grid_id, 0, size=size, entry_price=entry_price)
        await self.db.positions.update_extra(grid_id, totals)

    async def suspended(self, grid_id: str) -> list[tuple[Decimal, Decimal]]:
        row = await self.db.positions.get(grid_id)
        return [(Decimal(item["price"]), Decimal(item["quantity"]))
                for item in row.extra.get("suspended", [])]

    async def set_suspended(self, grid_id: str, ladder: Iterable[tuple[Decimal, Decimal]]) -> None:
        await self.db.positions.update_extra(grid_id, {"suspended": [
            {"price": price, "quantity": quantity} for price, quantity in ladder]})

    async def close(self, grid_id: str, *, reason: str, realized: Decimal,
                    totals: dict[str, Any]) -> None:
        await self.db.positions.update_extra(grid_id, {**totals, "suspended": []})
        await self.db.positions.update_leg(grid_id, 0, status=LegStatus.CLOSED, size=Decimal(0))
        await self.db.positions.close(grid_id, realized_pnl=realized, reason=reason)
