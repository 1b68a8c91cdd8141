"""The conformance harness: every venue that has both a simulator module and a client package
runs the same suite, against its simulator, through its real client over loopback.

A venue joins by existing: ``simulator/venues/<venue>`` registers the simulator side and
``exchange_clients/<venue>`` the client; the simulator issues credentials whose keys are the
venue config model's field names, so the client is built generically here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.models import MarketInfo
from exchange_clients.registry import config_model, create_client, supported_exchanges
from simulator.testing import RunningSimulator, running_simulator
from simulator.venues import registered_venues


def conformance_venues() -> list[str]:
    return sorted(set(supported_exchanges()) & set(registered_venues()))


@dataclass
class VenueEnv:
    venue: str
    sim: RunningSimulator
    client: BaseExchangeClient
    account_id: Any
    credentials: dict[str, Any] = field(repr=False)  # secrets: never in test output

    @property
    def engine(self) -> Any:
        return self.sim.engine(self.venue)

    async def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = self.sim.urls(self.venue)["control"].rstrip("/") + path
        async with aiohttp.ClientSession() as session, \
                session.request(method, url, json=body) as resp:
            resp.raise_for_status()
            return await resp.json()

    async def order_size(self, symbol: str, usd: Decimal = Decimal(60)) -> Decimal:
        """The smallest valid size worth about ``usd`` (above every venue's minimum)."""
        market = await self.client.get_contract_attributes(symbol)
        bbo = await self.client.fetch_bbo_prices(symbol)
        assert bbo.ask is not None
        return size_for(market, max(usd, market.min_notional * 2) / bbo.ask)


def size_for(market: MarketInfo, raw: Decimal) -> Decimal:
    steps = (raw / market.step_size).to_integral_value(rounding=ROUND_CEILING)
    return max(steps * market.step_size, market.min_size)


async def new_account(sim: RunningSimulator, venue: str, usd: str = "100000") -> dict[str, Any]:
    url = sim.urls(venue)["control"].rstrip("/") + "/accounts"
    async with aiohttp.ClientSession() as session, session.post(url, json={"usd": usd}) as resp:
        resp.raise_for_status()
        created: dict[str, Any] = await resp.json()
    return created


async def connected_client(sim: RunningSimulator, venue: str, credentials: dict[str, Any]
                           ) -> BaseExchangeClient:
    urls = sim.urls(venue)
    config = config_model(venue).model_validate({**credentials, "rest_url": urls["rest"],
                                                 "ws_url": urls["ws"],
                                                 "rate_limit_tier": "unlimited",
                                                 "ws_stale_after": 60})
    client = create_client(venue, config)
    await client.connect()
    return client


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=conformance_venues() or [pytest.param(
    None, marks=pytest.mark.skip(reason="no venue has both a simulator module and a client"))])
async def simulated(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, RunningSimulator]]:
    venue = request.param
    async with running_simulator([venue], "default") as sim:
        yield venue, sim


@pytest_asyncio.fixture(loop_scope="module")
async def env(simulated: tuple[str, RunningSimulator]) -> AsyncIterator[VenueEnv]:
    venue, sim = simulated
    created = await new_account(sim, venue)
    client = await connected_client(sim, venue, created["credentials"])
    try:
        yield VenueEnv(venue, sim, client, created["account_id"], created["credentials"])
    finally:
        await client.disconnect()
