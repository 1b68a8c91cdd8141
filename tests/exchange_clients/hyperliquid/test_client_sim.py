"""Hyperliquid's own risks, against the simulator through the real client over loopback:
concurrent nonces (one signer, one or two clients), the price grid on every asset, bad input
before the network, cloid lookups, unknown outcomes and nonce refusals without duplicates,
a dropped WebSocket, multiplier markets, agent credentials, the public adapter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from eth_account import Account

from exchange_clients.common.submission import OrderOutcomeUnknownError
from exchange_clients.errors import (
    AuthenticationError,
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
    NotSupportedError,
)
from exchange_clients.hyperliquid import HyperliquidClient
from exchange_clients.hyperliquid.client.utils.helpers import is_valid_price
from exchange_clients.models import OrderStatus, Side, TimeInForce
from exchange_clients.registry import create_funding_adapter, create_websocket_manager
from helpers.venue_config import HyperliquidConfig
from simulator.testing import RunningSimulator, running_simulator

pytestmark = pytest.mark.asyncio(loop_scope="module")

VENUE = "hyperliquid"
D = Decimal


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator([VENUE], "default") as running:
        yield running


async def control(sim: RunningSimulator, method: str, path: str, body: Any = None) -> Any:
    url = sim.urls(VENUE)["control"].rstrip("/") + path
    async with aiohttp.ClientSession() as session, session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


def config_for(sim: RunningSimulator, credentials: dict[str, Any], **extra: Any) -> HyperliquidConfig:
    urls = sim.urls(VENUE)
    return HyperliquidConfig.model_validate({**credentials, "rest_url": urls["rest"],
                                             "ws_url": urls["ws"], "rate_limit_tier": "unlimited",
                                             **extra})


@pytest_asyncio.fixture(loop_scope="module")
async def trader(sim: RunningSimulator) -> AsyncIterator[tuple[HyperliquidClient, int, dict[str, Any]]]:
    created = await control(sim, "POST", "/accounts", {"usd": "1000000"})
    client = HyperliquidClient(config_for(sim, created["credentials"]))
    await client.connect()
    try:
        yield client, int(created["account_id"]), created["credentials"]
    finally:
        await control(sim, "DELETE", "/faults")
        await client.disconnect()


class ExchangeSpy:
    """Records every ``/exchange`` body a client sends (the request still goes out)."""

    def __init__(self, client: HyperliquidClient) -> None:
        self.http = client.transport.http
        self.bodies: list[dict[str, Any]] = []
        self._request = self.http.request

    async def _spy(self, method: str, path: str, **kwargs: Any) -> Any:
        if path == "/exchange":
            self.bodies.append(kwargs["json"])
        return await self._request(method, path, **kwargs)

    def __enter__(self) -> ExchangeSpy:
        self.http.request = self._spy  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.request = self._request  # type: ignore[method-assign]

    @property
    def nonces(self) -> list[int]:
        return [int(b["nonce"]) for b in self.bodies]

    def prices(self) -> list[str]:
        return [o["p"] for b in self.bodies if b["action"]["type"] == "order"
                for o in b["action"]["orders"]]


async def passive(client: HyperliquidClient, symbol: str, usd: Decimal = D(40),
                  below: Decimal = D("0.97")) -> tuple[Decimal, Decimal]:
    """A resting buy: (size, price) worth ``usd``, ``below`` × the bid, on the grid."""
    market = await client.get_contract_attributes(symbol)
    bbo = await client.fetch_bbo_prices(symbol)
    assert bbo.bid is not None
    price = (bbo.bid * below / market.tick_size).to_integral_value(ROUND_FLOOR) * market.tick_size
    size = (usd / price / market.step_size).to_integral_value(ROUND_CEILING) * market.step_size
    return max(size, market.min_size), price


async def sized(client: HyperliquidClient, symbol: str, usd: Decimal = D(40)) -> Decimal:
    market = await client.get_contract_attributes(symbol)
    bbo = await client.fetch_bbo_prices(symbol)
    assert bbo.ask is not None
    return (usd / bbo.ask / market.step_size).to_integral_value(ROUND_CEILING) * market.step_size


# ---- nonces --------------------------------------------------------------------------------

async def test_fifty_concurrent_orders_carry_unique_nonces(
        trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, _, _ = trader
    size, price = await passive(client, "ETH")
    with ExchangeSpy(client) as spy:
        results = await asyncio.gather(*(client.place_limit_order("ETH", size, price, Side.BUY)
                                         for _ in range(50)))
    assert all(r.status is OrderStatus.OPEN for r in results)  # the venue refused no nonce
    assert len(spy.nonces) == 50 and len(set(spy.nonces)) == 50
    assert len({r.client_order_id for r in results}) == 50 and len({r.order_id for r in results}) == 50
    assert len(await client.get_active_orders("ETH")) == 50
    assert await client.cancel_all_orders("ETH") == 50
    assert await client.get_active_orders("ETH") == []


async def test_two_clients_sharing_an_agent_never_reuse_a_nonce(
        sim: RunningSimulator, trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    """The venue tracks nonces per signer: two clients of one API wallet share one counter."""
    first, _, credentials = trader
    second = HyperliquidClient(config_for(sim, credentials))
    await second.connect()
    try:
        size, price = await passive(first, "BTC")
        with ExchangeSpy(first) as spy_a, ExchangeSpy(second) as spy_b:
            results = await asyncio.gather(*(c.place_limit_order("BTC", size, price, Side.BUY)
                                             for _ in range(25) for c in (first, second)))
        assert all(r.status is OrderStatus.OPEN for r in results)
        assert len(set(spy_a.nonces + spy_b.nonces)) == 50
        assert await first.cancel_all_orders("BTC") == 50
    finally:
        await second.disconnect()


async def test_a_refused_nonce_is_checked_by_cloid_then_resent_once(
        sim: RunningSimulator, trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, account_id, _ = trader
    size, price = await passive(client, "BTC")
    await control(sim, "POST", "/faults", {"kind": "reject_nonce", "match": "/exchange", "count": 1})
    with ExchangeSpy(client) as spy:
        result = await client.place_limit_order("BTC", size, price, Side.BUY)
    assert result.status is OrderStatus.OPEN
    assert len(spy.bodies) == 2 and spy.nonces[0] < spy.nonces[1]
    orders = sim.engine(VENUE).open_orders(account_id)
    assert [o.client_id for o in orders] == [result.client_order_id]  # exactly one order
    await client.cancel_all_orders()


# ---- prices across szDecimals ----------------------------------------------------------------

@pytest.mark.parametrize("symbol", ["BTC", "ETH", "SOL", "PEPE"])
async def test_market_and_limit_prices_are_on_the_grid_for_every_asset(
        trader: tuple[HyperliquidClient, int, dict[str, Any]], symbol: str) -> None:
    """szDecimals 5, 4, 2 and 0 (kPEPE, a 1000× market): every price the client derives — the
    market order's slippage bound and a limit at a fraction of the bid — is one the venue
    accepts."""
    client, _, _ = trader
    entry = client._catalog.cached_entry(symbol)
    assert entry is not None
    szd = entry.venue_data.sz_decimals
    with ExchangeSpy(client) as spy:
        for bps, side in ((D(0), Side.BUY), (D(7), Side.SELL), (D(50), Side.BUY),
                          (D(333), Side.SELL)):
            result = await client.place_market_order(symbol, await sized(client, symbol), side,
                                                     max_slippage_bps=bps)
            assert result.status is OrderStatus.FILLED, (symbol, bps, side, result)
        for fraction in (D("0.97"), D("0.9137"), D("0.5")):
            size, price = await passive(client, symbol, below=fraction)
            result = await client.place_limit_order(symbol, size, price, Side.BUY)
            assert result.status is OrderStatus.OPEN
    assert spy.prices() and all(is_valid_price(D(p), szd) for p in spy.prices()), spy.prices()
    await client.cancel_all_orders(symbol)


async def test_bad_input_never_reaches_the_network(
        trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, _, _ = trader
    btc = await client.get_contract_attributes("BTC")
    eth = await client.get_contract_attributes("ETH")
    size, price = await passive(client, "BTC")
    eth_size, _ = await passive(client, "ETH")
    cases: list[tuple[str, Any, Any, dict[str, Any], type[Exception]]] = [
        ("BTC", size, price + btc.tick_size / 2, {}, InvalidOrderError),           # off the grid
        ("BTC", size, price + D("0.1"), {}, InvalidOrderError),                    # 6 sig. figures
        ("ETH", eth_size, D("12345.6"), {}, InvalidOrderError),                    # above the level
        ("ETH", eth_size, D("3000.12"), {}, InvalidOrderError),                    # > 5 sig. figures
        ("BTC", size + btc.step_size / 2, price, {}, InvalidOrderError),           # off-lot size
        ("BTC", btc.step_size, btc.tick_size, {}, InvalidOrderError),              # < $10
        ("BTC", D("NaN"), price, {}, InvalidOrderError),
        ("BTC", -size, price, {}, InvalidOrderError),
        ("BTC", size, price, {"client_order_id": "0xABCDEF0123456789ABCDEF0123456789"},
         InvalidOrderError),                                                       # upper-case cloid
        ("BTC", size, price, {"client_order_id": "0x1234"}, InvalidOrderError),
        ("BTC", size, price, {"time_in_force": TimeInForce.FOK}, NotSupportedError),
        ("DOGE2", size, price, {}, MarketNotFoundError),
    ]
    with ExchangeSpy(client) as spy:
        for symbol, qty, px, kwargs, error in cases:
            with pytest.raises(error):
                await client.place_limit_order(symbol, qty, px, Side.BUY, **kwargs)
        with pytest.raises(InvalidOrderError):
            await client.set_leverage("BTC", btc.max_leverage + 1)
        with pytest.raises(InvalidOrderError):
            await client.set_leverage("BTC", D("0.5"))
        with pytest.raises(InvalidOrderError):
            await client.place_market_order("ETH", eth.step_size, Side.BUY)      # < $10
    assert spy.bodies == [] and client.signing_stats[0] == 0  # nothing was even signed


# ---- lookups and outcomes ------------------------------------------------------------------

async def test_orders_are_found_and_cancelled_by_cloid(
        trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, _, _ = trader
    size, price = await passive(client, "SOL")
    resting = await client.place_limit_order("SOL", size, price, Side.BUY)
    found = await client.get_order_by_client_id(resting.client_order_id, "SOL")
    assert found is not None and found.order_id == resting.order_id
    assert found.status is OrderStatus.OPEN and (found.quantity, found.price) == (size, price)
    cancelled = await client.cancel_order(resting.client_order_id, "SOL")      # cancelByCloid
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.order_id == resting.order_id
    assert cancelled.filled_quantity == 0 and cancelled.quantity == size
    taken = await client.place_market_order("SOL", await sized(client, "SOL"), Side.BUY)
    filled = await client.get_order_by_client_id(taken.client_order_id, "SOL")
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.filled_quantity == taken.filled_quantity
    # cancelling an order that already filled reports its final state
    assert taken.order_id is not None
    final = await client.cancel_order(taken.order_id, "SOL")
    assert final.status is OrderStatus.FILLED
    assert await client.get_order_by_client_id("0x" + "0" * 31 + "1", "SOL") is None


async def test_an_ioc_that_matches_nothing_expires(
        trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, _, _ = trader
    size, price = await passive(client, "ETH", below=D("0.9"))
    result = await client.place_limit_order("ETH", size, price, Side.BUY,
                                            time_in_force=TimeInForce.IOC)
    assert result.status is OrderStatus.EXPIRED and result.filled_quantity == 0
    assert (await client.get_position_snapshot("ETH")).quantity == 0


async def test_a_lost_answer_is_resolved_by_cloid_never_resent(
        sim: RunningSimulator, trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, account_id, _ = trader
    size, price = await passive(client, "ETH")
    http = client.transport.http
    send_once = http._send_once
    posts: list[str] = []

    async def lose_the_answer(method: str, url: str, *args: Any) -> Any:
        response = await send_once(method, url, *args)
        if url.endswith("/exchange"):  # the venue executed it; the answer never reaches us
            posts.append(url)
            raise NetworkError(VENUE, "POST /exchange timed out", code="TIMEOUT")
        return response

    http._send_once = lose_the_answer  # type: ignore[method-assign]
    try:
        result = await client.place_limit_order("ETH", size, price, Side.BUY)
    finally:
        http._send_once = send_once  # type: ignore[method-assign]
    orders = sim.engine(VENUE).open_orders(account_id)
    assert len(posts) == 1 and [o.client_id for o in orders] == [result.client_order_id]
    assert result.status is OrderStatus.OPEN and result.order_id == str(orders[0].id)
    # a 5xx before execution: looked up by cloid, absent, reported unknown — never resent
    await control(sim, "POST", "/faults", {"kind": "server_error", "match": "/exchange",
                                           "status": 502, "count": 1})
    with ExchangeSpy(client) as spy, pytest.raises(OrderOutcomeUnknownError):
        await client.place_limit_order("ETH", size, price, Side.BUY)
    assert len(spy.bodies) == 1 and len(sim.engine(VENUE).open_orders(account_id)) == 1
    await client.cancel_all_orders()


# ---- streams -------------------------------------------------------------------------------

async def test_fills_publish_positions_and_multiplier_units(
        sim: RunningSimulator, trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, account_id, _ = trader
    quantity = await sized(client, "PEPE")
    assert quantity % 1000 == 0                                   # 1 kPEPE lot = 1000 PEPE
    async with client.events.subscribe(kinds={"fill", "position", "order"}) as events:
        result = await client.place_market_order("PEPE", quantity, Side.BUY)
        seen: dict[str, Any] = {}
        while not {"fill", "position", "order"} <= set(seen):
            event = await events.get(timeout=5)
            seen.setdefault(event.kind, event)
    engine_position = sim.engine(VENUE).account(account_id).positions
    assert result.filled_quantity == quantity
    assert seen["fill"].fill.quantity == quantity and seen["fill"].fill.symbol == "PEPE"
    assert seen["position"].position.quantity == quantity
    assert seen["order"].order.client_order_id == result.client_order_id
    assert any(p.size for p in engine_position.values())
    snapshot = await client.get_position_snapshot("PEPE")
    assert snapshot.quantity == quantity and snapshot.entry_price is not None
    assert snapshot.entry_price < D("0.001")                       # per PEPE, not per 1000


async def test_reconnect_resubscribes_books_and_reconciles_orders(
        sim: RunningSimulator, trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    client, account_id, _ = trader
    ws = client.websocket
    for symbol in ("BTC", "ETH"):
        await client.fetch_bbo_prices(symbol)
        await ws.wait_ready(symbol, 5)
    size, price = await passive(client, "BTC")
    resting = await client.place_limit_order("BTC", size, price, Side.BUY)
    async with client.events.subscribe(kinds={"connection", "order"}) as events:
        await control(sim, "POST", "/faults", {"kind": "drop_ws", "abrupt": True})
        # while we are away the order is cancelled on the venue: the reconnect must notice
        sim.engine(VENUE).cancel_all(account_id)
        seen: list[Any] = []
        while not any(e.kind == "order" and e.order.order_id == resting.order_id
                      and e.order.status is OrderStatus.CANCELLED for e in seen):
            seen.append(await events.get(timeout=10))
    assert any(getattr(e, "state", "") == "resynced" for e in seen)
    for symbol in ("BTC", "ETH"):
        await ws.wait_ready(symbol, 5)
    assert ws.connection.reconnects >= 1
    rest = await client.market_data.rest_book("BTC", 1)
    live = ws.get_latest_bbo("BTC")
    assert live.bid == rest.bids[0].price and live.ask == rest.asks[0].price


# ---- credentials and public data -----------------------------------------------------------

async def test_an_unapproved_agent_is_refused_at_connect(
        sim: RunningSimulator, trader: tuple[HyperliquidClient, int, dict[str, Any]]) -> None:
    _, _, credentials = trader
    stranger = Account.create().key.hex()
    client = HyperliquidClient(config_for(sim, {**credentials, "agent_private_key": stranger}))
    with pytest.raises(AuthenticationError):
        await client.connect()
    await client.disconnect()


async def test_public_funding_adapter_and_standalone_book(sim: RunningSimulator) -> None:
    urls = sim.urls(VENUE)
    public = {"rest_url": urls["rest"], "rate_limit_tier": "unlimited"}
    adapter = create_funding_adapter(VENUE, public)
    try:
        rates = await adapter.fetch_funding_rates()
        markets = await adapter.fetch_markets()
        stats = await adapter.fetch_market_data()
    finally:
        await adapter.close()
    assert {"BTC", "ETH", "SOL", "PEPE"} <= set(rates)
    btc = rates["BTC"]
    assert btc.interval_hours == 1 and btc.normalized_rate == btc.raw_rate * 8
    assert markets["PEPE"].multiplier == 1000 and markets["BTC"].taker_fee == D("0.00045")
    assert stats["BTC"].open_interest_usd is not None and stats["BTC"].mark_price is not None
    ws = create_websocket_manager(VENUE, public)   # the WebSocket URL is derived from REST
    try:
        await ws.connect()
        await ws.prepare_market_feed("SOL")
        await ws.wait_ready("SOL", 5)
        book = ws.get_order_book("SOL", 5)
        assert book.source == "ws" and book.bids[0].price < book.asks[0].price
    finally:
        await ws.disconnect()
