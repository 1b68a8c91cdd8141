"""``perpdex demo`` as a newcomer runs it: a separate process, every simulated venue, a fast
clock, ``--quiet --json``. The summary must describe a whole lifecycle whose PnL adds up and
agrees with the simulator's own ledger of the two accounts it traded."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from perpdex.sim_venues import simulated_venue_names

D = Decimal
CENT = D("0.01")


def _demo(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perpdex.cli", "demo", *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.mark.skipif(not {"lighter", "aster"} <= set(simulated_venue_names()),
                    reason="the funding_divergence scenario diverges on Lighter and Aster")
def test_demo_completes_a_lifecycle_whose_pnl_matches_the_simulator_ledger(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    run = _demo("--speed", "3600", "--quiet", "--json", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads(out.read_text())

    assert summary["completed"] is True and summary["failure"] is None
    assert summary["venues"] == simulated_venue_names()          # every venue was simulated
    assert summary["dashboard_url"].startswith("http://127.0.0.1:")
    position = summary["position"]
    # entered: both legs filled at real prices; exited: for a reason, each leg traded back
    legs = (position["symbol"], position["long"]["venue"], position["short"]["venue"])
    assert legs == ("BTC", "aster", "lighter")
    assert D(position["size"]) > 0
    assert position["exit_reason"] in ("spread_below_threshold", "spread_flipped")
    for leg in summary["legs"]:
        assert D(leg["entry_price"]) > 0 and D(leg["exit_price"]) > 0 and leg["fills"] >= 2
    # Lighter charges longs +0.12 %/8h for hours: the short leg there receives funding
    assert D(position["short"]["funding"]) > 0
    assert D(position["funding"]) > 0

    # the identity, recomputed here from the reported terms
    funding, fees, price, net = (D(position[k]) for k in ("funding", "fees", "price_pnl", "net_pnl"))
    assert net == funding - fees + price
    assert funding == D(position["long"]["funding"]) + D(position["short"]["funding"])
    # ... and against the simulator's own ledger of the two traded accounts
    ledger = summary["ledger"]
    assert set(ledger) == {"aster", "lighter"}
    assert abs(sum(D(e["funding"]) for e in ledger.values()) - funding) < CENT
    assert abs(sum(D(e["fees"]) for e in ledger.values()) - fees) < CENT
    assert abs(sum(D(e["equity_change"]) for e in ledger.values()) - net) < CENT
    for entry in ledger.values():
        assert D(entry["equity_after"]) - D(entry["equity_before"]) == D(entry["equity_change"])
    assert summary["pnl_identity"]["holds"] is True

    # the hedge held: exposure within the demo's bound (1000 USD) and brief
    assert D(position["worst_unhedged_notional"]) <= 1000
    assert position["worst_unhedged_seconds"] < 5


@pytest.mark.parametrize(("args", "message"), [
    (["--venues", "lighter"], "at least two venues"),
    (["--venues", "lighter,nosuchvenue"], "cannot simulate nosuchvenue"),
    (["--speed", "0"], "--speed"),
    (["--hours", "-1"], "--hours"),
])
def test_bad_options_are_refused_before_anything_starts(args: list[str], message: str) -> None:
    run = _demo(*args, "--quiet", timeout=60)
    assert run.returncode == 2
    assert message in run.stderr


@pytest.mark.skipif(not {"lighter", "aster"} <= set(simulated_venue_names()),
                    reason="the funding_divergence scenario diverges on Lighter and Aster")
def test_keep_running_leaves_the_dashboard_up_until_interrupted() -> None:
    import os
    import re
    import signal
    import time
    import urllib.request

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "perpdex.cli", "demo", "--venues", "lighter,aster",
                             "--speed", "3600", "--quiet", "--keep-running"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert proc.stdout is not None
        seen: list[str] = []
        deadline = time.monotonic() + 180
        url = None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"still running.*dashboard (http://127\.0\.0\.1:\d+/)", line)
            url = found.group(1) if found else None
        assert url is not None, "".join(seen)
        assert "completed" in "".join(seen)          # the summary came first
        with urllib.request.urlopen(url + "api/v1/opportunities/best", timeout=10) as resp:
            best = json.loads(resp.read())
        assert resp.status == 200 and best                   # the service still answers
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
