"""Backpack's own risks, through the real client against the simulator over loopback:
client ids under concurrency, the signature window, a depth gap and its REST resync,
kPEPE sizing both ways, unknown keys, paused markets and maintenance, unknown submit
outcomes, reduce-only trimming, and bad input that must never reach the network."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange_clients.backpack import BackpackClient
from exchange_clients.common.submission import OrderOutcomeUnknownError
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeUnavailableError,
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
)
from exchange_clients.models import OrderStatus, Side
from exchange_clients.registry import create_client, create_funding_adapter, create_websocket_manager
from simulator.testing import RunningSimulator, running_simulator

VENUE = "backpack"
UINT32 = 2**32 - 1


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator([VENUE], "default") as running:
        yield running


async def _control(sim: RunningSimulator, method: str, path: str,
                   body: dict[str, Any] | None = None) -> Any:
    url = sim.urls(VENUE)["control"].rstrip("/") + path
    async with aiohttp.ClientSession() as session, session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


async def _credentials(sim: RunningSimulator) -> tuple[int, dict[str, str]]:
    created = await _control(sim, "POST", "/accounts", {"usd": "100000"})
    return created["account_id"], created["credentials"]


def _config(sim: RunningSimulator, credentials: dict[str, str], **extra: Any) -> dict[str, Any]:
    urls = sim.urls(VENUE)
    return {**credentials, "rest_url": urls["rest"], "ws_url": urls["ws"],
            "rate_limit_tier": "unlimited", "ws_stale_after": 60, **extra}


@pytest.fixture
async def trader(sim: RunningSimulator) -> AsyncIterator[tuple[BackpackClient, int]]:
    account_id, credentials = await _credentials(sim)
    client = create_client(VENUE, _config(sim, credentials))
    assert isinstance(client, BackpackClient)
    await client.connect()
    try:
        yield client, account_id
    finally:
        await client.disconnect()


def _below(price: D, tick: D, factor: str = "0.95") -> D:
    return (price * D(factor) / tick).to_integral_value() * tick


async def test_client_ids_are_unique_uint32_under_concurrency(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, account_id = trader
    market = await client.get_contract_attributes("BTC")
    bbo = await client.fetch_bbo_prices("BTC")
    price = _below(bbo.bid, market.tick_size)  # type: ignore[arg-type]
    results = await asyncio.gather(*(client.place_limit_order("BTC", D("0.001"), price, Side.BUY)
                                     for _ in range(40)))
    cids = [int(r.client_order_id) for r in results]
    assert len(set(cids)) == 40 and all(1 <= c <= UINT32 for c in cids)
    venue_cids = {o.client_id for o in sim.engine(VENUE).open_orders(account_id)}
    assert venue_cids == set(cids)
    assert await client.cancel_all_orders("BTC") == 40


async def test_an_expired_signature_window_remeasures_the_clock_and_re_signs(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, account_id = trader
    transport = client.transport
    transport.clock = lambda: time.time() - 30  # our clock drifted 30 s behind the venue's
    syncs = transport.clock_syncs
    market = await client.get_contract_attributes("ETH")
    bbo = await client.fetch_bbo_prices("ETH")
    result = await client.place_limit_order("ETH", D("0.01"), _below(bbo.bid, market.tick_size),  # type: ignore[arg-type]
                                            Side.BUY)
    assert result.status is OrderStatus.OPEN
    assert transport.expired_retries == 1 and transport.clock_syncs == syncs + 1
    assert 29_000 < transport.offset_ms < 31_000
    assert len(sim.engine(VENUE).open_orders(account_id)) == 1  # sent twice, executed once


async def test_a_request_that_stays_expired_is_refused_and_not_executed(
        sim: RunningSimulator) -> None:
    account_id, credentials = await _credentials(sim)
    client = create_client(VENUE, _config(sim, credentials, window_ms=250))
    await client.connect()
    try:
        market = await client.get_contract_attributes("ETH")
        bbo = await client.fetch_bbo_prices("ETH")
        # the venue receives both attempts 600 ms late: past X-Timestamp + X-Window
        await _control(sim, "POST", "/faults", {"kind": "delay", "match": "/api/v1/order",
                                                "delay_ms": 600, "count": 2})
        with pytest.raises(AuthenticationError, match="Request has expired"):
            await client.place_limit_order("ETH", D("0.01"), _below(bbo.bid, market.tick_size),  # type: ignore[arg-type]
                                           Side.BUY)
        assert isinstance(client, BackpackClient) and client.transport.expired_retries == 1
        assert sim.engine(VENUE).open_orders(account_id) == []
    finally:
        await client.disconnect()


async def test_a_depth_gap_resyncs_from_the_rest_snapshot(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, _ = trader
    ws = client.websocket
    await client.fetch_bbo_prices("BTC")
    await ws.wait_ready("BTC", 5)
    market = await client.get_contract_attributes("BTC")
    book = ws.book("BTC")
    gaps, resyncs = book.gaps, ws.resyncs
    await _control(sim, "POST", "/faults", {"kind": "skip_seq", "match": "depth.BTC_USDC_PERP",
                                            "count": 1})
    bid = ws.get_latest_bbo("BTC").bid
    assert bid is not None
    for i in range(4):  # each joins the best bid: a depth message per 100 ms batch
        await client.place_limit_order("BTC", D("0.001"), bid - i * market.tick_size, Side.BUY)
        await asyncio.sleep(0.15)
    deadline = asyncio.get_running_loop().time() + 5
    while (book.gaps == gaps or not ws.is_ready("BTC")) and \
            asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert book.gaps > gaps and ws.resyncs > resyncs and ws.is_ready("BTC")
    # the resynchronised book is the venue's book
    await asyncio.sleep(0.3)
    live = ws.get_order_book("BTC", 10)
    rest = await client.market_data.rest_book("BTC", 10)
    assert (live.bids, live.asks) == (rest.bids, rest.asks)
    assert live.sequence == rest.sequence


async def test_k_prefixed_market_sizes_round_trip(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, account_id = trader
    pepe = await client.get_contract_attributes("PEPE")
    assert (pepe.venue_symbol, pepe.multiplier, pepe.step_size) == ("kPEPE_USDC_PERP", 1000, 100_000)
    bbo = await client.fetch_bbo_prices("PEPE")
    assert bbo.bid is not None and bbo.ask is not None and bbo.bid < D("0.001")  # per PEPE
    price = _below(bbo.bid, pepe.tick_size, "0.9")
    result = await client.place_limit_order("PEPE", D(300_000), price, Side.BUY)
    (order,) = sim.engine(VENUE).open_orders(account_id)
    assert (order.size, order.price) == (D(300), price * 1000)  # venue contracts, per 1000
    info = await client.get_order_info(result.order_id or "", "PEPE", force_refresh=True)
    assert (info.quantity, info.price) == (D(300_000), price)
    depth = await client.get_order_book_depth("PEPE", 5)
    assert all(level.size % pepe.step_size == 0 for level in depth.bids + depth.asks)
    await client.cancel_order(info.order_id, "PEPE")
    async with client.events.subscribe(kinds={"fill"}) as fills:
        await client.place_market_order("PEPE", D(100_000), Side.BUY)
        fill = (await fills.get(timeout=5)).fill  # type: ignore[union-attr]
    assert fill.quantity == D(100_000) and fill.price < D("0.001")
    position = await client.get_position_snapshot("PEPE")
    assert position.quantity == D(100_000)
    held = sim.engine(VENUE).account(account_id).positions[order.market.id]
    assert order.market.size(held.size) == 100  # 100 kPEPE contracts at the venue


async def test_an_unknown_key_is_an_authentication_error_at_connect(sim: RunningSimulator) -> None:
    key = Ed25519PrivateKey.generate()
    stranger = {"public_key": base64.b64encode(key.public_key().public_bytes_raw()).decode(),
                "secret_key": base64.b64encode(key.private_bytes_raw()).decode()}
    client = create_client(VENUE, _config(sim, stranger))
    with pytest.raises(AuthenticationError, match="X-API-Key"):
        await client.connect()
    await client.disconnect()
    # a secret that does not belong to the public key never gets as far as the network
    _, credentials = await _credentials(sim)
    with pytest.raises(ConfigurationError, match="secret_key"):
        create_client(VENUE, _config(sim, {**credentials, "secret_key": stranger["secret_key"]}))


async def test_trading_paused_and_maintenance_are_typed(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, account_id = trader
    market = await client.get_contract_attributes("BTC")
    bbo = await client.fetch_bbo_prices("BTC")
    price = _below(bbo.bid, market.tick_size)  # type: ignore[arg-type]
    await _control(sim, "POST", "/faults", {"kind": "pause_market", "match": "BTC"})
    with pytest.raises(ExchangeUnavailableError) as paused:
        await client.place_limit_order("BTC", D("0.001"), price, Side.BUY)
    assert paused.value.code == "TRADING_PAUSED" and paused.value.retryable
    await client.market_data.catalog.refresh()  # the listing now says CancelOnly
    with pytest.raises(MarketNotFoundError):
        await client.place_limit_order("BTC", D("0.001"), price, Side.BUY)
    await _control(sim, "DELETE", "/faults?kind=pause_market")
    await client.market_data.catalog.refresh()
    await _control(sim, "POST", "/faults", {"kind": "maintenance"})
    with pytest.raises(ExchangeUnavailableError) as maintenance:
        await client.place_limit_order("BTC", D("0.001"), price, Side.BUY)
    assert maintenance.value.code == "MAINTENANCE"
    with pytest.raises(ExchangeUnavailableError):
        await client.get_account_balance()
    await _control(sim, "DELETE", "/faults?kind=maintenance")
    assert sim.engine(VENUE).open_orders(account_id) == []
    assert await client.get_account_balance() > 0


async def test_a_lost_answer_is_resolved_by_client_id_never_resent(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, account_id = trader
    market = await client.get_contract_attributes("ETH")
    bbo = await client.fetch_bbo_prices("ETH")
    price = _below(bbo.bid, market.tick_size)  # type: ignore[arg-type]
    http = client.transport.http
    send_once = http._send_once
    posts: list[str] = []

    async def lose_the_answer(method: str, url: str, *args: Any) -> Any:
        response = await send_once(method, url, *args)
        if method == "POST":  # the venue executed it; the answer never reaches us
            posts.append(url)
            raise NetworkError(VENUE, "POST /api/v1/order timed out", code="TIMEOUT")
        return response

    http._send_once = lose_the_answer  # type: ignore[method-assign]
    try:
        result = await client.place_limit_order("ETH", D("0.01"), price, Side.BUY)
    finally:
        http._send_once = send_once  # type: ignore[method-assign]
    orders = sim.engine(VENUE).open_orders(account_id)
    assert len(posts) == 1 and len(orders) == 1
    assert str(orders[0].client_id) == result.client_order_id
    assert result.status is OrderStatus.OPEN and result.order_id is not None
    # a 5xx before execution: looked up, absent, reported unknown — never resent
    await _control(sim, "POST", "/faults", {"kind": "server_error", "match": "/api/v1/order",
                                            "status": 502, "count": 1})
    with pytest.raises(OrderOutcomeUnknownError):
        await client.place_limit_order("ETH", D("0.01"), price, Side.BUY)
    assert len(sim.engine(VENUE).open_orders(account_id)) == 1


async def test_reduce_only_larger_than_the_position_closes_it(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, _ = trader
    await client.place_market_order("ETH", D("0.05"), Side.BUY)
    assert (await client.get_position_snapshot("ETH")).quantity == D("0.05")
    result = await client.place_market_order("ETH", D("0.2"), Side.SELL, reduce_only=True)
    assert result.quantity == D("0.05") and result.filled_quantity == D("0.05")
    assert (await client.get_position_snapshot("ETH")).quantity == 0
    with pytest.raises(InvalidOrderError, match="Reduce only"):  # flat: the refusal stands
        await client.place_market_order("ETH", D("0.05"), Side.SELL, reduce_only=True)


async def test_bad_input_never_reaches_the_network(trader: tuple[BackpackClient, int]) -> None:
    client, _ = trader
    await client.get_contract_attributes("PEPE")  # markets loaded
    before = client.transport.http.requests_sent
    cases: list[tuple[Any, ...]] = [
        ("PEPE", D(150_000), D("0.00001"), None),        # 150 kPEPE: off the 100-contract step
        ("PEPE", D(100_000), D("0.00000000001"), None),  # finer than the tick (1e-10 per PEPE)
        ("BTC", D("NaN"), D(100), None),
        ("BTC", D("-0.001"), D(100), None),
        ("BTC", D("0.001"), D(0), None),
        ("BTC", D("0.001"), D(100), "not-a-number"),     # clientId must be a uint32
        ("BTC", D("0.001"), D(100), str(2**32)),
    ]
    for symbol, qty, price, cid in cases:
        with pytest.raises(InvalidOrderError):
            await client.place_limit_order(symbol, qty, price, Side.BUY, client_order_id=cid)
    with pytest.raises(MarketNotFoundError):
        await client.place_limit_order("NOTACOIN", D(1), D(1), Side.BUY)
    with pytest.raises(InvalidOrderError):
        await client.set_leverage("BTC", D(76))  # above 1 / IMF base (75x)
    with pytest.raises(InvalidOrderError):
        await client.place_market_order("BTC", D("0.000001"), Side.BUY)  # below the step
    assert client.transport.http.requests_sent == before


async def test_reconnect_resubscribes_books_and_reconciles_orders(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, _ = trader
    ws = client.websocket
    await client.fetch_bbo_prices("BTC")
    await client.fetch_bbo_prices("PEPE")
    await ws.wait_ready("BTC", 5)
    await ws.wait_ready("PEPE", 5)
    market = await client.get_contract_attributes("BTC")
    price = _below(ws.get_latest_bbo("BTC").bid, market.tick_size)  # type: ignore[arg-type]
    resting = await client.place_limit_order("BTC", D("0.001"), price, Side.BUY)
    async with client.events.subscribe(kinds={"connection", "order"}) as events:
        await _control(sim, "POST", "/faults", {"kind": "drop_ws", "abrupt": True})
        # while we are away the order is cancelled on the venue: the reconnect must notice
        sim.engine(VENUE).cancel_all(_account_of(sim, client))
        seen: list[Any] = []
        while not any(getattr(e, "kind", "") == "order" and e.order.order_id == resting.order_id
                      and e.order.status is OrderStatus.CANCELLED for e in seen):
            seen.append(await events.get(timeout=10))
    assert any(getattr(e, "state", "") == "resynced" for e in seen)
    await ws.wait_ready("BTC", 5)
    await ws.wait_ready("PEPE", 5)
    assert ws.connection.reconnects >= 1


def _account_of(sim: RunningSimulator, client: BackpackClient) -> int:
    account = sim.venue(VENUE).module.auth.account_of(client.config.public_key)  # type: ignore[attr-defined]
    assert account is not None
    return int(account)


async def test_a_refused_private_subscription_is_re_signed(
        sim: RunningSimulator, trader: tuple[BackpackClient, int]) -> None:
    client, _ = trader
    client.transport.clock = lambda: time.time() - 30   # the next subscribe signature is stale
    await _control(sim, "POST", "/faults", {"kind": "drop_ws"})
    deadline = asyncio.get_running_loop().time() + 10
    streams = client.private_streams
    while streams.refusals == 0 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert streams.refusals >= 1
    while streams.subscriptions < 3 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    market = await client.get_contract_attributes("ETH")
    bbo = await client.fetch_bbo_prices("ETH")
    async with client.events.subscribe(kinds={"order"}) as orders:
        result = await client.place_limit_order("ETH", D("0.01"),
                                                _below(bbo.bid, market.tick_size), Side.BUY)  # type: ignore[arg-type]
        event = await orders.get(timeout=5)
    assert event.order.client_order_id == result.client_order_id  # type: ignore[union-attr]


async def test_public_funding_adapter_and_standalone_book(sim: RunningSimulator) -> None:
    urls = sim.urls(VENUE)
    public = {"rest_url": urls["rest"], "ws_url": urls["ws"], "rate_limit_tier": "unlimited"}
    async with create_funding_adapter(VENUE, public) as adapter:
        rates = await adapter.fetch_funding_rates()
        markets = await adapter.fetch_markets()
        stats = await adapter.fetch_market_data()
        assert adapter.get_dex_symbol_format("PEPE") == "kPEPE_USDC_PERP"
    assert {"BTC", "ETH", "SOL", "PEPE"} <= set(rates) and set(rates) == set(markets)
    btc = rates["BTC"]
    assert btc.interval_hours == 1 and btc.normalized_rate == btc.raw_rate * 8
    assert btc.next_funding_time is not None and btc.next_funding_time.minute == 0
    assert markets["PEPE"].multiplier == 1000 and markets["BTC"].maker_fee == D("0.0002")
    assert rates["PEPE"].mark_price == stats["PEPE"].mark_price and rates["PEPE"].mark_price < D("0.001")
    assert stats["BTC"].open_interest_usd is not None and stats["BTC"].volume_24h_usd
    ws = create_websocket_manager(VENUE, public)
    await ws.connect()
    try:
        await ws.prepare_market_feed("PEPE")
        await ws.wait_ready("PEPE", 5)
        bbo = ws.get_latest_bbo("PEPE")
        assert bbo.bid is not None and bbo.ask is not None and bbo.bid < bbo.ask < D("0.001")
    finally:
        await ws.disconnect()
