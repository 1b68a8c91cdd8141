"""Aster simulator: listings and public market data (/fapi/v3 and the /fapi/v1 aliases)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp

from helpers.venue_config import AsterConfig, AsterPublicConfig
from simulator.engine.scenario import load_scenario
from simulator.testing import running_simulator
from simulator.venues.aster import AsterVenue
from tests.simulator.venues.aster_support import START_MS, AsterClient, aster, quiet_scenario

D = Decimal


def _filters(symbol: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["filterType"]: f for f in symbol["filters"]}


async def test_urls_have_the_real_shape_and_credentials_validate() -> None:
    async with aster() as (sim, client):
        urls = sim.urls("aster")
        # the host root, like https://fapi.asterdex.com and wss://fstream.asterdex.com
        assert urls["rest"].count("/") == 2 and urls["ws"].startswith("ws://") and urls["ws"].count("/") == 2
        real_rest, real_ws = AsterPublicConfig.DEFAULT_URLS[AsterPublicConfig().environment]
        assert real_rest.count("/") == 2 and real_ws.count("/") == 2
        creds = client.creds
        assert set(creds) == {"auth", "user", "signer", "signer_private_key", "api_key", "secret_key"}
        v3 = AsterConfig.model_validate({**creds, "rest_url": urls["rest"], "ws_url": urls["ws"]})
        v1 = AsterConfig.model_validate({**creds, "auth": "v1", "rest_url": urls["rest"],
                                         "ws_url": urls["ws"]})
        assert v3.auth == "v3" and v1.auth == "v1" and v3.is_local
        # the control API (`perpdex sim accounts create`) hands out the same shape
        async with client.session.post(urls["control"] + "/accounts", json={"usd": "500"}) as resp:
            created = await resp.json()
        assert resp.status == 201 and set(created["credentials"]) == set(creds)
        AsterConfig.model_validate({**created["credentials"], "rest_url": urls["rest"], "ws_url": urls["ws"]})


async def test_exchange_info_lists_symbols_with_real_filters() -> None:
    async with aster() as (_, client):
        status, info, headers = await client.public("/fapi/v3/exchangeInfo")
        assert status == 200 and int(headers["X-MBX-USED-WEIGHT-1M"]) >= 1
        assert info["timezone"] == "UTC" and info["futuresType"] == "U_MARGINED"
        assert {(r["rateLimitType"], r["interval"], r["limit"]) for r in info["rateLimits"]} == {
            ("REQUEST_WEIGHT", "MINUTE", 2400), ("ORDERS", "MINUTE", 1200), ("ORDERS", "SECOND", 300)}
        symbols = {s["symbol"]: s for s in info["symbols"]}
        assert set(symbols) == {"BTCUSDT", "ETHUSDT", "SOLUSDT", "1000PEPEUSDT"}
        btc, eth = symbols["BTCUSDT"], symbols["ETHUSDT"]
        assert btc["status"] == "TRADING" and btc["contractType"] == "PERPETUAL"
        assert (btc["pricePrecision"], btc["quantityPrecision"]) == (1, 3)
        f = _filters(btc)
        assert f["PRICE_FILTER"] == {"minPrice": "1", "maxPrice": "1000000", "filterType": "PRICE_FILTER",
                                     "tickSize": "0.1"}
        assert f["LOT_SIZE"]["stepSize"] == "0.001" and f["LOT_SIZE"]["minQty"] == "0.001"
        assert f["MARKET_LOT_SIZE"]["maxQty"] == "120" and f["MIN_NOTIONAL"]["notional"] == "5"
        assert f["PERCENT_PRICE"]["multiplierUp"] == "1.0200"
        assert f["PERCENT_PRICE"]["multiplierDecimal"] == "4"
        # ETHUSDT: tick 0.10 with two price decimals, as in the real exchangeInfo
        assert eth["pricePrecision"] == 2 and _filters(eth)["PRICE_FILTER"]["tickSize"] == "0.10"
        pepe = symbols["1000PEPEUSDT"]
        assert pepe["baseAsset"] == "1000PEPE" and _filters(pepe)["LOT_SIZE"]["stepSize"] == "1"
        assert "GTX" in btc["timeInForce"] and "LIMIT" in btc["orderTypes"]


async def test_funding_intervals_8h_4h_1h_and_premium_index() -> None:
    async with aster(quiet_scenario(SOL="0.0008")) as (_, client):
        _, info, _ = await client.public("/fapi/v3/fundingInfo")
        hours = {row["symbol"]: row["fundingIntervalHours"] for row in info}
        assert hours == {"BTCUSDT": 8, "ETHUSDT": 8, "SOLUSDT": 4, "1000PEPEUSDT": 1}
        sol = next(row for row in info if row["symbol"] == "SOLUSDT")
        assert sol["interestRate"] == "0.00005000" and isinstance(sol["fundingFeeCap"], float)
        assert sol["fundingFeeFloor"] == -sol["fundingFeeCap"]
        _, prem, _ = await client.public("/fapi/v3/premiumIndex", symbol="SOLUSDT")
        assert prem["lastFundingRate"] == "0.00040000"          # 0.08 %/8h quoted per 4h interval
        assert prem["nextFundingTime"] == START_MS + 4 * 3_600_000
        assert D(prem["markPrice"]) > 0 and len(prem["markPrice"].split(".")[1]) == 8
        _, pepe, _ = await client.public("/fapi/v3/premiumIndex", symbol="1000PEPEUSDT")
        assert pepe["nextFundingTime"] == START_MS + 3_600_000
        _, rows, _ = await client.public("/fapi/v3/premiumIndex")
        assert isinstance(rows, list) and len(rows) == 4


async def test_depth_snapshot_limits_and_weights() -> None:
    async with aster() as (_, client):
        status, book, headers = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=5)
        assert status == 200 and len(book["bids"]) == 5 and len(book["asks"]) == 5
        assert isinstance(book["lastUpdateId"], int) and {"E", "T"} <= set(book)
        bids = [D(p) for p, _ in book["bids"]]
        asks = [D(p) for p, _ in book["asks"]]
        assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
        assert book["bids"][0][0].endswith(".0") and len(book["bids"][0][1].split(".")[1]) == 3
        used = int(headers["X-MBX-USED-WEIGHT-1M"])
        _, _, headers = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=1000)
        assert int(headers["X-MBX-USED-WEIGHT-1M"]) == used + 20
        status, err, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=7)
        assert status == 400 and err["code"] == -4021
        status, err, _ = await client.public("/fapi/v3/depth", symbol="NOPEUSDT")
        assert status == 400 and err == {"code": -1121, "msg": "Invalid symbol."}
        status, err, _ = await client.public("/fapi/v3/depth")
        assert status == 400 and err["code"] == -1102


async def test_tickers_open_interest_and_v1_aliases() -> None:
    async with aster() as (_, client):
        _, book, _ = await client.public("/fapi/v3/depth", symbol="ETHUSDT", limit=5)
        _, bt, _ = await client.public("/fapi/v3/ticker/bookTicker", symbol="ETHUSDT")
        assert (bt["bidPrice"], bt["askPrice"]) == (book["bids"][0][0], book["asks"][0][0])
        assert bt["lastUpdateId"] == book["lastUpdateId"]
        _, t24, _ = await client.public("/fapi/v3/ticker/24hr", symbol="ETHUSDT")
        assert {"priceChange", "priceChangePercent", "lastPrice", "volume", "quoteVolume", "openTime",
                "closeTime", "count"} <= set(t24)
        assert D(t24["quoteVolume"]) > 0 and D(t24["volume"]) > 0
        _, all24, _ = await client.public("/fapi/v3/ticker/24hr")
        assert len(all24) == 4
        _, price, _ = await client.public("/fapi/v3/ticker/price", symbol="BTCUSDT")
        assert D(price["price"]) > 0
        _, oi, _ = await client.public("/fapi/v1/openInterest", symbol="BTCUSDT")
        assert oi["symbol"] == "BTCUSDT" and D(oi["openInterest"]) > 0 and isinstance(oi["time"], int)
        for path in ("/fapi/v1/exchangeInfo", "/fapi/v1/premiumIndex", "/fapi/v1/fundingInfo",
                     "/fapi/v1/time"):
            status, _, _ = await client.public(path)
            assert status == 200, path
        _, server_time, _ = await client.public("/fapi/v3/time")
        _, ping, _ = await client.public("/fapi/v3/ping")
        assert isinstance(server_time["serverTime"], int) and ping == {}


async def test_a_hundred_markets_mix_intervals() -> None:
    scenario = load_scenario("default").model_copy(update={"market_count": 100})
    async with running_simulator(["aster"], scenario, start_ms=START_MS) as sim, aiohttp.ClientSession() as s:
        client = AsterClient(s, sim.urls("aster")["rest"], {})
        _, info, _ = await client.public("/fapi/v3/fundingInfo")
        assert len(info) == 100 and {row["fundingIntervalHours"] for row in info} == {1, 4, 8}
        _, exchange, _ = await client.public("/fapi/v3/exchangeInfo")
        assert all(_filters(s)["MIN_NOTIONAL"]["notional"] == "5" for s in exchange["symbols"])
        _, prem, _ = await client.public("/fapi/v3/premiumIndex")
        assert len(prem) == 100


def test_markets_override_the_catalog() -> None:
    specs = {s.symbol: s for s in AsterVenue.markets("aster", None, ["BTC", "ETH", "SOL", "PEPE"])}
    assert specs["ETH"].tick_size == D("0.1") and specs["PEPE"].venue_symbol == "1000PEPEUSDT"
    assert [specs[s].funding_interval_hours for s in ("BTC", "ETH", "SOL", "PEPE")] == [8, 8, 4, 1]
    assert all(s.min_notional == 5 for s in specs.values())
