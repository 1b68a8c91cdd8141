"""The index's optional sine swing (``PriceSpec.swing_pct``/``swing_period``) and the bundled
``range`` scenario built on it."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest

from simulator.engine import PriceSpec
from simulator.engine.catalog import KNOWN_VENUES
from simulator.engine.prices import PricePath
from simulator.engine.scenario import load_scenario
from simulator.engine.simulation import Simulation
from tests.simulator.conftest import START_MS

D = Decimal


def test_the_swing_oscillates_around_the_walk() -> None:
    path = PricePath("BTC", PriceSpec(start=D(100), volatility=0.0, swing_pct=2.0, swing_period=400),
                     seed=1)
    levels = [path.step(1.0) for _ in range(800)]
    assert max(levels) == pytest.approx(102, abs=1e-6)          # a quarter period in: +2 %
    assert min(levels) == pytest.approx(98, abs=1e-6)
    assert levels[99] == pytest.approx(102) and levels[299] == pytest.approx(98)
    assert levels[399] == pytest.approx(100) and levels[799] == pytest.approx(100)


def test_without_a_swing_the_path_is_unchanged() -> None:
    """The factor is exactly 1.0: existing scenarios keep their seeded paths bit for bit."""
    spec = PriceSpec(start=D(3500), volatility=0.7)
    path = PricePath("ETH", spec, seed=42)
    levels = [path.step(1.0) for _ in range(100)]
    rng, level, dt = random.Random("42:ETH:index"), 3500.0, 1.0 / (365.0 * 86400.0)
    for expected in levels:
        z = rng.gauss(0.0, 1.0)
        level *= math.exp(-0.5 * 0.7 * 0.7 * dt + 0.7 * math.sqrt(dt) * z)
        assert expected == level


def test_pinning_and_jumps_keep_the_swing_going() -> None:
    path = PricePath("BTC", PriceSpec(start=D(100), volatility=0.0, swing_pct=1.0, swing_period=400),
                     seed=1)
    for _ in range(100):
        path.step(1.0)
    path.level = 200.0                                          # pinned at the top of the swing
    assert path.level == pytest.approx(200)
    for _ in range(200):
        path.step(1.0)
    assert path.level == pytest.approx(200 / 1.01 * 0.99)       # half a period on: the bottom
    path.jump(1.1)
    assert path.level == pytest.approx(200 / 1.01 * 0.99 * 1.1)


def test_the_range_scenario_swings_btc_on_every_venue() -> None:
    scenario = load_scenario("range")
    assert scenario.name == "range" and scenario.description
    sim = Simulation(scenario, list(KNOWN_VENUES), manual=True, start_ms=START_MS)
    seen: list[float] = []
    for _ in range(12):                                         # two swings, every 30 s
        sim.advance(30)
        seen.append(sim.engine("lighter").paths["BTC"].level)
    assert max(seen) > 100_300 and min(seen) < 99_700
    for venue, engine in sim.engines.items():
        assert engine.ledger().balanced, venue
