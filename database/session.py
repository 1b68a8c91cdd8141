"""The session-factory type every repository takes (kept apart to avoid import cycles)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SessionFactory"]

SessionFactory = async_sessionmaker[AsyncSession]
