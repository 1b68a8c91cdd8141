"""Backpack public REST: the listing (BTC/kPEPE figures, hourly funding, bps bounds), depth
(both sides ascending, string ``lastUpdateId``, µs timestamp, limit enumeration), mark prices,
funding rates (the accruing interval first), tickers, open interest, system endpoints, errors,
and a 100-market listing."""

from __future__ import annotations

import time
from decimal import Decimal

import aiohttp

from simulator.engine import OrderType
from simulator.engine.scenario import Scenario
from simulator.testing import running_simulator
from tests.simulator.venues.bp_support import START_MS, backpack

D = Decimal


async def test_markets_listing() -> None:
    async with backpack() as (_, client):
        status, markets = await client.public("/api/v1/markets")
        assert status == 200
        by = {m["symbol"]: m for m in markets}
        assert set(by) == {"BTC_USDC_PERP", "ETH_USDC_PERP", "SOL_USDC_PERP", "kPEPE_USDC_PERP"}
        btc, pepe = by["BTC_USDC_PERP"], by["kPEPE_USDC_PERP"]
        assert btc["filters"]["price"]["tickSize"] == "0.1"
        assert btc["filters"]["quantity"] == {"minQuantity": "0.00001", "stepSize": "0.00001",
                                              "maxQuantity": None}
        assert btc["imfFunction"] == {"type": "sqrt", "base": "0.01333333", "factor": "0.00002494"}
        assert (btc["fundingRateUpperBound"], btc["fundingRateLowerBound"]) == ("100", "-100")
        assert pepe["baseSymbol"] == "kPEPE" and pepe["quoteSymbol"] == "USDC"
        assert pepe["filters"]["price"]["tickSize"] == "0.0000001"
        assert pepe["filters"]["quantity"]["stepSize"] == "100"
        assert pepe["fundingRateUpperBound"] == "150"
        for m in markets:
            assert m["fundingInterval"] == 3_600_000 and m["marketType"] == "PERP"
            assert m["orderBookState"] == "Open" and m["rwaMarketType"] is None
        status, one = await client.public("/api/v1/market", symbol="kPEPE_USDC_PERP")
        assert (status, one) == (200, pepe)
        assert await client.public("/api/v1/markets", marketType="SPOT") == (200, [])
        status, body = await client.public("/api/v1/market", symbol="KPEPE_USDC_PERP")    # case matters
        assert (status, body) == (400, {"code": "INVALID_CLIENT_REQUEST", "message": "Invalid market symbol"})


async def test_depth_shape() -> None:
    async with backpack() as (_, client):
        status, depth = await client.public("/api/v1/depth", symbol="BTC_USDC_PERP", limit=5)
        assert status == 200 and set(depth) == {"asks", "bids", "lastUpdateId", "timestamp"}
        assert isinstance(depth["lastUpdateId"], str) and int(depth["lastUpdateId"]) >= 1
        assert abs(depth["timestamp"] - time.time() * 1e6) < 60e6          # microseconds
        bids = [D(p) for p, _ in depth["bids"]]
        asks = [D(p) for p, _ in depth["asks"]]
        assert len(bids) == len(asks) == 5
        assert bids == sorted(bids) and asks == sorted(asks)                 # both ascending
        assert bids[-1] < asks[0]                                           # best bid last
        status, text = await client.public("/api/v1/depth", symbol="BTC_USDC_PERP", limit=7)
        assert status == 400 and text.startswith("failed to parse parameter `limit`")
        status, body = await client.public("/api/v1/depth", symbol="NOPE_USDC_PERP")
        assert (status, body["message"]) == (400, "Invalid market symbol")


