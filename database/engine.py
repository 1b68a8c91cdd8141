"""The database handle: one async engine and session factory behind one code path.

``async with Database() as db:`` opens ``DATABASE_URL`` or the embedded SQLite default,
checks the schema (upgrading it automatically when the database is embedded SQLite; a
PostgreSQL schema is upgraded only by ``perpdex db upgrade``, deliberately) and exposes the
repositories. ``Database`` is bound to the event loop that opened it.

SQLite set-up, and why:

* the file is created 0600 in a 0700 directory (it holds ciphertexts and strategy state);
* WAL journal, ``busy_timeout`` 15 s, ``foreign_keys`` on;
* every transaction starts with ``BEGIN IMMEDIATE``. pysqlite's default deferred BEGIN lets a
  transaction read, then fail to upgrade to a write if another process committed meanwhile
  (SQLITE_BUSY without waiting). Taking the write lock up front makes read-modify-write
  (Decimal increments, key rotation, outbox claims) serialisable across processes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from database import migrate
from database.credentials import CredentialStore
from database.errors import DatabaseError
from database.locks import RunnerLock
from database.paths import database_url, normalize_url
from database.repositories import (
    AccountRepository,
    FundingRateRepository,
    MarketRepository,
    NotificationRepository,
    OrderRepository,
    PositionRepository,
    StrategyRunRepository,
)
from database.session import SessionFactory
from helpers.unified_logger import get_logger

__all__ = ["Database"]

_log = get_logger("database.engine")
_SQLITE_BUSY_TIMEOUT_MS = 15_000


class Database:
    """Engine + session factory + repositories for one database URL."""

    def __init__(self, url: str | URL | None = None, *, auto_upgrade: bool | None = None,
                 env: Mapping[str, str] | None = None, echo: bool = False) -> None:
        if url is None:
            self.url, embedded = database_url(env)
        else:
            self.url, embedded = normalize_url(url), False
        self.backend = self.url.get_backend_name()
        # the embedded SQLite is the user's own file: keep it at head without asking
        self.auto_upgrade = (self.backend == "sqlite") if auto_upgrade is None else auto_upgrade
        self.is_embedded_default = embedded
        self._env = env
        self.sqlite_path = self._sqlite_file()
        if self.sqlite_path is not None:
            _prepare_sqlite_file(self.sqlite_path)
        self.engine: AsyncEngine = create_async_engine(self.url, echo=echo, **self._engine_args())
        if self.backend == "sqlite":
            _install_sqlite_hooks(self.engine)
        self.sessions: SessionFactory = async_sessionmaker(self.engine, expire_on_commit=False)
        self._prepared = False

    # ---- lifecycle --------------------------------------------------------------------

    async def prepare(self) -> None:
        """Upgrade (auto) or verify the schema. Idempotent."""
        if self._prepared:
            return
        if self.auto_upgrade:
            await migrate.upgrade(self.engine)
        else:
            await migrate.check_current(self.engine)
        self._prepared = True

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        try:
            await self.prepare()
        except BaseException:
            await self.dispose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.dispose()

    # ---- description ------------------------------------------------------------------

    @property
    def display_url(self) -> str:
        """The URL with any password masked: safe to print and log."""
        return self.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Database({self.display_url!r})"

    # ---- repositories -----------------------------------------------------------------

    @property
    def accounts(self) -> AccountRepository:
        return AccountRepository(self.sessions)

    @property
    def funding(self) -> FundingRateRepository:
        return FundingRateRepository(self.sessions)

    @property
    def markets(self) -> MarketRepository:
        return MarketRepository(self.sessions)

    @property
    def runs(self) -> StrategyRunRepository:
        return StrategyRunRepository(self.sessions)

    @property
    def positions(self) -> PositionRepository:
        return PositionRepository(self.sessions)

    @property
    def orders(self) -> OrderRepository:
        return OrderRepository(self.sessions)

    @property
    def notifications(self) -> NotificationRepository:
        return NotificationRepository(self.sessions)

    def credentials(self, env: Mapping[str, str] | None = None) -> CredentialStore:
        """The encrypted credential store; the master key is read from ``env`` (default: the
        ``env`` this database was opened with, else ``os.environ``) or the key file, when
        first needed."""
        return CredentialStore(self.sessions, env=env if env is not None else self._env)

    def runner_lock(self, names: list[str] | tuple[str, ...], *, purpose: str = "") -> RunnerLock:
        return RunnerLock(self, names, purpose=purpose)

    # ---- internals --------------------------------------------------------------------

    def _sqlite_file(self) -> Path | None:
        if self.backend != "sqlite":
            return None
        name = self.url.database
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name).expanduser().resolve()

    def _engine_args(self) -> dict[str, Any]:
        if self.backend == "postgresql":
            return {"pool_pre_ping": True}
        return {}


def _prepare_sqlite_file(path: Path) -> None:
    """Create the directory 0700 and an empty database file 0600 before SQLite does (SQLite
    would create it with the process umask, typically world-readable)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseError(f"cannot create the database file {path}: {exc.strerror}") from exc
    os.close(fd)
    _log.info("created database file %s", path)


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take BEGIN away from the driver; _on_begin below emits our own
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

