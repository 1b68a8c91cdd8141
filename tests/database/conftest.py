"""Fixtures for the storage tests: an isolated data directory, a throwaway PostgreSQL cluster,
and migrated or empty databases on both backends.

PostgreSQL: ``initdb``/``pg_ctl`` from PATH start one cluster per test session on a free
loopback port (as the ``postgres`` system user when running as root); it is stopped and its
directory removed at the end. Tests that need it are marked ``postgres`` and skipped, with
the reason, only when the binaries are absent. PostgreSQL tests share one database migrated
once per session and emptied (TRUNCATE) before each test — creating a database per test
costs ~0.5 s; SQLite tests get a copy of a migrated template file. Tests that change the
schema itself use ``empty_db_url`` (a new database).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from eth_account import Account

from database import migrate
from database.crypto import create_key_file
from database.engine import Database
from database.models import Base
from database.paths import key_file_path

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
_SHARED_DB = "perpdex_test"
_ISOLATED_VARS = ("DATABASE_URL", "PERPDEX_MASTER_KEY", "PERPDEX_MASTER_KEY_FILE",
                  "PERPDEX_LOG_LEVEL", "PERPDEX_LOG_JSON")


def run_in_thread(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine on a private loop in another thread (session fixtures must not touch
    the loop pytest-asyncio manages for the tests)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(factory())
        except BaseException as exc:  # re-raised in the calling thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


# ---- isolation ----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and no inherited database or key settings."""
    data = tmp_path / "data"
    monkeypatch.setenv("PERPDEX_DATA_DIR", str(data))
    for name in _ISOLATED_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.split("_", 1)[0] in ("LIGHTER", "PARADEX", "ASTER", "BACKPACK", "HYPERLIQUID"):
            monkeypatch.delenv(name, raising=False)
    return data


@pytest.fixture
def master_key_file(isolated_env: Path) -> Path:
    path = key_file_path()
    create_key_file(path)
    return path


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """The CLI and the script call setup_logging, which rebinds the 'perpdex' logger to the
    streams of that invocation; put it back so later tests do not log into closed buffers."""
    logger = logging.getLogger("perpdex")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    for handler in saved[0]:
        logger.addHandler(handler)
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


# ---- PostgreSQL ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PgServer:
    port: int

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not on PATH")
    prefix: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="perpdex-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.skip("running as root and there is no 'postgres' system user for PostgreSQL")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    try:
        subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120)
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"),
                        "start", "-w", "-t", "60"], check=True, capture_output=True, timeout=90)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    try:
        yield PgServer(port)
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "stop", "-m", "immediate", "-w"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


async def _pg_admin(server: PgServer, *statements: str, database: str = "postgres") -> None:
    import asyncpg

    conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="postgres",
                                 database=database)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_shared(pg_server: PgServer) -> str:
    """One migrated database for the session; tests empty it first (see ``db_url``)."""
    async def build() -> None:
        await _pg_admin(pg_server, f'CREATE DATABASE "{_SHARED_DB}"')
        db = Database(pg_server.url(_SHARED_DB), auto_upgrade=False)
        try:
            await migrate.upgrade(db.engine)
        finally:
            await db.dispose()

    run_in_thread(build)
    return pg_server.url(_SHARED_DB)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def build() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}", auto_upgrade=False)
        try:
            await migrate.upgrade(db.engine)
        finally:
            await db.dispose()  # the last connection to close folds the WAL into the file

    run_in_thread(build)
    return path


# ---- databases on both backends -----------------------------------------------------------

@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pg_if_needed(backend: str, request: pytest.FixtureRequest) -> PgServer | None:
    return request.getfixturevalue("pg_server") if backend == "postgresql" else None


@pytest.fixture
async def empty_db_url(backend: str, pg_if_needed: PgServer | None, tmp_path: Path) -> str:
    """A database with no schema at all."""
    if pg_if_needed is None:
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    name = f"t_{uuid.uuid4().hex[:12]}"
    await _pg_admin(pg_if_needed, f'CREATE DATABASE "{name}"')
    return pg_if_needed.url(name)


