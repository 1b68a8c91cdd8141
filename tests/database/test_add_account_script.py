"""database/scripts/add_account.py run as a script (subprocess) and its interactive mode."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from database import load_client_config
from database.account_setup import VERIFIER_GROUP, discover_verifier
from database.engine import Database
from database.scripts import add_account as script

SCRIPT = Path(__file__).resolve().parents[2] / "database" / "scripts" / "add_account.py"
SampleValues = Callable[[str], dict[str, str]]


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, cwd=SCRIPT.parent)


def _names() -> list[str]:
    async def run() -> list[str]:
        async with Database() as db:
            return [a.name for a in await db.accounts.list()]

    return asyncio.run(run())


def test_script_from_env(master_key_file: Path, sample_values: SampleValues) -> None:
    values = sample_values("hyperliquid")
    env = {f"HYPERLIQUID_{k.upper()}": v for k, v in values.items()}
    done = _run("--account", "main", "--venue", "hyperliquid", "--from-env", "--environment",
                "testnet", env=env)
    assert done.returncode == 0, done.stderr
    assert "saved hyperliquid credentials for account 'main'" in done.stdout
    assert values["agent_private_key"] not in done.stdout + done.stderr
    config = asyncio.run(load_client_config("main", "hyperliquid"))
    assert config.address == values["address"] and config.environment.value == "testnet"  # type: ignore[attr-defined]


def test_script_rejects_malformed_values_without_echoing(master_key_file: Path,
                                                         sample_values: SampleValues) -> None:
    bad = "0x" + "ee" * 31
    env = {"HYPERLIQUID_ADDRESS": sample_values("hyperliquid")["address"],
           "HYPERLIQUID_AGENT_PRIVATE_KEY": bad}
    done = _run("--account", "main", "--venue", "hyperliquid", "--from-env", env=env)
    assert done.returncode == 1
    assert "agent_private_key (HYPERLIQUID_AGENT_PRIVATE_KEY)" in done.stderr
    assert bad not in done.stderr and bad[2:] not in done.stderr + done.stdout
    assert _names() == []


def test_script_usage_errors(master_key_file: Path) -> None:
    assert _run("--from-env", env={}).returncode == 2
    assert _run("--account", "a", "--venue", "lighter", "--env-file", "x", env={}).returncode == 2


def test_script_verify_finds_the_verifier_and_saves_nothing_on_failure(
        master_key_file: Path, sample_values: SampleValues) -> None:
    """The verifier comes from the entry point; the venue client is absent today (or, once
    installed, cannot reach the closed port): either way nothing is saved."""
    env = {f"BACKPACK_{k.upper()}": v for k, v in sample_values("backpack").items()}
    done = _run("--account", "main", "--venue", "backpack", "--from-env", "--verify",
                "--rest-url", "http://127.0.0.1:9", env=env)
    assert done.returncode == 1
    assert "not verified, nothing saved" in done.stderr
    assert _names() == []


def test_verifier_entry_point_is_declared() -> None:
    verifier = discover_verifier()
    from perpdex.verify import verify_credentials

    assert verifier is verify_credentials
    assert VERIFIER_GROUP == "perpdex.credential_verifiers"


def test_script_interactive_mode(master_key_file: Path, sample_values: SampleValues,
                                 monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    values = sample_values("backpack")
    asked: list[tuple[str, bool]] = []
    answers = iter(["main", "backpack", values["public_key"], values["secret_key"]])

    def fake_input(label: str) -> str:
        asked.append((label, False))
        return next(answers)

    def fake_getpass(label: str) -> str:
        asked.append((label, True))
        return next(answers)

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr(script.getpass, "getpass", fake_getpass)
    assert script.main([]) == 0
    assert [(label.split(" ")[1] if label.startswith("backpack ") else label, hidden)
            for label, hidden in asked] == [
        ("account name: ", False), (asked[1][0], False), ("public_key", False), ("secret_key", True)]
    assert values["secret_key"] not in capsys.readouterr().out
    assert _names() == ["main"]
