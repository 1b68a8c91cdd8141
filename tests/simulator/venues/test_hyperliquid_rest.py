"""Hyperliquid simulator over loopback: POST /info and POST /exchange with real signed requests
(signed in the test from the public spec, see hl_support), manual clock."""

from __future__ import annotations

from decimal import Decimal

import aiohttp
import pytest
from eth_account import Account

from helpers.venue_config import HyperliquidConfig
from simulator.engine import MarketStatus
from simulator.engine.faults import Fault, FaultKind
from simulator.engine.orders import RejectReason
from simulator.engine.scenario import load_scenario
from simulator.venues.hyperliquid.errors import REJECT_TEXT
from simulator.venues.hyperliquid.rules import num, price_error
from tests.simulator.venues.hl_support import Hl, hyperliquid, next_nonce, order_action, sign_approve_agent

D = Decimal
CLOID = "0x0000000000000000000000000000abcd"
BTC, ETH, SOL, KPEPE = 0, 1, 2, 3


async def test_listing_and_market_data() -> None:
    async with hyperliquid() as hl:
        meta = await hl.info({"type": "meta", "dex": ""})
        assert [(u["name"], u["szDecimals"], u["maxLeverage"]) for u in meta["universe"]] == [
            ("BTC", 5, 40),
            ("ETH", 4, 25),
            ("SOL", 2, 20),
            ("kPEPE", 0, 10),
        ]
        assert (
            meta["collateralToken"] == 0
            and [40, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 40}]}]
            in meta["marginTables"]
        )
        assert all(u["marginTableId"] == u["maxLeverage"] for u in meta["universe"])
        engine = hl.sim.engine("hyperliquid")
        assert engine.market("PEPE").multiplier == 1000 and engine.market("kPEPE").tick == D("0.000001")
        spot = await hl.info({"type": "spotMeta"})
        assert spot["universe"] == [] and spot["tokens"][0]["name"] == "USDC"
        universe, ctxs = await hl.info({"type": "metaAndAssetCtxs"})
        assert universe == meta and len(ctxs) == 4
        ctx = ctxs[BTC]
        assert list(ctx) == [
            "funding",
            "openInterest",
            "prevDayPx",
            "dayNtlVlm",
            "premium",
            "oraclePx",
            "markPx",
            "midPx",
            "impactPxs",
            "dayBaseVlm",
        ]
        assert all(isinstance(v, str) for k, v in ctx.items() if k != "impactPxs")
        assert D(ctx["funding"]) == engine.market_stats("BTC").funding_rate
        mids = await hl.info({"type": "allMids", "dex": ""})
        assert set(mids) == {"BTC", "ETH", "SOL", "kPEPE"} and D(mids["kPEPE"]) < 1
        assert D(mids["BTC"]) == D(ctx["midPx"])
        assert await hl.info({"type": "perpDexs"}) == [None]


async def test_book_prices_are_on_the_venue_grid() -> None:
    """The engine tick is 10^-(6 - szDecimals); the market makers' quotes are snapped to the
    5-significant-figure grid, so every level is a price the venue accepts."""
    async with hyperliquid() as hl:
        bids: list[dict[str, str]] = []
        for coin, szd in (("kPEPE", 0), ("SOL", 2), ("ETH", 4), ("BTC", 5)):
            book = await hl.info({"type": "l2Book", "coin": coin, "nSigFigs": None, "mantissa": None})
            assert book["coin"] == coin and isinstance(book["time"], int)
            bids, asks = book["levels"]
            assert 0 < len(bids) <= 20 and 0 < len(asks) <= 20
            assert D(bids[0]["px"]) < D(asks[0]["px"])
            assert [D(b["px"]) for b in bids] == sorted((D(b["px"]) for b in bids), reverse=True)
            for lv in bids + asks:
                assert price_error(D(lv["px"]), szd) is None, (coin, lv)
                assert lv["n"] >= 1 and D(lv["sz"]) > 0
        agg = await hl.info({"type": "l2Book", "coin": "BTC", "nSigFigs": 3})
        levels = agg["levels"][0] + agg["levels"][1]
        assert all(len(D(lv["px"]).normalize().as_tuple().digits) <= 3 for lv in levels)
        assert sum(D(lv["sz"]) for lv in agg["levels"][0]) >= D(bids[0]["sz"])
        assert await hl.info({"type": "l2Book", "coin": "BTC", "nSigFigs": 4, "mantissa": 2}, 422)


