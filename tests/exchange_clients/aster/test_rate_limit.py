"""Aster rate limiting through the real client: windows from exchangeInfo ``rateLimits``,
reconciliation with ``X-MBX-USED-WEIGHT-1M``, and a 429 answered with back-off."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from exchange_clients.aster.client.utils.transport import weight_of
from exchange_clients.errors import RateLimitError
from exchange_clients.models import Side
from simulator.testing import RunningSimulator
from tests.exchange_clients.aster.conftest import ClientFactory, control, passive_order

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def venue_limits(sim: RunningSimulator) -> AsyncIterator[object]:
    """The venue's limits object (tests lower them); restored afterwards."""
    limits = sim.venue("aster").module.core.limits
    saved = (limits.weight_limit, limits.orders_per_minute, limits.orders_per_10s)
    yield limits
    limits.weight_limit, limits.orders_per_minute, limits.orders_per_10s = saved


async def test_windows_come_from_exchange_info_rate_limits(
        venue_limits: object, make_client: ClientFactory) -> None:
    venue_limits.weight_limit = 1800          # type: ignore[attr-defined]
    venue_limits.orders_per_10s = 50          # type: ignore[attr-defined]
    client = await make_client(rate_limit_tier="standard")
    weight = client.transport.http.limiter
    orders = client.transport.order_limiter
    assert weight is not None and orders is not None
    assert {cap for _, cap in weight.usage().windows.values()} == {1800.0}
    assert sorted(cap for _, cap in orders.usage().windows.values()) == [50.0, 1200.0]


async def test_used_weight_header_reconciles_the_local_window(
        sim: RunningSimulator, make_client: ClientFactory) -> None:
    client = await make_client(rate_limit_tier="standard")
    limiter = client.transport.http.limiter
    assert limiter is not None
    # someone else on this IP spends weight the client cannot know about …
    async with aiohttp.ClientSession() as session:
        for _ in range(20):
            async with session.get(sim.urls("aster")["rest"] + "/fapi/v3/ticker/24hr") as resp:
                used = int(resp.headers["X-MBX-USED-WEIGHT-1M"])
    # … and the venue's count in the next answer is taken over
    await client.get_account_balance()
    (local_used, _), = limiter.usage().windows.values()
    assert local_used >= used + weight_of("balance", {}) - 1


async def test_429_on_a_read_backs_off_for_retry_after_then_succeeds(
        sim: RunningSimulator, make_client: ClientFactory) -> None:
    client = await make_client(rate_limit_tier="standard")
    limiter = client.transport.http.limiter
    assert limiter is not None
    await control(sim, "POST", "/faults", {"kind": "rate_limit", "match": "/fapi/v3/balance",
                                           "count": 1, "retry_after_s": 1})
    loop = client_loop_time()
    started = loop()
    assert await client.get_account_balance() > 0
    assert loop() - started >= 1.0            # waited at least Retry-After (a lower bound)
    assert limiter.usage().penalties == 1
    faults = await control(sim, "GET", "/faults")
    assert faults["triggered"].get("rate_limit", 0) >= 1


async def test_429_on_an_order_is_a_rate_limit_error_and_nothing_is_placed(
        sim: RunningSimulator, make_client: ClientFactory) -> None:
    client = await make_client(rate_limit_tier="standard")
    size, price = await passive_order(client)
    await control(sim, "POST", "/faults", {"kind": "rate_limit", "match": "/fapi/v3/order",
                                           "count": 1, "retry_after_s": 1})
    with pytest.raises(RateLimitError) as info:
        await client.place_limit_order("BTC", size, price, Side.BUY)
    assert info.value.retry_after is not None and info.value.retry_after >= 1
    assert await client.get_active_orders("BTC") == []  # after the penalty, and nothing placed


def client_loop_time() -> object:
    import asyncio

    return asyncio.get_running_loop().time
