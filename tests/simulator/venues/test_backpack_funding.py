"""Backpack funding (hourly, on the hour, payment = rate × quantity × mark, positive: longs pay)
visible through ``/wapi/v1/history/funding`` and the position, and the scaffold's faults answered
in Backpack's format (429 with Retry-After, 5xx, maintenance on REST and WebSocket)."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest

from tests.simulator.venues.bp_support import backpack, quiet_scenario

D = Decimal


@pytest.mark.parametrize(("rate_8h", "side", "sign"), [("0.0008", "Bid", -1), ("0.0008", "Ask", 1),
                                                       ("-0.0008", "Bid", 1), ("-0.0008", "Ask", -1)])
async def test_hourly_funding_payment(rate_8h: str, side: str, sign: int) -> None:
    async with backpack(quiet_scenario(BTC=rate_8h)) as (sim, client):
        status, order = await client.order(symbol="BTC_USDC_PERP", side=side, orderType="Market",
                                           quantity="0.1")
        assert status == 200 and order["status"] == "Filled"
        _, marks = await client.public("/api/v1/markPrices", symbol="BTC_USDC_PERP")
        assert D(marks[0]["fundingRate"]) == D(rate_8h) / 8                 # quoted per hour
        sim.advance(3599)
        assert await client.call("GET", "/wapi/v1/history/funding", "fundingHistoryQueryAll") == (200, [])
        sim.advance(1)                                                      # 23:00:00, the hour boundary
        status, rows = await client.call("GET", "/wapi/v1/history/funding", "fundingHistoryQueryAll",
                                         {"symbol": "BTC_USDC_PERP"})
        assert status == 200 and len(rows) == 1
        row = rows[0]
        record = sim.engine("backpack").funding_history("BTC")[-1]
        expected = D("0.1") * record.mark_price * abs(D(rate_8h)) / 8
        assert D(row["quantity"]) == sign * expected and (D(row["quantity"]) > 0) == (sign > 0)
        assert (row["fundingRate"], row["intervalEndTimestamp"], row["symbol"]) == (
            str(D(rate_8h) / 8), "2023-11-14T23:00:00", "BTC_USDC_PERP")
        assert isinstance(row["userId"], int)
        _, positions = await client.call("GET", "/api/v1/position", "positionQuery")
        assert D(positions[0]["cumulativeFundingPayment"]) == D(row["quantity"])
        _, rates = await client.public("/api/v1/fundingRates", symbol="BTC_USDC_PERP")
        assert rates[1] == {"symbol": "BTC_USDC_PERP", "fundingRate": row["fundingRate"],
                            "intervalEndTimestamp": "2023-11-14T23:00:00"}
        sim.advance(3600 * 3)
        status, rows = await client.call("GET", "/wapi/v1/history/funding", "fundingHistoryQueryAll",
                                         {"limit": 2})
        assert len(rows) == 2 and rows[0]["intervalEndTimestamp"] == "2023-11-15T02:00:00"   # newest first


async def test_rate_limit_server_error_and_maintenance() -> None:
    async with backpack() as (sim, client):
        faults = sim.urls("backpack")["control"] + "/faults"
        session = client.session
        async with session.post(faults, json={"kind": "rate_limit", "count": 1, "retry_after_s": 3}) as r:
            assert r.status == 201
        async with session.get(client.rest + "/api/v1/markets") as r:
            assert r.status == 429 and r.headers["Retry-After"] == "3"
            assert await r.json() == {"code": "TOO_MANY_REQUESTS", "message": "Too many requests"}
        async with session.post(faults, json={"kind": "server_error", "count": 1, "status": 502}) as r:
            assert r.status == 201
        status, body = await client.order(symbol="BTC_USDC_PERP", side="Bid", orderType="Limit",
                                          price="99000", quantity="0.01")
        assert (status, body) == (502, {"code": "SERVER_ERROR", "message": "Internal server error"})
        assert await client.call("GET", "/api/v1/orders", "orderQueryAll") == (200, [])   # it did not happen

        async with session.post(faults, json={"kind": "maintenance"}) as r:
            assert r.status == 201
        for path in ("/api/v1/markets", "/api/v1/status"):
            async with session.get(client.rest + path) as r:
                assert r.status == 503
                assert await r.json() == {"code": "MAINTENANCE", "message": "System under maintenance"}
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(sim.urls("backpack")["ws"])
        assert refused.value.status == 503
        async with session.delete(faults, params={"kind": "maintenance"}) as r:
            assert r.status == 200
        assert (await client.public("/api/v1/status"))[0] == 200
