"""Alembic migrations, run programmatically on our own async engine.

Alembic's commands are synchronous; they run inside ``AsyncConnection.run_sync`` on a
connection we pass to ``migrations/env.py`` through ``Config.attributes`` (Alembic's
"connection sharing" recipe). No ``alembic.ini`` is needed and the migrations run in one
transaction on both backends (SQLite DDL is transactional with our explicit BEGIN).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from database.errors import SchemaError
from helpers.unified_logger import get_logger

__all__ = ["MIGRATIONS_DIR", "alembic_config", "head_revision", "current_revision", "upgrade",
           "downgrade", "check_current", "history", "autogenerate_revision"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_log = get_logger("database.migrate")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    if head is None:  # only possible in a broken checkout
        raise SchemaError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def history() -> list[tuple[str, str]]:
    """``(revision, message)`` from base to head."""
    return [(s.revision, s.doc or "") for s in reversed(list(_scripts().walk_revisions()))]


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def _run(connection: Connection, action: str, revision: str) -> None:
    current = _current(connection)
    if current is not None and not _known(current):
        raise SchemaError(f"the database schema is at revision {current}, which this version of "
                          "perpdex does not know (written by a newer perpdex?); upgrade perpdex")
    config = alembic_config(connection)
    try:
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
    except CommandError as exc:
        raise SchemaError(f"cannot {action} to {revision!r}: {exc}") from None


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade to ``revision`` in one transaction (a no-op when already there)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "upgrade", revision)
    _log.debug("schema upgraded to %s", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Downgrade to ``revision`` (``"-1"``, a revision id, or ``"base"`` to drop everything)."""
    async with engine.begin() as conn:
        await conn.run_sync(_run, "downgrade", revision)
    _log.debug("schema downgraded to %s", revision)


async def check_current(engine: AsyncEngine) -> None:
    """Raise :class:`SchemaError` unless the schema is exactly at head."""
    current = await current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise SchemaError("the database has no perpdex schema yet: run `perpdex db upgrade`")
    if not _known(current):
        raise SchemaError(f"the database schema is at revision {current}, which this version of "
                          "perpdex does not know (written by a newer perpdex?); upgrade perpdex")
    raise SchemaError(f"the database schema is at revision {current}; this perpdex needs {head}: "
                      "run `perpdex db upgrade`")


async def autogenerate_revision(engine: AsyncEngine, message: str) -> list[Any]:
    """Developer tool: write a new migration from the difference between the models and the
    database (which must be at head). Review the generated file before committing it."""
    def _revision(connection: Connection) -> Any:
        return command.revision(alembic_config(connection), message=message, autogenerate=True)

    async with engine.begin() as conn:
        result = await conn.run_sync(_revision)
    return result if isinstance(result, list) else [result]