async def test_mark_prices_and_funding_rates() -> None:
    async with backpack() as (sim, client):
        status, rows = await client.public("/api/v1/markPrices")
        assert status == 200 and len(rows) == 4
        btc = next(r for r in rows if r["symbol"] == "BTC_USDC_PERP")
        assert set(btc) == {"symbol", "markPrice", "indexPrice", "fundingRate", "nextFundingTimestamp"}
        assert D(btc["fundingRate"]) == D("0.0001") / 8                     # hourly share of the 8h rate
        assert btc["nextFundingTimestamp"] == START_MS + 3_600_000
        status, single = await client.public("/api/v1/markPrices", symbol="kPEPE_USDC_PERP")
        assert status == 200 and [r["symbol"] for r in single] == ["kPEPE_USDC_PERP"]
        assert D(single[0]["markPrice"]) > D("0.009")                        # priced per 1000 PEPE
        status, body = await client.public("/api/v1/markPrices", symbol="XYZ")
        assert (status, body) == (400, {"code": "INVALID_CLIENT_REQUEST", "message": "Symbol not found"})

        sim.advance(2 * 3600 + 60)
        status, history = await client.public("/api/v1/fundingRates", symbol="BTC_USDC_PERP")
        assert status == 200 and len(history) == 3
        assert [h["intervalEndTimestamp"] for h in history] == [
            "2023-11-15T01:00:00", "2023-11-15T00:00:00", "2023-11-14T23:00:00"]   # accruing one first
        assert all(D(h["fundingRate"]) == D("0.0000125") for h in history)
        _, limited = await client.public("/api/v1/fundingRates", symbol="BTC_USDC_PERP", limit=1, offset=1)
        assert limited == history[1:2]


async def test_tickers_and_open_interest() -> None:
    async with backpack() as (sim, client):
        engine = sim.engine("backpack")
        acct = engine.create_account(D(100000))
        engine.submit_order(acct.id, "BTC", 1, D("0.01"), order_type=OrderType.MARKET)
        status, ticker = await client.public("/api/v1/ticker", symbol="BTC_USDC_PERP")
        assert status == 200 and ticker["trades"] == "1"
        assert set(ticker) == {"symbol", "firstPrice", "lastPrice", "priceChange", "priceChangePercent",
                               "high", "low", "volume", "quoteVolume", "trades"}
        assert D(ticker["quoteVolume"]) > 1_000_000                          # includes the market's baseline
        status, tickers = await client.public("/api/v1/tickers", interval="1w")
        assert status == 200 and len(tickers) == 4
        status, oi = await client.public("/api/v1/openInterest", symbol="BTC_USDC_PERP")
        assert status == 200 and isinstance(oi, list) and oi[0]["symbol"] == "BTC_USDC_PERP"
        assert D(oi[0]["openInterest"]) > 0 and isinstance(oi[0]["timestamp"], int)
        status, all_oi = await client.public("/api/v1/openInterest")
        assert len(all_oi) == 4


async def test_system_endpoints_and_unknown_paths() -> None:
    async with backpack() as (_, client):
        assert await client.public("/api/v1/status") == (200, {"message": None, "status": "Ok"})
        status, now = await client.public("/api/v1/time")
        assert status == 200 and abs(now - time.time() * 1000) < 60_000
        async with client.session.get(client.rest + "/api/v1/ping") as r:
            assert (r.content_type, await r.text()) == ("text/plain", "pong")
        async with client.session.get(client.rest + "/api/v1/nothing") as r:
            assert (r.status, r.content_type, await r.text()) == (404, "text/plain", "not found")
        async with client.session.get(client.rest + "/_sim") as r:
            assert r.status == 200                                           # the control API is not shadowed


async def test_hundred_markets_listing() -> None:
    scenario = Scenario(name="many", market_count=100)
    async with running_simulator(["backpack"], scenario, start_ms=START_MS) as sim:
        async with aiohttp.ClientSession() as session:
            async with session.get(sim.urls("backpack")["rest"] + "/api/v1/markets") as r:
                markets = await r.json()
            async with session.get(sim.urls("backpack")["rest"] + "/api/v1/markPrices") as r:
                marks = await r.json()
        assert len(markets) == 100 and len(marks) == 100
        generated = [m for m in markets if m["baseSymbol"] not in ("BTC", "ETH", "SOL", "kPEPE")]
        assert all(m["symbol"].endswith("_USDC_PERP") for m in generated)
        assert {m["fundingInterval"] for m in generated} == {3_600_000}
        assert {m["fundingRateUpperBound"] for m in generated} == {"150"}
