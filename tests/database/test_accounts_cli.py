"""`perpdex accounts` and `perpdex db` end to end (Typer's CliRunner), including --verify.

No venue client exists yet, so ``--verify`` is exercised through the public registry with a
stand-in client registered for ``backpack`` that logs in over real HTTP to a local server
(which checks the key pair) — the same path ``perpdex.verify`` takes with a real client.
The test against a real venue client is skipped until one is installed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import stat
import sys
import threading
import types
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from typer.testing import CliRunner

from database.crypto import MasterKey, load_master_key
from database.paths import key_file_path
from exchange_clients import registry
from exchange_clients.errors import AuthenticationError, NetworkError
from helpers.venue_config import VenueConfig
from perpdex.cli import app

SampleValues = Callable[[str], dict[str, str]]
FAKE_MODULE = "perpdex_test_fake_venue"


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    env = {"COLUMNS": "200", **(env or {})}
    return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)


def _env_for(venue: str, values: dict[str, str]) -> dict[str, str]:
    return {f"{venue.upper()}_{k.upper()}": v for k, v in values.items()}


# ---- a stand-in venue client and server ---------------------------------------------------

class FakeVenueServer:
    """Loopback HTTP server answering the stand-in client's login with the balance, if the
    public key is the expected one."""

    def __init__(self, expected_public_key: str) -> None:
        self.expected = expected_public_key
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app_ = web.Application()
        app_.router.add_get("/api/v1/capital", self._capital)
        self._runner = web.AppRunner(app_)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    async def _capital(self, request: web.Request) -> web.Response:
        if request.headers.get("X-API-Key") != self.expected:
            return web.json_response({"code": "INVALID_SIGNATURE"}, status=401)
        return web.json_response({"available": "1234.5"})

    def __enter__(self) -> FakeVenueServer:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)


class FakeClient:
    """Just the three calls ``perpdex.verify`` makes, over real HTTP."""

    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        self._balance: Decimal | None = None

    async def connect(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        url = self.config.resolved_rest_url() + "/api/v1/capital"
        try:
            async with self._session.get(url, headers={"X-API-Key": self.config.public_key}) as resp:  # type: ignore[attr-defined]
                if resp.status == 401:
                    raise AuthenticationError("backpack", "INVALID_SIGNATURE", code="INVALID_SIGNATURE")
                self._balance = Decimal((await resp.json())["available"])
        except aiohttp.ClientConnectionError as exc:
            raise NetworkError("backpack", f"cannot reach {url}: {exc}") from exc

    async def get_account_balance(self) -> Decimal:
        assert self._balance is not None
        return self._balance

    async def disconnect(self) -> None:
        if self._session is not None:
            await self._session.close()


@pytest.fixture
def fake_backpack(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType(FAKE_MODULE)
    module.FakeClient = FakeClient  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, FAKE_MODULE, module)
    monkeypatch.setitem(registry._VENUES, "backpack", registry.VenueEntry(
        FAKE_MODULE, "FakeClient", "FakeFundingAdapter", "FakeWebSocketManager", "backpack"))


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _accounts() -> list[Any]:
    from database.engine import Database

    async def run() -> list[Any]:
        async with Database() as db:
            return await db.accounts.list()

    return asyncio.run(run())


# ---- init ---------------------------------------------------------------------------------

def test_init_creates_the_key_file_and_prints_its_path_only(isolated_env: Path) -> None:
    result = invoke("accounts", "init")
    assert result.exit_code == 0, result.output
    path = key_file_path()
    assert str(path) in result.output and stat.S_IMODE(path.stat().st_mode) == 0o600
    key = load_master_key()
    assert key.encoded() not in result.output and key.key_id in result.output
    again = invoke("accounts", "init")
    assert again.exit_code == 0 and "already exists" in again.output
    assert load_master_key() == key


def test_a_command_needing_the_key_says_to_run_init(sample_values: SampleValues) -> None:
    result = invoke("accounts", "add", "--account", "main", "--venue", "lighter", "--from-env",
                    env=_env_for("lighter", sample_values("lighter")))
    assert result.exit_code == 1
    assert "perpdex accounts init" in result.output
    assert not key_file_path().exists()
    assert _accounts() == []


# ---- add: from the environment, from a file, interactively --------------------------------

def test_add_from_env_list_remove(master_key_file: Path, sample_values: SampleValues) -> None:
    values = sample_values("hyperliquid")
    result = invoke("accounts", "add", "-a", "main", "-v", "hyperliquid", "--from-env",
                    "--rest-url", "http://127.0.0.1:8080",
                    env=_env_for("hyperliquid", values) | {"HYPERLIQUID_ENV": "testnet"})
    assert result.exit_code == 0, result.output
    assert "encrypted: agent_private_key" in result.output
    listed = invoke("accounts", "list")
    assert listed.exit_code == 0
    assert "main" in listed.output and "hyperliquid" in listed.output and "testnet" in listed.output
    assert values["agent_private_key"][2:12] not in listed.output
    (account,) = _accounts()
    venue = account.venue("hyperliquid")
    assert venue.rest_url == "http://127.0.0.1:8080" and venue.identity["address"] == values["address"]
    duplicate = invoke("accounts", "add", "-a", "main", "-v", "hyperliquid", "--from-env",
                       env=_env_for("hyperliquid", values))
    assert duplicate.exit_code == 1 and "--replace" in duplicate.output
    removed = invoke("accounts", "remove", "main", "--venue", "hyperliquid", "--yes")
    assert removed.exit_code == 0
    assert _accounts()[0].venues == ()
    assert invoke("accounts", "remove", "main", input="y\n").exit_code == 0
    assert _accounts() == []


def test_add_from_env_file(master_key_file: Path, sample_values: SampleValues,
                           tmp_path: Path) -> None:
    values = sample_values("paradex")
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in _env_for("paradex", values).items())
                        + "PARADEX_ENV=prod\n")
    result = invoke("accounts", "add", "-a", "pdx", "-v", "paradex", "--from-env",
                    "--env-file", str(env_file))
    assert result.exit_code == 0, result.output
    assert _accounts()[0].venue("paradex").identity["l1_address"] == values["l1_address"]
    assert invoke("accounts", "add", "-a", "x", "-v", "paradex", "--from-env").exit_code == 1


def test_interactive_add_prompts_exactly_the_venue_fields(master_key_file: Path,
                                                          sample_values: SampleValues) -> None:
    values = sample_values("lighter")
    answers = f"main\nlighter\n{values['account_index']}\n{values['api_key_index']}\n" \
              f"{values['api_private_key']}\n"
    result = invoke("accounts", "add", input=answers)
    assert result.exit_code == 0, result.output
    prompts = [line for line in result.output.splitlines() if line.startswith("lighter ")]
    assert [p.split(" ")[1] for p in prompts] == ["account_index", "api_key_index", "api_private_key"]
    assert values["api_private_key"] not in result.output  # hidden input is not echoed
    assert _accounts()[0].venue("lighter").identity == {"account_index": 7, "api_key_index": 3}


def test_interactive_aster_v1(master_key_file: Path) -> None:
    token = "A" * 40
    result = invoke("accounts", "add", "-a", "legacy", "-v", "aster",
                    input=f"v1\n{token}\n{'b' * 40}\n")
    assert result.exit_code == 0, result.output
    assert [line.split(" ")[1] for line in result.output.splitlines()
            if line.startswith("aster ")] == ["auth", "api_key", "secret_key"]
    assert _accounts()[0].venue("aster").secret_fields == ("api_key", "secret_key")


def test_malformed_key_is_rejected_naming_the_field_not_the_value(master_key_file: Path,
                                                                   sample_values: SampleValues) -> None:
    values = sample_values("lighter") | {"api_private_key": "deadbeef" * 6}
    result = invoke("accounts", "add", "-a", "main", "-v", "lighter", "--from-env",
                    env=_env_for("lighter", values))
    assert result.exit_code == 1
    assert "api_private_key (LIGHTER_API_PRIVATE_KEY)" in result.output
    assert "deadbeef" not in result.output
    assert _accounts() == []


def test_wrong_master_key_is_a_clear_error(master_key_file: Path,
                                           sample_values: SampleValues) -> None:
    env = _env_for("backpack", sample_values("backpack"))
    assert invoke("accounts", "add", "-a", "main", "-v", "backpack", "--from-env", env=env).exit_code == 0
    wrong = MasterKey.generate("test").encoded()
    result = invoke("accounts", "add", "-a", "other", "-v", "backpack", "--from-env",
                    env=env | {"PERPDEX_MASTER_KEY": wrong})
    assert result.exit_code == 1 and "is not the key this database" in result.output
    assert wrong not in result.output
    assert [a.name for a in _accounts()] == ["main"]


def test_rotate_key(master_key_file: Path, sample_values: SampleValues) -> None:
    env = _env_for("backpack", sample_values("backpack"))
    assert invoke("accounts", "add", "-a", "main", "-v", "backpack", "--from-env", env=env).exit_code == 0
    old = load_master_key()
    result = invoke("accounts", "rotate-key", "--yes")
    assert result.exit_code == 0, result.output
    new = load_master_key()
    assert new != old and old.key_id in result.output and new.key_id in result.output
    assert new.encoded() not in result.output and old.encoded() not in result.output
    assert "1 secret(s) re-encrypted" in result.output


# ---- --verify -----------------------------------------------------------------------------

def test_verify_with_an_uninstalled_venue_saves_nothing(master_key_file: Path,
                                                        sample_values: SampleValues,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry._VENUES, "lighter", registry.VenueEntry(
        "perpdex_no_such_venue_module", "LighterClient", "F", "W", "lighter"))
    result = invoke("accounts", "add", "-a", "main", "-v", "lighter", "--from-env", "--verify",
                    env=_env_for("lighter", sample_values("lighter")))
    assert result.exit_code == 1
    assert "not verified, nothing saved" in result.output
    assert "pip install 'perpdex[lighter]'" in result.output
    assert _accounts() == []


def test_verify_against_an_unreachable_url_saves_nothing(master_key_file: Path, fake_backpack: None,
                                                         sample_values: SampleValues) -> None:
    url = _closed_port_url()
    result = invoke("accounts", "add", "-a", "main", "-v", "backpack", "--from-env", "--verify",
                    "--rest-url", url, env=_env_for("backpack", sample_values("backpack")))
    assert result.exit_code == 1
    assert "NetworkError" in result.output and "cannot reach" in result.output
    assert "nothing saved" in result.output
    assert _accounts() == []


def test_verify_rejected_credentials_save_nothing(master_key_file: Path, fake_backpack: None,
                                                  sample_values: SampleValues) -> None:
    with FakeVenueServer(expected_public_key="someone else's key") as server:
        result = invoke("accounts", "add", "-a", "main", "-v", "backpack", "--from-env",
                        "--verify", "--rest-url", server.url,
                        env=_env_for("backpack", sample_values("backpack")))
    assert result.exit_code == 1 and "AuthenticationError" in result.output
    assert _accounts() == []


def test_add_list_verify_flow_logs_no_secret(master_key_file: Path, fake_backpack: None,
                                             sample_values: SampleValues, tmp_path: Path,
                                             secret_forms: Callable[[str], list[str]],
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # everything: aiosqlite, asyncio, alembic ...
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # ... and SQL with its parameters
    backpack, lighter = sample_values("backpack"), sample_values("lighter")
    json_log = tmp_path / "log.jsonl"
    common = ("--log-level", "DEBUG", "--log-json", str(json_log))
    outputs = []
    with FakeVenueServer(expected_public_key=backpack["public_key"]) as server:
        ok = invoke(*common, "accounts", "add", "-a", "main", "-v", "backpack", "--from-env",
                    "--verify", "--rest-url", server.url, env=_env_for("backpack", backpack))
        assert ok.exit_code == 0, ok.output
        assert "Verified: logged in to" in ok.output and "1234.5" in ok.output
        outputs.append(ok.output)
    failed = invoke(*common, "accounts", "add", "-a", "main", "-v", "backpack", "--from-env",
                    "--verify", "--replace", "--rest-url", _closed_port_url(),
                    env=_env_for("backpack", backpack))
    assert failed.exit_code == 1
    interactive = invoke(*common, "accounts", "add", "-a", "main", "-v", "lighter",
                         input=f"7\n3\n{lighter['api_private_key']}\n")
    assert interactive.exit_code == 0, interactive.output
    listed = invoke(*common, "accounts", "list")
    outputs += [failed.output, interactive.output, listed.output]
    assert "backpack" in listed.output and "lighter" in listed.output
    verified = _accounts()[0].venue("backpack")
    assert verified.verified_at is not None
    logged = json_log.read_text()
    assert [json.loads(line) for line in logged.splitlines()]  # the JSON log is populated
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    haystack = "\n".join([*outputs, logged, caplog.text,
                          *(repr(r.__dict__) for r in caplog.records)])
    for secret in (backpack["secret_key"], lighter["api_private_key"]):
        for form in secret_forms(secret):
            assert form not in haystack, "a secret reached the logs or the output"


@pytest.mark.parametrize("venue", registry.supported_exchanges() or [
    pytest.param(None, marks=pytest.mark.skip(reason="needs a venue client"))])
def test_verify_with_a_real_venue_client(venue: str, master_key_file: Path,
                                         request: pytest.FixtureRequest) -> None:
    """Happy path through the real client: needs the simulator to provide an endpoint and
    credentials it accepts, as the ``simulated_venue_account`` fixture (venue -> (rest_url,
    ws_url, raw values))."""
    try:
        provide = request.getfixturevalue("simulated_venue_account")
    except pytest.FixtureLookupError:
        pytest.skip("needs the simulator's simulated_venue_account fixture")
    rest_url, ws_url, values = provide(venue)
    result = invoke("accounts", "add", "-a", "sim", "-v", venue, "--from-env", "--verify",
                    "--rest-url", rest_url, "--ws-url", ws_url, env=_env_for(venue, values))
    assert result.exit_code == 0, result.output
    assert _accounts()[0].venue(venue).verified_at is not None


# ---- perpdex db ---------------------------------------------------------------------------

def test_db_commands(isolated_env: Path) -> None:
    from database.migrate import head_revision

    current = invoke("db", "current")
    assert current.exit_code == 0 and "revision: none" in current.output
    assert "perpdex db upgrade" in current.output
    assert invoke("db", "upgrade").exit_code == 0
    current = invoke("db", "current")
    assert f"revision: {head_revision()}" in current.output and "up to date" in current.output
    assert str(isolated_env / "perpdex.db") in current.output
    down = invoke("db", "downgrade", "base", "--yes")
    assert down.exit_code == 0 and "base" in down.output
    assert invoke("db", "upgrade").exit_code == 0
    locks = invoke("db", "locks")
    assert locks.exit_code == 0 and "No runner locks" in locks.output
    bad = invoke("db", "downgrade", "nonexistent", "--yes")
    assert bad.exit_code == 1 and "error:" in bad.output


def test_bad_account_name_is_refused_before_any_prompt(master_key_file: Path) -> None:
    result = invoke("accounts", "add", "-a", "no spaces please", "-v", "lighter", input="")
    assert result.exit_code == 1 and "account:" in result.output
    assert "lighter account_index" not in result.output
    empty = invoke("accounts", "list")
    assert empty.exit_code == 0 and "No accounts yet" in empty.output
