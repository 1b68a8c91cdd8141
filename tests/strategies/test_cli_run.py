"""``perpdex run funding-arb``: a whole lifecycle on the in-process simulator, and config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from perpdex.cli import app
from perpdex.sim_venues import simulated_venue_names

FAST = """
venues:
  lighter: {account: main}
  aster: {account: main}
symbols: {allow: [BTC]}
entry: {min_net_apr: 0.3, horizon_hours: 24, max_price_gap_bps: 40}
limits: {position_notional_usd: 5000, total_notional_usd: 10000, max_leverage: 5, max_positions: 1,
         max_unhedged_notional_usd: 2600, max_unhedged_seconds: 5}
execution: {maker_timeout_seconds: 2, reprice_after_seconds: 0.5, poll_interval_seconds: 0.05}
exit: {min_spread_8h: 0.0003, below_threshold_checks: 2}
sim: {scenario: funding_divergence, speed: 3600, check_interval_seconds: 0.5}
"""


@pytest.mark.skipif(not {"lighter", "aster"} <= set(simulated_venue_names()),
                    reason="needs the Lighter and Aster simulator modules and clients")
def test_sim_lifecycle_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "fa.yaml"
    config.write_text(FAST)
    result = CliRunner().invoke(app, ["run", "funding-arb", "--config", str(config), "--sim", "--plain",
                                      "--until-closed", "--max-checks", "60"])
    assert result.exit_code == 0, result.output
    assert "position opened: BTC long aster / short lighter" in result.output
    assert "position closed: BTC" in result.output
    assert "completed" in result.output


def test_a_bad_config_is_refused_with_the_field(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("venues: {lighter: {account: main}}\n")
    result = CliRunner().invoke(app, ["run", "funding-arb", "--config", str(config), "--sim"])
    assert result.exit_code == 2
    assert "venues" in result.output and "limits" in result.output
