"""Backpack WebSocket: depth diffs synced with the REST snapshot (U == previous u + 1, the rebuilt
book equals REST), a skip_seq fault producing a detectable gap, bookTicker, markPrice, trades,
signed private orderUpdate/positionUpdate streams, protocol errors, and ping/pong."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from simulator.engine import OrderType
from simulator.venues.backpack.ws import BackpackStreams
from tests.simulator.venues.bp_support import BackpackClient, backpack

D = Decimal
Frame = dict[str, Any]


async def next_frame(ws: aiohttp.ClientWebSocketResponse, pred: Callable[[Frame], bool] = lambda f: True,
                     timeout: float = 3.0) -> Frame:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        frame: Frame = await asyncio.wait_for(ws.receive_json(), deadline - asyncio.get_running_loop().time())
        if pred(frame):
            return frame


async def silent(ws: aiohttp.ClientWebSocketResponse, seconds: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(ws.receive(), seconds)
    except TimeoutError:
        return True
    return False


async def subscribe(ws: aiohttp.ClientWebSocketResponse, *streams: str, **extra: Any) -> None:
    await ws.send_json({"method": "SUBSCRIBE", "params": list(streams), **extra})


def limit(side: str, price: str, qty: str, symbol: str = "BTC_USDC_PERP", **extra: Any) -> dict[str, Any]:
    return {"symbol": symbol, "side": side, "orderType": "Limit", "price": price, "quantity": qty, **extra}


async def test_depth_diffs_rebuild_the_rest_book() -> None:
    async with backpack() as (sim, client), client.session.ws_connect(sim.urls("backpack")["ws"]) as ws:
        await subscribe(ws, "depth.BTC_USDC_PERP")
        await asyncio.sleep(0.05)
        _, snap = await client.public("/api/v1/depth", symbol="BTC_USDC_PERP")
        last = int(snap["lastUpdateId"])
        book = {1: {D(p): D(q) for p, q in snap["bids"]}, -1: {D(p): D(q) for p, q in snap["asks"]}}
        _, first = await client.order(**limit("Bid", "99500", "0.1"))
        await client.order(**limit("Ask", "100500", "0.2"))
        await asyncio.sleep(0.15)                                   # separate frames
        await client.order(**limit("Bid", "99600", "0.1"))
        await client.call("DELETE", "/api/v1/order", "orderCancel",
                          {"symbol": "BTC_USDC_PERP", "orderId": first["id"]})
        await client.order(symbol="BTC_USDC_PERP", side="Bid", orderType="Market", quantity="0.3")
        target = sim.engine("backpack").market("BTC").seq
        prev_u: int | None = None
        frames = 0
        while prev_u != target:
            frame = await next_frame(ws)
            assert frame["stream"] == "depth.BTC_USDC_PERP"
            data = frame["data"]
            assert data["e"] == "depth" and isinstance(data["E"], int) and data["E"] > 1e15   # µs
            if data["u"] <= last:
                continue
            if prev_u is None:
                assert data["U"] <= last + 1 <= data["u"]
            else:
                assert data["U"] == prev_u + 1
            for key, side in (("b", 1), ("a", -1)):
                for price, qty in data[key]:
                    assert price.endswith(".0") or "." in price            # padded to the tick
                    if D(qty) == 0:
                        book[side].pop(D(price), None)
                    else:
                        book[side][D(price)] = D(qty)
            prev_u = data["u"]
            frames += 1
        assert frames >= 2
        _, after = await client.public("/api/v1/depth", symbol="BTC_USDC_PERP")
        assert int(after["lastUpdateId"]) == prev_u
        assert book[1] == {D(p): D(q) for p, q in after["bids"]}
        assert book[-1] == {D(p): D(q) for p, q in after["asks"]}


async def test_skip_seq_fault_makes_a_gap() -> None:
    async with backpack() as (sim, client), client.session.ws_connect(sim.urls("backpack")["ws"]) as ws:
        await subscribe(ws, "depth.BTC_USDC_PERP")
        await asyncio.sleep(0.05)
        await client.order(**limit("Bid", "99500", "0.1"))
        a = (await next_frame(ws))["data"]
        async with client.session.post(sim.urls("backpack")["control"] + "/faults",
                                       json={"kind": "skip_seq", "match": "depth.", "count": 1}) as r:
            assert r.status == 201
        await client.order(**limit("Bid", "99400", "0.1"))
        await asyncio.sleep(0.2)
        await client.order(**limit("Bid", "99300", "0.1"))
        c = (await next_frame(ws))["data"]
        assert c["U"] != a["u"] + 1 and c["U"] > a["u"] + 1          # the client sees the gap


async def test_book_ticker_trades_and_mark_price(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BackpackStreams, "mark_price_interval", 0.05)
    async with backpack() as (sim, client), client.session.ws_connect(sim.urls("backpack")["ws"]) as ws:
        await subscribe(ws, "bookTicker.BTC_USDC_PERP", "markPrice.BTC_USDC_PERP", "trade.BTC_USDC_PERP")
        mark = await next_frame(ws, lambda f: f["stream"] == "markPrice.BTC_USDC_PERP")
        data = mark["data"]
        assert data["e"] == "markPrice" and D(data["p"]) > 0 and D(data["f"]) == D("0.0000125")
        assert data["n"] == sim.engine("backpack").market("BTC").next_funding_ms     # ms, not µs
        _, top = await client.public("/api/v1/depth", symbol="BTC_USDC_PERP", limit=5)
        inside = D(top["bids"][-1][0]) + D("0.1")
        await client.order(**limit("Bid", str(inside), "0.5"))
        ticker = await next_frame(ws, lambda f: f["stream"] == "bookTicker.BTC_USDC_PERP")
        t = ticker["data"]
        assert (D(t["b"]), D(t["B"]), t["a"]) == (inside, D("0.5"), top["asks"][0][0] + ".0")
        assert isinstance(t["u"], int) and t["u"] == sim.engine("backpack").market("BTC").seq
        engine = sim.engine("backpack")                              # someone else sells into our bid
        other = engine.create_account(D(100_000))
        engine.submit_order(other.id, "BTC", -1, D("0.1"), order_type=OrderType.MARKET)
        trade = await next_frame(ws, lambda f: f["stream"] == "trade.BTC_USDC_PERP")
        assert (D(trade["data"]["p"]), trade["data"]["q"], trade["data"]["m"]) == (inside, "0.1", True)


async def private_socket(sim: Any, client: BackpackClient, *streams: str) -> aiohttp.ClientWebSocketResponse:
    ws = await client.session.ws_connect(sim.urls("backpack")["ws"])
    await subscribe(ws, *streams, signature=client.ws_signature())
    await asyncio.sleep(0.05)
    return ws


async def test_private_order_and_position_updates() -> None:
    async with backpack() as (sim, client):
        ws = await private_socket(sim, client, "account.orderUpdate", "account.positionUpdate")
        eth = await private_socket(sim, client, "account.orderUpdate.ETH_USDC_PERP")
        try:
            _, order = await client.order(**limit("Bid", "99000", "0.01", clientId=9))
            accepted = await next_frame(ws)
            assert accepted["stream"] == "account.orderUpdate"
            d = accepted["data"]
            assert (d["e"], d["X"], d["i"], d["c"]) == ("orderAccepted", "New", order["id"], 9)
            assert (d["o"], d["f"], d["S"], d["O"]) == ("LIMIT", "GTC", "Bid", "USER")
            assert (d["p"], d["q"], d["z"], d["Z"]) == ("99000", "0.01", "0", "0")
            assert isinstance(d["E"], int) and isinstance(d["T"], int) and d["E"] > 1e15
            await client.call("DELETE", "/api/v1/order", "orderCancel",
                              {"symbol": "BTC_USDC_PERP", "clientId": 9})
            assert (await next_frame(ws))["data"]["e"] == "orderCancelled"

            _, filled = await client.order(symbol="BTC_USDC_PERP", side="Bid", orderType="Market",
                                           quantity="0.3")
            events = [await next_frame(ws, lambda f: f["stream"] == "account.orderUpdate") for _ in range(2)]
            assert [e["data"]["e"] for e in events] == ["orderAccepted", "orderFill"]
            fills = [events[1]]
            while fills[-1]["data"]["X"] != "Filled":
                fills.append(await next_frame(ws, lambda f: f["stream"] == "account.orderUpdate"))
            last = fills[-1]["data"]
            assert last["z"] == "0.3" and D(last["Z"]) == D(filled["executedQuoteQuantity"])
            assert sum(D(f["data"]["l"]) for f in fills) == D("0.3")
            assert all(isinstance(f["data"]["t"], int) and f["data"]["m"] is False for f in fills)
            assert {f["data"]["N"] for f in fills} == {"USDC"}
            opened = await next_frame(ws, lambda f: f["stream"] == "account.positionUpdate")
            p = opened["data"]
            assert (p["e"], p["s"], p["q"]) == ("positionOpened", "BTC_USDC_PERP", "0.3")
            assert isinstance(p["i"], int) and D(p["B"]) > 0 and p["l"] == "0"

            _, ioc = await client.order(**limit("Ask", "101000", "0.1", timeInForce="IOC"))
            expired = await next_frame(ws, lambda f: f["data"].get("e") == "orderExpired")
            assert (expired["data"]["i"], expired["data"]["R"]) == (ioc["id"], "ImmediateOrCancel")

            await client.order(symbol="ETH_USDC_PERP", side="Bid", orderType="Market", quantity="0.1")
            only_eth = await next_frame(eth)
            assert only_eth["stream"] == "account.orderUpdate.ETH_USDC_PERP"
            assert only_eth["data"]["s"] == "ETH_USDC_PERP"

            # a new subscription gets the open positions without an event type
            snap_ws = await private_socket(sim, client, "account.positionUpdate")
            snaps = [await next_frame(snap_ws), await next_frame(snap_ws)]
            assert {s["data"]["s"] for s in snaps} == {"BTC_USDC_PERP", "ETH_USDC_PERP"}
            assert all("e" not in s["data"] for s in snaps)
            await snap_ws.close()
        finally:
            await ws.close()
            await eth.close()


async def test_reduce_only_trim_is_order_modified() -> None:
    async with backpack() as (sim, client):
        await client.order(symbol="BTC_USDC_PERP", side="Bid", orderType="Market", quantity="0.02")
        _, ro = await client.order(**limit("Ask", "101000", "0.02", reduceOnly=True))
        ws = await private_socket(sim, client, "account.orderUpdate")
        try:
            await client.order(symbol="BTC_USDC_PERP", side="Ask", orderType="Market", quantity="0.01")
            modified = await next_frame(ws, lambda f: f["data"]["e"] == "orderModified")
            m = modified["data"]
            assert (m["i"], m["q"], m["r"]) == (ro["id"], "0.01", True)
            await client.order(symbol="BTC_USDC_PERP", side="Ask", orderType="Market", quantity="0.01")
            cancelled = await next_frame(
                ws, lambda f: f["data"]["i"] == ro["id"] and f["data"]["e"] != "orderModified")
            assert cancelled["data"]["e"] == "orderCancelled"
        finally:
            await ws.close()


async def test_private_subscription_refused() -> None:
    async with backpack() as (sim, client), client.session.ws_connect(sim.urls("backpack")["ws"]) as ws:
        other = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        await subscribe(ws, "account.orderUpdate", signature=client.ws_signature(secret=other))
        assert await next_frame(ws) == {"id": None, "error": {"code": 4003, "message": "Invalid signature"}}
        stale = client.ws_signature(timestamp=int(time.time() * 1000) - 10_000)
        await subscribe(ws, "account.orderUpdate", signature=stale)
        assert (await next_frame(ws))["error"]["message"] == "Request has expired"
        await subscribe(ws, "account.orderUpdate")
        assert (await next_frame(ws))["error"] == {"code": 4003, "message": "Missing signature"}
        await client.order(**limit("Bid", "99000", "0.01"))
        assert await silent(ws)                                     # nothing was subscribed


async def test_protocol_errors_and_ping() -> None:
    async with backpack() as (sim, client):
        assert sim.venue("backpack").ctx.hub.heartbeat == 60.0          # server pings every 60 s
        async with client.session.ws_connect(sim.urls("backpack")["ws"], autoping=False) as ws:
            await ws.send_str("hello")
            assert await next_frame(ws) == {"id": None, "error": {"code": 4002, "message": "Parse error"}}
            await ws.send_json({"method": "LIST", "params": []})
            assert (await next_frame(ws))["error"]["code"] == 4002
            await subscribe(ws, "bogus.BTC_USDC_PERP")
            assert await next_frame(ws) == {"id": None, "error": {"code": 4006, "message": "Invalid stream"}}
            await subscribe(ws, "depth.100ms.BTC_USDC_PERP")
            assert (await next_frame(ws))["error"] == {"code": 4008, "message": "Invalid depth window"}
            await subscribe(ws, "depth.KPEPE_USDC_PERP")                  # unknown market: silence
            assert await silent(ws)
            await ws.ping(b"x")
            pong = await asyncio.wait_for(ws.receive(), 2)
            assert pong.type is aiohttp.WSMsgType.PONG and pong.data == b"x"


async def test_aggregated_depth_window_and_unsubscribe() -> None:
    async with backpack() as (sim, client), client.session.ws_connect(sim.urls("backpack")["ws"]) as ws:
        await subscribe(ws, "depth.200ms.BTC_USDC_PERP")
        await asyncio.sleep(0.05)
        await client.order(**limit("Bid", "99500", "0.1"))
        frame = await next_frame(ws)
        assert frame["stream"] == "depth.200ms.BTC_USDC_PERP"
        assert frame["data"]["b"] == [["99500.0", "0.10000"]]
        await ws.send_json({"method": "UNSUBSCRIBE", "params": ["depth.200ms.BTC_USDC_PERP"]})
        await asyncio.sleep(0.05)
        await client.order(**limit("Bid", "99400", "0.1"))
        assert await silent(ws, 0.4)
