"""Lighter simulator: WebSocket ``/stream`` — order book snapshot + deltas with the
``begin_nonce`` == previous ``nonce`` chain (and a skip_seq gap), ticker/trade/market_stats,
account channels with auth, ``jsonapi/sendtx``, server pings, idle close and error frames."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from simulator.engine.faults import Fault, FaultKind
from simulator.venues.lighter import LighterVenue
from tests.simulator.venues.lighter_support import GTT, IOC, MARKET, Harness, lighter_venue

D = Decimal
ETH = 0
Msg = dict[str, Any]


async def _recv(ws: aiohttp.ClientWebSocketResponse, match: Callable[[Msg], bool],
                timeout: float = 3.0) -> Msg:
    """The next message satisfying ``match`` (server pings and other traffic are skipped)."""
    async def loop() -> Msg:
        while True:
            msg = await ws.receive()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket ended: {msg.type}")
            data: Msg = json.loads(msg.data)
            if match(data):
                return data
    return await asyncio.wait_for(loop(), timeout)


def _type(kind: str) -> Callable[[Msg], bool]:
    return lambda m: m.get("type") == kind


async def _connect(h: Harness) -> aiohttp.ClientWebSocketResponse:
    ws = await h.session.ws_connect(h.ws)
    hello = await _recv(ws, lambda m: True)
    assert hello["type"] == "connected" and hello["session_id"]
    return ws


def _ticks(h: Harness) -> tuple[int, int]:
    book = h.engine.book(ETH, 1)
    return book.bids[0].price_ticks, book.asks[0].price_ticks


def _apply(book: dict[str, dict[str, str]], update: Msg) -> None:
    for side in ("asks", "bids"):
        for level in update[side]:
            if D(level["size"]) == 0:
                book[side].pop(level["price"], None)
            else:
                book[side][level["price"]] = level["size"]


async def test_order_book_snapshot_then_deltas_chain_their_nonces() -> None:
    async with lighter_venue() as h:
        t = h.trader
        ws = await _connect(h)
        await ws.send_json({"type": "subscribe", "channel": "order_book/0"})
        snap = await _recv(ws, _type("subscribed/order_book"))
        assert snap["channel"] == "order_book:0" and snap["order_book"]["begin_nonce"] == 0
        book = {side: {lv["price"]: lv["size"] for lv in snap["order_book"][side]}
                for side in ("asks", "bids")}
        assert all(len(p.split(".")[1]) == 2 for p in book["asks"]) and len(book["asks"]) == 5
        nonce = snap["order_book"]["nonce"]
        bid, _ = _ticks(h)
        for coi, offset in ((1, 100), (2, 200), (3, 100)):
            assert (await t.order(ETH, coi, 100, bid - offset, False))[0] == 200
        assert (await t.send(*t.sign("sign_cancel_order", ETH, 2)))[0] == 200
        for _ in range(4):
            update = await _recv(ws, _type("update/order_book"))
            assert update["order_book"]["begin_nonce"] == nonce and update["order_book"]["nonce"] > nonce
            nonce = update["order_book"]["nonce"]
            _apply(book, update["order_book"])
        engine_book = h.engine.book(ETH)
        assert book["bids"] == {f"{lv.price:.2f}": f"{lv.size:.4f}" for lv in engine_book.bids}
        assert book["asks"] == {f"{lv.price:.2f}": f"{lv.size:.4f}" for lv in engine_book.asks}
        assert engine_book.seq == nonce

        await ws.send_json({"type": "subscribe", "channel": "order_book/0"})
        error = await _recv(ws, lambda m: "error" in m)
        assert error == {"error": {"code": 30003, "message": "Already Subscribed to : order_book:0"}}
        await ws.close()


async def test_skip_seq_fault_leaves_a_detectable_gap() -> None:
    async with lighter_venue() as h:
        t = h.trader
        ws = await _connect(h)
        await ws.send_json({"type": "subscribe", "channel": "order_book/0"})
        nonce = (await _recv(ws, _type("subscribed/order_book")))["order_book"]["nonce"]
        h.sim.venue("lighter").ctx.faults.arm(Fault(kind=FaultKind.SKIP_SEQ, match="order_book:0", count=1))
        bid, _ = _ticks(h)
        await t.order(ETH, 1, 100, bid - 100, False)
        await t.order(ETH, 2, 100, bid - 200, False)
        update = await _recv(ws, _type("update/order_book"))
        assert update["order_book"]["begin_nonce"] == nonce + 1 != nonce      # the first delta was lost
        await ws.close()


async def test_ticker_trades_and_market_stats() -> None:
    async with lighter_venue() as h:
        t = h.trader
        ws = await _connect(h)
        for channel in ("ticker/0", "trade/0", "market_stats/0", "market_stats/all"):
            await ws.send_json({"type": "subscribe", "channel": channel})
        ticker = await _recv(ws, _type("subscribed/ticker"))
        _, ask = _ticks(h)
        assert ticker["ticker"]["s"] == "ETH" and ticker["ticker"]["a"]["price"] == f"{D(ask) / 100:.2f}"
        assert (await _recv(ws, _type("subscribed/trade")))["channel"] == "trade:0"
        stats = (await _recv(ws, lambda m: m.get("channel") == "market_stats:0"))["market_stats"]
        assert (stats["mark_price"], stats["current_funding_rate"]) == ("3002.40", "0.0100")
        assert stats["funding_rate"] == "0.0000"                          # nothing settled yet
        every = await _recv(ws, lambda m: m.get("channel") == "market_stats:all")
        assert set(every["market_stats"]) == {"0", "1", "2", "4"}

        status, _ = await t.order(ETH, 5, 1000, ask * 101 // 100, False, kind=MARKET, tif=IOC)
        assert status == 200
        trade = (await _recv(ws, _type("update/trade")))["trades"][0]
        assert (trade["size"], trade["bid_account_id"], trade["bid_client_id"]) == ("0.1000", t.account, 5)
        moved = await _recv(ws, _type("update/ticker"))
        assert moved["ticker"]["a"]["size"] != ticker["ticker"]["a"]["size"]

        h.sim.advance(3600)                             # one hourly settlement
        settled = await _recv(ws, lambda m: m.get("channel") == "market_stats:0"
                              and m["market_stats"]["funding_rate"] != "0.0000")
        assert settled["market_stats"]["funding_rate"] == "0.0100"          # the settled hourly rate, percent
        await ws.close()


async def test_account_channels_and_sendtx_over_ws() -> None:
    async with lighter_venue() as h:
        t = h.trader
        ws = await _connect(h)
        await ws.send_json({"type": "subscribe", "channel": f"account_all/{t.account}"})
        snap = await _recv(ws, _type("subscribed/account_all"))
        assert snap["channel"] == f"account_all:{t.account}"
        assert snap["assets"]["3"]["balance"] == "100000.000000"
        await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{t.account}"})
        assert (await _recv(ws, lambda m: "error" in m))["error"]["code"] == 30012
        await ws.send_json({"type": "subscribe", "channel": f"account_all_orders/{t.account}",
                            "auth": t.token()})
        assert (await _recv(ws, _type("subscribed/account_all_orders")))["orders"] == {}

        bid, ask = _ticks(h)
        _, info = t.sign_order(ETH, 9, 100, bid - 100, False, tif=GTT)
        await ws.send_json({"type": "jsonapi/sendtx", "data": {"id": "req-1", "tx_type": 14,
                                                               "tx_info": json.loads(info)}})
        reply = await _recv(ws, _type("jsonapi/sendtx"))
        assert (reply["id"], reply["code"], len(reply["tx_hash"])) == ("req-1", 200, 80)
        order = (await _recv(ws, _type("update/account_all_orders")))["orders"]["0"][0]
        assert (order["client_order_index"], order["status"]) == (9, "open")
        await ws.send_json({"type": "jsonapi/sendtx",
                            "data": {"id": "req-2", "tx_type": 14, "tx_info": info}})
        reply = await _recv(ws, _type("jsonapi/sendtx"))
        assert (reply["id"], reply["code"], reply["error"]["message"]) == ("req-2", 21104, "invalid nonce")

        t.nonce = 1
        await t.order(ETH, 10, 1000, ask * 101 // 100, False, kind=MARKET, tif=IOC)
        filled = await _recv(ws, lambda m: m.get("type") == "update/account_all_orders"
                             and m["orders"]["0"][0]["client_order_index"] == 10)
        assert filled["orders"]["0"][0]["status"] == "filled"
        update = await _recv(ws, _type("update/account_all"))
        assert update["positions"]["0"]["position"] == "0.1000" and update["positions"]["0"]["sign"] == 1
        assert update["trades"]["0"][0]["size"] == "0.1000" and update["daily_trades_count"] == 1
        await ws.close()


async def test_pings_errors_and_idle_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LighterVenue, "ping_interval", 0.05)
    monkeypatch.setattr(LighterVenue, "idle_timeout", 0.4)
    async with lighter_venue() as h:
        ws = await _connect(h)
        assert await _recv(ws, _type("ping")) == {"type": "ping"}
        await ws.send_json({"type": "pong"})
        await ws.send_json({"type": "ping"})
        assert await _recv(ws, _type("pong")) == {"type": "pong"}
        await ws.send_str("{nope")
        assert (await _recv(ws, lambda m: "error" in m))["error"]["code"] == 30000
        await ws.send_json({"type": "dance"})
        assert (await _recv(ws, lambda m: "error" in m))["error"]["code"] == 30001
        await ws.send_json({"type": "subscribe", "channel": "order_book/99"})
        error = (await _recv(ws, lambda m: "error" in m))["error"]
        assert error == {"code": 30005, "message": "Invalid Channel"}
        with pytest.raises(AssertionError, match="socket ended"):
            await _recv(ws, lambda m: False, timeout=3)          # silent client: closed as idle
        await ws.close()