async def test_credentials_build_the_config() -> None:
    async with hyperliquid() as hl:
        created = hl.sim.venue("hyperliquid").create_account(D(10))
        creds = created["credentials"]
        assert set(creds) == {"address", "agent_private_key"}
        config = HyperliquidConfig.model_validate({**creds, "rest_url": hl.rest, "ws_url": hl.ws})
        assert config.resolved_ws_url().endswith("/ws") and config.resolved_rest_url() == hl.rest
        assert Account.from_key(creds["agent_private_key"]).address.lower() != creds["address"]
        role = await hl.info({"type": "userRole", "user": Account.from_key(hl.agent_key).address})
        assert role == {"role": "agent", "data": {"user": hl.address}}
        assert await hl.info({"type": "userRole", "user": hl.address}) == {"role": "user"}
        assert await hl.info({"type": "userRole", "user": "0x" + "11" * 20}) == {"role": "missing"}


async def test_resting_order_lookup_and_cancel() -> None:
    async with hyperliquid() as hl:
        bid, _ = await hl.book("BTC")
        px = bid - 1000
        status = await hl.order(BTC, True, px, "0.001", cloid=CLOID)
        oid = status["resting"]["oid"]
        assert status == {"resting": {"oid": oid, "cloid": CLOID}}
        open_orders = await hl.info({"type": "openOrders", "user": hl.address, "dex": ""})
        assert open_orders == [
            {
                "coin": "BTC",
                "side": "B",
                "limitPx": num(px),
                "sz": "0.001",
                "oid": oid,
                "timestamp": open_orders[0]["timestamp"],
                "origSz": "0.001",
                "cloid": CLOID,
            }
        ]
        front = await hl.info({"type": "frontendOpenOrders", "user": hl.address})
        assert front[0]["orderType"] == "Limit" and front[0]["tif"] == "Gtc" and front[0]["cloid"] == CLOID
        by_oid = await hl.info({"type": "orderStatus", "user": hl.address, "oid": oid})
        by_cloid = await hl.info({"type": "orderStatus", "user": hl.address, "oid": CLOID})
        assert by_oid == by_cloid and by_oid["status"] == "order" and by_oid["order"]["status"] == "open"
        answer = await hl.act({"type": "cancel", "cancels": [{"a": BTC, "o": oid}]})
        assert answer == {"status": "ok", "response": {"type": "cancel", "data": {"statuses": ["success"]}}}
        status = await hl.info({"type": "orderStatus", "user": hl.address, "oid": oid})
        # the unfilled remainder stays (as orderUpdates shows it): origSz − sz is what filled
        assert status["order"]["status"] == "canceled" and status["order"]["order"]["sz"] == "0.001"
        again = await hl.act({"type": "cancel", "cancels": [{"a": BTC, "o": oid}, {"a": ETH, "o": 1}]})
        missing = "Order was never placed, already canceled, or filled."
        assert again["response"]["data"]["statuses"] == [
            {"error": f"{missing} asset=0"},
            {"error": f"{missing} asset=1"},
        ]
        assert await hl.info({"type": "orderStatus", "user": hl.address, "oid": 10**12}) == {
            "status": "unknownOid"
        }
        assert await hl.info({"type": "openOrders", "user": "0x" + "22" * 20}) == []