@pytest.fixture
async def db_url(backend: str, pg_if_needed: PgServer | None, tmp_path: Path,
                 request: pytest.FixtureRequest) -> str:
    """A database migrated to head, with no rows."""
    if pg_if_needed is None:
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    request.getfixturevalue("pg_shared")
    tables = ", ".join(f'"{t}"' for t in Base.metadata.tables)
    await _pg_admin(pg_if_needed, f"TRUNCATE {tables} RESTART IDENTITY CASCADE",
                    database=_SHARED_DB)
    return pg_if_needed.url(_SHARED_DB)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    async with Database(db_url) as database:
        yield database


# ---- credentials (plain helpers, also offered as fixtures: test modules cannot import this
# file under --import-mode=importlib) -------------------------------------------------------

def _eth_key() -> tuple[str, str]:
    key = "0x" + secrets.token_hex(32)
    return key, Account.from_key(key).address


def _sample_values(venue: str) -> dict[str, str]:
    """Fresh, valid (formats and key derivation) raw values for ``venue``."""
    if venue == "lighter":
        return {"account_index": "7", "api_key_index": "3", "api_private_key": secrets.token_hex(40)}
    if venue == "paradex":
        key, address = _eth_key()
        return {"l1_address": address, "l1_private_key": key}
    if venue == "aster":
        key, signer = _eth_key()
        return {"user": _eth_key()[1], "signer": signer, "signer_private_key": key}
    if venue == "backpack":
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"public_key": base64.b64encode(public).decode(),
                "secret_key": base64.b64encode(seed).decode()}
    if venue == "hyperliquid":
        return {"address": _eth_key()[1], "agent_private_key": _eth_key()[0]}
    raise ValueError(venue)


SECRET_FIELDS = {"lighter": ("api_private_key",), "paradex": ("l1_private_key",),
                 "aster": ("signer_private_key",), "backpack": ("secret_key",),
                 "hyperliquid": ("agent_private_key",)}


def _secret_forms(value: str) -> list[str]:
    """Ways a secret could appear in a file or a log: as given, without 0x, and (for hex and
    base64 secrets) its raw bytes' other common spellings."""
    forms = {value, value.removeprefix("0x")}
    digits = value.removeprefix("0x")
    try:
        forms.add(digits.upper())
        forms.add(base64.b64encode(bytes.fromhex(digits)).decode())
    except ValueError:
        forms.add(base64.b64decode(value).hex())
    return sorted(f for f in forms if len(f) >= 16)


def _secret_bytes(value: str) -> list[bytes]:
    """Byte forms to search for in raw database files."""
    out = [f.encode() for f in _secret_forms(value)]
    digits = value.removeprefix("0x")
    try:
        out.append(bytes.fromhex(digits))
    except ValueError:
        out.append(base64.b64decode(value))
    return out


@pytest.fixture(name="sample_values")
def sample_values_fixture() -> Callable[[str], dict[str, str]]:
    """``sample_values(venue)``: fresh valid raw values for that venue."""
    return _sample_values


@pytest.fixture(name="secret_forms")
def secret_forms_fixture() -> Callable[[str], list[str]]:
    """``secret_forms(secret)``: text spellings of a secret to look for in logs and output."""
    return _secret_forms


@pytest.fixture(name="secret_bytes")
def secret_bytes_fixture() -> Callable[[str], list[bytes]]:
    """``secret_bytes(secret)``: byte spellings of a secret to look for in raw database files."""
    return _secret_bytes


# ---- a running simulator for the `--verify` happy path ------------------------------------

@pytest.fixture(scope="session")
def simulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``perpdex sim up`` in its own process: the CLI under test runs its own event loop."""
    import json
    import os
    import subprocess
    import sys

    state = tmp_path_factory.mktemp("sim") / "sim.json"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "perpdex"), "sim", "up", "--port-base", "0"],
        env={**os.environ, "PERPDEX_SIM_STATE": str(state)}, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.skip("the simulator did not start")
        yield json.loads(line)["venues"]
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()


@pytest.fixture
def simulated_venue_account(simulator_process: dict[str, Any]
                            ) -> Callable[[str], tuple[str, str, dict[str, str]]]:
    """venue -> (rest_url, ws_url, credential values) of a fresh funded simulator account."""
    import json
    import urllib.request

    def provide(venue: str) -> tuple[str, str, dict[str, str]]:
        urls = simulator_process[venue]
        request = urllib.request.Request(
            urls["control"].rstrip("/") + "/accounts", data=json.dumps({"usd": "10000"}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as resp:
            created = json.loads(resp.read())
        values = {k: str(v) for k, v in created["credentials"].items()}
        return urls["rest"], urls["ws"], values

    return provide
