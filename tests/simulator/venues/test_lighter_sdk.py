"""Fidelity: the official lighter-sdk, used directly, against the Lighter simulator over loopback —
``SignerClient`` (Go ``check_client`` in a thread, nonce management, create/cancel, error strings),
the generated REST APIs, and ``WsClient`` streaming the book. Plus the issued credentials against
our ``LighterConfig``."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from typing import Any

import lighter
import pytest

from helpers.venue_config import LighterConfig
from simulator.engine.faults import Fault, FaultKind
from simulator.venues.lighter import LighterVenue
from tests.simulator.venues.lighter_support import Harness, lighter_venue

D = Decimal
ETH = 0


def _client(h: Harness) -> lighter.SignerClient:
    creds = h.trader.creds
    return lighter.SignerClient(url=h.rest, account_index=creds["account_index"],
                                api_private_keys={creds["api_key_index"]: creds["api_private_key"]},
                                chain_id=creds["chain_id"])


async def test_issued_credentials_fit_our_config() -> None:
    async with lighter_venue() as h:
        creds = h.trader.creds
        assert set(creds) == {"account_index", "api_key_index", "api_private_key", "chain_id"}
        config = LighterConfig.model_validate({**creds, "rest_url": h.rest, "ws_url": h.ws})
        assert config.resolved_rest_url() == h.rest and config.resolved_ws_url().endswith("/stream")
        assert config.is_local and config.resolved_chain_id() == 300 and creds["account_index"] >= 1
        assert len(config.api_private_key.get_secret_value()) == 80


async def test_signer_client_trades_against_the_simulator() -> None:
    async with lighter_venue() as h:
        client = _client(h)
        try:
            assert await asyncio.to_thread(client.check_client) is None      # Go HTTP: never on the loop
            account = h.trader.account
            best_bid = await client.get_best_price(ETH, True)        # a seller's price: "3001.80" -> 300180
            assert best_bid == h.engine.book(ETH, 1).bids[0].price_ticks
            _, resp, err = await client.create_order(ETH, 77, 100, best_bid - 500, False,
                                                     client.ORDER_TYPE_LIMIT,
                                                     client.ORDER_TIME_IN_FORCE_GOOD_TILL_TIME)
            assert err is None and resp.code == 200 and len(resp.tx_hash) == 80
            token, err = client.create_auth_token_with_expiry()
            orders_api = lighter.OrderApi(client.api_client)
            active = await orders_api.account_active_orders(token, account, market_id=ETH)
            (order,) = active.orders
            assert (order.client_order_index, order.status) == (77, "open")
            assert order.price == f"{D(best_bid - 500) / 100:.2f}"

            _, _, err = await client.create_order(ETH, 77, 100, best_bid - 600, False,
                                                  client.ORDER_TYPE_LIMIT,
                                                  client.ORDER_TIME_IN_FORCE_GOOD_TILL_TIME)
            assert "code=21728" in err                                       # duplicate client order index
            h.sim.venue("lighter").ctx.faults.arm(Fault(kind=FaultKind.REJECT_NONCE, count=1))
            _, _, err = await client.create_order(ETH, 78, 100, best_bid - 600, False,
                                                  client.ORDER_TYPE_LIMIT,
                                                  client.ORDER_TIME_IN_FORCE_GOOD_TILL_TIME)
            assert "invalid nonce" in err                                    # the SDK resyncs its nonce
            _, resp, err = await client.cancel_order(ETH, order.order_index)
            assert err is None and resp.code == 200
            _, resp, err = await client.create_market_order(ETH, 79, 1000, best_bid * 102 // 100, False)
            assert err is None and resp.code == 200
            inactive = await orders_api.account_inactive_orders(token, account, 10)
            assert [(o.client_order_index, o.status) for o in inactive.orders] == [(79, "filled"),
                                                                                   (77, "canceled")]
            by_coi = await orders_api.account_orders(token, "77,79", account_index=account)
            assert {o.client_order_index for o in by_coi.orders} == {77, 79}
            nonce = await lighter.TransactionApi(client.api_client).next_nonce(account, h.trader.key)
            assert nonce.nonce == 3                          # 3 accepted txs; the refused ones consumed none

            accounts_api = lighter.AccountApi(client.api_client)
            detail = (await accounts_api.account(by="index", value=str(account))).accounts[0]
            assert detail.positions[0].position == "0.1000" and detail.positions[0].sign == 1
            keys = await accounts_api.apikeys(account_index=account)
            assert keys.api_keys[0].public_key == h.venue.keys.get(account, 3).public_key
            fundings = await accounts_api.position_funding(account, 10, authorization=token)
            assert fundings.position_fundings == []
        finally:
            await client.close()


async def test_sdk_reads_public_market_data() -> None:
    async with lighter_venue() as h:
        api = lighter.ApiClient(lighter.Configuration(host=h.rest))
        try:
            orders = lighter.OrderApi(api)
            details = await orders.order_book_details(market_id=ETH)
            assert details.order_book_details[0].symbol == "ETH"
            symbols = [b.symbol for b in (await orders.order_books()).order_books]
            assert symbols == ["ETH", "BTC", "SOL", "1000PEPE"]
            book = await orders.order_book_orders(ETH, 5)
            assert len(book.asks) == 5 and D(book.asks[0].price) > D(book.bids[0].price)
            assert (await orders.exchange_stats()).total == 4
            assert (await orders.recent_trades(ETH, 10)).trades == []
            rates = await lighter.FundingApi(api).funding_rates()
            assert {r.exchange for r in rates.funding_rates} == {"lighter", "binance", "bybit", "hyperliquid"}
            h.sim.advance(3600)
            fundings = await lighter.CandlestickApi(api).fundings(ETH, "1h", 0, 5_000_000_000, 5)
            assert [(f.rate, f.direction) for f in fundings.fundings] == [("0.0100", "long")]
            status = await lighter.RootApi(api).status()
            assert status.status == 1
        finally:
            await api.close()


async def test_ws_client_streams_the_book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LighterVenue, "ping_interval", 0.05)
    async with lighter_venue() as h:
        account = h.trader.account
        books: list[tuple[str, dict[str, Any]]] = []
        accounts: list[str] = []
        ws_client = lighter.WsClient(ws_url=h.ws, order_book_ids=[ETH], account_ids=[account],
                                     on_order_book_update=lambda m, b: books.append((m, b)),
                                     on_account_update=lambda a, msg: accounts.append(msg["type"]),
                                     on_unhandled_message=lambda msg: None)
        task = asyncio.get_running_loop().create_task(ws_client.run_async())
        try:
            for _ in range(200):
                if books and accounts:
                    break
                await asyncio.sleep(0.02)
            assert books[0][0] == "0" and accounts == ["subscribed/account_all"]
            bid = h.engine.book(ETH, 1).bids[0].price_ticks
            assert (await h.trader.order(ETH, 5, 100, bid - 300, False))[0] == 200
            for _ in range(200):
                if len(books) >= 2:
                    break
                await asyncio.sleep(0.02)
            state = ws_client.order_book_states["0"]
            expected = {f"{lv.price:.2f}": f"{lv.size:.4f}" for lv in h.engine.book(ETH).bids}
            assert {lv["price"]: lv["size"] for lv in state["bids"]} == expected
            await asyncio.sleep(0.2)                                 # server pings: the SDK answers pong
            conn = next(iter(h.sim.venue("lighter").ctx.hub.connections.values()))
            assert asyncio.get_running_loop().time() - conn.state["last_rx"] < 0.2
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if ws_client.ws is not None:
                await ws_client.ws.close()
