"""Aster simulator faults and limits: request weight (429 then 418 ban, Retry-After, weight
headers), order-count limit, injected 429/5xx/maintenance in Aster's error format."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from simulator.engine.faults import Fault, FaultKind
from tests.simulator.venues.aster_support import aster, venue


async def clear_of_window_edge(window_s: int, margin_s: float = 1.5) -> None:
    """Limits count per calendar window (wall clock): start a burst well inside one."""
    left = window_s - time.time() % window_s
    if left < margin_s:
        await asyncio.sleep(left + 0.05)


async def test_weight_limit_429_then_418_ban() -> None:
    async with aster() as (sim, client):
        limits = venue(sim).core.limits
        limits.weight_limit, limits.ban_after = 6, 2
        await clear_of_window_edge(60)
        for expected_used in (1, 2, 3, 4, 5, 6):
            status, _, headers = await client.public("/fapi/v3/time")
            assert status == 200 and headers["X-MBX-USED-WEIGHT-1M"] == str(expected_used)
        status, err, headers = await client.public("/fapi/v3/time")
        assert status == 429 and err["code"] == -1003 and "is 6 requests per minute" in err["msg"]
        assert 1 <= int(headers["Retry-After"]) <= 60 and headers["X-MBX-USED-WEIGHT-1M"] == "6"
        assert (await client.public("/fapi/v3/time"))[0] == 429        # second strike, still 429
        status, err, headers = await client.public("/fapi/v3/time")     # third: past ban_after -> banned
        assert status == 418 and err["code"] == -1003 and "banned until" in err["msg"]
        assert 115 <= int(headers["Retry-After"]) <= 120
        limits.weight_limit = 2400                                        # a ban outlives the window
        assert (await client.public("/fapi/v3/ping"))[0] == 418
        # signed endpoints are charged too (the IP, not the key)
        assert (await client.v3("GET", "/fapi/v3/balance"))[0] == 418


async def test_heavier_endpoints_cost_more() -> None:
    async with aster() as (_, client):
        _, _, h1 = await client.public("/fapi/v3/ticker/24hr", symbol="BTCUSDT")
        _, _, h2 = await client.public("/fapi/v3/ticker/24hr")
        _, _, h3 = await client.v3("GET", "/fapi/v3/income")
        used = [int(h["X-MBX-USED-WEIGHT-1M"]) for h in (h1, h2, h3)]
        assert used[1] - used[0] == 40 and used[2] - used[1] == 30


async def test_order_count_limit() -> None:
    async with aster() as (sim, client):
        venue(sim).core.limits.orders_per_10s = 2
        params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                  "quantity": "0.010", "price": "90000.0"}
        await clear_of_window_edge(10)
        counts = []
        for _ in range(2):
            status, _, headers = await client.order(**params)
            counts.append((status, headers["X-MBX-ORDER-COUNT-10S"], headers["X-MBX-ORDER-COUNT-1M"]))
        assert counts == [(200, "1", "1"), (200, "2", "2")]
        status, err, _ = await client.order(**params)
        assert status == 429 and err["code"] == -1015 and "10 SECOND" in err["msg"]


async def test_injected_rate_limit_answers_asters_body_with_retry_after() -> None:
    async with aster() as (sim, client):
        sim.venue("aster").ctx.faults.arm(Fault(kind=FaultKind.RATE_LIMIT, match="/fapi/v3/depth", count=1,
                                                retry_after_s=7))
        status, err, headers = await client.public("/fapi/v3/depth", symbol="BTCUSDT")
        assert status == 429 and err["code"] == -1003 and headers["Retry-After"] == "7"
        assert "X-MBX-USED-WEIGHT-1M" in headers
        assert (await client.public("/fapi/v3/depth", symbol="BTCUSDT"))[0] == 200


@pytest.mark.parametrize(("status", "code"), [(503, -1007), (500, -1000), (502, -1001)])
async def test_injected_server_errors(status: int, code: int) -> None:
    async with aster() as (sim, client):
        sim.venue("aster").ctx.faults.arm(Fault(kind=FaultKind.SERVER_ERROR, match="/fapi/v3/order", count=1,
                                                status=status))
        got, err, _ = await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                         quantity="0.010", price="90000.0")
        assert (got, err["code"]) == (status, code)
        assert (await client.v3("GET", "/fapi/v3/openOrders"))[1] == []        # not executed


async def test_maintenance_refuses_rest_and_websocket() -> None:
    async with aster() as (sim, client):
        faults = sim.venue("aster").ctx.faults
        faults.arm(Fault(kind=FaultKind.MAINTENANCE))
        status, err, _ = await client.public("/fapi/v3/exchangeInfo")
        assert status == 503 and err == {"code": -1016, "msg": "This service is no longer available."}
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await client.session.ws_connect(sim.urls("aster")["ws"] + "/ws/btcusdt@depth")
        faults.clear(FaultKind.MAINTENANCE)
        assert (await client.public("/fapi/v3/exchangeInfo"))[0] == 200