async def test_cancel_by_cloid_and_modify() -> None:
    async with hyperliquid() as hl:
        bid, _ = await hl.book("ETH")
        oid = (await hl.order(ETH, True, bid - 50, "0.01", cloid=CLOID))["resting"]["oid"]
        modified = await hl.act(
            {
                "type": "batchModify",
                "modifies": [
                    {"oid": oid, "order": order_action(ETH, True, bid - 60, "0.02", cloid=CLOID)["orders"][0]}
                ],
            }
        )
        assert modified["response"] == {
            "type": "order",
            "data": {"statuses": [{"resting": {"oid": oid, "cloid": CLOID}}]},
        }
        rows = await hl.info({"type": "openOrders", "user": hl.address})
        assert (rows[0]["limitPx"], rows[0]["sz"]) == (num(bid - 60), "0.02")
        answer = await hl.act({"type": "cancelByCloid", "cancels": [{"asset": ETH, "cloid": CLOID}]})
        assert answer["response"] == {"type": "cancel", "data": {"statuses": ["success"]}}
        gone = await hl.act(
            {"type": "modify", "oid": oid, "order": order_action(ETH, True, bid - 60, "0.02")["orders"][0]}
        )
        assert gone == {"status": "err", "response": "Cannot modify canceled or filled order"}


async def test_ioc_fills_positions_and_fills_history() -> None:
    async with hyperliquid() as hl:
        _, ask = await hl.book("ETH")
        filled = (await hl.order(ETH, True, ask + 10, "0.05", "Ioc"))["filled"]
        assert filled["totalSz"] == "0.05" and D(filled["avgPx"]) == ask
        state = await hl.info({"type": "clearinghouseState", "user": hl.address, "dex": ""})
        pos = state["assetPositions"][0]
        assert (
            pos["type"] == "oneWay" and pos["position"]["coin"] == "ETH" and pos["position"]["szi"] == "0.05"
        )
        assert pos["position"]["leverage"] == {"type": "cross", "value": 20}
        assert D(pos["position"]["entryPx"]) == ask
        assert D(pos["position"]["positionValue"]) == D(state["marginSummary"]["totalNtlPos"])
        assert D(pos["position"]["marginUsed"]) == D(pos["position"]["positionValue"]) / 20
        assert list(state) == [
            "marginSummary",
            "crossMarginSummary",
            "crossMaintenanceMarginUsed",
            "withdrawable",
            "assetPositions",
            "time",
        ]
        bid, _ = await hl.book("ETH")
        close = (await hl.order(ETH, False, bid - 10, "1", "Ioc", reduce_only=True))["filled"]
        assert close["totalSz"] == "0.05"  # reduce-only trimmed to the position
        fills = await hl.info({"type": "userFills", "user": hl.address})
        assert [f["dir"] for f in fills] == ["Close Long", "Open Long"]
        assert [f["startPosition"] for f in fills] == ["0.05", "0.0"]
        row = fills[1]
        assert set(row) == {
            "coin",
            "px",
            "sz",
            "side",
            "time",
            "startPosition",
            "dir",
            "closedPnl",
            "hash",
            "oid",
            "crossed",
            "fee",
            "tid",
            "feeToken",
            "twapId",
        }
        assert (
            row["crossed"] is True
            and row["side"] == "B"
            and D(row["fee"]) == (D(row["px"]) * D("0.05") * D("0.00045")).quantize(D("1e-6"))
        )
        assert D(fills[0]["closedPnl"]) == (D(fills[0]["px"]) - ask) * D("0.05")
        by_time = await hl.info(
            {
                "type": "userFillsByTime",
                "user": hl.address,
                "startTime": row["time"],
                "endTime": None,
                "aggregateByTime": False,
            }
        )
        assert [f["tid"] for f in by_time] == [fills[1]["tid"], fills[0]["tid"]]
        assert (await hl.info({"type": "clearinghouseState", "user": hl.address}))["assetPositions"] == []
        limits = await hl.info({"type": "userRateLimit", "user": hl.address})
        assert limits["nRequestsUsed"] == 2 and limits["nRequestsCap"] == 10_000 + int(D(limits["cumVlm"]))


