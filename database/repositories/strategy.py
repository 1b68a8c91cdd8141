"""Strategy runs and their key-value state (what a strategy needs to resume)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from database.coltypes import encode_json
from database.errors import NotFoundError
from database.models import RunStatus, StrategyRun, StrategyStateEntry
from database.repositories._common import dialect_insert
from database.session import SessionFactory
from helpers.time import utc_now

__all__ = ["StrategyRunRepository"]


class StrategyRunRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    # ---- runs ---------------------------------------------------------------------------

    async def start(self, strategy: str, account: str, config: Mapping[str, Any] | None = None
                    ) -> StrategyRun:
        run = StrategyRun(strategy=strategy, account=account, config=dict(config or {}),
                          host=socket.gethostname(), pid=os.getpid(),
                          status=RunStatus.RUNNING.value)
        async with self._sessions.begin() as session:
            session.add(run)
        return run

    async def finish(self, run_id: str, status: RunStatus, reason: str | None = None) -> StrategyRun:
        if status is RunStatus.RUNNING:
            raise ValueError("finish() needs a final status")
        async with self._sessions.begin() as session:
            run = await self._get(session, run_id)
            run.status = status.value
            run.stopped_at = utc_now()
            run.stop_reason = reason
            return run

    async def get(self, run_id: str) -> StrategyRun:
        async with self._sessions() as session:
            return await self._get(session, run_id)

    async def latest(self, strategy: str, account: str, *, status: RunStatus | None = None
                     ) -> StrategyRun | None:
        """The most recent run of ``strategy`` on ``account`` (to resume after a restart)."""
        query = select(StrategyRun).where(StrategyRun.strategy == strategy,
                                          StrategyRun.account == account)
        if status is not None:
            query = query.where(StrategyRun.status == status.value)
        query = query.order_by(StrategyRun.started_at.desc()).limit(1)
        async with self._sessions() as session:
            return await session.scalar(query)

    async def running(self) -> list[StrategyRun]:
        async with self._sessions() as session:
            return list(await session.scalars(select(StrategyRun).where(
                StrategyRun.status == RunStatus.RUNNING.value).order_by(StrategyRun.started_at)))

    @staticmethod
    async def _get(session: Any, run_id: str) -> StrategyRun:
        run = await session.get(StrategyRun, run_id)
        if run is None:
            raise NotFoundError(f"no strategy run {run_id!r}")
        return run  # type: ignore[no-any-return]

    # ---- state --------------------------------------------------------------------------

    async def set_state(self, run_id: str, values: Mapping[str, Any]) -> None:
        """Upsert several keys of one run's state atomically. Values are JSON plus Decimal
        and aware datetime (stored exactly); floats are refused."""
        if not values:
            return
        encode_json(dict(values))  # refuse floats and naive datetimes here, not mid-statement
        now = utc_now()
        rows = [{"run_id": run_id, "key": k, "value": v, "updated_at": now} for k, v in values.items()]
        async with self._sessions.begin() as session:
            insert = dialect_insert(session, StrategyStateEntry)
            await session.execute(insert.values(rows).on_conflict_do_update(
                index_elements=["run_id", "key"],
                set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at}))

    async def get_state(self, run_id: str, key: str, default: Any = None) -> Any:
        async with self._sessions() as session:
            entry = await session.get(StrategyStateEntry, (run_id, key))
            return default if entry is None else entry.value

    async def state(self, run_id: str) -> dict[str, Any]:
        async with self._sessions() as session:
            entries = await session.scalars(select(StrategyStateEntry).where(
                StrategyStateEntry.run_id == run_id).order_by(StrategyStateEntry.key))
            return {e.key: e.value for e in entries}

    async def delete_state(self, run_id: str, key: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(StrategyStateEntry).where(
                StrategyStateEntry.run_id == run_id, StrategyStateEntry.key == key)
                .returning(StrategyStateEntry.key))
            return result.first() is not None
