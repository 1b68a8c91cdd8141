"""`perpdex funding scan` and `perpdex funding serve` (Typer's CliRunner / in-process)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner, Result

from database import Database
from exchange_clients import registry
from perpdex.cli import app
from perpdex.commands.funding import _serve
from tests.funding_rate_service import registry_fakes

D = Decimal


@pytest.fixture(autouse=True)
def static_venues(monkeypatch: pytest.MonkeyPatch) -> None:
    for venue, entry in registry_fakes.entries(lighter="StaticLighter", aster="StaticAster",
                                               paradex="BrokenParadex").items():
        monkeypatch.setitem(registry._VENUES, venue, entry)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["funding", *args], catch_exceptions=False, env={"COLUMNS": "200"})


def test_scan_prints_venues_rates_and_opportunities(isolated_data_dir: Path) -> None:
    result = run("scan", "--venues", "lighter,aster,paradex")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Top opportunities" in out and "Funding, 8h-equivalent" in out
    assert "ExchangeUnavailableError" in out and "[paradex] (503) maintenance" in out   # shown, not fatal
    first = next(line for line in out.splitlines() if line.strip().startswith("│ 1 "))
    assert "BTC" in first and first.index("aster") < first.index("lighter")   # long aster, short lighter
    assert "0.1500%" in first and "138.70%" in first


async def test_scan_stores_into_the_default_database(isolated_data_dir: Path) -> None:
    result = await asyncio.to_thread(run, "scan", "--venues", "lighter,aster")
    assert result.exit_code == 0, result.output
    async with Database() as db:
        latest = {(r.venue, r.symbol): r for r in await db.funding.latest()}
        assert latest[("lighter", "BTC")].normalized_rate == D("0.0012")
        assert len(await db.markets.list()) == 5


def test_scan_json(isolated_data_dir: Path) -> None:
    result = run("scan", "--venues", "lighter,aster", "--json", "--no-store", "--min-net-apr", "0",
                 "--horizon", "72", "--fee-mode", "maker")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    top = body["opportunities"][0]
    assert (top["symbol"], top["direction"], top["horizon_hours"], top["fee_mode"]) == \
        ("BTC", "long aster / short lighter", "72", "maker")
    assert all(D(o["net_apr"]) >= 0 for o in body["opportunities"])
    assert {v["venue"]: v["status"] for v in body["venues"]} == {"aster": "ok", "lighter": "ok"}
    assert not (isolated_data_dir / "perpdex.db").exists()


def test_scan_fails_when_no_venue_answers() -> None:
    result = run("scan", "--venues", "paradex", "--no-store")
    assert result.exit_code == 1


@pytest.mark.parametrize(("args", "fragment"), [
    (["--horizon", "0"], "greater than 0"),
    (["--horizon", "soon"], "not a number"),
    (["--fee-mode", "cheap"], "cheap"),
    (["--min-net-apr", "nan"], "finite"),
])
def test_scan_rejects_bad_options(args: list[str], fragment: str) -> None:
    result = CliRunner().invoke(app, ["funding", "scan", "--no-store", *args])
    assert result.exit_code == 2 and fragment in result.output


def test_scan_names_venues_it_cannot_simulate() -> None:
    result = run("scan", "--sim", "--venues", "nowhere")
    assert result.exit_code == 1
    assert "cannot simulate nowhere" in result.output and "simulator module" in result.output


def test_scan_of_unknown_venue_is_a_clear_error() -> None:
    result = run("scan", "--venues", "nowhere", "--no-store")
    assert result.exit_code == 1 and "unknown venue 'nowhere'" in result.output


async def test_serve_runs_collector_api_and_dashboard(tmp_path: Path) -> None:
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    task = asyncio.create_task(_serve(["lighter", "aster"], False, None, None, "127.0.0.1", 0, 0.5, 5,
                                      f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}", stop=stop,
                                      on_ready=ready.set_result))
    try:
        url = await asyncio.wait_for(ready, 30)
        async with aiohttp.ClientSession() as session:
            for _ in range(100):       # the first round runs in the background
                async with session.get(f"{url}api/v1/health") as response:
                    health = await response.json()
                if health["cycles"] >= 2:
                    break
                await asyncio.sleep(0.1)
            assert health["status"] == "ok" and health["storage"] is True
            async with session.get(f"{url}api/v1/opportunities/best") as response:
                best = (await response.json())["opportunity"]
            assert best["direction"] == "long aster / short lighter"
            async with session.get(f"{url}api/v1/history/lighter/BTC") as response:
                assert (await response.json())["count"] >= 2
            async with session.get(url) as response:
                assert response.status == 200 and "opportunities" in await response.text()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
