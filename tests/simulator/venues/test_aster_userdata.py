"""Aster simulator user data stream: listen keys (V3 signed, V1 key-only), ORDER_TRADE_UPDATE and
ACCOUNT_UPDATE events, listenKeyExpired."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp

from tests.simulator.venues.aster_support import AsterClient, aster, collect, new_client, venue, wait_for

D = Decimal


async def listen(client: AsterClient, ws_base: str, *, combined: bool = False) -> tuple[
        str, aiohttp.ClientWebSocketResponse]:
    status, body, _ = await client.v3("POST", "/fapi/v3/listenKey")
    assert status == 200, body
    key = body["listenKey"]
    url = f"{ws_base}/stream?streams={key}" if combined else f"{ws_base}/ws/{key}"
    return key, await client.session.ws_connect(url)


def orders(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f["o"] for f in frames if f.get("e") == "ORDER_TRADE_UPDATE"]


async def test_listen_key_lifecycle() -> None:
    async with aster() as (sim, client):
        _, first, _ = await client.v3("POST", "/fapi/v3/listenKey")
        _, again, _ = await client.v3("POST", "/fapi/v3/listenKey")
        assert first == again and len(first["listenKey"]) == 64            # the active key, extended
        assert (await client.v3("PUT", "/fapi/v3/listenKey"))[1] == {}
        assert (await client.v3("PUT", "/fapi/v3/listenKey", {"listenKey": first["listenKey"]}))[1] == {}
        status, err, _ = await client.v3("PUT", "/fapi/v3/listenKey", {"listenKey": "x" * 64})
        assert (status, err) == (400, {"code": -1125, "msg": "This listenKey does not exist."})
        ws = await client.session.ws_connect(f"{sim.urls('aster')['ws']}/ws/{first['listenKey']}")
        assert (await client.v3("DELETE", "/fapi/v3/listenKey"))[1] == {}
        expired = await wait_for(ws, lambda f: f.get("e") == "listenKeyExpired")
        assert isinstance(expired["E"], int)
        assert (await client.v3("PUT", "/fapi/v3/listenKey"))[1]["code"] == -1125
        _, fresh, _ = await client.v1("POST", "/fapi/v1/listenKey", signed=False)
        assert fresh["listenKey"] != first["listenKey"]
        assert (await client.v1("PUT", "/fapi/v1/listenKey", signed=False))[1] == {}
        await ws.close()


async def test_a_key_not_kept_alive_expires() -> None:
    async with aster() as (sim, client):
        venue(sim).user.ttl_ms = 300
        key, ws = await listen(client, sim.urls("aster")["ws"])
        frame = await wait_for(ws, lambda f: f.get("e") == "listenKeyExpired", timeout=3)
        assert frame["E"] > 0
        await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.010",
                           price="90000.0")
        assert orders(await collect(ws, 0.3)) == []                        # nothing after the expiry
        assert (await client.v3("PUT", "/fapi/v3/listenKey", {"listenKey": key}))[1]["code"] == -1125
        await ws.close()


async def test_taker_fill_sequence_and_account_update() -> None:
    async with aster() as (sim, client):
        _, ws = await listen(client, sim.urls("aster")["ws"])
        _, book, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=5)
        ask = book["asks"][0][0]
        _, placed, _ = await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="IOC",
                                          quantity="0.010", price=ask, newClientOrderId="take-1")
        frames = await collect(ws, 0.5)
        events = orders(frames)
        assert [(e["x"], e["X"]) for e in events] == [("NEW", "NEW"), ("TRADE", "FILLED")]
        trade = events[1]
        assert trade["i"] == placed["orderId"] and trade["c"] == "take-1" and trade["s"] == "BTCUSDT"
        assert (trade["l"], trade["z"], trade["L"]) == ("0.010", "0.010", ask)
        assert trade["m"] is False and trade["N"] == "USDT"
        assert D(trade["ap"]) == D(ask) and D(trade["n"]) > 0 and trade["t"] > 0 and trade["f"] == "IOC"
        update = next(f for f in frames if f.get("e") == "ACCOUNT_UPDATE")
        assert update["a"]["m"] == "ORDER"
        assert update["a"]["B"][0]["a"] == "USDT" and D(update["a"]["B"][0]["wb"]) < D(100000)
        assert update["a"]["P"] == [{**update["a"]["P"][0], "s": "BTCUSDT", "pa": "0.010", "mt": "cross",
                                     "ps": "BOTH"}]
        await ws.close()


async def test_maker_partial_fill_then_cancel_on_a_combined_stream() -> None:
    async with aster() as (sim, client):
        key, ws = await listen(client, sim.urls("aster")["ws"], combined=True)
        _, book, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=5)
        inside = str(D(book["bids"][0][0]) + D("0.1"))
        _, order, _ = await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                         quantity="0.010", price=inside)
        other = new_client(sim, client.session)
        status, _, _ = await other.order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.004")
        assert status == 200
        await client.v3("DELETE", "/fapi/v3/order", {"symbol": "BTCUSDT", "orderId": order["orderId"]})
        frames = await collect(ws, 0.5)
        assert all(f["stream"] == key for f in frames)
        events = orders([f["data"] for f in frames])
        assert [(e["x"], e["X"], e["z"]) for e in events] == [
            ("NEW", "NEW", "0"), ("TRADE", "PARTIALLY_FILLED", "0.004"), ("CANCELED", "CANCELED", "0.004")]
        assert events[1]["m"] is True and events[1]["L"] == inside and events[1]["l"] == "0.004"
        positions = [f["data"]["a"]["P"] for f in frames if f["data"].get("e") == "ACCOUNT_UPDATE"]
        assert positions == [[{**positions[0][0], "pa": "0.004"}]]
        await ws.close()


async def test_expired_orders_and_leverage_events() -> None:
    async with aster() as (sim, client):
        _, ws = await listen(client, sim.urls("aster")["ws"])
        _, book, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=5)
        ask = book["asks"][0][0]
        # a crossing post-only order: accepted, then EXPIRED
        await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTX", quantity="0.010",
                           price=ask)
        # a FOK that cannot fill completely: EXPIRED without a trade
        await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="FOK", quantity="50.000",
                           price=ask)
        await client.v3("POST", "/fapi/v3/leverage", {"symbol": "ETHUSDT", "leverage": 7})
        frames = await collect(ws, 0.5)
        events = orders(frames)
        assert [(e["f"], e["x"], e["X"]) for e in events] == [
            ("GTX", "NEW", "NEW"), ("GTX", "EXPIRED", "EXPIRED"),
            ("FOK", "NEW", "NEW"), ("FOK", "EXPIRED", "EXPIRED")]
        config = next(f for f in frames if f.get("e") == "ACCOUNT_CONFIG_UPDATE")
        assert config["ac"] == {"s": "ETHUSDT", "l": 7}
        await ws.close()


async def test_events_of_other_accounts_are_not_seen() -> None:
    async with aster() as (sim, client):
        _, ws = await listen(client, sim.urls("aster")["ws"])
        other = new_client(sim, client.session)
        await other.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.010",
                          price="90000.0")
        await asyncio.sleep(0.1)
        assert await collect(ws, 0.3) == []
        await ws.close()
