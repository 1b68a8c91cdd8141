"""Where perpdex keeps its data: the data directory, the default database, the key file.

* ``PERPDEX_DATA_DIR`` overrides the directory (default: the platform's user data dir,
  e.g. ``~/.local/share/perpdex``).
* ``DATABASE_URL`` overrides the database entirely (``postgresql://...`` for production).
* ``PERPDEX_MASTER_KEY_FILE`` overrides the key file path (default ``<data dir>/master.key``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from database.errors import DatabaseError

__all__ = ["data_dir", "default_database_url", "database_url", "key_file_path", "normalize_url",
           "DATA_DIR_ENV", "DATABASE_URL_ENV", "MASTER_KEY_ENV", "MASTER_KEY_FILE_ENV",
           "DEFAULT_DB_NAME", "KEY_FILE_NAME"]

DATA_DIR_ENV = "PERPDEX_DATA_DIR"
DATABASE_URL_ENV = "DATABASE_URL"
MASTER_KEY_ENV = "PERPDEX_MASTER_KEY"
MASTER_KEY_FILE_ENV = "PERPDEX_MASTER_KEY_FILE"
DEFAULT_DB_NAME = "perpdex.db"
KEY_FILE_NAME = "master.key"

_ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}


def data_dir(env: Mapping[str, str] | None = None, *, create: bool = False) -> Path:
    """The data directory; created with mode 0700 when ``create`` is true."""
    env = os.environ if env is None else env
    override = env.get(DATA_DIR_ENV)
    path = Path(override).expanduser() if override else platformdirs.user_data_path(
        "perpdex", appauthor=False)
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def default_database_url(env: Mapping[str, str] | None = None) -> URL:
    """The embedded SQLite database inside the data directory."""
    return URL.create("sqlite+aiosqlite", database=str(data_dir(env) / DEFAULT_DB_NAME))


def database_url(env: Mapping[str, str] | None = None) -> tuple[URL, bool]:
    """``(url, is_embedded_default)``: ``DATABASE_URL`` when set, else the default SQLite."""
    env = os.environ if env is None else env
    raw = env.get(DATABASE_URL_ENV)
    if raw:
        return normalize_url(raw), False
    return default_database_url(env), True


def normalize_url(raw: str | URL) -> URL:
    """Map ``postgres://``/``postgresql://``/``sqlite://`` to their async drivers."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseError("DATABASE_URL is not a valid database URL") from None
    # parse the name ourselves: asking SQLAlchemy for the driver would import the default one
    backend, _, driver = url.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    wanted = _ASYNC_DRIVERS.get(backend)
    if wanted is None:
        raise DatabaseError(f"unsupported database backend {backend!r}: use postgresql:// or sqlite://")
    if driver not in ("", wanted):
        raise DatabaseError(f"database driver {driver!r} is synchronous; perpdex needs "
                            f"{backend}+{wanted}://")
    return url.set(drivername=f"{backend}+{wanted}")


def key_file_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    override = env.get(MASTER_KEY_FILE_ENV)
    return Path(override).expanduser() if override else data_dir(env) / KEY_FILE_NAME