async def test_ioc_alo_and_reduce_only_rejections() -> None:
    async with hyperliquid() as hl:
        bid, ask = await hl.book("BTC")
        no_match = await hl.order(BTC, True, bid - 100, "0.001", "Ioc", cloid=CLOID)
        assert no_match == {"error": "Order could not immediately match against any resting orders. asset=0"}
        status = await hl.info({"type": "orderStatus", "user": hl.address, "oid": CLOID})
        assert status["order"]["status"] == "iocCancelRejected"
        crossing = await hl.order(BTC, True, ask, "0.001", "Alo")
        bbo = f"{bid.normalize():f}@{ask.normalize():f}"
        assert crossing == {
            "error": f"Post only order would have immediately matched, bbo was {bbo}. asset=0"
        }
        assert "resting" in await hl.order(BTC, True, bid, "0.001", "Alo")
        reduce = await hl.order(BTC, False, bid, "0.001", "Gtc", reduce_only=True)
        assert reduce == {"error": "Reduce only order would increase position. asset=0"}


RULES = [
    (BTC, "100012.5", "0.001", "Price must be divisible by tick size. asset=0"),
    (ETH, "3500.123", "0.01", "Order has invalid price."),
    (BTC, "100000", "0.0000001", "Order has invalid size."),
    (BTC, "100000", "0", "Order has zero size."),
    (BTC, "99000", "0.0001", "Order must have minimum value of $10. asset=0"),
    (BTC, "10000", "0.01", "Order price cannot be more than 80% away from the reference price. asset=0"),
    (9, "1", "1", "Invalid asset. asset=9"),
]


async def test_price_and_size_rules() -> None:
    async with hyperliquid() as hl:
        for asset, px, sz, error in RULES:
            assert await hl.order(asset, True, px, sz) == {"error": error}


async def test_integer_prices_and_reducing_orders_below_ten_dollars() -> None:
    async with hyperliquid() as hl:
        bid, ask = await hl.book("BTC")
        assert "filled" in await hl.order(BTC, True, ask, "0.0002", "Ioc")  # ≈ $20 long
        small = await hl.order(BTC, False, bid, "0.00009", "Ioc")  # ≈ $9, reduces: allowed
        assert small["filled"]["totalSz"] == "0.00009"
        bid, ask = await hl.book("BTC")
        assert ask - 1 > bid and ask - 1 >= 10**5  # 6 significant figures, integer: valid
        assert "resting" in await hl.order(BTC, True, ask - 1, "0.001")


async def test_margin_and_halted_market() -> None:
    async with hyperliquid(usd="100") as hl:
        _, ask = await hl.book("BTC")
        assert await hl.order(BTC, True, ask, "0.1", "Ioc") == {
            "error": "Insufficient margin to place order. asset=0"
        }
        hl.sim.engine("hyperliquid").set_market_status("SOL", MarketStatus.PAUSED)
        assert await hl.order(SOL, True, "180", "1") == {"error": "Trading is halted. asset=2"}


def test_every_engine_rejection_has_a_venue_text() -> None:
    assert set(REJECT_TEXT) == set(RejectReason)


async def test_update_leverage() -> None:
    async with hyperliquid() as hl:
        ok = {"status": "ok", "response": {"type": "default"}}
        assert await hl.act({"type": "updateLeverage", "asset": BTC, "isCross": True, "leverage": 10}) == ok
        assert hl.sim.engine("hyperliquid").leverage_of(hl.account_id, "BTC") == 10
        too_high = await hl.act({"type": "updateLeverage", "asset": BTC, "isCross": True, "leverage": 41})
        assert too_high == {"status": "err", "response": "Invalid leverage value"}
        _, ask = await hl.book("BTC")
        await hl.order(BTC, True, ask, "0.001", "Ioc")
        switch = await hl.act({"type": "updateLeverage", "asset": BTC, "isCross": False, "leverage": 10})
        assert switch == {"status": "err", "response": "Cannot switch leverage type with open position."}
        assert await hl.act({"type": "updateLeverage", "asset": ETH, "isCross": False, "leverage": 3}) == ok
        state = await hl.info({"type": "clearinghouseState", "user": hl.address})
        assert state["assetPositions"][0]["position"]["leverage"] == {"type": "cross", "value": 10}


