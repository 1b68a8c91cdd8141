"""Scenario files and the default instrument catalog."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from simulator.engine import FundingStyle, MarketStatus, TakerSpec
from simulator.engine.catalog import KNOWN_VENUES, default_markets
from simulator.engine.scenario import available_scenarios, load_scenario
from simulator.engine.simulation import Simulation
from tests.simulator.conftest import START_MS

D = Decimal


@pytest.mark.parametrize("name", ["default", "funding_divergence", "volatile"])
def test_bundled_scenarios_load_and_run(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name == name and scenario.description
    sim = Simulation(scenario, list(KNOWN_VENUES), manual=True, start_ms=START_MS)
    sim.advance(600)
    for venue, engine in sim.engines.items():
        assert {m.symbol for m in engine.markets.values()} == {"BTC", "ETH", "SOL", "PEPE"}, venue
        assert engine.ledger().balanced


def test_every_venue_has_realistic_listings() -> None:
    symbols = {v: {m.symbol: m for m in default_markets(v)} for v in KNOWN_VENUES}
    assert symbols["backpack"]["PEPE"].venue_symbol == "kPEPE_USDC_PERP"
    assert symbols["hyperliquid"]["PEPE"].venue_symbol == "kPEPE"
    assert symbols["aster"]["PEPE"].venue_symbol == "1000PEPEUSDT"
    assert symbols["paradex"]["BTC"].venue_symbol == "BTC-USD-PERP"
    assert all(symbols[v]["PEPE"].multiplier == 1000 for v in ("backpack", "hyperliquid", "aster", "lighter"))
    for venue in ("lighter", "backpack", "hyperliquid"):
        assert all(m.funding_interval_hours == 1 for m in symbols[venue].values())
    assert {m.funding_interval_hours for m in symbols["aster"].values()} == {D(8), D(4)}
    assert all(m.funding_style is FundingStyle.CONTINUOUS and m.funding_interval_hours == 8
               for m in symbols["paradex"].values())


def test_a_hundred_markets_per_venue_are_cheap_and_consistent() -> None:
    scenario = load_scenario("default").model_copy(update={"market_count": 100, "takers": TakerSpec()})
    sim = Simulation(scenario, list(KNOWN_VENUES), manual=True, start_ms=START_MS)
    underlyings = None
    for engine in sim.engines.values():
        assert len(engine.markets) == 100
        names = {m.symbol for m in engine.markets.values()}
        underlyings = underlyings or names
        assert names == underlyings                 # the same underlyings on every venue
    sim.advance(3600)
    aster = sim.engine("aster")
    assert {m.spec.funding_interval_hours for m in aster.markets.values()} == {D(1), D(4), D(8)}
    sample = aster.market("DOGE")
    assert aster.market_stats("DOGE").volume_24h_usd > 0 and sample.mark_ticks > 0


def test_scenario_overrides_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text("seed: 3\nmarkets: [BTC]\nvenues:\n  lighter:\n    overrides:\n"
                    "      BTC: {status: paused, taker_fee: '0.001'}\n")
    scenario = load_scenario(path)
    assert scenario.name == "custom"
    (btc,) = scenario.market_specs("lighter")
    assert btc.status is MarketStatus.PAUSED and btc.taker_fee == D("0.001")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 3\nunknown_key: 1\n")
    with pytest.raises(ValidationError):
        load_scenario(bad)
    with pytest.raises(FileNotFoundError, match="known: "):
        load_scenario("nope")
    assert set(available_scenarios()) >= {"default", "funding_divergence", "volatile"}
