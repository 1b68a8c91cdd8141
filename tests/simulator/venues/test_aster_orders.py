"""Aster simulator: order entry, lookup and cancel through signed V3 requests; filters and every
engine rejection mapped to Aster's codes; positions, balances, trades and income."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from simulator.engine.market import MarketStatus
from simulator.engine.orders import RejectReason
from simulator.venues.aster import PostOnlyMode
from simulator.venues.aster.errors import REJECTS
from tests.simulator.venues.aster_support import AsterClient, aster, venue

D = Decimal
LIMIT = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010"}


async def best(client: AsterClient, symbol: str = "BTCUSDT") -> tuple[str, str]:
    _, book, _ = await client.public("/fapi/v3/depth", symbol=symbol, limit=5)
    return book["bids"][0][0], book["asks"][0][0]


async def test_limit_order_lifecycle_rest() -> None:
    async with aster() as (_, client):
        status, order, headers = await client.order(**LIMIT, price="90000.0", newClientOrderId="pdx-1")
        assert status == 200
        assert headers["X-MBX-ORDER-COUNT-1M"] == "1" and headers["X-MBX-ORDER-COUNT-10S"] == "1"
        assert {k: order[k] for k in ("symbol", "status", "clientOrderId", "price", "origQty", "executedQty",
                                      "cumQty", "cumQuote", "avgPrice", "timeInForce", "type", "side",
                                      "positionSide", "reduceOnly")} == {
            "symbol": "BTCUSDT", "status": "NEW", "clientOrderId": "pdx-1", "price": "90000.0",
            "origQty": "0.010", "executedQty": "0", "cumQty": "0", "cumQuote": "0", "avgPrice": "0.00000",
            "timeInForce": "GTC", "type": "LIMIT", "side": "BUY", "positionSide": "BOTH", "reduceOnly": False}
        assert isinstance(order["orderId"], int) and "time" not in order
        oid = order["orderId"]
        status, by_id, _ = await client.v3("GET", "/fapi/v3/order", {"symbol": "BTCUSDT", "orderId": oid})
        assert status == 200 and by_id["status"] == "NEW" and isinstance(by_id["time"], int)
        _, by_cid, _ = await client.v3("GET", "/fapi/v3/order", {"symbol": "BTCUSDT",
                                                                  "origClientOrderId": "pdx-1"})
        assert by_cid["orderId"] == oid
        _, open_one, _ = await client.v3("GET", "/fapi/v3/openOrder", {"symbol": "BTCUSDT", "orderId": oid})
        assert open_one["orderId"] == oid
        _, opened, _ = await client.v3("GET", "/fapi/v3/openOrders", {"symbol": "BTCUSDT"})
        assert [o["orderId"] for o in opened] == [oid]
        status, cancelled, _ = await client.v3("DELETE", "/fapi/v3/order",
                                               {"symbol": "BTCUSDT", "orderId": oid})
        assert status == 200 and cancelled["status"] == "CANCELED"
        status, err, _ = await client.v3("DELETE", "/fapi/v3/order", {"symbol": "BTCUSDT", "orderId": oid})
        assert (status, err) == (400, {"code": -2011, "msg": "Unknown order sent."})
        _, err, _ = await client.v3("GET", "/fapi/v3/openOrder", {"symbol": "BTCUSDT", "orderId": oid})
        assert err["code"] == -2013
        status, err, _ = await client.v3("GET", "/fapi/v3/order", {"symbol": "BTCUSDT", "orderId": 987654})
        assert (status, err) == (400, {"code": -2013, "msg": "Order does not exist."})
        _, err, _ = await client.v3("GET", "/fapi/v3/order", {"symbol": "BTCUSDT"})
        assert err["code"] == -1102 and "origClientOrderId" in err["msg"]
        _, history, _ = await client.v3("GET", "/fapi/v3/allOrders", {"symbol": "BTCUSDT"})
        assert [(o["orderId"], o["status"]) for o in history] == [(oid, "CANCELED")]


async def test_fills_ack_versus_result_and_account_views() -> None:
    async with aster() as (_, client):
        _, ask = await best(client)
        status, filled, _ = await client.order(**LIMIT, price=ask, newOrderRespType="RESULT")
        assert status == 200 and filled["status"] == "FILLED" and filled["executedQty"] == "0.010"
        assert D(filled["avgPrice"]) == D(ask) and D(filled["cumQuote"]) == D(ask) * D("0.010")
        # ACK for a market order: the order as accepted (NEW, nothing executed), filled right after
        status, ack, _ = await client.order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.005")
        assert status == 200 and ack["status"] == "NEW" and ack["executedQty"] == "0" and ack["price"] == "0"
        _, done, _ = await client.v3("GET", "/fapi/v3/order",
                                     {"symbol": "BTCUSDT", "orderId": ack["orderId"]})
        assert done["status"] == "FILLED" and done["type"] == "MARKET" and done["timeInForce"] == "GTC"
        _, risk, _ = await client.v3("GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"})
        assert len(risk) == 1 and risk[0]["positionAmt"] == "0.015" and risk[0]["marginType"] == "cross"
        assert risk[0]["positionSide"] == "BOTH" and D(risk[0]["entryPrice"]) > 0
        _, trades, _ = await client.v3("GET", "/fapi/v3/userTrades", {"symbol": "BTCUSDT"})
        assert [t["qty"] for t in trades] == ["0.010", "0.005"]
        assert all(t["buyer"] and not t["maker"] and t["commissionAsset"] == "USDT" for t in trades)
        assert D(trades[0]["commission"]) == (D(ask) * D("0.010") * D("0.00035")).quantize(D("1e-8"))
        # close: realised PnL and commission show in income
        status, _, _ = await client.order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.015",
                                          reduceOnly="true")
        assert status == 200
        assert (await client.v3("GET", "/fapi/v3/positionRisk"))[1] == []
        _, income, _ = await client.v3("GET", "/fapi/v3/income", {"symbol": "BTCUSDT"})
        kinds = {row["incomeType"] for row in income}
        assert {"COMMISSION", "REALIZED_PNL"} <= kinds
        assert all(D(r["income"]) < 0 for r in income if r["incomeType"] == "COMMISSION")
        _, transfers, _ = await client.v3("GET", "/fapi/v3/income", {"incomeType": "TRANSFER"})
        assert [r["income"] for r in transfers] == ["100000.00000000"]
        _, balance, _ = await client.v3("GET", "/fapi/v3/balance")
        fees = sum(-D(r["income"]) for r in income if r["incomeType"] == "COMMISSION")
        pnl = sum(D(r["income"]) for r in income if r["incomeType"] == "REALIZED_PNL")
        assert D(balance[0]["balance"]) == D(100000) + pnl - fees
        _, rate, _ = await client.v3("GET", "/fapi/v3/commissionRate", {"symbol": "BTCUSDT"})
        assert rate == {"symbol": "BTCUSDT", "makerCommissionRate": "0.0001",
                        "takerCommissionRate": "0.00035"}


async def test_post_only_crossing_expires_or_is_rejected() -> None:
    async with aster() as (sim, client):
        _, ask = await best(client)
        status, order, _ = await client.order(**{**LIMIT, "timeInForce": "GTX"}, price=ask,
                                              newClientOrderId="gtx-1", newOrderRespType="RESULT")
        assert status == 200 and order["status"] == "EXPIRED" and order["executedQty"] == "0"
        assert order["timeInForce"] == "GTX"
        _, got, _ = await client.v3("GET", "/fapi/v3/order",
                                    {"symbol": "BTCUSDT", "origClientOrderId": "gtx-1"})
        assert got["status"] == "EXPIRED" and got["orderId"] == order["orderId"]
        _, history, _ = await client.v3("GET", "/fapi/v3/allOrders", {"symbol": "BTCUSDT"})
        assert [o["status"] for o in history] == ["EXPIRED"]
        assert (await client.v3("GET", "/fapi/v3/openOrders"))[1] == []
        # a post-only order that does not cross rests
        _, resting, _ = await client.order(**{**LIMIT, "timeInForce": "GTX"}, price="95000.0")
        assert resting["status"] == "NEW"
        venue(sim).set_post_only_mode(PostOnlyMode.REJECT)
        status, err, _ = await client.order(**{**LIMIT, "timeInForce": "GTX"}, price=ask)
        assert status == 400 and err["code"] == -5022


FILTER_CASES: list[tuple[dict[str, Any], int]] = [
    ({"price": "90000.05"}, -1111), ({"price": "90000.00"}, -1111), ({"quantity": "0.0101"}, -1111),
    ({"price": "0.5"}, -4013), ({"price": "2000000.0"}, -4002), ({"price": "-1"}, -4001),
    ({"quantity": "0"}, -4003), ({"quantity": "2000"}, -4005), ({"price": "120000.0"}, -4016),
    ({"side": "SELL", "price": "80000.0"}, -4024), ({"quantity": "0.001", "price": "1000.0"}, -4164),
    ({"side": "HOLD"}, -1117), ({"type": "LIMIT_MAKER"}, -1116), ({"type": "STOP_MARKET"}, -1020),
    ({"timeInForce": "GTD"}, -1115), ({"timeInForce": "HIDDEN"}, -1020), ({"positionSide": "LONG"}, -4061),
    ({"newClientOrderId": "bad id!"}, -4015), ({"newClientOrderId": "x" * 37}, -4015),
    ({"price": None}, -1102), ({"quantity": "abc"}, -1102), ({"timeInForce": None}, -1102),
    ({"symbol": "DOGEUSDT"}, -1121), ({"reduceOnly": "maybe"}, -1130), ({"newOrderRespType": "FULL"}, -1136),
]


async def test_filters_answer_asters_codes() -> None:
    async with aster() as (_, client):
        for change, code in FILTER_CASES:
            params = {**LIMIT, "price": "90000.0", **change}
            status, err, _ = await client.order(**{k: v for k, v in params.items() if v is not None})
            assert status == 400 and err["code"] == code, (change, err)
        assert (await client.v3("GET", "/fapi/v3/openOrders"))[1] == []


async def test_eth_tick_is_checked_after_precision() -> None:
    async with aster() as (_, client):
        base = {"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                "quantity": "0.010"}
        assert (await client.order(**base, price="3400.05"))[1]["code"] == -4014   # 2 decimals ok, tick 0.10
        assert (await client.order(**base, price="3400.10"))[1]["status"] == "NEW"
        assert (await client.order(**{**base, "quantity": "0.0105"}, price="3400.10"))[1]["code"] == -1111


async def test_engine_rejections_map_to_aster_codes() -> None:
    async with aster(usd="1000") as (sim, client):
        engine = sim.engine("aster")
        _, ask = await best(client)
        # margin: 1000 USDT at 125x cannot buy 2 BTC
        status, err, _ = await client.order(**{**LIMIT, "quantity": "2.000"}, price=ask)
        assert (status, err) == (400, {"code": -2019, "msg": "Margin is insufficient."})
        # reduce-only with no position
        _, err, _ = await client.order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.001",
                                       reduceOnly="true")
        assert err == {"code": -2022, "msg": "ReduceOnly Order is rejected."}
        # duplicate client id among open orders
        assert (await client.order(**LIMIT, price="90000.0", newClientOrderId="dup"))[0] == 200
        _, err, _ = await client.order(**LIMIT, price="90000.0", newClientOrderId="dup")
        assert err["code"] == -4116
        # leverage
        _, err, _ = await client.v3("POST", "/fapi/v3/leverage", {"symbol": "SOLUSDT", "leverage": 100})
        assert err == {"code": -4028, "msg": "Leverage 100 is not valid"}
        _, err, _ = await client.v3("POST", "/fapi/v3/leverage", {"symbol": "BTCUSDT", "leverage": 0})
        assert err["code"] == -4028
        status, lev, _ = await client.v3("POST", "/fapi/v3/leverage", {"symbol": "BTCUSDT", "leverage": 20})
        assert status == 200 and lev["leverage"] == 20 and lev["symbol"] == "BTCUSDT"
        # a paused (CLOSE) market refuses new orders
        engine.set_market_status("SOL", MarketStatus.PAUSED)
        _, info, _ = await client.public("/fapi/v3/exchangeInfo")
        assert {s["symbol"]: s["status"] for s in info["symbols"]}["SOLUSDT"] == "CLOSE"
        _, err, _ = await client.order(symbol="SOLUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                       quantity="1.00", price="150.00")
        assert err["code"] == -4140
        engine.set_market_status("SOL", MarketStatus.DELISTED)
        _, err, _ = await client.order(symbol="SOLUSDT", side="BUY", type="LIMIT", timeInForce="GTC",
                                       quantity="1.00", price="150.00")
        assert err == {"code": -4141, "msg": "Symbol is closed"}
        # cancel all: Aster's string "200" success body
        status, done, _ = await client.v3("DELETE", "/fapi/v3/allOpenOrders", {"symbol": "BTCUSDT"})
        assert status == 200
        assert done == {"code": "200", "msg": "The operation of cancel all open order is done."}
        assert (await client.v3("GET", "/fapi/v3/openOrders"))[1] == []


async def test_account_configuration_endpoints() -> None:
    async with aster() as (_, client):
        _, bracket, _ = await client.v3("GET", "/fapi/v3/leverageBracket", {"symbol": "BTCUSDT"})
        assert bracket["brackets"][0]["initialLeverage"] == 125
        _, dual, _ = await client.v3("GET", "/fapi/v3/positionSide/dual")
        assert dual == {"dualSidePosition": False}
        _, err, _ = await client.v3("POST", "/fapi/v3/marginType",
                                    {"symbol": "BTCUSDT", "marginType": "CROSSED"})
        assert err["code"] == -4046
        _, acct, _ = await client.v3("GET", "/fapi/v3/accountWithJoinMargin")
        assert acct["availableBalance"] == "100000.00000000" and acct["assets"][0]["asset"] == "USDT"
        assert (await client.v3("POST", "/fapi/v3/noop"))[1] == {"code": 200, "msg": "success"}


def test_every_engine_rejection_has_an_aster_code() -> None:
    assert set(REJECTS) == set(RejectReason)
    assert all(code < 0 and status in (400, 401) for code, _, status in REJECTS.values())
