"""Hyperliquid simulator WebSocket ``/ws``: greeting, acknowledgements, full-snapshot l2Book,
bbo, private channels by user address, activeAssetCtx, ping, errors, post."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp

from simulator.engine.faults import Fault, FaultKind
from tests.simulator.venues.hl_support import hyperliquid, order_action, ws_connect

D = Decimal
BTC, ETH = 0, 1


async def test_greeting_ack_ping_and_errors() -> None:
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        assert ws.greeting == "Websocket connection established."
        await ws.send({"method": "ping"})
        assert await ws.recv() == {"channel": "pong"}
        ack = await ws.subscribe({"type": "userFills", "user": hl.address.upper().replace("0X", "0x")})
        assert ack["data"] == {
            "method": "subscribe",
            "subscription": {"type": "userFills", "user": hl.address, "aggregateByTime": False},
        }
        await ws.expect("userFills")
        await ws.send({"method": "subscribe", "subscription": {"type": "userFills", "user": hl.address}})
        error = await ws.expect("error")
        assert error["data"].startswith("Already subscribed: {")
        await ws.send({"method": "unsubscribe", "subscription": {"type": "trades", "coin": "ETH"}})
        assert (await ws.expect("error"))["data"] == 'Already unsubscribed: {"type":"trades","coin":"ETH"}'
        await ws.send({"method": "subscribe", "subscription": {"type": "candles"}})
        assert (await ws.expect("error"))["data"] == 'Invalid subscription {"type":"candles"}'
        await ws.ws.send_str("hello")
        assert (await ws.expect("error"))["data"] == "Error parsing JSON into valid websocket request: hello"
        await ws.send({"method": "unsubscribe", "subscription": {"type": "userFills", "user": hl.address}})
        assert (await ws.expect("subscriptionResponse"))["data"]["method"] == "unsubscribe"
        await ws.send({"method": "subscribe", "subscription": {"type": "l2Book", "coin": "DOGE"}})
        closed = await ws.recv()
        assert isinstance(closed, aiohttp.WSMessage) and closed.type is aiohttp.WSMsgType.CLOSE


async def test_l2book_snapshots_follow_the_book() -> None:
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        await ws.subscribe({"type": "l2Book", "coin": "BTC"})
        first = await ws.expect("l2Book")
        bids, asks = first["data"]["levels"]
        assert first["data"]["coin"] == "BTC" and len(bids) == len(asks) == 10
        best = D(bids[0]["px"])
        await hl.order(BTC, True, best + 5, "0.002")
        pushed = await ws.expect("l2Book")
        assert pushed["data"]["levels"][0][0] == {
            "px": f"{(best + 5).normalize():f}.0",
            "sz": "0.002",
            "n": 1,
        }
        assert len(pushed["data"]["levels"][1]) == 10  # every message is a whole book


async def test_skipped_snapshot_is_healed_by_the_next_one() -> None:
    """skip_seq drops one push (the venue has no sequence numbers: nothing to detect); the next
    push is a complete book again."""
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        await ws.subscribe({"type": "l2Book", "coin": "ETH"})
        best = D((await ws.expect("l2Book"))["data"]["levels"][0][0]["px"])
        hl.sim.venue("hyperliquid").ctx.faults.arm(Fault(kind=FaultKind.SKIP_SEQ, match="l2Book", count=1))
        await hl.order(ETH, True, best + D("0.1"), "0.01")
        assert await ws.quiet("l2Book", 0.9) == []  # that push was dropped
        await hl.order(ETH, True, best + D("0.2"), "0.01")
        healed = (await ws.expect("l2Book"))["data"]["levels"][0]
        assert [D(lv["px"]) for lv in healed[:3]] == [best + D("0.2"), best + D("0.1"), best]


async def test_bbo_and_order_updates() -> None:
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        await ws.subscribe({"type": "bbo", "coin": "ETH"})
        bbo = (await ws.expect("bbo"))["data"]
        bid = D(bbo["bbo"][0]["px"])
        await ws.subscribe({"type": "orderUpdates", "user": hl.address})
        oid = (await hl.order(ETH, True, bid + D("0.1"), "0.01", cloid="0x" + "0" * 31 + "9"))["resting"][
            "oid"
        ]
        update = (await ws.expect("orderUpdates"))["data"][0]
        assert (
            update["status"] == "open" and update["order"]["oid"] == oid and update["order"]["sz"] == "0.01"
        )
        assert update["order"]["cloid"] == "0x" + "0" * 31 + "9"
        better = (await ws.expect("bbo"))["data"]["bbo"][0]
        assert D(better["px"]) == bid + D("0.1") and better["sz"] == "0.01"
        await hl.act({"type": "cancel", "cancels": [{"a": ETH, "o": oid}]})
        canceled = (await ws.expect("orderUpdates"))["data"][0]
        assert canceled["status"] == "canceled" and canceled["order"]["sz"] == "0.01"
        assert canceled["statusTimestamp"] >= canceled["order"]["timestamp"]
        ask = D((await ws.expect("bbo"))["data"]["bbo"][1]["px"])
        await hl.order(ETH, True, ask, "0.01", "Ioc")
        while (frame := (await ws.expect("orderUpdates"))["data"][0])["status"] != "filled":
            assert frame["status"] == "open"
        assert frame["order"]["sz"] == "0.0"


async def test_user_fills_and_trades() -> None:
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        await ws.subscribe({"type": "userFills", "user": hl.address})
        snapshot = (await ws.expect("userFills"))["data"]
        assert snapshot == {"isSnapshot": True, "user": hl.address, "fills": []}
        await ws.subscribe({"type": "trades", "coin": "ETH"})
        book = await hl.info({"type": "l2Book", "coin": "ETH"})
        ask = D(book["levels"][1][0]["px"])
        await hl.order(ETH, True, ask, "0.02", "Ioc")
        frames: dict[str, Any] = {}
        while len(frames) < 2:  # the two channels, in either order
            frame = await ws.recv()
            if frame["channel"] in ("userFills", "trades"):
                frames[frame["channel"]] = frame["data"]
        fills = frames["userFills"]
        assert fills["isSnapshot"] is False and fills["user"] == hl.address
        row = fills["fills"][0]
        assert row["coin"] == "ETH" and row["dir"] == "Open Long" and D(row["px"]) == ask
        trade = frames["trades"][0]
        assert trade["side"] == "B" and trade["users"][0] == hl.address and trade["tid"] == row["tid"]
        async with ws_connect(hl) as late:
            await late.subscribe({"type": "userFills", "user": hl.address})
            replay = (await late.expect("userFills"))["data"]
            assert replay["isSnapshot"] is True and replay["fills"][0]["tid"] == row["tid"]
            await late.subscribe({"type": "trades", "coin": "ETH"})
            assert (await late.expect("trades"))["data"][-1]["tid"] == trade["tid"]


async def test_active_asset_ctx_all_mids_and_fundings() -> None:
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        hl.sim.engine("hyperliquid").set_funding_rate("BTC", D("0.0008"))
        _, ask = await hl.book("BTC")
        await hl.order(BTC, True, ask, "0.001", "Ioc")
        await ws.subscribe({"type": "activeAssetCtx", "coin": "BTC"})
        ctx = (await ws.expect("activeAssetCtx"))["data"]
        assert ctx["coin"] == "BTC" and D(ctx["ctx"]["funding"]) == D("0.0001")
        assert all(
            isinstance(ctx["ctx"][k], str) for k in ("markPx", "oraclePx", "openInterest", "dayNtlVlm")
        )
        await ws.subscribe({"type": "allMids"})
        assert set((await ws.expect("allMids"))["data"]["mids"]) == {"BTC", "ETH", "SOL", "kPEPE"}
        await ws.subscribe({"type": "userFundings", "user": hl.address})
        assert (await ws.expect("userFundings"))["data"]["isSnapshot"] is True
        await ws.subscribe({"type": "userEvents", "user": hl.address})
        hl.sim.advance(3600)
        funding = (await ws.expect("userFundings"))["data"]
        assert funding["isSnapshot"] is False and funding["fundings"][0]["coin"] == "BTC"
        assert D(funding["fundings"][0]["usdc"]) < 0
        event = await ws.expect("user")
        assert event["data"]["funding"]["coin"] == "BTC"
        assert (await ws.expect("activeAssetCtx"))["data"]["coin"] == "BTC"
        assert (await ws.expect("allMids"))["data"]["mids"]["BTC"]


async def test_post_requests() -> None:
    async with hyperliquid() as hl, ws_connect(hl) as ws:
        await ws.send(
            {
                "method": "post",
                "id": 7,
                "request": {"type": "info", "payload": {"type": "l2Book", "coin": "SOL"}},
            }
        )
        answer = (await ws.expect("post"))["data"]
        assert answer["id"] == 7 and answer["response"]["type"] == "info"
        assert answer["response"]["payload"]["type"] == "l2Book"
        assert answer["response"]["payload"]["data"]["coin"] == "SOL"
        bid = D(answer["response"]["payload"]["data"]["levels"][0][0]["px"])
        payload = hl.signed(order_action(2, True, bid - 1, "1"))
        await ws.send({"method": "post", "id": 8, "request": {"type": "action", "payload": payload}})
        answer = (await ws.expect("post"))["data"]
        assert answer["id"] == 8 and answer["response"]["type"] == "action"
        assert "resting" in answer["response"]["payload"]["response"]["data"]["statuses"][0]
        await ws.send({"method": "post", "id": 9, "request": {"type": "info", "payload": {"type": "nope"}}})
        answer = (await ws.expect("post"))["data"]
        assert answer["response"] == {
            "type": "error",
            "payload": "Failed to deserialize the JSON body into the target type",
        }


async def test_closing_releases_book_watches() -> None:
    async with hyperliquid() as hl:
        engine = hl.sim.engine("hyperliquid")
        async with ws_connect(hl) as ws:
            await ws.subscribe({"type": "l2Book", "coin": "SOL"})
            await ws.subscribe({"type": "l2Book", "coin": "SOL", "nSigFigs": 4})
            assert engine.market("SOL").watchers == 1
        for _ in range(50):
            if not engine.market("SOL").watchers:
                break
            await asyncio.sleep(0.02)
        assert engine.market("SOL").watchers == 0
