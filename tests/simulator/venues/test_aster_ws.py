"""Aster simulator WebSocket: diff depth continuity (U/u/pu) against the REST snapshot, gaps from a
skip_seq fault, bookTicker/markPrice/combined streams, the subscription protocol."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal
from typing import Any

import aiohttp

from simulator.engine.faults import Fault, FaultKind
from tests.simulator.venues.aster_support import AsterClient, aster, collect, receive, wait_for

D = Decimal


def apply(book: dict[str, dict[D, D]], event: dict[str, Any]) -> None:
    for side, key in (("bids", "b"), ("asks", "a")):
        for price, qty in event[key]:
            if D(qty):
                book[side][D(price)] = D(qty)
            else:
                book[side].pop(D(price), None)


async def poke(client: AsterClient, price: str, qty: str = "0.010") -> int:
    """A resting BTC bid: one book change."""
    status, order, _ = await client.order(symbol="BTCUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                          quantity=qty, price=price)
    assert status == 200, order
    return int(order["orderId"])


async def test_diff_depth_follows_the_documented_procedure() -> None:
    async with aster() as (sim, client):
        ws = await client.session.ws_connect(sim.urls("aster")["ws"] + "/stream?streams=btcusdt@depth")
        await poke(client, "99000.0")                      # an event may come before the snapshot
        await asyncio.sleep(0.25)
        _, snap, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=1000)
        for i, price in enumerate(("99001.0", "99002.0", "99003.0")):
            await poke(client, price, qty=f"0.0{i + 2}0")
            await asyncio.sleep(0.15)
        frames = [f for f in await collect(ws, 0.4) if f["stream"] == "btcusdt@depth"]
        events = [f["data"] for f in frames]
        assert events and all(e["e"] == "depthUpdate" and e["s"] == "BTCUSDT" for e in events)
        last_id = snap["lastUpdateId"]
        live = [e for e in events if e["u"] >= last_id]                  # step 4: drop u < lastUpdateId
        first = live[0]
        assert first["U"] <= last_id <= first["u"] or first["pu"] == last_id   # step 5
        for prev, cur in itertools.pairwise(live):                         # step 6: pu == previous u
            assert cur["pu"] == prev["u"] and cur["U"] == prev["u"] + 1
        book = {"bids": {D(p): D(q) for p, q in snap["bids"]}, "asks": {D(p): D(q) for p, q in snap["asks"]}}
        for event in live:
            apply(book, event)
        _, after, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=1000)
        assert after["lastUpdateId"] == live[-1]["u"]
        assert book["bids"] == {D(p): D(q) for p, q in after["bids"]}
        assert book["asks"] == {D(p): D(q) for p, q in after["asks"]}
        assert book["bids"][D("99003.0")] == D("0.040")
        await ws.close()


async def test_skip_seq_fault_leaves_a_pu_gap() -> None:
    async with aster() as (sim, client):
        ws = await client.session.ws_connect(sim.urls("aster")["ws"] + "/ws/btcusdt@depth@100ms")
        await poke(client, "99000.0")
        first = await wait_for(ws, lambda f: f.get("e") == "depthUpdate")
        sim.venue("aster").ctx.faults.arm(Fault(kind=FaultKind.SKIP_SEQ, match="btcusdt@depth", count=1))
        await poke(client, "99001.0")
        await asyncio.sleep(0.2)
        await poke(client, "99002.0")
        after = await wait_for(ws, lambda f: f.get("e") == "depthUpdate")
        assert after["pu"] != first["u"] and after["pu"] > first["u"]    # the skipped event is missing
        await ws.close()


async def test_book_ticker_partial_depth_and_mark_price_streams() -> None:
    async with aster() as (sim, client):
        streams = "btcusdt@bookTicker/btcusdt@depth5/btcusdt@markPrice@1s"
        url = sim.urls("aster")["ws"] + "/stream?streams=" + streams
        ws = await client.session.ws_connect(url)
        _, book, _ = await client.public("/fapi/v3/depth", symbol="BTCUSDT", limit=5)
        inside, ask = str(D(book["bids"][0][0]) + D("0.1")), book["asks"][0][0]
        await poke(client, inside, "0.007")
        frames: dict[str, list[dict[str, Any]]] = {}
        for frame in await collect(ws, 1.5):
            frames.setdefault(frame["stream"], []).append(frame["data"])
        ticker = frames["btcusdt@bookTicker"][0]
        assert ticker["e"] == "bookTicker" and ticker["s"] == "BTCUSDT"
        assert (ticker["b"], ticker["B"]) == (inside, "0.007")
        assert ticker["a"] == ask and isinstance(ticker["u"], int)
        partial = frames["btcusdt@depth5"][0]
        assert len(partial["b"]) == 5 and partial["b"][0] == [inside, "0.007"]
        assert {"U", "u", "pu"} <= set(partial)
        assert partial["u"] == ticker["u"]
        mark = frames["btcusdt@markPrice@1s"][0]
        assert mark["e"] == "markPriceUpdate" and mark["r"] == "0.00010000"
        _, prem, _ = await client.public("/fapi/v3/premiumIndex", symbol="BTCUSDT")
        assert mark["T"] == prem["nextFundingTime"] and D(mark["p"]) > 0
        await ws.close()


async def test_subscription_protocol() -> None:
    async with aster() as (sim, client):
        ws = await client.session.ws_connect(sim.urls("aster")["ws"] + "/ws")
        await ws.send_json({"method": "SUBSCRIBE", "params": ["btcusdt@depth", "ethusdt@bookTicker"],
                            "id": 1})
        assert await receive(ws) == {"result": None, "id": 1}
        await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": 2})
        assert await receive(ws) == {"result": ["btcusdt@depth", "ethusdt@bookTicker"], "id": 2}
        await ws.send_json({"method": "UNSUBSCRIBE", "params": ["ethusdt@bookTicker"], "id": 3})
        assert await receive(ws) == {"result": None, "id": 3}
        await ws.send_json({"method": "GET_PROPERTY", "params": ["combined"], "id": 4})
        assert await receive(ws) == {"result": False, "id": 4}
        await ws.send_json({"method": "SET_PROPERTY", "params": ["combined", True], "id": 5})
        assert await receive(ws) == {"result": None, "id": 5}
        await poke(client, "99500.0")
        frame = await wait_for(ws, lambda f: "stream" in f)
        assert frame["stream"] == "btcusdt@depth" and frame["data"]["e"] == "depthUpdate"
        await ws.send_json({"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 6})
        error = await wait_for(ws, lambda f: "code" in f)
        assert error == {"code": 1, "msg": "Invalid value type: expected Boolean"}
        await ws.send_json({"method": "GET_PROPERTY", "params": ["colour"], "id": 7})
        assert await wait_for(ws, lambda f: "code" in f) == {"code": 0, "msg": "Unknown property"}
        await ws.send_json({"method": "PING", "id": 8})
        assert (await wait_for(ws, lambda f: "code" in f))["code"] == 2
        await ws.send_str("{nope")
        assert (await wait_for(ws, lambda f: "code" in f))["code"] == 3
        await ws.close()


async def test_too_many_incoming_messages_close_the_connection() -> None:
    async with aster() as (sim, client):
        ws = await client.session.ws_connect(sim.urls("aster")["ws"] + "/ws")
        for i in range(12):
            await ws.send_json({"method": "LIST_SUBSCRIPTIONS", "id": i})
        replies = 0
        while True:
            msg = await asyncio.wait_for(ws.receive(), 3)
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            replies += 1
        assert replies == 10 and msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 1008
        await ws.close()
