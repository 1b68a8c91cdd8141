"""Lighter simulator: ``sendTx`` — structural checks and nonces, every engine rejection mapped to
Lighter's code (HTTP 400, nonce not consumed), accepted-then-canceled orders, cancel/modify/
cancel-all, order lookups and auth tokens. Txs are signed by lighter-sdk's Go signer."""

from __future__ import annotations

import base64
import json
import time
from decimal import Decimal
from typing import Any

import lighter.models as M
import pytest

from simulator.engine import MarketStatus, RejectReason
from simulator.engine.faults import Fault, FaultKind
from simulator.venues.lighter.errors import REJECTS, reject_error
from tests.simulator.venues.lighter_support import (
    IOC,
    MARKET,
    POST_ONLY,
    Harness,
    Trader,
    lighter_venue,
    strict,
)

D = Decimal
ETH = 0


def _book(h: Harness, market: int = ETH) -> tuple[int, int]:
    book = h.engine.book(market, 1)          # re-quotes a market nobody watches
    return book.bids[0].price_ticks, book.asks[0].price_ticks


async def _nonce(t: Trader) -> int:
    status, body = await t.get("nextNonce", account_index=t.account, api_key_index=t.key)
    assert status == 200 and body["code"] == 200
    return int(strict(M.NextNonce, body).nonce)


def _edit(info: str, **changes: Any) -> str:
    data = json.loads(info)
    for key, value in changes.items():
        if value is _DROP:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data)


_DROP = object()


def test_every_engine_rejection_has_one_lighter_code() -> None:
    assert set(REJECTS) == set(RejectReason)
    assert {reject_error(r).status for r in RejectReason} == {400}
    assert reject_error(RejectReason.INSUFFICIENT_MARGIN).body() == {
        "code": 21739, "message": "not enough margin to create the order"}


async def test_order_rests_is_listed_and_cancelled_by_client_index() -> None:
    async with lighter_venue() as h:
        t = h.trader
        bid, _ = _book(h)
        status, body = await t.order(ETH, 42, 100, bid - 500, False)
        assert status == 200 and strict(M.RespSendTx, body).code == 200
        assert len(body["tx_hash"]) == 80 and await _nonce(t) == 1
        orders = await t.active()
        strict(M.Orders, {"code": 200, "orders": orders})
        (order,) = orders
        assert (order["client_order_index"], order["status"], order["nonce"]) == (42, "open", 0)
        assert order["price"] == f"{D(bid - 500) / 100:.2f}" and order["initial_base_amount"] == "0.0100"
        assert order["order_index"] >= 1 << 48 and order["time_in_force"] == "good-till-time"
        assert [o["order_index"] for o in await t.by_coi(42, 43)] == [order["order_index"]]

        status, body = await t.send(*t.sign("sign_cancel_order", ETH, 42))
        assert status == 200 and await t.active() == []
        (closed,) = await t.inactive()
        assert closed["status"] == "canceled" and closed["order_index"] == order["order_index"]
        assert (await t.by_coi(42))[0]["status"] == "canceled"
        status, body = await t.send(*t.sign("sign_cancel_order", ETH, order["order_index"]))
        assert status == 400 and body == {"code": 21715, "message": "given order is not an active order"}
        assert await _nonce(t) == 2


