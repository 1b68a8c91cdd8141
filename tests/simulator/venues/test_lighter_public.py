"""Lighter simulator: public REST — listings in the SDK's models with exact decimals, the order
book as individual orders, stats, parameter errors, and the scaffold's faults in Lighter's shape."""

from __future__ import annotations

import re
from decimal import Decimal

import lighter.models as M
from aiohttp import ClientSession

from simulator.engine.faults import Fault, FaultKind
from simulator.engine.scenario import Scenario
from simulator.testing import running_simulator
from tests.simulator.venues.lighter_support import START_MS, lighter_venue, public, quiet_scenario, strict

D = Decimal


def _digits(value: str) -> int:
    return len(value.split(".")[1]) if "." in value else 0


async def test_listing_is_lighter_shaped_and_validates_strictly() -> None:
    async with lighter_venue() as h:
        status, body = await h.public("/api/v1/orderBookDetails")
        assert status == 200 and body["code"] == 200
        details = strict(M.OrderBookDetails, body).order_book_details
        by_symbol = {d.symbol: d for d in details}
        assert {s: d.market_id for s, d in by_symbol.items()} == {"ETH": 0, "BTC": 1, "SOL": 2, "1000PEPE": 4}
        eth = by_symbol["ETH"]
        assert (eth.price_decimals, eth.size_decimals, eth.min_base_amount) == (2, 4, "0.0050")
        assert (eth.min_initial_margin_fraction, eth.maintenance_margin_fraction) == (200, 120)
        assert 10_000 // by_symbol["SOL"].min_initial_margin_fraction == 25
        assert (by_symbol["BTC"].price_decimals, by_symbol["BTC"].size_decimals) == (1, 5)
        assert (by_symbol["1000PEPE"].price_decimals, by_symbol["1000PEPE"].size_decimals) == (6, 0)
        for d in details:
            assert _digits(d.mark_price) == d.price_decimals and _digits(d.index_price) == d.price_decimals
            assert _digits(d.min_base_amount) == d.size_decimals
            assert d.taker_fee == "0.0000" and d.status == "active"
        assert D(eth.mark_price) == D("3002.40")            # index 3000 x (1 + 0.0008 funding premium)

        status, body = await h.public("/api/v1/orderBookDetails", market_id=1, filter="perp")
        assert [d.symbol for d in strict(M.OrderBookDetails, body).order_book_details] == ["BTC"]
        _, body = await h.public("/api/v1/orderBooks")
        books = strict(M.OrderBooks, body).order_books
        assert [b.market_id for b in books] == [0, 1, 2, 4] and books[0].min_quote_amount == "10.000000"
        _, body = await h.public("/api/v1/exchangeStats")
        stats = strict(M.ExchangeStats, body)
        assert stats.total == 4 and stats.daily_usd_volume > 0
        status, body = await h.public("/")
        assert status == 200 and strict(M.Status, body).status == 1 and "code" not in body


async def test_order_book_orders_are_individual_orders_with_exact_digits() -> None:
    async with lighter_venue() as h:
        status, body = await h.public("/api/v1/orderBookOrders", market_id=0, limit=3)
        assert status == 200
        book = strict(M.OrderBookOrders, body)
        assert book.total_asks == len(book.asks) == 3 and book.total_bids == 3
        asks = [D(o.price) for o in book.asks]
        bids = [D(o.price) for o in book.bids]
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True) and bids[0] < asks[0]
        for o in book.asks + book.bids:
            assert re.fullmatch(r"\d+\.\d{2}", o.price)
            assert re.fullmatch(r"\d+\.\d{4}", o.remaining_base_amount)
            assert o.order_index >= 1 << 48 and o.order_id == str(o.order_index)


async def test_bad_parameters_answer_lighter_errors() -> None:
    async with lighter_venue() as h:
        status, body = await h.public("/api/v1/orderBookOrders", market_id=0)
        assert status == 400 and body == {"code": 20001, "message": "invalid param : limit"}
        status, body = await h.public("/api/v1/orderBookOrders", market_id=0, limit=251)
        assert status == 400 and body["code"] == 20001
        status, body = await h.public("/api/v1/orderBookOrders", market_id=77, limit=5)
        assert status == 400 and body == {"code": 21602, "message": "invalid market index"}
        status, body = await h.public("/api/v1/fundings", market_id=0, resolution="5m", start_timestamp=0,
                                      end_timestamp=1, count_back=1)
        assert status == 400 and body["code"] == 20001
        status, body = await h.public("/api/v1/account", by="index", value=999_999)
        assert status == 400 and body == {"code": 29404, "message": "not found"}
        status, body = await h.public("/api/v1/accountsByL1Address", l1_address="0x" + "00" * 20)
        assert status == 400 and body["message"] == "account not found"


async def test_funding_rates_quote_lighter_8h_equivalent() -> None:
    async with lighter_venue(quiet_scenario(rate_8h="0.0008")) as h:
        _, body = await h.public("/api/v1/funding-rates")
        rows = strict(M.FundingRates, body).funding_rates
        mine = {r.symbol: r.rate for r in rows if r.exchange == "lighter"}
        assert mine == {"ETH": 0.0008, "BTC": 0.0008, "SOL": 0.0008, "1000PEPE": 0.0008}
        others = {r.exchange for r in rows if r.exchange != "lighter"}
        assert others == {"binance", "bybit", "hyperliquid"}


async def test_a_hundred_markets_are_listed_cheaply() -> None:
    scenario = Scenario.model_validate({**quiet_scenario().model_dump(), "market_count": 100})
    async with running_simulator(["lighter"], scenario, start_ms=START_MS) as sim, ClientSession() as session:
        rest = sim.urls("lighter")["rest"]
        status, body = await public(session, rest, "/api/v1/orderBookDetails")
        details = strict(M.OrderBookDetails, body).order_book_details
        assert status == 200 and len(details) == 100 and len({d.market_id for d in details}) == 100
        assert all(d.size_decimals >= 0 and d.price_decimals >= 0 for d in details)
        assert all(_digits(d.mark_price) == d.price_decimals for d in details)
        _, body = await public(session, rest, "/api/v1/funding-rates")
        assert len([r for r in body["funding_rates"] if r["exchange"] == "lighter"]) == 100


async def test_faults_answer_in_lighter_format() -> None:
    async with lighter_venue() as h:
        faults = h.sim.venue("lighter").ctx.faults
        faults.arm(Fault(kind=FaultKind.RATE_LIMIT, count=1, retry_after_s=3))
        async with h.session.get(f"{h.rest}/api/v1/orderBooks") as resp:
            assert resp.status == 429 and resp.headers["Retry-After"] == "3"
            assert await resp.json() == {"code": 23000, "message": "Too Many Requests!"}
        faults.arm(Fault(kind=FaultKind.SERVER_ERROR, count=1, status=502))
        async with h.session.get(f"{h.rest}/api/v1/orderBooks") as resp:
            assert resp.status == 502 and resp.content_type == "application/json"
            assert (await resp.json())["code"] == 502
        faults.arm(Fault(kind=FaultKind.MAINTENANCE))
        async with h.session.get(f"{h.rest}/api/v1/orderBooks") as resp:
            assert resp.status == 503
        faults.clear(FaultKind.MAINTENANCE)
        async with h.session.get(f"{h.rest}/api/v1/orderBooks") as resp:
            assert resp.status == 200
