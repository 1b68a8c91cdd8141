"""Small pieces every repository uses: the dialect's INSERT (for ON CONFLICT) and lookups."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["dialect_insert"]


def dialect_insert(session: AsyncSession, model: type[Any]) -> Any:
    """``INSERT`` of the session's backend, which offers ``on_conflict_do_nothing`` /
    ``on_conflict_do_update`` with the same signature on PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