async def test_structural_checks_answer_lighter_codes_without_consuming_the_nonce() -> None:
    async with lighter_venue() as h:
        t = h.trader
        bid, _ = _book(h)
        tx_type, info = t.sign_order(ETH, 1, 100, bid - 500, False)
        now = int(time.time() * 1000)
        cases: list[tuple[int, str, int]] = [
            (99, info, 21505), (9, info, 21505),
            (tx_type, "{not json", 21501), (tx_type, _edit(info, Price=_DROP), 21501),
            (tx_type, _edit(info, BaseAmount="100"), 21501),
            (tx_type, _edit(info, AccountIndex=999_999), 21100),
            (tx_type, _edit(info, ApiKeyIndex=255), 21110), (tx_type, _edit(info, ApiKeyIndex=7), 21109),
            (tx_type, _edit(info, Sig=base64.b64encode(b"x" * 10).decode()), 21120),
            (tx_type, _edit(info, Sig="%%%"), 21120),
            (tx_type, _edit(info, ExpiredAt=now - 1000), 21711),
            (tx_type, _edit(info, Nonce=5), 21104),
            (tx_type, _edit(info, ClientOrderIndex=1 << 48), 21727),
            (tx_type, _edit(info, BaseAmount=0), 21701), (tx_type, _edit(info, Price=0), 21702),
            (tx_type, _edit(info, IsAsk=2), 21703), (tx_type, _edit(info, Type=2), 21704),
            (tx_type, _edit(info, TimeInForce=3), 21705), (tx_type, _edit(info, TriggerPrice=5), 21729),
            (tx_type, _edit(info, OrderExpiry=now + 60_000), 21711),
            (tx_type, _edit(info, TimeInForce=IOC), 21711),
            (tx_type, _edit(info, MarketIndex=77), 21602),
        ]
        for kind, payload, code in cases:
            status, body = await t.send(kind, payload)
            assert (status, body["code"]) == (400, code), (payload, body)
        t.nonce = 0
        assert await _nonce(t) == 0
        status, body = await t.send(kind, _edit(info, Nonce=5))
        assert body["message"] == "invalid nonce"        # lighter-sdk resyncs on this exact text

        h.sim.venue("lighter").ctx.faults.arm(Fault(kind=FaultKind.REJECT_NONCE, count=1))
        status, body = await t.send(tx_type, info)
        assert (status, body) == (400, {"code": 21104, "message": "invalid nonce"})
        status, body = await t.send(tx_type, info)
        assert status == 200 and await _nonce(t) == 1


async def test_engine_rejections_map_to_lighter_codes() -> None:
    async with lighter_venue() as h:
        t = h.trader
        poor = await h.add_trader("100")
        bid, ask = _book(h)
        rejected = [
            (t.sign_order(ETH, 1, 1, bid - 500, False), 21706),                    # below min base amount
            (t.sign_order(ETH, 2, 50, 10_000, False), 21706),                      # below min quote amount
            (t.sign_order(ETH, 3, 100, ask * 2, False), 21734),                    # far through the mark
            (t.sign_order(ETH, 4, 100, 1, True), 21734),
            (t.sign("sign_cancel_order", ETH, 12345), 21715),
            (t.sign("sign_update_leverage", ETH, 100, 0), 21501),                  # 100x > 50x max
            (t.sign("sign_withdraw", 3, 0, 10**12), 21508),
            (t.sign("sign_update_margin", ETH, 10_000_000, 1), 21614),
        ]
        for (tx_type, info), code in rejected:
            status, body = await t.send(tx_type, info)
            assert (status, body["code"]) == (400, code), (info, body)
        status, body = await poor.order(ETH, 5, 100_000, bid - 500, False)     # 10 ETH resting on $100
        assert (status, body) == (400, {"code": 21739, "message": "not enough margin to create the order"})
        assert await _nonce(poor) == 0

        assert (await t.order(ETH, 9, 100, bid - 500, False))[0] == 200
        status, body = await t.order(ETH, 9, 100, bid - 600, False)
        assert (status, body["code"]) == (400, 21728)
        h.engine.set_market_status(ETH, MarketStatus.PAUSED)
        status, body = await t.order(ETH, 10, 100, bid - 500, False)
        assert (status, body["code"]) == (400, 21602)
        h.engine.set_market_status(ETH, MarketStatus.OPEN)
        assert await _nonce(t) == 1


@pytest.mark.parametrize("case", ["post_only", "reduce_only", "ioc_no_fill", "slippage", "no_liquidity",
                                  "margin"])
