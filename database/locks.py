"""One runner per account: a lock that a crash cannot leave behind.

Liveness is never guessed from timestamps. It rests on a primitive that the operating system
or the database server releases by itself when the holder dies:

* **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on a dedicated
  connection held for the lock's lifetime. A crashed process's connection closes and the
  server drops the lock. (Not through a transaction-pooling PgBouncer: session locks need a
  real session.)
* **SQLite**: an exclusive ``flock`` (``msvcrt.locking`` on Windows) on a file in
  ``<database>.locks/``. The kernel drops it when the process exits, however it exits.

A row in ``runner_locks`` records *who* holds each lock (pid, host, purpose, heartbeat) so a
refusal can name the holder. A crashed holder's row stays behind, but it does not keep the
lock: the next runner takes the primitive, overwrites the row and logs the takeover.

``heartbeat()`` proves the lock is still held (PostgreSQL: the lock connection still
answers) and refreshes the row; a runner should call it before acting on the venue, and stop
on :class:`LockLostError`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from database.errors import DatabaseError, LockHeldError, LockHolder, LockLostError
from database.models import RunnerLockRecord, new_uuid
from helpers.time import utc_now
from helpers.unified_logger import get_logger

if TYPE_CHECKING:
    from database.engine import Database

__all__ = ["RunnerLock", "lock_status"]

_log = get_logger("database.locks")


class _Primitive(Protocol):
    async def try_acquire(self) -> bool: ...
    async def alive(self) -> bool: ...
    async def release(self) -> None: ...


def _advisory_key(name: str) -> int:
    digest = hashlib.blake2b(f"perpdex-runner:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _AdvisoryLock:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self._engine = engine
        self._key = _advisory_key(name)
        self._conn: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        conn = await self._engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await conn.scalar(select(func.pg_try_advisory_lock(self._key)))
        except BaseException:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def alive(self) -> bool:
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(select(1))
        except DBAPIError:
            return False
        return True

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        # closing the server session is what releases a session lock for certain, so the
        # connection is discarded rather than returned to the pool
        try:
            await conn.invalidate()
        finally:
            await conn.close()


class _FileLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        return await asyncio.to_thread(self._try_acquire)

    def _try_acquire(self) -> bool:
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_fd(fd)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def alive(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock


if sys.platform == "win32":
    import msvcrt

    def _lock_fd(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _lock_dir(db: Database) -> Path:
    if db.sqlite_path is None:
        raise DatabaseError("runner locks need a file-backed SQLite database or PostgreSQL "
                            "(an in-memory database is private to one process anyway)")
    return db.sqlite_path.with_name(db.sqlite_path.name + ".locks")


def _primitive(db: Database, name: str) -> _Primitive:
    if db.backend == "postgresql":
        return _AdvisoryLock(db.engine, name)
    slug = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40]
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return _FileLock(_lock_dir(db) / f"{slug}-{digest}.lock")


def _holder(row: RunnerLockRecord) -> LockHolder:
    return LockHolder(row.name, row.holder_id, row.pid, row.host, row.purpose, row.acquired_at,
                      row.heartbeat_at)


class RunnerLock:
    """Exclusive lock on one or more names (account names), held by this process.

    ``async with db.runner_lock(["main"], purpose="funding-arb"):`` — raises
    :class:`LockHeldError` naming the live holder if another process has any of the names.
    """

    def __init__(self, db: Database, names: Iterable[str], *, purpose: str = "") -> None:
        self._db = db
        self.names = tuple(sorted(set(names)))
        if not self.names:
            raise ValueError("a runner lock needs at least one name")
        self.purpose = purpose[:255]
        self.holder_id = new_uuid()
        self._held: list[_Primitive] = []

    @property
    def held(self) -> bool:
        return bool(self._held)

    async def acquire(self) -> None:
        if self._held:
            raise DatabaseError("this runner lock is already held")
        try:
            for name in self.names:  # sorted: every runner takes names in the same order
                primitive = _primitive(self._db, name)
                if not await primitive.try_acquire():
                    raise LockHeldError(name, await self._recorded_holder(name))
                self._held.append(primitive)
            await self._record()
        except BaseException:
            await self._release_primitives()
            raise
        _log.info("runner lock taken on %s by pid %d (%s)", ", ".join(self.names), os.getpid(),
                  self.purpose or "no purpose given")

    async def _record(self) -> None:
        now = utc_now()
        async with self._db.sessions.begin() as session:
            for name in self.names:
                row = await session.get(RunnerLockRecord, name, with_for_update=True)
                if row is None:
                    row = RunnerLockRecord(name=name)
                    session.add(row)
                elif row.holder_id != self.holder_id:
                    _log.warning("taking over runner lock %r left by %s, which is no longer "
                                 "running", name, _holder(row).describe())
                row.holder_id = self.holder_id
                row.pid = os.getpid()
                row.host = socket.gethostname()
                row.purpose = self.purpose
                row.acquired_at = now
                row.heartbeat_at = now

    async def _recorded_holder(self, name: str) -> LockHolder | None:
        async with self._db.sessions() as session:
            row = await session.get(RunnerLockRecord, name)
            return None if row is None else _holder(row)

    async def heartbeat(self) -> None:
        """Prove the lock is still ours and refresh the heartbeat; :class:`LockLostError`
        if it is not (the runner must stop acting)."""
        if not self._held:
            raise LockLostError("this runner lock is not held")
        for primitive in self._held:
            if not await primitive.alive():
                raise LockLostError(f"the runner lock on {', '.join(self.names)} was lost "
                                    "(database connection closed)")
        async with self._db.sessions.begin() as session:
            result = await session.execute(
                update(RunnerLockRecord)
                .where(RunnerLockRecord.name.in_(self.names),
                       RunnerLockRecord.holder_id == self.holder_id)
                .values(heartbeat_at=utc_now()).returning(RunnerLockRecord.name))
            if len(result.all()) != len(self.names):
                raise LockLostError(f"the runner lock on {', '.join(self.names)} was taken over")

    async def release(self) -> None:
        if not self._held:
            return
        try:
            async with self._db.sessions.begin() as session:
                await session.execute(delete(RunnerLockRecord).where(
                    RunnerLockRecord.name.in_(self.names),
                    RunnerLockRecord.holder_id == self.holder_id))
        except DBAPIError as exc:
            # The row only describes the holder; liveness is the primitive, released below,
            # so the next runner takes the row over as stale. Failing here would replace the
            # error that ended the run (e.g. a cancellation that left a write transaction
            # open on a pooled SQLite connection) with a less useful one.
            _log.warning("runner lock on %s: could not delete its record (%s); the next runner "
                         "takes it over", ", ".join(self.names), type(exc.orig).__name__)
        finally:
            await self._release_primitives()
        _log.info("runner lock released on %s", ", ".join(self.names))

    async def _release_primitives(self) -> None:
        held, self._held = self._held, []
        for primitive in reversed(held):
            await primitive.release()

    async def __aenter__(self) -> RunnerLock:
        await self.acquire()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.release()


async def lock_status(db: Database) -> Sequence[tuple[LockHolder, bool]]:
    """Every recorded lock with whether its holder is alive (probed by trying the primitive:
    a free primitive means the recorded holder died without releasing)."""
    async with db.sessions() as session:
        rows = [_holder(r) for r in await session.scalars(
            select(RunnerLockRecord).order_by(RunnerLockRecord.name))]
    status = []
    for holder in rows:
        probe = _primitive(db, holder.name)
        free = await probe.try_acquire()
        if free:
            await probe.release()
        status.append((holder, not free))
    return status