async def test_auth_failures() -> None:
    async with hyperliquid() as hl:
        noop = {"type": "noop"}
        stranger = Account.create()
        answer = await hl.act(noop, key="0x" + bytes(stranger.key).hex())
        assert answer == {
            "status": "err",
            "response": f"User or API Wallet {stranger.address.lower()} does not exist.",
        }
        body = hl.signed(order_action(BTC, True, 90000, "0.001"))
        body["action"]["orders"][0]["p"] = "90001"  # tampered after signing
        assert (await hl.post_exchange(body))["response"].startswith("User or API Wallet 0x")
        mainnet = await hl.act(noop, mainnet=True)  # source "a" on a testnet venue
        assert mainnet["response"].startswith("User or API Wallet 0x")
        unrecoverable = hl.signed(noop)
        unrecoverable["signature"]["v"] = 30
        assert await hl.post_exchange(unrecoverable) == {
            "status": "err",
            "response": "Unable to recover signer.",
        }
        assert (await hl.act(noop, key=hl.master_key))["status"] == "ok"  # the master may sign too
        nonce = next_nonce()
        assert (await hl.act(noop, nonce=nonce))["status"] == "ok"
        assert await hl.act(noop, nonce=nonce) == {
            "status": "err",
            "response": f"Invalid nonce: duplicate nonce {nonce}",
        }
        stale = nonce - 3 * 86_400_000
        assert (await hl.act(noop, nonce=stale))["response"].startswith(
            f"Invalid nonce: nonce too low {stale} < "
        )
        future = nonce + 2 * 86_400_000
        assert (await hl.act(noop, nonce=future))["response"].startswith(
            f"Invalid nonce: nonce too high {future} > "
        )
        expired = await hl.act(noop, expires_after=nonce - 1000)
        assert expired == {"status": "err", "response": "Action already expired"}
        assert (await hl.act(noop, expires_after=next_nonce() + 60_000))["status"] == "ok"
        vault = "0x" + "33" * 20
        assert await hl.act(noop, vault=vault) == {
            "status": "err",
            "response": f"Vault not registered: {vault}",
        }


async def test_schedule_cancel_needs_volume_and_empty_batches_are_refused() -> None:
    async with hyperliquid() as hl:
        answer = await hl.act({"type": "scheduleCancel", "time": next_nonce() + 60_000})
        assert answer == {
            "status": "err",
            "response": "Cannot set scheduled cancel time until enough volume traded. "
            "Required: $1000000. Traded: $0.00.",
        }
        assert await hl.act({"type": "order", "orders": [], "grouping": "na"}) == {
            "status": "err",
            "response": "Empty batch.",
        }


async def test_nonce_set_keeps_the_100_highest() -> None:
    async with hyperliquid() as hl:
        base = next_nonce()
        for i in range(100):
            assert (await hl.act({"type": "noop"}, nonce=base + 10 + i))["status"] == "ok"
        low = await hl.act({"type": "noop"}, nonce=base)
        assert low == {"status": "err", "response": f"Invalid nonce: nonce too low {base} < {base + 10}"}


async def test_reject_nonce_fault_and_empty_account() -> None:
    async with hyperliquid() as hl:
        hl.sim.venue("hyperliquid").ctx.faults.arm(Fault(kind=FaultKind.REJECT_NONCE, count=1))
        nonce = next_nonce()
        assert await hl.act({"type": "noop"}, nonce=nonce) == {
            "status": "err",
            "response": f"Invalid nonce: duplicate nonce {nonce}",
        }
        assert (await hl.act({"type": "noop"}))["status"] == "ok"
        empty = hl.sim.venue("hyperliquid").create_account(D(0))["credentials"]
        answer = await hl.act({"type": "noop"}, key=empty["agent_private_key"])
        assert answer == {
            "status": "err",
            "response": f"Must deposit before performing actions. User: {empty['address']}",
        }