async def test_accepted_then_canceled(case: str) -> None:
    async with lighter_venue() as h:
        t = h.trader if case != "margin" else await h.add_trader("100")
        bid, ask = _book(h)
        order: dict[str, Any] = {
            "post_only": dict(args=(ETH, 7, 100, ask, False), tif=POST_ONLY, status="canceled-post-only"),
            "reduce_only": dict(args=(ETH, 7, 100, bid, True), tif=IOC, reduce_only=True,
                                status="canceled-reduce-only"),
            "ioc_no_fill": dict(args=(ETH, 7, 100, bid, False), tif=IOC,
                                status="canceled-not-enough-liquidity"),
            "slippage": dict(args=(ETH, 7, 100, bid, False), tif=IOC, kind=MARKET,
                             status="canceled-too-much-slippage"),
            "no_liquidity": dict(args=(ETH, 7, 2_000_000, ask * 103 // 100, False), tif=IOC, kind=MARKET,
                                 status="canceled-not-enough-liquidity"),
            "margin": dict(args=(ETH, 7, 100_000, ask, False), tif=IOC, status="canceled-margin-not-allowed"),
        }[case]
        status = order.pop("status")
        code, body = await t.order(*order.pop("args"), **order)
        assert code == 200 and body["code"] == 200 and await _nonce(t) == 1
        (found,) = await t.by_coi(7)
        assert found["status"] == status and found["order_index"] >= 1 << 48
        assert (await t.inactive())[0]["status"] == status and await t.active() == []
        if case == "no_liquidity":
            assert D(found["filled_base_amount"]) > 0 and h.engine.market(ETH).asks.best() is None


async def test_fill_shows_in_account_trades_and_history() -> None:
    async with lighter_venue() as h:
        t = h.trader
        _, ask = _book(h)
        status, body = await t.order(ETH, 11, 1000, ask * 101 // 100, False, kind=MARKET, tif=IOC)
        assert status == 200
        sent_hash = body["tx_hash"]
        (done,) = await t.inactive()
        assert (done["status"], done["type"], done["filled_base_amount"]) == ("filled", "market", "0.1000")
        assert done["time_in_force"] == "immediate-or-cancel" and D(done["filled_quote_amount"]) > 300
        status, body = await t.get("account", by="index", value=t.account)
        (acct,) = strict(M.DetailedAccounts, body).accounts
        (pos,) = acct.positions
        assert (pos.market_id, pos.sign, pos.position) == (0, 1, "0.1000")
        assert pos.avg_entry_price == f"{D(ask) / 100:.2f}"
        assert pos.initial_margin_fraction == "2.00" and D(acct.available_balance) < D(acct.collateral)
        status, body = await t.get("trades", auth=True, sort_by="timestamp", limit=10,
                                   account_index=t.account)
        (trade,) = strict(M.Trades, body).trades
        assert (trade.bid_account_id, trade.size, trade.is_maker_ask) == (t.account, "0.1000", True)
        assert trade.bid_client_id == 11 and trade.tx_hash == sent_hash and D(trade.usd_amount) > 300
        status, body = await h.public("/api/v1/accountsByL1Address", l1_address=acct.l1_address)
        assert [a.index for a in strict(M.SubAccounts, body).sub_accounts] == [t.account]
        status, body = await h.public("/api/v1/account", by="l1_address", value=acct.l1_address)
        assert status == 200 and body["accounts"][0]["index"] == t.account
        status, body = await h.public("/api/v1/recentTrades", market_id=0, limit=5)
        assert strict(M.Trades, body).trades[0].trade_id == trade.trade_id


async def test_modify_and_cancel_all() -> None:
    async with lighter_venue() as h:
        t = h.trader
        bid, _ = _book(h)
        await t.order(ETH, 21, 100, bid - 500, False)
        await t.order(ETH, 22, 100, bid - 600, False)
        await t.order(2, 23, 1000, _book(h, 2)[0] - 50, False)
        (first, *_) = await t.active(ETH)
        modify = t.sign("sign_modify_order", ETH, first["order_index"], 200, bid - 400, 0)
        status, body = await t.send(*modify)
        assert status == 200, body
        modified = (await t.by_coi(21))[0]
        assert modified["price"] == f"{D(bid - 400) / 100:.2f}"
        assert modified["remaining_base_amount"] == "0.0200"
        await t.order(ETH, 24, 100, bid - 700, False, tif=POST_ONLY)
        post_only = (await t.by_coi(24))[0]
        crossing = t.sign("sign_modify_order", ETH, post_only["order_index"], 100, _book(h)[1], 0)
        assert (await t.send(*crossing))[0] == 200                      # taken, and the order canceled
        assert (await t.by_coi(24))[0]["status"] == "canceled-post-only"
        status, body = await t.send(*t.sign("sign_cancel_all_orders", 0, 0, ETH))       # ETH only
        assert status == 200 and [o["market_index"] for o in await t.active()] == [2]
        when = int(time.time() * 1000) + 3_600_000
        status, body = await t.send(*t.sign("sign_cancel_all_orders", 1, when))          # scheduled
        assert status == 200
        _, body = await t.get("account", by="index", value=t.account)
        assert body["accounts"][0]["cancel_all_time"] == when
        status, body = await t.send(*t.sign("sign_cancel_all_orders", 2, 0))             # abort
        assert status == 200
        _, body = await t.get("account", by="index", value=t.account)
        assert body["accounts"][0]["cancel_all_time"] == 0 and len(await t.active()) == 1
        status, body = await t.send(*t.sign("sign_cancel_all_orders", 1, when - 3_500_000))
        assert (status, body["code"]) == (400, 21714)


async def test_batch_needs_consecutive_nonces() -> None:
    async with lighter_venue() as h:
        t = h.trader
        bid, _ = _book(h)
        txs = [t.sign_order(ETH, 31, 100, bid - 500, False, nonce=0),
               t.sign_order(ETH, 32, 100, bid - 600, False, nonce=1)]
        data = {"tx_types": json.dumps([x[0] for x in txs]), "tx_infos": json.dumps([x[1] for x in txs])}
        async with h.session.post(f"{h.rest}/api/v1/sendTxBatch", data=data) as resp:
            body = await resp.json()
        assert resp.status == 200 and len(strict(M.RespSendTxBatch, body).tx_hash) == 2
        assert await _nonce(t) == 2 and len(await t.active()) == 2
        gap = [t.sign_order(ETH, 33, 100, bid - 700, False, nonce=2),
               t.sign_order(ETH, 34, 100, bid - 800, False, nonce=4)]
        data = {"tx_types": json.dumps([x[0] for x in gap]), "tx_infos": json.dumps([x[1] for x in gap])}
        async with h.session.post(f"{h.rest}/api/v1/sendTxBatch", data=data) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 21105
        assert await _nonce(t) == 2 and len(await t.active()) == 2


async def test_auth_tokens_are_checked() -> None:
    async with lighter_venue() as h:
        t = h.trader
        other = await h.add_trader()
        query: dict[str, Any] = {"account_index": t.account}
        status, body = await t.get("accountActiveOrders", **query)
        assert status == 400 and body["code"] == 20001
        status, body = await t.get("accountActiveOrders", auth="garbage", **query)
        assert (status, body) == (401, {"code": 20013, "message": "invalid auth: invalid auth string"})
        past, _ = t.signer.create_auth_token_with_expiry(600, timestamp=int(time.time()) - 3600,
                                                         api_key_index=t.key)
        status, body = await t.get("accountActiveOrders", auth=past, **query)
        assert (status, body["message"]) == (401, "invalid auth: expired token")
        status, body = await t.get("accountActiveOrders", auth=t.token(10 * 3600), **query)
        assert (status, body["message"]) == (401, "invalid auth: invalid deadline")
        status, body = await t.get("accountActiveOrders", auth=other.token(), **query)
        assert status == 401
        status, body = await t.get("accountActiveOrders", auth=t.token(7 * 3600), **query)
        assert status == 200
        async with h.session.get(f"{h.rest}/api/v1/accountInactiveOrders",
                                 params={"account_index": t.account, "limit": 5, "auth": t.token()}) as resp:
            assert resp.status == 200 and strict(M.Orders, await resp.json()).orders == []
