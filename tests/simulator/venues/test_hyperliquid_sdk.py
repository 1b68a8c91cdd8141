"""The official hyperliquid-python-sdk, unchanged, against the simulator: Info reads meta,
Exchange (signed by the API wallet, acting for the master address) places, looks up and
cancels orders, trades at market, and gets the venue's error bodies. The SDK is synchronous
(requests + websocket-client), so it runs in a worker thread while the server runs here."""

from __future__ import annotations

import asyncio
import queue
from decimal import Decimal
from typing import Any

import pytest

from simulator.engine.faults import Fault, FaultKind
from tests.simulator.venues.hl_support import Hl, hyperliquid

pytest.importorskip("hyperliquid")

from eth_account import Account
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info
from hyperliquid.utils.error import ClientError
from hyperliquid.utils.types import Cloid

D = Decimal


def _exchange(hl: Hl, info: Info) -> Exchange:
    return Exchange(
        Account.from_key(hl.agent_key),
        hl.rest,
        account_address=hl.address,
        meta=info.meta(),
        spot_meta=info.spot_meta(),
    )


async def test_sdk_reads_meta_places_and_cancels() -> None:
    async with hyperliquid() as hl:

        def run() -> dict[str, Any]:
            info = Info(hl.rest, skip_ws=True)
            meta = info.meta()
            exchange = Exchange(Account.from_key(hl.agent_key), hl.rest, account_address=hl.address)
            bid = float(info.l2_snapshot("BTC")["levels"][0][0]["px"])
            cloid = Cloid.from_int(42)
            placed = exchange.order("BTC", True, 0.001, bid - 500, {"limit": {"tif": "Gtc"}}, cloid=cloid)
            oid = placed["response"]["data"]["statuses"][0]["resting"]["oid"]
            by_cloid = info.query_order_by_cloid(hl.address, cloid)
            open_orders = info.open_orders(hl.address)
            cancelled = exchange.cancel("BTC", oid)
            second = exchange.order(
                "ETH", False, 0.01, 5000, {"limit": {"tif": "Alo"}}, cloid=Cloid.from_int(43)
            )
            by_cloid_cancel = exchange.cancel_by_cloid("ETH", Cloid.from_int(43))
            return {
                "meta": meta,
                "placed": placed,
                "oid": oid,
                "by_cloid": by_cloid,
                "open": open_orders,
                "cancelled": cancelled,
                "second": second,
                "cancel_cloid": by_cloid_cancel,
                "after": info.query_order_by_oid(hl.address, oid),
            }

        out = await asyncio.to_thread(run)
        assert [u["name"] for u in out["meta"]["universe"]] == ["BTC", "ETH", "SOL", "kPEPE"]
        assert out["placed"]["status"] == "ok"
        assert (
            out["by_cloid"]["order"]["status"] == "open"
            and out["by_cloid"]["order"]["order"]["oid"] == out["oid"]
        )
        assert [o["oid"] for o in out["open"]] == [out["oid"]]
        assert out["cancelled"]["response"]["data"]["statuses"] == ["success"]
        assert "resting" in out["second"]["response"]["data"]["statuses"][0]
        assert out["cancel_cloid"]["response"]["data"]["statuses"] == ["success"]
        assert out["after"]["order"]["status"] == "canceled"


async def test_sdk_market_orders_leverage_and_state() -> None:
    async with hyperliquid() as hl:

        def run() -> dict[str, Any]:
            info = Info(hl.rest, skip_ws=True)
            exchange = _exchange(hl, info)
            leverage = exchange.update_leverage(10, "ETH")
            opened = exchange.market_open("ETH", True, 0.05)
            state = info.user_state(hl.address)
            closed = exchange.market_close("ETH")
            return {
                "leverage": leverage,
                "opened": opened,
                "state": state,
                "closed": closed,
                "fills": info.user_fills(hl.address),
                "after": info.user_state(hl.address),
            }

        out = await asyncio.to_thread(run)
        assert out["leverage"] == {"status": "ok", "response": {"type": "default"}}
        assert out["opened"]["response"]["data"]["statuses"][0]["filled"]["totalSz"] == "0.05"
        position = out["state"]["assetPositions"][0]["position"]
        assert position["szi"] == "0.05" and position["leverage"] == {"type": "cross", "value": 10}
        assert out["closed"]["response"]["data"]["statuses"][0]["filled"]["totalSz"] == "0.05"
        assert [f["dir"] for f in out["fills"]] == ["Close Long", "Open Long"]
        assert out["after"]["assetPositions"] == []


async def test_sdk_sees_the_venue_errors() -> None:
    async with hyperliquid() as hl:
        faults = hl.sim.venue("hyperliquid").ctx.faults

        def run() -> dict[str, Any]:
            info = Info(hl.rest, skip_ws=True)
            exchange = _exchange(hl, info)
            small = exchange.order("BTC", True, 0.0001, 90000, {"limit": {"tif": "Gtc"}})
            stranger = Exchange(Account.create(), hl.rest, meta=info.meta(), spot_meta=info.spot_meta())
            unknown = stranger.order("BTC", True, 0.001, 90000, {"limit": {"tif": "Gtc"}})
            faults.arm(Fault(kind=FaultKind.RATE_LIMIT, match="/info", count=1))
            try:
                info.meta()
            except ClientError as exc:
                limited: Any = exc
            return {"small": small, "unknown": unknown, "limited": limited}

        out = await asyncio.to_thread(run)
        assert out["small"]["response"]["data"]["statuses"] == [
            {"error": "Order must have minimum value of $10. asset=0"}
        ]
        assert out["unknown"]["status"] == "err" and "does not exist." in out["unknown"]["response"]
        assert out["limited"].status_code == 429 and out["limited"].error_message == "null"


async def test_sdk_approves_an_agent_and_streams() -> None:
    async with hyperliquid() as hl:
        frames: queue.Queue[dict[str, Any]] = queue.Queue()

        def run() -> dict[str, Any]:
            info = Info(hl.rest, skip_ws=False)
            try:
                info.subscribe({"type": "l2Book", "coin": "ETH"}, frames.put)
                info.subscribe({"type": "orderUpdates", "user": hl.address}, frames.put)
                book = frames.get(timeout=5)
                master = Exchange(
                    Account.from_key(hl.master_key), hl.rest, meta=info.meta(), spot_meta=info.spot_meta()
                )
                approved, agent_key = master.approve_agent("bot")
                agent = Exchange(
                    Account.from_key(agent_key),
                    hl.rest,
                    account_address=hl.address,
                    meta=info.meta(),
                    spot_meta=info.spot_meta(),
                )
                bid = float(book["data"]["levels"][0][0]["px"])
                placed = agent.order("ETH", True, 0.01, bid - 5, {"limit": {"tif": "Gtc"}})
                update = frames.get(timeout=5)
                while update["channel"] != "orderUpdates":
                    update = frames.get(timeout=5)
                return {"book": book, "approved": approved, "placed": placed, "update": update}
            finally:
                info.disconnect_websocket()

        out = await asyncio.to_thread(run)
        assert out["book"]["channel"] == "l2Book" and out["book"]["data"]["coin"] == "ETH"
        assert out["approved"] == {"status": "ok", "response": {"type": "default"}}
        oid = out["placed"]["response"]["data"]["statuses"][0]["resting"]["oid"]
        assert (
            out["update"]["data"][0]["order"]["oid"] == oid and out["update"]["data"][0]["status"] == "open"
        )
