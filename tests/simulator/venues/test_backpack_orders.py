"""Backpack order entry through real signed requests: place/query/cancel, fills and positions,
IOC/FOK/post-only/reduce-only outcomes, every engine rejection mapped to Backpack's bodies, paused
markets, kPEPE units, the account leverage limit, balances, collateral and history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp

from simulator.engine.orders import RejectReason
from simulator.venues.backpack.errors import REJECTS
from tests.simulator.venues.bp_support import BackpackClient, backpack, new_client

D = Decimal
#: Backpack's ApiErrorCode enum (OpenAPI spec)
API_ERROR_CODES = {
    "ACCOUNT_DEACTIVATED", "ACCOUNT_LIQUIDATING", "BORROW_LIMIT", "BORROW_REQUIRES_LEND_REDEEM",
    "FORBIDDEN", "INSUFFICIENT_FUNDS", "INSUFFICIENT_MARGIN", "INSUFFICIENT_SUPPLY", "INVALID_ASSET",
    "INVALID_CLIENT_REQUEST", "INVALID_MARKET", "INVALID_ORDER", "INVALID_PRICE", "INVALID_POSITION_ID",
    "INVALID_QUANTITY", "INVALID_RANGE", "INVALID_SIGNATURE", "INVALID_SOURCE", "INVALID_SYMBOL",
    "INVALID_TWO_FACTOR_CODE", "LEND_LIMIT", "LEND_REQUIRES_BORROW_REPAY", "MAINTENANCE",
    "MAX_LEVERAGE_REACHED", "NOT_IMPLEMENTED", "ORDER_LIMIT", "POSITION_LIMIT", "PRECONDITION_FAILED",
    "RESOURCE_NOT_FOUND", "SERVER_ERROR", "TIMEOUT", "TOO_EARLY", "TOO_MANY_REQUESTS", "TRADING_PAUSED",
    "UNAUTHORIZED"}


def limit(side: str, price: str, qty: str, symbol: str = "BTC_USDC_PERP", **extra: Any) -> dict[str, Any]:
    return {"symbol": symbol, "side": side, "orderType": "Limit", "price": price, "quantity": qty, **extra}


def market(side: str, qty: str, symbol: str = "BTC_USDC_PERP", **extra: Any) -> dict[str, Any]:
    return {"symbol": symbol, "side": side, "orderType": "Market", "quantity": qty, **extra}


def error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def test_every_rejection_is_mapped_to_a_backpack_code() -> None:
    assert set(REJECTS) == set(RejectReason)
    for status, code, message in REJECTS.values():
        assert code in API_ERROR_CODES and status in (400, 401, 404) and message


async def test_resting_order_lifecycle() -> None:
    async with backpack() as (_, client):
        status, order = await client.order(**limit("Bid", "99000", "0.01", clientId=77))
        assert status == 200
        assert order["id"].isdigit() and order["status"] == "New" and order["clientId"] == 77
        assert (order["orderType"], order["price"], order["quantity"]) == ("Limit", "99000", "0.01")
        assert (order["executedQuantity"], order["executedQuoteQuantity"]) == ("0", "0")
        assert order["timeInForce"] == "GTC" and order["selfTradePrevention"] == "RejectTaker"
        assert order["postOnly"] is False and order["reduceOnly"] is None and order["triggerPrice"] is None
        assert isinstance(order["createdAt"], int)
        q = {"symbol": "BTC_USDC_PERP", "orderId": order["id"]}
        assert await client.call("GET", "/api/v1/order", "orderQuery", q) == (200, order)
        status, by_client = await client.call("GET", "/api/v1/order", "orderQuery",
                                              {"symbol": "BTC_USDC_PERP", "clientId": 77})
        assert by_client["id"] == order["id"]
        status, both = await client.call("GET", "/api/v1/order", "orderQuery", {**q, "clientId": 77})
        assert status == 400 and both["code"] == "INVALID_CLIENT_REQUEST"
        status, open_orders = await client.call("GET", "/api/v1/orders", "orderQueryAll")
        assert [o["id"] for o in open_orders] == [order["id"]]
        status, dup = await client.order(**limit("Bid", "98000", "0.01", clientId=77))
        assert (status, dup) == (400, error("INVALID_ORDER", "Duplicate client id"))

        status, cancelled = await client.call("DELETE", "/api/v1/order", "orderCancel",
                                              {"symbol": "BTC_USDC_PERP", "clientId": 77})
        assert status == 200 and cancelled["status"] == "Cancelled" and cancelled["id"] == order["id"]
        missing = (404, error("RESOURCE_NOT_FOUND", "Order not found"))
        assert await client.call("GET", "/api/v1/order", "orderQuery", q) == missing
        assert await client.call("DELETE", "/api/v1/order", "orderCancel", q) == missing
        status, history = await client.call("GET", "/wapi/v1/history/orders", "orderHistoryQueryAll")
        assert history[0]["id"] == order["id"] and history[0]["status"] == "Cancelled"
        assert isinstance(history[0]["createdAt"], str) and "T" in history[0]["createdAt"]


async def test_market_order_fills_and_position() -> None:
    async with backpack() as (_sim, client):
        status, order = await client.order(**market("Bid", "0.02"))
        assert status == 200 and order["status"] == "Filled" and order["orderType"] == "Market"
        assert order["executedQuantity"] == "0.02" and D(order["executedQuoteQuantity"]) > 1900
        assert order["timeInForce"] == "GTC" and order["quoteQuantity"] is None
        status, positions = await client.call("GET", "/api/v1/position", "positionQuery")
        assert status == 200 and len(positions) == 1
        pos = positions[0]
        assert pos["symbol"] == "BTC_USDC_PERP" and pos["netQuantity"] == "0.02"
        assert D(pos["netCost"]) == D(order["executedQuoteQuantity"]) and pos["positionId"].isdigit()
        assert all(isinstance(pos[k], str) for k in ("entryPrice", "markPrice", "breakEvenPrice",
                                                       "pnlUnrealized", "estLiquidationPrice", "imf", "mmf"))
        assert D(pos["breakEvenPrice"]) > D(pos["entryPrice"])          # fees paid must be recovered
        status, fills = await client.call("GET", "/wapi/v1/history/fills", "fillHistoryQueryAll",
                                          {"symbol": "BTC_USDC_PERP"})
        assert fills and all(f["orderId"] == order["id"] and f["isMaker"] is False for f in fills)
        assert fills[0]["feeSymbol"] == "USDC" and isinstance(fills[0]["tradeId"], int)
        assert sum(D(f["quantity"]) for f in fills) == D("0.02")
        # short it back through zero: one position, negative
        status, order = await client.order(**market("Ask", "0.05"))
        status, positions = await client.call("GET", "/api/v1/position", "positionQuery",
                                              {"symbol": "BTC_USDC_PERP"})
        assert positions[0]["netQuantity"] == "-0.03" and D(positions[0]["netCost"]) < 0
        status, body = await client.order(**market("Ask", "0.01", reduceOnly=True))
        assert (status, body) == (400, error("INVALID_ORDER", "Reduce only order not reduced"))
        status, body = await client.order(**market("Bid", "0.05", reduceOnly=True))       # larger than it
        assert (status, body) == (400, error("INVALID_ORDER", "Reduce only order not reduced"))
        status, closed = await client.order(**market("Bid", "0.03", reduceOnly=True))
        assert status == 200 and closed["status"] == "Filled" and closed["reduceOnly"] is True
        assert await client.call("GET", "/api/v1/position", "positionQuery") == (200, [])
        flat = await client.call("GET", "/api/v1/position", "positionQuery", {"symbol": "BTC_USDC_PERP"})
        assert flat == (200, [])


async def test_time_in_force_outcomes() -> None:
    async with backpack() as (_, client):
        status, ioc = await client.order(**limit("Bid", "99000", "0.01", timeInForce="IOC"))
        assert status == 200 and ioc["status"] == "Expired" and ioc["executedQuantity"] == "0"
        status, fok = await client.order(**limit("Bid", "101000", "3", timeInForce="FOK"))
        assert status == 200 and fok["status"] == "Expired" and fok["executedQuantity"] == "0"
        status, body = await client.order(**limit("Bid", "101000", "0.01", postOnly=True))
        assert (status, body) == (400, error("INVALID_ORDER", "Order would immediately match and take"))
        status, body = await client.order(**limit("Bid", "99000", "0.01", postOnly=True, timeInForce="IOC"))
        assert (status, body) == (400, error("INVALID_ORDER", "Invalid order"))
        status, history = await client.call("GET", "/wapi/v1/history/orders", "orderHistoryQueryAll",
                                            {"sortDirection": "Asc"})
        assert [(h["id"], h["expiryReason"]) for h in history] == [(ioc["id"], "ImmediateOrCancel"),
                                                                   (fok["id"], "FillOrKill")]


async def test_validation_errors() -> None:
    async with backpack() as (_, client):
        cases = [
            (limit("Bid", "99000.05", "0.01"), error("INVALID_CLIENT_REQUEST", "Price decimal too long")),
            (limit("Bid", "99000", "0.000001"), error("INVALID_CLIENT_REQUEST", "Quantity decimal too long")),
            (limit("Bid", "20000", "0.01"),
             error("INVALID_PRICE", "Price is too far from the last active price")),
            (limit("Bid", "99000", "0"), error("INVALID_QUANTITY", "Invalid quantity")),
            (limit("Bid", "0.01", "150", "kPEPE_USDC_PERP"), error("INVALID_QUANTITY", "Invalid quantity")),
            (limit("Bid", "99000", "20"), error("INSUFFICIENT_MARGIN", "Insufficient margin")),
            ({"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "quantity": "0.01"},
             error("INVALID_ORDER", "Invalid order")),
            (limit("Bid", "99000", "0.01", triggerPrice="98000"),
             error("INVALID_CLIENT_REQUEST",
                   "Must specify both `triggerPrice` and `triggerQuantity` or neither")),
        ]
        for body, expected in cases:
            assert await client.order(**body) == (400, expected), body
        for body in (limit("Bid", "99000", "0.01", "BTC_USD"), {"symbol": "BTC_USDC_PERP", "side": "Buy"},
                     limit("Bid", "99000", "0.01", clientId="7"), limit("Bid", "99000", "0.01", clientId=-1),
                     limit("Bid", "99000", "0.01", postOnly="true")):
            status, text = await client.order(**body)
            assert status == 400 and isinstance(text, str), body
            assert text.startswith("parse request payload error"), body
        status, text = await client.order(**limit("Bid", "99000", "0.01", "NOPE_USDC_PERP"))
        assert "Invalid market symbol" in text


async def test_kpepe_units_and_quote_quantity() -> None:
    async with backpack() as (_, client):
        status, book = await client.public("/api/v1/depth", symbol="kPEPE_USDC_PERP", limit=5)
        best_ask = D(book["asks"][0][0])
        assert D("0.005") < best_ask < D("0.02")                       # per 1000 PEPE (PEPE ≈ 0.00001)
        status, order = await client.order(**market("Bid", "1000", "kPEPE_USDC_PERP"))  # 1,000,000 PEPE
        assert status == 200 and order["executedQuantity"] == "1000"
        assert D(order["executedQuoteQuantity"]) == best_ask * 1000
        status, order = await client.order(symbol="BTC_USDC_PERP", side="Bid", orderType="Market",
                                           quoteQuantity="1000")
        assert status == 200 and order["quoteQuantity"] == "1000" and order["status"] == "Filled"
        assert order["quantity"] is None and D(order["executedQuantity"]) > 0
        assert D("990") < D(order["executedQuoteQuantity"]) <= D("1000")


async def test_paused_market_and_cancel_all() -> None:
    async with backpack() as (sim, client):
        for price in ("99000", "98000"):
            assert (await client.order(**limit("Bid", price, "0.01")))[0] == 200
        control = sim.urls("backpack")["control"]
        async with client.session.post(control + "/faults", json={"kind": "pause_market",
                                                                   "match": "BTC_USDC_PERP"}) as r:
            assert r.status == 201
        status, body = await client.order(**limit("Bid", "99000", "0.01"))
        assert (status, body) == (400, error("TRADING_PAUSED", "Trading is paused on this market"))
        status, m = await client.public("/api/v1/market", symbol="BTC_USDC_PERP")
        assert m["orderBookState"] == "CancelOnly"
        status, cancelled = await client.call("DELETE", "/api/v1/orders", "orderCancelAll",
                                              {"symbol": "BTC_USDC_PERP"})
        assert status == 200 and [o["status"] for o in cancelled] == ["Cancelled", "Cancelled"]
        assert await client.call("DELETE", "/api/v1/orders", "orderCancelAll", {"symbol": "BTC_USDC_PERP"}) \
            == (200, [])
        async with client.session.delete(control + "/faults") as r:
            assert r.status == 200
        assert (await client.order(**limit("Bid", "99000", "0.01")))[0] == 200


async def test_account_leverage_limit_and_balances() -> None:
    async with backpack(usd="10000") as (_sim, client):
        status, account = await client.call("GET", "/api/v1/account", "accountQuery")
        assert status == 200 and account["leverageLimit"] == "10"
        assert (account["futuresMakerFee"], account["futuresTakerFee"]) == ("2", "5")
        # 0.5 BTC ≈ 50k notional: fine at 10x, too much at 2x
        assert (await client.order(**limit("Bid", "99000", "0.5")))[0] == 200
        status, body = await client.call("PATCH", "/api/v1/account", "accountUpdate", {"leverageLimit": "2"})
        assert (status, body) == (400, error("INSUFFICIENT_MARGIN", "Insufficient margin"))
        await client.call("DELETE", "/api/v1/orders", "orderCancelAll", {"symbol": "BTC_USDC_PERP"})
        status, body = await client.call("PATCH", "/api/v1/account", "accountUpdate", {"leverageLimit": "2"})
        assert (status, body) == (200, None)
        assert (await client.call("GET", "/api/v1/account", "accountQuery"))[1]["leverageLimit"] == "2"
        assert (await client.order(**limit("Bid", "99000", "0.5")))[1]["code"] == "INSUFFICIENT_MARGIN"
        assert (await client.order(**limit("Bid", "99000", "0.15")))[0] == 200
        status, body = await client.call("PATCH", "/api/v1/account", "accountUpdate",
                                         {"leverageLimit": "abc"})
        assert (status, body) == (400, error("INVALID_CLIENT_REQUEST", "Invalid leverage limit"))

        status, capital = await client.call("GET", "/api/v1/capital", "balanceQuery")
        assert D(capital["USDC"]["available"]) + D(capital["USDC"]["locked"]) == D(10000)
        mark = D((await client.public("/api/v1/markPrices", symbol="BTC_USDC_PERP"))[1][0]["markPrice"])
        assert D(capital["USDC"]["locked"]) == mark * D("0.15") / 2       # IMF 1/2 of the order at mark
        status, coll = await client.call("GET", "/api/v1/capital/collateral", "collateralQuery")
        assert coll["netEquity"] == "10000" and coll["collateral"][0]["symbol"] == "USDC"
        assert D(coll["netEquityLocked"]) > 0 and coll["marginFraction"] is not None
        status, limits = await client.call("GET", "/api/v1/account/limits/order", "maxOrderQuantity",
                                           {"symbol": "BTC_USDC_PERP", "side": "Bid"})
        assert status == 200 and D("0.01") < D(limits["maxOrderQuantity"]) < D("0.1")


async def test_accounts_are_isolated() -> None:
    async with backpack() as (sim, alice), aiohttp.ClientSession() as session:
        bob: BackpackClient = await new_client(sim, session)
        _status, order = await alice.order(**limit("Bid", "99000", "0.01"))
        q = {"symbol": "BTC_USDC_PERP", "orderId": order["id"]}
        assert (await bob.call("GET", "/api/v1/order", "orderQuery", q))[0] == 404
        assert (await bob.call("DELETE", "/api/v1/order", "orderCancel", q))[0] == 404
        assert (await bob.call("GET", "/api/v1/orders", "orderQueryAll")) == (200, [])
