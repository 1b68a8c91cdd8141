"""Paradex simulator WebSocket (JSON-RPC 2.0): auth, subscriptions, book snapshot and delta
continuity (and a skip_seq gap), BBO, summaries, funding data and the private channels."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

pytest.importorskip("starknet_py", reason="the Paradex venue needs the paradex extra")

from simulator.testing import RunningSimulator, running_simulator
from simulator.venues.paradex.venue import ParadexVenue
from tests.simulator.conftest import START_MS
from tests.simulator.venues.pdx_support import PdxClient, RpcWs

D = Decimal
BTC = "BTC-USD-PERP"


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator(["paradex"], start_ms=START_MS) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def _client(sim: RunningSimulator, session: aiohttp.ClientSession) -> PdxClient:
    creds = sim.venue("paradex").create_account(D(100_000))["credentials"]
    c = await PdxClient.create(session, sim.urls("paradex")["rest"], creds)
    await c.login()
    return c


async def test_auth_and_subscription_errors(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await _client(sim, session)
    async with session.ws_connect(sim.urls("paradex")["ws"]) as raw:
        ws = RpcWs(raw)
        reply = await ws.request("subscribe", {"channel": "orders.ALL"})
        assert reply["error"]["code"] == 40300 and "result" not in reply
        reply = await ws.request("auth", {"bearer": "not-a-jwt"})
        assert reply["error"]["code"] == 40110
        reply = await ws.request("subscribe", {"channel": "nonsense.BTC"})
        assert reply["error"]["code"] == -32600 and reply["error"]["message"] == "invalid subscribe request"
        reply = await ws.request("subscribe", {"channel": "bbo.NOPE-USD-PERP"})
        assert reply["error"]["code"] == -32600
        reply = await ws.request("order.create", {})
        assert reply["error"]["code"] == -32601
        await raw.send_str("{not json")
        await ws.until(lambda: None in ws.replies)
        assert ws.replies[None]["error"]["code"] == -32700
        reply = await ws.request("auth", {"bearer": c.jwt})
        assert isinstance(reply["result"]["node_id"], str) and reply["id"] == ws._next
        reply = await ws.request("subscribe", {"channel": "orders.ALL"})
        assert reply["result"] == {"channel": "orders.ALL"}
        reply = await ws.request("subscribe", {"channel": "orders.ALL"})
        assert reply["error"]["code"] == -32600
        reply = await ws.request("unsubscribe", {"channel": "orders.ALL"})
        assert reply["result"] == {"channel": "orders.ALL"}
    module = sim.venue("paradex").module
    assert isinstance(module, ParadexVenue)
    module.jwt_lifetime_s = 0
    await c.login()
    async with session.ws_connect(sim.urls("paradex")["ws"]) as raw:
        reply = await RpcWs(raw).request("auth", {"bearer": c.jwt})
        assert reply["error"]["code"] == 40111  # paradex-py re-authenticates on this code


async def test_sbe_request_is_refused_at_connect(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        async with session.ws_connect(sim.urls("paradex")["ws"] + "?sbeSchemaId=1&sbeSchemaVersion=2"):
            pass
    assert info.value.status == 400


def _apply(book: dict[str, dict[str, str]], msg: dict[str, Any]) -> None:
    for level in msg["inserts"] + msg["updates"]:
        book[level["side"]][level["price"]] = level["size"]
    for level in msg["deletes"]:
        book[level["side"]].pop(level["price"], None)


async def test_book_deltas_continuity_and_skip_seq_gap(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    channel = f"order_book.{BTC}.deltas"
    engine = sim.engine("paradex")
    async with session.ws_connect(sim.urls("paradex")["ws"]) as raw:
        ws = RpcWs(raw)
        assert (await ws.request("subscribe", {"channel": channel}))["result"] == {"channel": channel}
        (first,) = await ws.wait_for(channel)
        assert first["update_type"] == "s" and first["seq_no"] == engine.book(BTC).seq
        book: dict[str, dict[str, str]] = {"BUY": {}, "SELL": {}}
        _apply(book, first)
        for _ in range(3):
            sim.advance(5)  # prices move, the market makers re-quote
        msgs = await ws.wait_for(channel, 2)
        seqs = [m["seq_no"] for m in msgs]
        assert all(b == a + 1 for a, b in itertools.pairwise(seqs)) and msgs[1]["update_type"] == "d"
        await ws.until(lambda: ws.data[channel][-1]["seq_no"] == engine.book(BTC).seq)
        for msg in ws.data[channel][1:]:
            _apply(book, msg)
        snapshot = engine.book(BTC)
        rebuilt = {side: {D(p): D(s) for p, s in levels.items()} for side, levels in book.items()}
        assert rebuilt["BUY"] == {lv.price: lv.size for lv in snapshot.bids}
        assert rebuilt["SELL"] == {lv.price: lv.size for lv in snapshot.asks}
        assert D(max(book["BUY"], key=D)) == snapshot.bids[0].price
        assert D(min(book["SELL"], key=D)) == snapshot.asks[0].price
        # a skip_seq fault drops one delta: the client sees seq_no jump by 2
        async with session.post(
            sim.urls("paradex")["control"] + "/faults",
            json={"kind": "skip_seq", "match": channel, "count": 1},
        ) as r:
            assert r.status in (200, 201)
        before = len(ws.data[channel])
        target = engine.book(BTC).seq + 2
        sim.advance(5)
        sim.advance(5)
        await ws.until(lambda: ws.data[channel][-1]["seq_no"] >= target)
        seqs = [m["seq_no"] for m in ws.data[channel][before - 1 :]]
        gaps = [b - a for a, b in itertools.pairwise(seqs)]
        assert 2 in gaps


async def test_snapshot_bbo_summary_and_funding_channels(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    module = sim.venue("paradex").module
    assert isinstance(module, ParadexVenue)
    async with session.ws_connect(sim.urls("paradex")["ws"]) as raw:
        ws = RpcWs(raw)
        snap_ch = f"order_book.{BTC}.snapshot@15@50ms"
        for ch in (
            snap_ch,
            f"bbo.{BTC}",
            "markets_summary",
            "markets_summary.ALL",
            f"funding_data.{BTC}",
            f"order_book.{BTC}.snapshot@15@100ms@1_0",
        ):
            assert (await ws.request("subscribe", {"channel": ch}))["result"] == {"channel": ch}
        (snap,) = await ws.wait_for(snap_ch)
        assert snap["update_type"] == "s" and snap["market"] == BTC and snap["updates"] == []
        sides = [lv["side"] for lv in snap["inserts"]]
        assert sides.count("BUY") == sides.count("SELL") == 10  # the whole (10-level) ladder, ≤ 15
        (grouped,) = await ws.wait_for(f"order_book.{BTC}.snapshot@15@100ms@1_0")
        assert all(D(lv["price"]) % 1 == 0 for lv in grouped["inserts"])
        (bbo,) = await ws.wait_for(f"bbo.{BTC}")
        assert D(bbo["bid"]) < D(bbo["ask"]) and bbo["market"] == BTC
        assert len(await ws.wait_for("markets_summary.ALL", 4)) == 4  # one message per market
        assert len(await ws.wait_for("markets_summary", 4)) == 4
        (funding,) = await ws.wait_for(f"funding_data.{BTC}")
        assert funding["funding_period_hours"] == 8 and "funding_rate_8h" in funding
        sim.engine("paradex").move_index("BTC", D(1))
        sim.advance(1)
        await ws.wait_for(f"bbo.{BTC}", 2)
        await ws.wait_for(snap_ch, 2)
        module.ws.publish_periodic()
        assert len(await ws.wait_for("markets_summary.ALL", 8)) == 8


async def test_private_channels(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await _client(sim, session)
    async with session.ws_connect(sim.urls("paradex")["ws"]) as raw:
        ws = RpcWs(raw)
        assert "result" in await ws.request("auth", {"bearer": c.jwt})
        for ch in (
            f"orders.{BTC}",
            "orders.ALL",
            f"fills.{BTC}",
            "positions",
            "account",
            f"funding_payments.{BTC}",
        ):
            assert (await ws.request("subscribe", {"channel": ch}))["result"] == {"channel": ch}
        (account,) = await ws.wait_for("account")
        assert account["settlement_asset"] == "USDC" and D(account["account_value"]) == 100_000
        status, order = await c.place(BTC, "BUY", "0.02", type_="MARKET")
        assert status == 201
        updates = await ws.wait_for(f"orders.{BTC}", 2)
        assert [u["status"] for u in updates] == ["NEW", "CLOSED"] and updates[-1]["remaining_size"] == "0"
        assert [u["id"] for u in await ws.wait_for("orders.ALL", 2)] == [order["id"]] * 2
        (fill,) = await ws.wait_for(f"fills.{BTC}")
        assert fill["order_id"] == order["id"] and fill["size"] == "0.02" and fill["liquidity"] == "TAKER"
        (position,) = await ws.wait_for("positions")
        assert (position["size"], position["side"], position["status"]) == ("0.02", "LONG", "OPEN")
        await ws.wait_for("account", 2)
        assert D(ws.data["account"][-1]["initial_margin_requirement"]) > 0
        sim.engine("paradex").set_funding_rate("BTC", D("0.001"))
        sim.advance(3600)
        (payment,) = await ws.wait_for(f"funding_payments.{BTC}")
        assert D(payment["payment"]) < 0 and payment["market"] == BTC
        status, _close = await c.place(BTC, "SELL", "0.02", type_="MARKET", reduce_only=True)
        await ws.until(lambda: ws.data["positions"][-1]["status"] == "CLOSED")
        assert ws.data["positions"][-1]["size"] == "0"
