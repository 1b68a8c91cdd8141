"""Model parameters of one venue's engine (resolved from a scenario, see ``scenario``)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Duration", "parse_duration", "PriceSpec", "FundingKeyframe", "FundingSpec",
           "LiquiditySpec", "TakerSpec", "ShockSpec", "EngineParams"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")


def parse_duration(value: object) -> float:
    """Seconds from ``90``, ``"90s"``, ``"30m"``, ``"6h"``, ``"1d"``, ``"250ms"``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '6h'")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1)) * _UNITS[match.group(2) or "s"]
    raise ValueError(f"{value!r} is not a duration (e.g. 90, '30m', '6h')")


#: seconds, written in YAML as a number or '30m', '6h' ...
Duration = Annotated[float, BeforeValidator(parse_duration)]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class PriceSpec(BaseModel):
    """Index path of one underlying: geometric random walk (annualised drift and volatility),
    optionally swinging around it on a sine (a range-bound market, e.g. for grid strategies)."""

    model_config = _FROZEN
    start: Decimal = Field(gt=0)
    drift: float = 0.0
    volatility: float = Field(default=0.6, ge=0)
    swing_pct: float = Field(default=0.0, ge=0, lt=100,
                             description="Amplitude of the sine swing, percent of the walk's level.")
    swing_period: Duration = Field(default=600.0, gt=0, description="Market time of one full swing.")


class FundingKeyframe(BaseModel):
    model_config = _FROZEN
    at: Duration = Field(ge=0, description="Market time since the simulation start.")
    rate_8h: Decimal


class FundingSpec(BaseModel):
    """Funding rate of one market on one venue, as an 8h-equivalent rate.

    The mean is ``rate_8h`` or, with a ``schedule``, the keyframes linearly interpolated (held
    before the first and after the last); an Ornstein–Uhlenbeck noise of stationary standard
    deviation ``noise_8h`` and mean-reversion time ``reversion_hours`` is added.
    """

    model_config = _FROZEN
    rate_8h: Decimal = Decimal("0.0001")
    noise_8h: Decimal = Field(default=Decimal("0.00003"), ge=0)
    reversion_hours: float = Field(default=4.0, gt=0)
    schedule: list[FundingKeyframe] = Field(default_factory=list)


class LiquiditySpec(BaseModel):
    """Market-maker ladder around the fair price (index × (1 + funding premium))."""

    model_config = _FROZEN
    enabled: bool = True
    levels: int = Field(default=10, ge=1, le=200)
    half_spread_bps: Decimal = Field(default=Decimal(2), gt=0)
    level_step_bps: Decimal = Field(default=Decimal(2), gt=0)
    level_size_usd: Decimal = Field(default=Decimal(20000), gt=0)
    size_growth: Decimal = Field(default=Decimal("1.25"), ge=1)
    deposit_usd: Decimal = Field(default=Decimal(10**9), gt=0)


class TakerSpec(BaseModel):
    """Random market orders (volume) from a taker agent."""

    model_config = _FROZEN
    orders_per_minute: float = Field(default=0.0, ge=0, description="Per market, in market time.")
    min_usd: Decimal = Field(default=Decimal(200), gt=0)
    max_usd: Decimal = Field(default=Decimal(5000), gt=0)
    deposit_usd: Decimal = Field(default=Decimal(10**9), gt=0)


class ShockSpec(BaseModel):
    """A jump of an underlying's index at a market time (all venues unless ``venues``)."""

    model_config = _FROZEN
    at: Duration = Field(ge=0)
    symbol: str
    move_pct: Decimal
    venues: list[str] | None = None


class EngineParams(BaseModel):
    model_config = _FROZEN
    seed: int = 1
    start_ms: int | None = Field(default=None, description="Market time at start; default: wall now.")
    price_step_seconds: float = Field(default=1.0, gt=0)
    max_steps_per_advance: int = Field(
        default=1000, ge=10, description="A longer jump is walked in this many coarser steps.")
    prices: dict[str, PriceSpec] = Field(default_factory=dict)
    funding: dict[str, FundingSpec] = Field(default_factory=dict)
    default_funding: FundingSpec = Field(default_factory=FundingSpec)
    liquidity: LiquiditySpec = Field(default_factory=LiquiditySpec)
    takers: TakerSpec = Field(default_factory=TakerSpec)
    shocks: list[ShockSpec] = Field(default_factory=list)
    liquidation_band: Decimal = Field(
        default=Decimal("0.1"), gt=0, description="Liquidation orders trade at most this far from mark.")

    def funding_for(self, symbol: str) -> FundingSpec:
        return self.funding.get(symbol, self.default_funding)
