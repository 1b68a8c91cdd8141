"""A funding-arbitrage strategy on simulated Lighter + Aster, through the real clients.

``Harness`` owns the simulated venues (manual clock), one funded account and client per venue,
the funding service pointed at the simulator, an engine-level exposure observer, a "flow"
task that trades against the strategy's resting orders (as other market participants would),
and builds strategies on a given database — several in a row for restart tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from database import Database
from funding_rate_service import FundingService
from helpers.time import from_ms
from simulator.testing import RunningSimulator, running_simulator
from strategies.funding_arbitrage import FundingArbConfig, FundingArbStrategy
from tests.strategies.simkit import Counterparty, ExposureObserver, SimAccount, open_client

D = Decimal
LONG, SHORT = "aster", "lighter"          # the funding_divergence direction


def make_config(*, long: str = LONG, short: str = SHORT, **changes: Any) -> FundingArbConfig:
    base: dict[str, Any] = {
        "venues": {long: {"account": f"sim-{long}"}, short: {"account": f"sim-{short}"}},
        "symbols": {"allow": ["BTC"]},
        "entry": {"min_net_apr": "0.3", "horizon_hours": "24", "max_price_gap_bps": "40"},
        "limits": {"position_notional_usd": "5000", "total_notional_usd": "10000", "max_leverage": "5",
                   "max_positions": 1, "max_unhedged_notional_usd": "2600", "max_unhedged_seconds": 5},
        "execution": {"maker_timeout_seconds": 3, "reprice_after_seconds": 0.5,
                      "poll_interval_seconds": 0.05},
        "exit": {"min_spread_8h": "0.0003", "below_threshold_checks": 2, "liquidation_buffer": "0.05"},
        "check_interval_seconds": 1,
    }
    for key, value in changes.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) and key in base else value
    return FundingArbConfig.model_validate(base)


@dataclass
class Harness:
    sim: RunningSimulator
    accounts: dict[str, SimAccount]
    service: FundingService
    observer: ExposureObserver
    flows: list[asyncio.Task[None]] = field(default_factory=list)

    def clock(self) -> Any:
        return from_ms(self.sim.simulation.clock.market_ms())

    def strategy(self, db: Database, config: FundingArbConfig | None = None) -> FundingArbStrategy:
        return FundingArbStrategy(config or make_config(), db=db, service=self.service, clock=self.clock,
                                  clients={v: a.client for v, a in self.accounts.items()},
                                  owns_clients=False)

    def equity(self) -> Decimal:
        return sum((a.equity() for a in self.accounts.values()), D(0))

    def position(self, venue: str) -> Decimal:
        return self.accounts[venue].position("BTC")

    async def pace(self, seconds: float = 1800) -> None:
        """One check interval of market time (half an hour by default)."""
        self.sim.advance(seconds)
        await asyncio.sleep(0)

    def start_flow(self, share: Decimal = D("0.5"), every: float = 0.05) -> None:
        """Other traders hitting our resting orders, ``share`` of them every ``every`` s."""
        for account in self.accounts.values():
            counterparty = Counterparty(account.engine)

            async def flow(account: SimAccount = account, cp: Counterparty = counterparty) -> None:
                while True:
                    for order in cp.resting(account.account_id, "BTC"):
                        market = account.engine.market("BTC")
                        lots = max(int(order.remaining * share / market.step), 1)
                        cp.hit(account.account_id, "BTC", market.step * lots * market.multiplier)
                    await asyncio.sleep(every)

            self.flows.append(asyncio.create_task(flow()))

    async def stop_flow(self) -> None:
        for task in self.flows:
            task.cancel()
        await asyncio.gather(*self.flows, return_exceptions=True)
        self.flows.clear()


@asynccontextmanager
async def harness(usd: Decimal = D(100_000), scenario: Any = "funding_divergence", *,
                  long: str = LONG, short: str = SHORT) -> AsyncIterator[Harness]:
    async with running_simulator([short, long], scenario) as sim:
        sim.advance(60)
        accounts = {long: await open_client(sim, long, usd), short: await open_client(sim, short, usd)}
        configs = {v: {"rest_url": sim.urls(v)["rest"], "ws_url": sim.urls(v)["ws"],
                       "rate_limit_tier": "unlimited"} for v in accounts}
        service = await FundingService.create(configs)
        observer = ExposureObserver(list(accounts.values()), "BTC").start()
        made = Harness(sim, accounts, service, observer)
        try:
            yield made
        finally:
            await made.stop_flow()
            observer.stop()
            await service.close()
            for account in accounts.values():
                await account.client.disconnect()
