"""Fidelity: the official paradex-py, used directly, works against the simulator.

``Paradex(...)`` makes blocking HTTP calls (system config, auth, onboarding) in its constructor
and its REST client is synchronous, while the simulator serves on this test's event loop: every
synchronous SDK call therefore runs in a worker thread (``asyncio.to_thread``). Its WebSocket
client is async and runs on the loop. ``ws_reader_sleep_on_no_connection`` must stay > 0: with 0
its reader spins without yielding while disconnected and freezes the loop.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from simulator.testing import running_simulator
from simulator.venues.paradex.venue import ParadexVenue
from tests.simulator.conftest import START_MS

paradex_py = pytest.importorskip("paradex_py")

from paradex_py import Paradex  # noqa: E402
from paradex_py.api.ws_client import ParadexWebsocketChannel  # noqa: E402
from paradex_py.common.order import Order, OrderSide, OrderType  # noqa: E402

D = Decimal
BTC = "BTC-USD-PERP"


async def _until(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _order_status(p: Paradex, order_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        order: dict[str, Any] = await asyncio.to_thread(p.api_client.fetch_order, order_id)
        if order["status"] == status or time.monotonic() > deadline:
            return order
        await asyncio.sleep(0.02)


async def test_official_paradex_py_against_the_simulator() -> None:
    async with running_simulator(["paradex"], start_ms=START_MS) as sim:
        module = sim.venue("paradex").module
        assert isinstance(module, ParadexVenue)
        creds = sim.venue("paradex").create_account(D(100_000))["credentials"]
        urls = sim.urls("paradex")
        # construction: GET /system/config, POST /auth -> NOT_ONBOARDED, POST /onboarding, POST /auth
        p = await asyncio.to_thread(
            Paradex,
            env="prod",
            l1_address=creds["l1_address"],
            l1_private_key=creds["l1_private_key"],
            api_base_url=urls["rest"],
            ws_url_override=urls["ws"],
            ws_direct_url_override=urls["ws"],
            ws_reader_sleep_on_error=0.01,
            ws_reader_sleep_on_no_connection=0.01,
        )
        try:
            assert p.account is not None
            ident = module.identities[p.account.l2_address]
            assert ident.onboarded and ident.public_key == p.account.l2_public_key
            assert hex(p.account.l2_private_key) == creds["l2_private_key"]

            markets = await asyncio.to_thread(p.api_client.fetch_markets)
            assert BTC in {m["symbol"] for m in markets["results"]}
            bbo = await asyncio.to_thread(p.api_client.fetch_bbo, BTC)
            bid = D(bbo["bid"])
            summary = await asyncio.to_thread(p.api_client.fetch_markets_summary, {"market": "ALL"})
            assert len(summary["results"]) == 4

            # the WebSocket: connect + auth, a private and public subscriptions
            got: dict[str, list[dict[str, Any]]] = {}

            async def on_message(channel: Any, message: dict[str, Any]) -> None:
                got.setdefault(message["params"]["channel"], []).append(message["params"]["data"])

            assert await p.ws_client.connect() is True
            await p.ws_client.subscribe(ParadexWebsocketChannel.ORDERS, on_message, {"market": "ALL"})
            await p.ws_client.subscribe(ParadexWebsocketChannel.FILLS, on_message, {"market": BTC})
            await p.ws_client.subscribe(ParadexWebsocketChannel.POSITIONS, on_message)
            await p.ws_client.subscribe(ParadexWebsocketChannel.BBO, on_message, {"market": BTC})
            await p.ws_client.subscribe(ParadexWebsocketChannel.ORDER_BOOK, on_message, {"market": BTC})
            await p.ws_client.subscribe(ParadexWebsocketChannel.MARKETS_SUMMARY, on_message)
            await _until(
                lambda: (
                    {"bbo.BTC-USD-PERP", "markets_summary.ALL", "order_book.BTC-USD-PERP.snapshot@15@100ms"}
                    <= set(got)
                )
            )
            await _until(lambda: len(p.ws_client.get_subscriptions()) == 6)

            # submit a resting order, see it over REST and WS, cancel it
            order = Order(
                market=BTC,
                order_type=OrderType.Limit,
                order_side=OrderSide.Buy,
                size=D("0.010"),
                limit_price=bid - D(100),
                client_id="sdk-1",
                instruction="POST_ONLY",
            )
            res = await asyncio.to_thread(p.api_client.submit_order, order)
            assert res["status"] == "NEW" and res["client_id"] == "sdk-1"
            assert (await _order_status(p, res["id"], "OPEN"))["status"] == "OPEN"
            open_orders = await asyncio.to_thread(p.api_client.fetch_orders, {"market": BTC})
            assert [o["id"] for o in open_orders["results"]] == [res["id"]]
            assert (await asyncio.to_thread(p.api_client.fetch_order_by_client_id, "sdk-1"))["id"] == res[
                "id"
            ]
            assert await asyncio.to_thread(p.api_client.cancel_order, res["id"]) is None
            closed = await _order_status(p, res["id"], "CLOSED")
            assert closed["cancel_reason"] == "USER_CANCELED"
            await _until(
                lambda: [o["status"] for o in got.get("orders.ALL", [])] == ["NEW", "OPEN", "CLOSED"]
            )

            # a market order: fills, positions
            market = Order(market=BTC, order_type=OrderType.Market, order_side=OrderSide.Buy, size=D("0.01"))
            res = await asyncio.to_thread(p.api_client.submit_order, market)
            assert (await _order_status(p, res["id"], "CLOSED"))["remaining_size"] == "0"
            positions = await asyncio.to_thread(p.api_client.fetch_positions)
            assert [(x["market"], x["size"]) for x in positions["results"]] == [(BTC, "0.01")]
            fills = await asyncio.to_thread(p.api_client.fetch_fills, {"market": BTC})
            assert fills["results"][0]["order_id"] == res["id"]
            await _until(lambda: "fills.BTC-USD-PERP" in got and "positions" in got)
            summary_model = await asyncio.to_thread(p.api_client.fetch_account_summary)
            assert summary_model.settlement_asset == "USDC" and summary_model.status == "ACTIVE"
            assert (await asyncio.to_thread(p.api_client.fetch_balances))["results"][0]["token"] == "USDC"
            assert (await asyncio.to_thread(p.api_client.fetch_funding_payments, {"market": BTC}))[
                "results"
            ] == []
            assert await asyncio.to_thread(p.api_client.cancel_all_orders, {"market": BTC}) is None
            with pytest.raises(ValueError, match="ORDER_ID_NOT_FOUND"):
                await asyncio.to_thread(p.api_client.cancel_order, "1234")
        finally:
            await p.close()
            await p.ws_direct_client.close()
