"""Paradex simulator over loopback REST: listing, auth (onboarding, JWTs), orders with their
asynchronous lifecycle, rejections, account endpoints, funding and faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

pytest.importorskip("starknet_py", reason="the Paradex venue needs the paradex extra")

from helpers.venue_config import ParadexConfig
from simulator.engine import CloseReason, MarketStatus, RejectReason
from simulator.testing import RunningSimulator, running_simulator
from simulator.venues.paradex.errors import CLOSE_REASONS, REJECTIONS
from simulator.venues.paradex.venue import ParadexVenue
from tests.simulator.conftest import START_MS
from tests.simulator.venues.pdx_support import PdxClient

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


def venue(sim: RunningSimulator) -> ParadexVenue:
    module = sim.venue("paradex").module
    assert isinstance(module, ParadexVenue)
    return module


async def client(
    sim: RunningSimulator, session: aiohttp.ClientSession, usd: str = "100000", login: bool = True
) -> PdxClient:
    creds = sim.venue("paradex").create_account(D(usd))["credentials"]
    c = await PdxClient.create(session, sim.urls("paradex")["rest"], creds)
    if login:
        await c.login()
    return c


def best(sim: RunningSimulator, side: int) -> Decimal:
    book = sim.engine("paradex").book(BTC, 1)
    return (book.bids if side > 0 else book.asks)[0].price


# -- listing and public data ------------------------------------------------------------------------
async def test_urls_and_markets_listing(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    urls = sim.urls("paradex")
    assert urls["rest"].endswith("/v1") and urls["ws"].endswith("/v1") and urls["ws"].startswith("ws://")
    async with session.get(f"{urls['rest']}/markets") as r:
        rows = {m["symbol"]: m for m in (await r.json())["results"]}
    assert set(rows) == {"BTC-USD-PERP", "ETH-USD-PERP", "SOL-USD-PERP", "kPEPE-USD-PERP"}
    btc, pepe = rows[BTC], rows["kPEPE-USD-PERP"]
    assert (btc["price_tick_size"], btc["order_size_increment"], btc["min_notional"]) == (
        "0.1",
        "0.00001",
        "100",
    )
    assert btc["funding_period_hours"] == 8 and btc["delta1_cross_margin_params"]["imf_base"] == "0.02"
    assert btc["asset_kind"] == "PERP" and btc["expiry_at"] == 0 and isinstance(btc["open_at"], int)
    assert pepe["base_currency"] == "kPEPE" and pepe["order_size_increment"] == "1"
    # kPEPE: a contract is 1000 PEPE, so its price is 1000x the PEPE index
    assert sim.engine("paradex").market("kPEPE-USD-PERP").multiplier == 1000
    async with session.get(f"{urls['rest']}/markets", params={"market": BTC}) as r:
        assert [m["symbol"] for m in (await r.json())["results"]] == [BTC]


async def test_market_count_scenario_lists_100_markets(session: aiohttp.ClientSession) -> None:
    from simulator.engine.scenario import Scenario

    async with running_simulator(["paradex"], Scenario(market_count=100), start_ms=START_MS) as sim:
        rest = sim.urls("paradex")["rest"]
        async with session.get(f"{rest}/markets") as r:
            assert len((await r.json())["results"]) == 100
        async with session.get(f"{rest}/markets/summary", params={"market": "ALL"}) as r:
            rows = (await r.json())["results"]
        assert len(rows) == 100 and all(row["funding_rate"] for row in rows)


async def test_summary_bbo_orderbook_and_system(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    rest = sim.urls("paradex")["rest"]
    async with session.get(f"{rest}/markets/summary") as r:
        assert r.status == 400 and (await r.json())["error"] == "VALIDATION_ERROR"
    async with session.get(f"{rest}/markets/summary", params={"market": BTC}) as r:
        (row,) = (await r.json())["results"]
    for key in (
        "symbol",
        "mark_price",
        "last_traded_price",
        "bid",
        "bid_size",
        "ask",
        "ask_size",
        "volume_24h",
        "total_volume",
        "created_at",
        "underlying_price",
        "open_interest",
        "funding_rate",
        "price_change_rate_24h",
    ):
        assert key in row
    assert D(row["bid"]) < D(row["ask"])
    async with session.get(f"{rest}/bbo/{BTC}") as r:
        bbo = await r.json()
    assert bbo["market"] == BTC and isinstance(bbo["seq_no"], int) and D(bbo["bid"]) < D(bbo["ask"])
    async with session.get(f"{rest}/orderbook/{BTC}", params={"depth": "5"}) as r:
        book = await r.json()
    assert len(book["bids"]) == 5 and len(book["asks"]) == 5 and book["seq_no"] == bbo["seq_no"]
    assert D(book["bids"][0][0]) > D(book["bids"][1][0]) and D(book["asks"][0][0]) < D(book["asks"][1][0])
    async with session.get(f"{rest}/bbo/NOPE-USD-PERP") as r:
        assert r.status == 400 and (await r.json())["error"] == "MARKET_NOT_FOUND"
    async with session.get(f"{rest}/system/time") as r:
        assert abs((await r.json())["server_time"] - time.time() * 1000) < 60_000
    async with session.get(f"{rest}/system/state") as r:
        assert await r.json() == {"status": "ok"}


# -- credentials, onboarding, auth ----------------------------------------------------------------
async def test_credentials_validate_and_match_paradex_derivation(sim: RunningSimulator) -> None:
    creds = sim.venue("paradex").create_account(D(1000))["credentials"]
    assert set(creds) == {"l1_address", "l1_private_key", "l2_private_key"}
    urls = sim.urls("paradex")
    cfg = ParadexConfig.model_validate({**creds, "rest_url": urls["rest"], "ws_url": urls["ws"]})
    assert cfg.l1_address == creds["l1_address"]
    paradex_utils = pytest.importorskip("paradex_py.account.utils")
    models = pytest.importorskip("paradex_py.api.models")
    async with aiohttp.ClientSession() as s, s.get(f"{sim.urls('paradex')['rest']}/system/config") as r:
        config = models.SystemConfigSchema().load(await r.json(), unknown="exclude")
    kp = paradex_utils.resolve_l2_keypair(config, creds["l1_address"], l1_private_key=creds["l1_private_key"])
    assert hex(kp.private_key) == creds["l2_private_key"]
    address = paradex_utils.derive_l2_address_starknet(config, kp.public_key)
    assert venue(sim).identities[address].onboarded is False


async def test_not_onboarded_then_onboarding_then_auth(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    c = await client(sim, session, login=False)
    status, body = await c.call("POST", "/auth", headers=c.auth_headers())
    assert (status, body["error"]) == (400, "NOT_ONBOARDED")
    bad = c.onboarding_headers()
    bad["PARADEX-STARKNET-SIGNATURE"] = c.auth_headers()["PARADEX-STARKNET-SIGNATURE"]
    status, body = await c.call(
        "POST", "/onboarding", headers=bad, json_body={"public_key": hex(c.public_key)}
    )
    assert (status, body["error"]) == (400, "INVALID_STARKNET_SIGNATURE")
    assert await c.onboard() == 200
    assert await c.onboard() == 200  # idempotent
    status, body = await c.call("POST", "/auth", headers=c.auth_headers())  # the documented path
    assert status == 200 and body["jwt_token"].count(".") == 2
    status, body = await c.call("POST", f"/auth/{hex(c.public_key)}", headers=c.auth_headers())  # the SDK's
    assert status == 200
    c.jwt = body["jwt_token"]
    status, body = await c.call("GET", "/account", auth=True)
    assert status == 200 and int(body["account"], 16) == c.address


async def test_auth_failures(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    forged = c.auth_headers()
    forged["PARADEX-TIMESTAMP"] = str(int(forged["PARADEX-TIMESTAMP"]) - 1)  # signature no longer matches
    status, body = await c.call("POST", "/auth", headers=forged)
    assert (status, body["error"]) == (401, "STARKNET_SIGNATURE_VERIFICATION_FAILED")
    now = int(time.time())
    status, body = await c.call("POST", "/auth", headers=c.auth_headers(now - 100, now - 10))
    assert (status, body["error"]) == (400, "INVALID_TIMESTAMP")
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Bearer {c.jwt[:-2]}xx"}):
        status, body = await c.call("GET", "/positions", headers=headers)
        assert (status, body["error"]) == (401, "INVALID_TOKEN")
        assert set(body) >= {"error", "message"}


async def test_expired_jwt_is_refused(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    status, _ = await c.call("GET", "/balance", auth=True)
    assert status == 200
    venue(sim).jwt_lifetime_s = 0  # the next token is born expired
    await c.login()
    status, body = await c.call("GET", "/balance", auth=True)
    assert (status, body["error"]) == (401, "INVALID_TOKEN") and "expired" in body["message"]
    venue(sim).jwt_lifetime_s = 300
    await c.login()
    assert (await c.call("GET", "/balance", auth=True))[0] == 200


# -- orders -----------------------------------------------------------------------------------------
async def test_order_lifecycle_new_open_cancel(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    venue(sim).desk.latency_s = 0.05  # make the NEW state observable
    price = str(best(sim, 1) - D(100))
    status, order = await c.place(BTC, "BUY", "0.01", price, client_id="cid-1")
    assert status == 201 and order["status"] == "NEW" and order["client_id"] == "cid-1"
    assert len(order["id"]) == 28 and order["id"].isdigit() and order["remaining_size"] == "0.01"
    status, now = await c.call("GET", f"/orders/{order['id']}", auth=True)
    assert now["status"] == "NEW"
    opened = await c.wait_order(order["id"], "OPEN")
    assert opened["status"] == "OPEN" and opened["cancel_reason"] == "" and D(opened["price"]) == D(price)
    status, listed = await c.call("GET", "/orders", auth=True, params={"market": BTC})
    assert [o["id"] for o in listed["results"]] == [order["id"]]
    status, by_cid = await c.call("GET", "/orders/by_client_id/cid-1", auth=True)
    assert by_cid["id"] == order["id"]
    status, dup = await c.place(BTC, "BUY", "0.01", price, client_id="cid-1")
    assert (status, dup["error"]) == (400, "DUPLICATED_CLIENT_ID")
    status, body = await c.call("DELETE", f"/orders/{order['id']}", auth=True)
    assert status == 204 and body is None
    closed = await c.wait_order(order["id"], "CLOSED")
    assert closed["cancel_reason"] == "USER_CANCELED" and closed["remaining_size"] == "0.01"
    status, body = await c.call("DELETE", f"/orders/{order['id']}", auth=True)
    assert (status, body["error"]) == (400, "ORDER_IS_CLOSED")
    status, body = await c.call("DELETE", "/orders/123", auth=True)
    assert (status, body["error"]) == (400, "ORDER_ID_NOT_FOUND")
    status, body = await c.call("GET", "/orders/by_client_id/nope", auth=True)
    assert (status, body["error"]) == (400, "CLIENT_ORDER_ID_NOT_FOUND")
    status, hist = await c.call("GET", "/orders-history", auth=True)
    assert [o["status"] for o in hist["results"]] == ["CLOSED"] and hist["next"] is None


async def test_cancel_by_client_id_and_cancel_all(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    c = await client(sim, session)
    price = str(best(sim, 1) - D(100))
    ids = []
    for cid in ("a", "b", "c"):
        status, order = await c.place(BTC, "BUY", "0.01", price, client_id=cid)
        ids.append(order["id"])
    status, _ = await c.call("DELETE", "/orders/by_client_id/a", auth=True)
    assert status == 204
    assert (await c.wait_order(ids[0], "CLOSED"))["cancel_reason"] == "USER_CANCELED"
    status, body = await c.call("DELETE", "/orders", auth=True, params={"market": BTC})
    assert status == 200 and body is None
    for oid in ids[1:]:
        assert (await c.wait_order(oid, "CLOSED"))["cancel_reason"] == "USER_CANCELED"
    status, listed = await c.call("GET", "/orders", auth=True)
    assert listed["results"] == []


async def test_invalid_order_signature(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    body = c.order(BTC, "BUY", "0.01", str(best(sim, 1) - D(100)))
    body["price"] = str(D(body["price"]) - D("0.1"))  # not what was signed
    status, err = await c.call("POST", "/orders", json_body=body, auth=True)
    assert (status, err["error"]) == (400, "INVALID_ORDER_SIGNATURE")
    other = await client(sim, session)
    body = other.order(BTC, "BUY", "0.01", str(best(sim, 1) - D(100)))  # signed with another key
    status, err = await c.call("POST", "/orders", json_body=body, auth=True)
    assert (status, err["error"]) == (400, "INVALID_ORDER_SIGNATURE")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"price": "100000.05"}, "VALIDATION_ERROR"),  # off the 0.1 tick
        ({"size": "0.000001"}, "VALIDATION_ERROR"),  # off the step
        ({"size": "0.0001"}, "VALIDATION_ERROR"),  # $10 < min_notional 100
        ({"market": "NOPE-USD-PERP"}, "MARKET_NOT_FOUND"),
        ({"timestamp": int(time.time() * 1000) - 400_000}, "VALIDATION_ERROR"),  # outside recv_window
        ({"instruction": "RPI"}, "RPI_ACCOUNT_NOT_WHITELISTED"),
    ],
)
async def test_synchronous_rejections(
    sim: RunningSimulator, session: aiohttp.ClientSession, kwargs: dict[str, Any], code: str
) -> None:
    c = await client(sim, session)
    args: dict[str, Any] = {"market": BTC, "side": "BUY", "size": "0.01", "price": "90000"}
    args.update({k: v for k, v in kwargs.items() if k in args})
    extra = {k: v for k, v in kwargs.items() if k not in args}
    status, body = await c.place(args["market"], args["side"], args["size"], args["price"], **extra)
    assert (status, body["error"]) == (400, code), body
    assert isinstance(body["message"], str)


async def test_paused_market_is_not_open(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    sim.engine("paradex").set_market_status(BTC, MarketStatus.PAUSED)
    status, body = await c.place(BTC, "BUY", "0.01", "90000")
    assert (status, body["error"]) == (400, "MARKET_NOT_OPEN")


async def test_rejections_after_acceptance_close_the_order(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    c = await client(sim, session, usd="1000")
    ask = best(sim, -1)
    cases: list[tuple[tuple[str, ...], dict[str, Any], str]] = [
        ((BTC, "BUY", "0.01", str(ask)), {"instruction": "POST_ONLY"}, "POST_ONLY_WOULD_CROSS"),
        ((BTC, "BUY", "1", str(ask - D(500))), {}, "NOT_ENOUGH_MARGIN"),
        ((BTC, "SELL", "0.01", str(ask)), {"reduce_only": True}, "REDUCE_ONLY_WOULD_INCREASE"),
    ]
    for args, kwargs, reason in cases:
        status, order = await c.place(*args, **kwargs)
        assert status == 201 and order["status"] == "NEW", order
        closed = await c.wait_order(order["id"], "CLOSED")
        assert closed["cancel_reason"] == reason and closed["remaining_size"] == args[2]


async def test_market_order_fills_and_account_views(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    c = await client(sim, session)
    status, order = await c.place(BTC, "BUY", "0.05", type_="MARKET")
    assert status == 201 and order["price"] == "0" and order["type"] == "MARKET"
    filled = await c.wait_order(order["id"], "CLOSED")
    assert (
        filled["cancel_reason"] == "" and filled["remaining_size"] == "0" and D(filled["avg_fill_price"]) > 0
    )
    status, fills = await c.call("GET", "/fills", auth=True, params={"market": BTC})
    (fill,) = fills["results"]
    assert fill["order_id"] == order["id"] and fill["liquidity"] == "TAKER" and fill["side"] == "BUY"
    assert D(fill["fee"]) == D(fill["price"]) * D(fill["size"]) * D("0.0002")
    status, positions = await c.call("GET", "/positions", auth=True)
    (pos,) = positions["results"]
    assert (pos["market"], pos["side"], pos["size"], pos["status"]) == (BTC, "LONG", "0.05", "OPEN")
    assert pos["last_fill_id"] == fill["id"] and pos["average_entry_price"] == fill["price"]
    status, balance = await c.call("GET", "/balance", auth=True)
    assert D(balance["results"][0]["size"]) == D(100000) - D(fill["fee"])
    status, account = await c.call("GET", "/account", auth=True)
    assert set(account) >= {
        "account",
        "initial_margin_requirement",
        "maintenance_margin_requirement",
        "account_value",
        "total_collateral",
        "free_collateral",
        "margin_cushion",
        "settlement_asset",
        "updated_at",
        "status",
        "seq_no",
    }
    assert isinstance(account["updated_at"], int) and isinstance(account["seq_no"], int)
    assert D(account["initial_margin_requirement"]) > 0 and account["status"] == "ACTIVE"
    # close: a reduce-only market sell, then an IOC far from the book expires without a fill
    status, close = await c.place(BTC, "SELL", "0.05", type_="MARKET", reduce_only=True)
    assert (await c.wait_order(close["id"], "CLOSED"))["cancel_reason"] == ""
    status, ioc = await c.place(BTC, "BUY", "0.01", str(best(sim, 1) - D(1000)), instruction="IOC")
    assert (await c.wait_order(ioc["id"], "CLOSED"))["cancel_reason"] == "REMAINING_IOC_CANCEL"
    status, positions = await c.call("GET", "/positions", auth=True)
    assert positions["results"] == []


async def test_self_trade_expires_the_taker(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    bid = best(sim, 1)
    _, maker = await c.place(BTC, "BUY", "0.01", str(bid + D("0.1")))
    await c.wait_order(maker["id"], "OPEN")
    _status, taker = await c.place(BTC, "SELL", "0.01", str(bid))
    assert (await c.wait_order(taker["id"], "CLOSED"))["cancel_reason"] == "SELF_TRADE"
    assert (await c.wait_order(maker["id"], "OPEN"))["status"] == "OPEN"


async def test_leverage_endpoints(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    c = await client(sim, session)
    status, body = await c.call("GET", "/account/margin", auth=True, params={"market": BTC})
    assert status == 200 and body["configs"][0]["leverage"] == 50
    status, body = await c.call(
        "POST", f"/account/margin/{BTC}", auth=True, json_body={"leverage": 10, "margin_type": "CROSS"}
    )
    assert (status, body["leverage"], body["margin_type"]) == (200, 10, "CROSS")
    status, body = await c.call("GET", f"/account/margin/{BTC}", auth=True)
    assert body["configs"][0]["leverage"] == 10
    status, body = await c.call("POST", f"/account/margin/{BTC}", auth=True, json_body={"leverage": 51})
    assert (status, body["error"]) == (400, "VALIDATION_ERROR")


def test_every_engine_rejection_and_close_reason_is_mapped() -> None:
    assert set(REJECTIONS) == set(RejectReason)
    assert set(CLOSE_REASONS) == set(CloseReason)
    for status, code, reason in REJECTIONS.values():
        assert status == 400 and code and reason
    assert REJECTIONS[RejectReason.INSUFFICIENT_MARGIN][2] == "NOT_ENOUGH_MARGIN"
    assert REJECTIONS[RejectReason.DUPLICATE_CLIENT_ID][1] == "DUPLICATED_CLIENT_ID"
    assert CLOSE_REASONS[CloseReason.USER] == "USER_CANCELED"


# -- funding ----------------------------------------------------------------------------------------
async def test_continuous_funding_paid_by_longs(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    engine = sim.engine("paradex")
    engine.set_funding_rate("BTC", D("0.0008"))
    long_, short = await client(sim, session), await client(sim, session)
    for c, side in ((long_, "BUY"), (short, "SELL")):
        _, order = await c.place(BTC, side, "0.1", type_="MARKET")
        await c.wait_order(order["id"], "CLOSED")
    index_before = D(
        (await long_.call("GET", "/funding/data", params={"market": BTC}))[1]["results"][0]["funding_index"]
    )
    _, before = await long_.call("GET", "/balance", auth=True)
    sim.advance(8 * 3600)
    _, data = await long_.call("GET", "/funding/data", params={"market": BTC, "page_size": "3"})
    now, *hourly = data["results"]
    assert now["funding_rate"] == now["funding_rate_8h"] == "0.0008" and now["funding_period_hours"] == 8
    assert D(now["funding_index"]) > index_before and data["next"] is not None
    assert len(hourly) == 2 and hourly[0]["created_at"] > hourly[1]["created_at"]
    for c, sign in ((long_, -1), (short, 1)):
        _, payments = await c.call("GET", "/funding/payments", auth=True, params={"market": BTC})
        rows = payments["results"]
        assert len(rows) == 8 and all(D(r["payment"]) * sign > 0 for r in rows)
        total = sum((D(r["payment"]) for r in rows), D(0))
        # 0.1 BTC at ~$100k for one 8h period at 0.08 %: ~$8
        assert D(7) < abs(total) < D(9)
    _, after = await long_.call("GET", "/balance", auth=True)
    paid = D(before["results"][0]["size"]) - D(after["results"][0]["size"])
    _status, payments = await long_.call("GET", "/funding/payments", auth=True, params={"market": BTC})
    assert paid == -sum(D(r["payment"]) for r in payments["results"])


# -- faults -------------------------------------------------------------------------------------------
async def test_faults_answer_in_paradex_format(sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
    urls = sim.urls("paradex")

    async def arm(fault: dict[str, Any]) -> None:
        async with session.post(f"{urls['control']}/faults", json=fault) as r:
            assert r.status in (200, 201)

    await arm({"kind": "rate_limit", "count": 1, "retry_after_s": 2})
    async with session.get(f"{urls['rest']}/markets") as r:
        assert r.status == 429 and (await r.json())["error"] == "TOO_MANY_REQUESTS"
        assert r.headers["Retry-After"] == "2" and int(r.headers["x-ratelimit-reset"]) >= int(time.time())
    await arm({"kind": "server_error", "count": 1, "status": 500})
    async with session.get(f"{urls['rest']}/markets") as r:
        assert r.status == 500 and (await r.json())["error"] == "INTERNAL_ERROR"
    await arm({"kind": "maintenance"})
    async with session.get(f"{urls['rest']}/system/state") as r:
        body = await r.json()
        assert r.status == 503 and body["error"] == "SERVICE_UNAVAILABLE" and body["message"]
    with pytest.raises(aiohttp.WSServerHandshakeError):
        async with session.ws_connect(urls["ws"]):
            pass
    async with session.delete(f"{urls['control']}/faults") as r:
        assert r.status == 200
    async with session.get(f"{urls['rest']}/markets") as r:
        assert r.status == 200


async def test_onboarding_an_unknown_key_creates_an_unfunded_account(
    sim: RunningSimulator, session: aiohttp.ClientSession
) -> None:
    creds = {
        "l1_address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "l2_private_key": "0x3db40d187e87e786b6db2fa93be9e4024ba7f7fa98b4b0d02fc7c689c80ec2f",
    }
    c = await PdxClient.create(session, sim.urls("paradex")["rest"], creds)
    assert hex(c.address) == "0x68edf68f82ece9f9ecd80c4820974fff3c2fe04bb2703e00375f0fe65bd0f7b"
    _, info = await c.call(
        "GET", "/onboarding", params={"account_signer_type": "starknet", "public_key": hex(c.public_key)}
    )
    assert info["address"] == hex(c.address) and info["exists"] is False
    await c.login()
    _, balance = await c.call("GET", "/balance", auth=True)
    assert D(balance["results"][0]["size"]) == 0
    _status, order = await c.place(BTC, "BUY", "0.01", str(best(sim, 1) - D(100)))
    assert (await c.wait_order(order["id"], "CLOSED"))["cancel_reason"] == "NOT_ENOUGH_MARGIN"
    await asyncio.sleep(0)
