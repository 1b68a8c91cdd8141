"""Fixtures for the simulator tests.

* ``make_engine(*specs, ...)`` — an ``Engine`` on a fixed start time with a constant index (no
  volatility, no funding noise) and, by default, no market makers: books hold only the test's
  orders, so matching and margin arithmetic are exact and readable.
* ``simulator`` — the test venue ``echo`` (tests/simulator/echo_venue.py) served in-process on
  free ports with a manual clock; torn down completely after the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest

from simulator.engine import (
    Engine,
    EngineConfig,
    EngineParams,
    FundingSpec,
    LiquiditySpec,
    MarketSpec,
    PriceSpec,
)
from simulator.testing import RunningSimulator, running_simulator
from tests.simulator.echo_venue import EchoVenue

D = Decimal
#: a market time on an hour boundary (funding intervals are aligned to the epoch)
START_MS = 1_699_999_200_000


def spec(symbol: str = "BTC", market_id: int = 1, *, tick: str = "0.1", step: str = "0.001",
         lev: int = 20, maker: str = "0.0002", taker: str = "0.0005", min_notional: str = "0",
         **extra: Any) -> MarketSpec:
    return MarketSpec(symbol=symbol, venue_symbol=f"{symbol}-PERP", market_id=market_id,
                      tick_size=D(tick), step_size=D(step), max_leverage=D(lev), maker_fee=D(maker),
                      taker_fee=D(taker), min_notional=D(min_notional), **extra)


EngineFactory = Callable[..., Engine]


@pytest.fixture
def make_engine() -> EngineFactory:
    def factory(*specs: MarketSpec, price: str = "100", prices: dict[str, str] | None = None,
                liquidity: LiquiditySpec | bool = False, config: EngineConfig | None = None,
                rate_8h: str = "0", volatility: float = 0.0, **params: Any) -> Engine:
        specs = specs or (spec(),)
        prices = prices or {}
        price_specs = {s.symbol: PriceSpec(start=D(prices.get(s.symbol, price)), volatility=volatility)
                       for s in specs}
        if isinstance(liquidity, bool):
            liquidity = LiquiditySpec(enabled=liquidity)
        return Engine("test", specs, EngineParams(
            seed=params.pop("seed", 1), start_ms=params.pop("start_ms", START_MS), prices=price_specs,
            default_funding=FundingSpec(rate_8h=D(rate_8h), noise_8h=D(0)), liquidity=liquidity, **params),
            config)
    return factory


@pytest.fixture
async def simulator() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(["echo"], modules={"echo": EchoVenue},
                                 start_ms=START_MS) as sim:
        yield sim
