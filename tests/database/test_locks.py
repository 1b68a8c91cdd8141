"""One runner per account, across processes, on both backends; crash recovery."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from database.engine import Database
from database.errors import LockHeldError, LockLostError
from database.locks import lock_status

HOLDER = """
import asyncio, sys
from database.engine import Database

async def main() -> None:
    async with Database(sys.argv[1]) as db:
        lock = db.runner_lock(sys.argv[2].split(","), purpose="holder under test")
        await lock.acquire()
        print("ACQUIRED", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        await lock.release()
        print("RELEASED", flush=True)

asyncio.run(main())
"""


class Holder:
    """Another process holding a runner lock until told to release or killed."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, url: str, names: str) -> Holder:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLDER, url, names, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        holder = cls(proc)
        line = await holder.line()
        if line != "ACQUIRED":
            assert proc.stderr is not None
            raise AssertionError(f"holder failed: {line!r} {(await proc.stderr.read()).decode()}")
        return holder

    async def line(self) -> str:
        assert self.proc.stdout is not None
        return (await asyncio.wait_for(self.proc.stdout.readline(), 60)).decode().strip()

    async def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        await self.proc.stdin.drain()
        assert await self.line() == "RELEASED"
        await self.proc.wait()

    async def crash(self) -> None:
        self.proc.kill()  # SIGKILL: no finally blocks, no clean release
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            await self.crash()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                await stream.read()


@pytest.fixture
async def holders() -> AsyncIterator[list[Holder]]:
    started: list[Holder] = []
    yield started
    for holder in started:
        await holder.stop()


async def _acquire_eventually(db: Database, names: list[str], attempts: int = 100) -> None:
    """After a crash PostgreSQL notices the dead connection within moments; poll, do not
    assume a delay."""
    for _ in range(attempts):
        lock = db.runner_lock(names, purpose="successor")
        try:
            await lock.acquire()
        except LockHeldError:
            await asyncio.sleep(0.1)
            continue
        await lock.release()
        return
    raise AssertionError("the crashed holder's lock was never released")


async def test_second_process_is_refused_with_the_holder_named(
        db: Database, holders: list[Holder]) -> None:
    holder = await Holder.start(str(db.url.render_as_string(hide_password=False)), "main")
    holders.append(holder)
    lock = db.runner_lock(["alt", "main"], purpose="second runner")
    with pytest.raises(LockHeldError) as info:
        await lock.acquire()
    err = info.value
    assert err.name == "main" and err.holder is not None
    assert err.holder.pid == holder.proc.pid and err.holder.host == socket.gethostname()
    assert "holder under test" in str(err) and f"pid {holder.proc.pid}" in str(err)
    assert not lock.held
    async with db.runner_lock(["alt"]):  # the partial acquisition of "alt" was undone
        pass
    await holder.release()
    async with db.runner_lock(["alt", "main"], purpose="second runner") as mine:
        await mine.heartbeat()
        status = await lock_status(db)
        assert [(h.name, h.pid, live) for h, live in status] == [
            ("alt", os.getpid(), True), ("main", os.getpid(), True)]
    assert await lock_status(db) == []


async def test_crashed_holder_is_recovered_safely(db: Database, holders: list[Holder],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    holder = await Holder.start(str(db.url.render_as_string(hide_password=False)), "main,alt")
    holders.append(holder)
    with pytest.raises(LockHeldError):
        await db.runner_lock(["main"]).acquire()
    await holder.crash()
    await _acquire_eventually(db, ["alt", "main"])
    caplog.set_level("WARNING")
    status_before = await lock_status(db)
    assert status_before == []  # the successor released cleanly
    # a crash leaves rows behind; they are reported stale and do not block anyone
    holder2 = await Holder.start(str(db.url.render_as_string(hide_password=False)), "main")
    holders.append(holder2)
    await holder2.crash()
    for _ in range(100):
        status = await lock_status(db)
        if status and not status[0][1]:
            break
        await asyncio.sleep(0.1)
    assert [(h.name, h.pid, live) for h, live in status] == [("main", holder2.proc.pid, False)]
    async with db.runner_lock(["main"], purpose="successor") as lock:
        await lock.heartbeat()
        ((recorded, live),) = await lock_status(db)
        assert recorded.pid == os.getpid() and live
    assert any("taking over runner lock 'main'" in r.getMessage() for r in caplog.records)


async def test_same_process_second_lock_is_refused(db: Database) -> None:
    async with db.runner_lock(["main"], purpose="first"):
        with pytest.raises(LockHeldError, match="first"):
            await db.runner_lock(["main"], purpose="second").acquire()
    async with db.runner_lock(["main"], purpose="second"):
        pass


async def test_heartbeat_detects_a_lost_lock(db: Database) -> None:
    lock = db.runner_lock(["main"])
    with pytest.raises(LockLostError):
        await lock.heartbeat()
    await lock.acquire()
    try:
        await lock.heartbeat()
        if db.backend == "postgresql":
            # the server drops our lock session (failover, admin kill): we must notice
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks "
                                        "WHERE locktype = 'advisory'"))
        else:
            from database.models import RunnerLockRecord

            async with db.sessions.begin() as session:  # another holder's row replaced ours
                row = await session.get(RunnerLockRecord, "main")
                assert row is not None
                row.holder_id = "someone-else"
        with pytest.raises(LockLostError):
            await lock.heartbeat()
    finally:
        await lock.release()


async def test_release_frees_the_lock_even_when_its_record_cannot_be_deleted(
        db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A cancelled run can leave the database busy; releasing must still free the lock (the
    stale record is taken over by the next runner) and must not raise over the run's error."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.ext.asyncio import AsyncSession

    lock = db.runner_lock(["main"], purpose="cancelled run")
    await lock.acquire()
    real_execute = AsyncSession.execute

    async def busy(self: AsyncSession, statement: object, *args: object, **kwargs: object) -> object:
        if str(statement).startswith("DELETE FROM runner_locks"):
            raise OperationalError(str(statement), {}, Exception("database is locked"))
        return await real_execute(self, statement, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(AsyncSession, "execute", busy)
    await lock.release()
    monkeypatch.undo()
    assert any("could not delete its record" in r.getMessage() for r in caplog.records)
    async with db.runner_lock(["main"], purpose="next run"):
        ((recorded, live),) = await lock_status(db)
        assert recorded.purpose == "next run" and live