async def test_approve_agent() -> None:
    async with hyperliquid() as hl:
        new_agent = Account.create()
        action = {
            "type": "approveAgent",
            "agentAddress": new_agent.address,
            "nonce": next_nonce(),
            "signatureChainId": "0x66eee",
            "hyperliquidChain": "Testnet",
        }
        signature = sign_approve_agent({**action, "agentName": ""}, hl.master_key)
        answer = await hl.post_exchange(
            {
                "action": action,
                "nonce": action["nonce"],
                "signature": signature,
                "vaultAddress": None,
                "expiresAfter": None,
            }
        )
        assert answer == {"status": "ok", "response": {"type": "default"}}
        new_key = "0x" + bytes(new_agent.key).hex()
        assert (await hl.act({"type": "noop"}, key=new_key))["status"] == "ok"
        old = Account.from_key(hl.agent_key).address.lower()  # the previous unnamed agent is replaced
        assert await hl.act({"type": "noop"}) == {
            "status": "err",
            "response": f"Must deposit before performing actions. User: {old}",
        }
        named = {
            **action,
            "agentName": "bot",
            "nonce": next_nonce(),
            "agentAddress": Account.create().address,
        }
        signature = sign_approve_agent(named, hl.master_key)
        assert (await hl.post_exchange({"action": named, "nonce": named["nonce"], "signature": signature}))[
            "status"
        ] == "ok"
        extra = await hl.info({"type": "extraAgents", "user": hl.address})
        assert extra == [{"name": "bot", "address": named["agentAddress"].lower(), "validUntil": None}]
        by_agent = {**action, "nonce": next_nonce(), "agentAddress": Account.create().address}
        signature = sign_approve_agent({**by_agent, "agentName": ""}, new_key)  # agents cannot approve
        answer = await hl.post_exchange(
            {"action": by_agent, "nonce": by_agent["nonce"], "signature": signature}
        )
        assert answer["response"].startswith("Must deposit before performing actions.")


MALFORMED = [
    "not json",
    '{"action": {"type": "noop"}}',
    '{"action": {"type": "order", "orders": [{"a": 0, '
    '"b": true, "p": "1", "s": "1", "r": false, "t": {"limit": {"tif": "Gtc"}}, "c": "0x12"}], '
    '"grouping": "na"}, "nonce": 1, "signature": {"r": "0x1", "s": "0x1", "v": 27}}',
]


async def test_malformed_exchange_requests_are_422_plain_text() -> None:
    async with hyperliquid() as hl:
        for body in MALFORMED:
            text = await hl.post_exchange(body, 422)
            assert text == "Failed to deserialize the JSON body into the target type"


async def test_malformed_info_requests_are_422_and_unknown_users_empty() -> None:
    async with hyperliquid() as hl:
        assert (
            await hl.info({"type": "nonsense"}, 422)
            == "Failed to deserialize the JSON body into the target type"
        )
        assert isinstance(await hl.info({"type": "clearinghouseState"}, 422), str)
        flat = await hl.info({"type": "clearinghouseState", "user": "0x" + "44" * 20})
        assert flat["assetPositions"] == [] and flat["marginSummary"]["accountValue"] == "0.0"
        assert await hl.info({"type": "userFills", "user": "0x" + "44" * 20}) == []


async def test_faults_answer_like_the_venue() -> None:
    async with hyperliquid() as hl:
        faults = hl.sim.venue("hyperliquid").ctx.faults
        faults.arm(Fault(kind=FaultKind.RATE_LIMIT, match="/info", count=1, retry_after_s=2))
        async with hl.session.post(f"{hl.rest}/info", json={"type": "meta"}) as r:
            assert r.status == 429 and await r.text() == "null" and r.headers["Retry-After"] == "2"
        faults.arm(Fault(kind=FaultKind.SERVER_ERROR, match="/exchange", count=1, status=502))
        async with hl.session.post(f"{hl.rest}/exchange", json=hl.signed({"type": "noop"})) as r:
            assert r.status == 502
        faults.arm(Fault(kind=FaultKind.MAINTENANCE))
        async with hl.session.post(f"{hl.rest}/info", json={"type": "meta"}) as r:
            assert r.status == 503
        with pytest.raises(aiohttp.WSServerHandshakeError):
            async with hl.session.ws_connect(hl.ws):
                pass
        faults.clear()
        assert (await hl.info({"type": "meta"}))["universe"]


