"""Scenarios: YAML files describing a simulated world (``simulator/scenarios/*.yaml``).

A scenario fixes the seed, the clock, which markets each venue lists, the index paths, the
funding model per market and per venue (so venues can be made to disagree), market-maker
liquidity, taker flow, scripted price shocks and seeded traders. ``Scenario.engine_params``
resolves it for one venue. Everything is optional; ``Scenario()`` is the default world.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from simulator.engine.catalog import DEFAULT_SYMBOLS, default_markets, default_prices
from simulator.engine.core import EngineConfig
from simulator.engine.market import MarketSpec
from simulator.engine.params import (
    EngineParams,
    FundingSpec,
    LiquiditySpec,
    PriceSpec,
    ShockSpec,
    TakerSpec,
)

__all__ = ["ClockSpec", "FundingSection", "TraderSpec", "VenueScenario", "Scenario", "load_scenario",
           "SCENARIO_DIR", "available_scenarios", "MarketProvider"]

#: (venue, market count or None, underlyings) -> the venue's listings
MarketProvider = Callable[[str, int | None, list[str]], list[MarketSpec]]
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
_STRICT = ConfigDict(extra="forbid")


class ClockSpec(BaseModel):
    model_config = _STRICT
    speed: float = Field(default=1.0, gt=0, description="Market seconds per wall second.")
    price_step_seconds: float = Field(default=1.0, gt=0, description="Market time between price steps.")
    min_wall_step_seconds: float = Field(
        default=0.25, gt=0,
        description="When running fast, a price step covers at least this much wall time.")
    start: datetime | None = Field(default=None, description="Market time at start (default: now).")

    def step_seconds(self, speed: float) -> float:
        return max(self.price_step_seconds, speed * self.min_wall_step_seconds)


class FundingSection(BaseModel):
    model_config = _STRICT
    default: FundingSpec = Field(default_factory=FundingSpec)
    markets: dict[str, FundingSpec] = Field(default_factory=dict)


class TraderSpec(BaseModel):
    """Accounts opened at start with a leveraged position (e.g. to be liquidated by a shock)."""

    model_config = _STRICT
    symbol: str
    side: Literal["long", "short"]
    leverage: Decimal = Field(gt=0)
    usd: Decimal = Field(gt=0, description="Collateral of each account.")
    count: int = Field(default=1, ge=1)
    venues: list[str] | None = None


class VenueScenario(BaseModel):
    model_config = _STRICT
    markets: list[str] | None = Field(default=None, description="Underlyings listed (default: scenario's).")
    market_count: int | None = Field(default=None, ge=1, description="Generate markets up to this count.")
    funding: dict[str, FundingSpec] = Field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="MarketSpec fields per underlying, e.g. {SOL: {status: paused}}.")
    liquidity: LiquiditySpec | None = None
    takers: TakerSpec | None = None
    engine: EngineConfig | None = None


class Scenario(BaseModel):
    model_config = _STRICT
    name: str = "default"
    description: str = ""
    seed: int = 1
    clock: ClockSpec = Field(default_factory=ClockSpec)
    markets: list[str] = Field(default_factory=lambda: list(DEFAULT_SYMBOLS))
    market_count: int | None = Field(default=None, ge=1, description="Per venue, generated beyond `markets`.")
    prices: dict[str, PriceSpec] = Field(default_factory=dict)
    funding: FundingSection = Field(default_factory=FundingSection)
    liquidity: LiquiditySpec = Field(default_factory=LiquiditySpec)
    takers: TakerSpec = Field(default_factory=TakerSpec)
    shocks: list[ShockSpec] = Field(default_factory=list)
    traders: list[TraderSpec] = Field(default_factory=list)
    venues: dict[str, VenueScenario] = Field(default_factory=dict)

    def venue(self, venue: str) -> VenueScenario:
        return self.venues.get(venue) or VenueScenario()

    def market_specs(self, venue: str, provider: MarketProvider = default_markets) -> list[MarketSpec]:
        """The venue's markets: ``provider(venue, count, symbols)`` (a venue module's own listings,
        by default the catalog) for the scenario's underlyings and count, with its overrides."""
        vs = self.venue(venue)
        specs = provider(venue, vs.market_count or self.market_count, vs.markets or self.markets)
        return [MarketSpec.model_validate({**s.model_dump(), **vs.overrides[s.symbol]})
                if s.symbol in vs.overrides else s for s in specs]

    def engine_params(self, venue: str, symbols: list[str], *, speed: float | None = None,
                      start_ms: int | None = None) -> EngineParams:
        vs = self.venue(venue)
        prices = default_prices(max(0, len(symbols)))
        prices.update(self.prices)
        missing = [s for s in symbols if s not in prices]
        if missing:
            raise ValueError(f"scenario {self.name!r}: no price for {', '.join(missing)}")
        funding = dict(self.funding.markets)
        funding.update(vs.funding)
        if start_ms is None and self.clock.start is not None:
            start_ms = int(self.clock.start.timestamp() * 1000)
        return EngineParams(
            seed=self.seed, start_ms=start_ms,
            price_step_seconds=self.clock.step_seconds(speed or self.clock.speed),
            prices={s: prices[s] for s in symbols}, funding=funding,
            default_funding=self.funding.default, liquidity=vs.liquidity or self.liquidity,
            takers=vs.takers or self.takers, shocks=self.shocks)

    def engine_config(self, venue: str) -> EngineConfig | None:
        return self.venue(venue).engine


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def load_scenario(source: str | Path | None = None) -> Scenario:
    """A scenario from a YAML file path, or by name from ``simulator/scenarios/``; None: default."""
    if source is None:
        source = "default"
    path = Path(source)
    if not path.suffix and not path.exists():
        path = SCENARIO_DIR / f"{source}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no scenario {source!r} (known: {', '.join(available_scenarios())})")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a scenario is a mapping")
    data.setdefault("name", path.stem)
    return Scenario.model_validate(data)
