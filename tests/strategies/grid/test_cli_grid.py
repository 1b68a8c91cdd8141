"""``perpdex run grid``: a run on the in-process simulator from the command line, checked against
the simulator's own engine afterwards, and config errors."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import perpdex.grid_app as grid_app
from perpdex.cli import app
from perpdex.sim_venues import simulated_venue_names
from strategies.grid import GridConfig

VENUE = "lighter"
# the `range` scenario swings BTC ±0.5 % every 6 market minutes; at 120x with a check every
# 0.25 s a swing takes about eight checks
FAST = f"""
venue: {VENUE}
symbol: BTC
direction: long
order_notional_usd: 1000
take_profit_pct: 0.2
grid_step_pct: 0.1
max_close_orders: 4
leverage: 5
sim: {{scenario: range, speed: 120, check_interval_seconds: 0.25}}
"""


@pytest.mark.skipif(VENUE not in simulated_venue_names(), reason="needs the Lighter simulator and client")
def test_sim_run_makes_round_trips_and_leaves_nothing_working(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[grid_app.SimulatedGrid] = []
    real_setup = grid_app._sim_setup

    async def keep(stack: AsyncExitStack, config: GridConfig) -> Any:
        """The real set-up; the simulated venue is kept to be inspected after the run."""
        result = await real_setup(stack, config)
        seen.append(result[2])
        return result

    monkeypatch.setattr(grid_app, "_sim_setup", keep)
    config = tmp_path / "grid.yaml"
    config.write_text(FAST)
    result = CliRunner().invoke(app, ["run", "grid", "--config", str(config), "--sim", "--plain",
                                      "--max-checks", "30"])
    output = result.output
    assert result.exit_code == 0, output
    assert "leverage 5.00x set on BTC" in output
    assert re.search(r"open buy @ [\d.]+: filled", output), output
    assert re.search(r"take-profit sell [\d.]+ @ [\d.]+", output), output
    assert "(round trip 1)" in output, output
    assert "stopped: working orders cancelled" in output
    assert "completed after 30 checks" in output

    # the venue, read from the engine: nothing of the grid left working, the position it reports
    (simulated,) = seen
    engine = simulated.simulated.server.simulation.engine(VENUE)
    assert engine.open_orders(simulated.account_id) == []
    market = engine.market("BTC")
    held = sum((Decimal(p.size) * market.multiplier
                for p in engine.account_state(simulated.account_id).positions
                if p.market_id == market.id), Decimal(0))
    reported = re.search(r"grid long BTC on lighter: position ([\d.]+), round trips (\d+)", output)
    assert reported is not None, output
    assert int(reported.group(2)) >= 1
    # as of the last check; an open filling between it and the shutdown's cancel adds its size
    last_open = Decimal(re.findall(r"open buy ([\d.]+) @", output)[-1])
    assert 0 <= held - Decimal(reported.group(1)) <= last_open


def test_a_bad_config_is_refused_with_the_field(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("venue: lighter\nsymbol: BTC\ndirection: sideways\norder_size: 0.01\n")
    result = CliRunner().invoke(app, ["run", "grid", "--config", str(config), "--sim"])
    assert result.exit_code == 2
    assert "direction" in result.output and "take_profit_pct" in result.output
