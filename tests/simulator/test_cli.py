"""`perpdex sim up` / `perpdex sim accounts create`, in a subprocess as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perpdex.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_sim_up_without_venue_modules_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import simulator.venues as registry

    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_loaded", True)
    monkeypatch.setenv("PERPDEX_SIM_STATE", str(tmp_path / "sim.json"))
    result = CliRunner().invoke(app, ["sim", "up"])
    assert result.exit_code == 1
    assert "no simulator venue modules are registered" in result.output
    assert "Traceback" not in result.output


def test_accounts_create_without_a_running_simulator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PERPDEX_SIM_STATE", str(tmp_path / "absent.json"))
    result = CliRunner().invoke(app, ["sim", "accounts", "create", "--venue", "echo", "--usd", "10"])
    assert result.exit_code == 1 and "no running simulator found" in result.output


def test_sim_scenarios_lists_the_bundled_ones() -> None:
    result = CliRunner().invoke(app, ["sim", "scenarios"])
    assert result.exit_code == 0
    listed = {line.split(":")[0] for line in result.output.splitlines()}
    assert {"default", "funding_divergence", "volatile"} <= listed


def test_sim_up_serves_until_interrupted(tmp_path: Path) -> None:
    state = tmp_path / "sim.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PERPDEX_SIM_STATE": str(state),
           "PERPDEX_SIM_VENUE_MODULES": "tests.simulator.echo_venue"}
    proc = subprocess.Popen([sys.executable, "-m", "perpdex.cli", "sim", "up", "--venues", "echo",
                             "--port-base", "0", "--speed", "60", "--scenario", "volatile"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        endpoints = json.loads(line)
        assert endpoints["scenario"] == "volatile" and endpoints["speed"] == 60
        urls = endpoints["venues"]["echo"]
        assert set(urls) == {"rest", "ws", "control"} and urls["control"].startswith("http://127.0.0.1:")
        assert json.loads(state.read_text()) == endpoints
        created = subprocess.run([sys.executable, "-m", "perpdex.cli", "sim", "accounts", "create",
                                  "--venue", "echo", "--usd", "1500"],
                                 cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert created.returncode == 0, created.stderr
        account = json.loads(created.stdout)
        assert account["venue"] == "echo" and account["usd"] == "1500" and account["credentials"]["api_key"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not state.exists()
