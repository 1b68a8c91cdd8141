"""Fixtures for Aster's targeted tests: one simulator per module, funded accounts, clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import ROUND_CEILING, Decimal
from typing import Any

import aiohttp
import pytest_asyncio

from exchange_clients.aster import AsterClient
from helpers.venue_config import AsterConfig
from simulator.testing import RunningSimulator, running_simulator

ClientFactory = Callable[..., Awaitable[AsterClient]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(["aster"], "default") as running:
        yield running


async def control(sim: RunningSimulator, method: str, path: str, body: Any = None) -> Any:
    url = sim.urls("aster")["control"].rstrip("/") + path
    async with aiohttp.ClientSession() as session, session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


async def new_credentials(sim: RunningSimulator, usd: str = "1000000") -> dict[str, Any]:
    created = await control(sim, "POST", "/accounts", {"usd": usd})
    return dict(created["credentials"])


def config_for(sim: RunningSimulator, credentials: dict[str, Any], **overrides: Any) -> AsterConfig:
    urls = sim.urls("aster")
    return AsterConfig.model_validate({**credentials, "rest_url": urls["rest"], "ws_url": urls["ws"],
                                       "rate_limit_tier": "unlimited", **overrides})


@pytest_asyncio.fixture(loop_scope="module")
async def make_client(sim: RunningSimulator) -> AsyncIterator[ClientFactory]:
    """``await make_client(**config_overrides)`` → a connected client on a fresh account;
    every client is disconnected and every fault cleared at teardown."""
    clients: list[AsterClient] = []

    async def make(credentials: dict[str, Any] | None = None, **overrides: Any) -> AsterClient:
        client = AsterClient(config_for(sim, credentials or await new_credentials(sim), **overrides))
        clients.append(client)
        await client.connect()
        return client

    try:
        yield make
    finally:
        await control(sim, "DELETE", "/faults")
        for client in clients:
            await client.disconnect()


@pytest_asyncio.fixture(loop_scope="module")
async def client(make_client: ClientFactory) -> AsterClient:
    return await make_client()


async def passive_order(client: AsterClient, symbol: str = "BTC",
                        depth: Decimal = Decimal("0.99")) -> tuple[Decimal, Decimal]:
    """A size worth about twice the minimum notional and a buy price below the touch (inside
    Aster's PERCENT_PRICE band)."""
    market = await client.get_contract_attributes(symbol)
    bbo = await client.fetch_bbo_prices(symbol)
    assert bbo.bid is not None
    price = (bbo.bid * depth / market.tick_size).to_integral_value() * market.tick_size
    size = ((market.min_notional * 2 / price) / market.step_size).to_integral_value(
        rounding=ROUND_CEILING) * market.step_size
    return max(size, market.min_size), price