async def test_hourly_funding_through_the_venue_endpoints() -> None:
    async with hyperliquid() as hl:
        venue = hl.sim.venue("hyperliquid")
        engine = hl.sim.engine("hyperliquid")
        engine.set_funding_rate("ETH", D("0.0008"))  # 8h-equivalent: 0.0001 per hour
        short = venue.create_account(D(100000))
        short_hl = Hl(
            hl.sim,
            hl.session,
            hl.rest,
            hl.ws,
            short["credentials"]["address"],
            short["credentials"]["agent_private_key"],
            "",
            short["account_id"],
        )
        _, ask = await hl.book("ETH")
        await hl.order(ETH, True, ask, "1", "Ioc")
        bid, _ = await hl.book("ETH")
        await short_hl.order(ETH, False, bid, "2", "Ioc")
        start = engine.now_ms
        hl.sim.advance(3600)
        history = await hl.info({"type": "fundingHistory", "coin": "ETH", "startTime": start})
        assert len(history) == 1 and history[0]["time"] == start + 3_600_000
        assert D(history[0]["fundingRate"]) == D("0.0001") and set(history[0]) == {
            "coin",
            "fundingRate",
            "premium",
            "time",
        }
        long_rows = await hl.info(
            {"type": "userFunding", "user": hl.address, "startTime": start, "endTime": None}
        )
        short_rows = await short_hl.info(
            {"type": "userFunding", "user": short_hl.address, "startTime": start}
        )
        (row,), (short_row,) = long_rows, short_rows
        delta = row["delta"]
        assert delta["type"] == "funding" and delta["coin"] == "ETH" and delta["szi"] == "1.0"
        assert delta["nSamples"] is None and D(delta["fundingRate"]) == D("0.0001")
        mark = engine.funding_history("ETH")[-1].mark_price
        assert D(delta["usdc"]) == -(mark * D("0.0001")).quantize(D("1e-6")) < 0  # longs pay
        assert D(short_row["delta"]["usdc"]) > 0 and short_row["delta"]["szi"] == "-2.0"
        assert row["time"] == start + 3_600_000 and row["hash"].startswith("0x")
        state = await hl.info({"type": "clearinghouseState", "user": hl.address})
        cum = state["assetPositions"][0]["position"]["cumFunding"]
        assert D(cum["sinceOpen"]) == D(cum["allTime"]) == -D(delta["usdc"])  # positive = paid
        _, ctxs = await hl.info({"type": "metaAndAssetCtxs"})
        assert D(ctxs[ETH]["funding"]) == D("0.0001")
        predicted = dict(await hl.info({"type": "predictedFundings"}))
        venue_rate = predicted["ETH"][0]
        assert venue_rate[0] == "HlPerp" and venue_rate[1]["nextFundingTime"] == start + 7_200_000
        hl.sim.advance(3 * 3600)
        assert len(await hl.info({"type": "fundingHistory", "coin": "ETH", "startTime": start})) == 4


async def test_hundred_markets_are_listed() -> None:
    scenario = load_scenario("default").model_copy(update={"market_count": 100})
    async with hyperliquid(scenario=scenario) as hl:
        meta, ctxs = await hl.info({"type": "metaAndAssetCtxs"})
        assert len(meta["universe"]) == len(ctxs) == 100
        assert len(await hl.info({"type": "allMids"})) == 100
        names = [u["name"] for u in meta["universe"]]
        assert len(set(names)) == 100 and all(0 <= u["szDecimals"] <= 5 for u in meta["universe"])
        last = len(names) - 1
        _, ask = await hl.book(names[last])
        status = await hl.order(last, True, ask, max(D(1), (D(20) / ask).quantize(D(1))), "Ioc")
        assert "filled" in status, status
