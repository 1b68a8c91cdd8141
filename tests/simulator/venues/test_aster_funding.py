"""Aster simulator funding: each symbol settles at its own interval (8h/4h/1h) at the per-interval
rate, longs pay a positive rate, visible through premiumIndex, fundingRate, income FUNDING_FEE and
the user stream."""

from __future__ import annotations

from decimal import Decimal

from tests.simulator.venues.aster_support import START_MS, AsterClient, aster, collect, quiet_scenario

D = Decimal
HOUR_MS = 3_600_000


async def open_position(client: AsterClient, symbol: str, side: str, qty: str) -> None:
    status, body, _ = await client.order(symbol=symbol, side=side, type="MARKET", quantity=qty)
    assert status == 200, body


async def test_four_hour_symbol_settles_every_four_hours_longs_pay() -> None:
    async with aster(quiet_scenario(SOL="0.0008")) as (sim, client):
        await open_position(client, "SOLUSDT", "BUY", "10.00")
        _, prem, _ = await client.public("/fapi/v3/premiumIndex", symbol="SOLUSDT")
        assert prem["lastFundingRate"] == "0.00040000" and prem["nextFundingTime"] == START_MS + 4 * HOUR_MS
        sim.advance(4 * HOUR_MS / 1000 - 60)
        assert (await client.v3("GET", "/fapi/v3/income", {"incomeType": "FUNDING_FEE"}))[1] == []
        sim.advance(60)
        _, history, _ = await client.public("/fapi/v3/fundingRate", symbol="SOLUSDT")
        assert history == [{"symbol": "SOLUSDT", "fundingRate": "0.00040000",
                            "fundingTime": START_MS + 4 * HOUR_MS}]
        _, income, _ = await client.v3("GET", "/fapi/v3/income", {"incomeType": "FUNDING_FEE"})
        assert len(income) == 1
        row = income[0]
        assert (row["symbol"], row["incomeType"], row["info"], row["asset"], row["tradeId"]) == (
            "SOLUSDT", "FUNDING_FEE", "FUNDING_FEE", "USDT", "")
        assert row["time"] == START_MS + 4 * HOUR_MS and isinstance(row["tranId"], str)
        mark = sim.engine("aster").funding_history("SOL")[-1].mark_price
        assert D(row["income"]) == -(D(10) * mark * D("0.0004")).quantize(D("1e-8"))
        assert D(row["income"]) < 0                                       # the long paid
        _, prem, _ = await client.public("/fapi/v3/premiumIndex", symbol="SOLUSDT")
        assert prem["nextFundingTime"] == START_MS + 8 * HOUR_MS
        # the 8h symbols have not settled yet; the 1h one has, four times
        assert (await client.public("/fapi/v3/fundingRate", symbol="BTCUSDT"))[1] == []
        _, pepe, _ = await client.public("/fapi/v3/fundingRate", symbol="1000PEPEUSDT")
        assert [r["fundingTime"] for r in pepe] == [START_MS + h * HOUR_MS for h in (1, 2, 3, 4)]
        assert all(r["fundingRate"] == "0.00001250" for r in pepe)     # 0.01 %/8h per 1h interval


async def test_short_receives_a_positive_rate_on_the_hourly_symbol_and_the_stream_shows_it() -> None:
    async with aster(quiet_scenario(PEPE="0.0004")) as (sim, client):
        await open_position(client, "1000PEPEUSDT", "SELL", "1000")
        _, key, _ = await client.v3("POST", "/fapi/v3/listenKey")
        ws = await client.session.ws_connect(f"{sim.urls('aster')['ws']}/ws/{key['listenKey']}")
        _, before, _ = await client.v3("GET", "/fapi/v3/balance")
        sim.advance(2 * HOUR_MS / 1000)
        frames = await collect(ws, 0.3)
        funding = [f for f in frames if f.get("e") == "ACCOUNT_UPDATE" and f["a"]["m"] == "FUNDING_FEE"]
        assert len(funding) == 2 and all("P" not in f["a"] for f in funding)   # cross margin: B only
        _, income, _ = await client.v3("GET", "/fapi/v3/income", {"symbol": "1000PEPEUSDT",
                                                                   "incomeType": "FUNDING_FEE"})
        assert [r["time"] for r in income] == [START_MS + HOUR_MS, START_MS + 2 * HOUR_MS]
        assert all(D(r["income"]) > 0 for r in income)                  # the short received
        assert [f["a"]["B"][0]["bc"] for f in funding] == [r["income"] for r in income]
        _, after, _ = await client.v3("GET", "/fapi/v3/balance")
        received = sum(D(r["income"]) for r in income)
        assert D(after[0]["balance"]) == D(before[0]["balance"]) + received
        assert D(funding[-1]["a"]["B"][0]["wb"]) == D(after[0]["balance"])
        _, history, _ = await client.public("/fapi/v3/fundingRate", symbol="1000PEPEUSDT", limit=1)
        assert history[0] == {"symbol": "1000PEPEUSDT", "fundingRate": "0.00005000",
                              "fundingTime": START_MS + 2 * HOUR_MS}
        await ws.close()


async def test_eight_hour_symbols_and_history_window() -> None:
    async with aster(quiet_scenario(BTC="-0.0002")) as (sim, client):
        await open_position(client, "BTCUSDT", "BUY", "0.100")
        sim.advance(16 * HOUR_MS / 1000)
        _, history, _ = await client.public("/fapi/v3/fundingRate", symbol="BTCUSDT")
        assert [(r["fundingRate"], r["fundingTime"]) for r in history] == [
            ("-0.00020000", START_MS + 8 * HOUR_MS), ("-0.00020000", START_MS + 16 * HOUR_MS)]
        _, first, _ = await client.public("/fapi/v3/fundingRate", symbol="BTCUSDT", startTime=START_MS,
                                          limit=1)
        assert first == history[:1]
        _, income, _ = await client.v3("GET", "/fapi/v3/income",
                                       {"symbol": "BTCUSDT", "incomeType": "FUNDING_FEE"})
        assert len(income) == 2 and all(D(r["income"]) > 0 for r in income)   # negative rate: longs receive
        _, all_symbols, _ = await client.public("/fapi/v3/fundingRate", limit=1000)
        assert {r["symbol"] for r in all_symbols} == {"BTCUSDT", "ETHUSDT", "SOLUSDT", "1000PEPEUSDT"}
        assert [r["fundingTime"] for r in all_symbols] == sorted(r["fundingTime"] for r in all_symbols)
