"""Paradex's own risks, through the real client against the simulator over loopback: the
NOT_ONBOARDED onboarding path, JWT expiry mid-run (REST and WebSocket), an order signature
that does not verify, asynchronous acceptance (an order refused after its 201 NEW), a submit
whose outcome is unknown, kPEPE sizing, a book gap and its resubscription, concurrent client
ids, and bad input that must never reach the network."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal as D
from typing import Any

import aiohttp
import pytest

from exchange_clients.common.submission import OrderOutcomeUnknownError
from exchange_clients.errors import (
    AuthenticationError,
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
    NotSupportedError,
)
from exchange_clients.models import OrderStatus, OrderUpdateEvent, Side, TimeInForce
from exchange_clients.paradex import ParadexClient
from exchange_clients.paradex.client.managers import order_manager
from exchange_clients.registry import create_client, create_funding_adapter, create_websocket_manager
from simulator.testing import RunningSimulator, running_simulator
from simulator.venues.paradex.keys import JwtIssuer
from simulator.venues.paradex.venue import ParadexVenue

VENUE = "paradex"


@pytest.fixture
async def sim() -> AsyncIterator[RunningSimulator]:
    async with running_simulator([VENUE], "default") as running:
        yield running


def _module(sim: RunningSimulator) -> ParadexVenue:
    module = sim.venue(VENUE).module
    assert isinstance(module, ParadexVenue)
    return module


async def _control(sim: RunningSimulator, method: str, path: str,
                   body: dict[str, Any] | None = None) -> Any:
    url = sim.urls(VENUE)["control"].rstrip("/") + path
    async with aiohttp.ClientSession() as session, session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


async def _credentials(sim: RunningSimulator, usd: str = "100000") -> dict[str, str]:
    created = await _control(sim, "POST", "/accounts", {"usd": usd})
    credentials: dict[str, str] = created["credentials"]
    return credentials


def _config(sim: RunningSimulator, credentials: dict[str, str], **extra: Any) -> dict[str, Any]:
    urls = sim.urls(VENUE)
    return {**credentials, "rest_url": urls["rest"], "ws_url": urls["ws"],
            "rate_limit_tier": "unlimited", "ws_stale_after": 60, **extra}


async def _client(sim: RunningSimulator, credentials: dict[str, str], **extra: Any) -> ParadexClient:
    client = create_client(VENUE, _config(sim, credentials, **extra))
    assert isinstance(client, ParadexClient)
    await client.connect()
    return client


@pytest.fixture
async def trader(sim: RunningSimulator) -> AsyncIterator[ParadexClient]:
    client = await _client(sim, await _credentials(sim))
    try:
        yield client
    finally:
        await client.disconnect()


async def until(predicate: Callable[[], bool | Awaitable[bool]], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _resting_buy(client: ParadexClient, symbol: str = "BTC", usd: D = D(200),
                       factor: str = "0.95") -> tuple[D, D]:
    market = await client.get_contract_attributes(symbol)
    bbo = await client.fetch_bbo_prices(symbol)
    assert bbo.bid is not None
    price = (bbo.bid * D(factor) / market.tick_size).to_integral_value() * market.tick_size
    size = ((usd / price) / market.step_size).to_integral_value(rounding="ROUND_CEILING") \
        * market.step_size
    return max(size, market.min_size), price


# ---- identity, onboarding, tokens ---------------------------------------------------------

async def test_not_onboarded_account_is_onboarded_once(sim: RunningSimulator) -> None:
    credentials = await _credentials(sim)
    first = await _client(sim, credentials)
    try:
        assert first.transport.onboardings == 1  # /auth said NOT_ONBOARDED; /onboarding; /auth
        signer = first.transport.signer
        assert signer is not None
        ident = _module(sim).identities[int(signer.address, 16)]
        assert ident.onboarded and hex(ident.public_key) == signer.public_key
    finally:
        await first.disconnect()
    # the L1 key alone derives the same Stark key and account (in a worker thread)
    l1_only = {k: v for k, v in credentials.items() if k != "l2_private_key"}
    second = await _client(sim, l1_only)
    try:
        assert second.transport.onboardings == 0
        assert second.transport.signer is not None
        assert second.transport.signer.address == signer.address
        assert await second.get_account_balance() > 0
    finally:
        await second.disconnect()


async def test_short_lived_tokens_are_renewed_before_they_expire(
        sim: RunningSimulator, trader: ParadexClient) -> None:
    jwt = trader.transport.jwt
    _module(sim).jwt_lifetime_s = 2.0
    jwt.invalidate()
    await trader.get_account_balance()            # a fresh 2-second token
    refreshes, retries = jwt.refreshes, trader.transport.token_retries
    await asyncio.sleep(1.3)                      # past 60 % of its life, still valid
    await trader.get_account_balance()
    assert jwt.refreshes == refreshes + 1         # renewed before use, never refused
    await asyncio.sleep(2.2)                      # expired while idle
    await trader.get_total_asset_value()
    assert jwt.refreshes == refreshes + 2
    assert trader.transport.token_retries == retries


async def test_a_revoked_token_is_renewed_on_rest_and_websocket(
        sim: RunningSimulator, trader: ParadexClient) -> None:
    module = _module(sim)
    private = trader.websocket.private
    assert private is not None
    await until(lambda: private.authenticated.is_set())
    module.jwt = JwtIssuer(secrets.token_bytes(32))   # every token issued so far is now invalid
    # REST: 401 INVALID_TOKEN → re-auth → the call succeeds
    assert await trader.get_account_balance() > 0
    assert trader.transport.token_retries == 1
    # WebSocket: revoked again, and the socket drops: the reconnect presents the cached token,
    # the venue refuses it (40110), the client renews it and authenticates the same connection
    module.jwt = JwtIssuer(secrets.token_bytes(32))
    auths = private.auths
    await _control(sim, "POST", "/faults", {"kind": "drop_ws"})
    await until(lambda: private.refusals >= 1, timeout=10)
    await until(lambda: private.auths > auths and private.authenticated.is_set(), timeout=10)
    size, price = await _resting_buy(trader)
    async with trader.events.subscribe(kinds={"order"}) as orders:
        result = await trader.place_limit_order("BTC", size, price, Side.BUY)
        event = await orders.get(timeout=5)
    assert isinstance(event, OrderUpdateEvent)
    assert event.order.client_order_id == result.client_order_id
    assert result.status is OrderStatus.OPEN


async def test_an_order_signature_that_does_not_verify_is_an_authentication_error(
        trader: ParadexClient, monkeypatch: pytest.MonkeyPatch) -> None:
    size, price = await _resting_buy(trader)
    signer = trader.transport.signer
    assert signer is not None
    original = signer.order_body

    def tampered(*args: Any, **kwargs: Any) -> dict[str, Any]:
        body = original(*args, **kwargs)
        body["price"] = str(D(body["price"]) - 1)    # signed for one price, sent with another
        return body

    monkeypatch.setattr(signer, "order_body", tampered)
    with pytest.raises(AuthenticationError) as info:
        await trader.place_limit_order("BTC", size, price, Side.BUY)
    assert info.value.code == "INVALID_ORDER_SIGNATURE"
    assert await trader.get_active_orders("BTC") == []


# ---- asynchronous acceptance ----------------------------------------------------------------

async def test_an_order_refused_after_acceptance_is_rejected(sim: RunningSimulator) -> None:
    client = await _client(sim, await _credentials(sim, usd="150"))
    try:
        _module(sim).desk.latency_s = 0.3            # the engine decides 0.3 s after 201 NEW
        size, price = await _resting_buy(client, usd=D(20_000))
        async with client.events.subscribe(kinds={"order"}) as orders:
            result = await client.place_limit_order("BTC", size, price, Side.BUY)
            first = await orders.get(timeout=5)
            second = await orders.get(timeout=5)
        assert result.status is OrderStatus.REJECTED and result.filled_quantity == 0
        assert result.order_id is not None
        assert isinstance(first, OrderUpdateEvent) and isinstance(second, OrderUpdateEvent)
        assert first.order.status is OrderStatus.PENDING           # NEW on the feed
        assert second.order.status is OrderStatus.REJECTED
        info = await client.get_order_info(result.order_id, "BTC", force_refresh=True)
        assert info.status is OrderStatus.REJECTED and info.cancel_reason == "NOT_ENOUGH_MARGIN"
        assert await client.get_active_orders("BTC") == []
    finally:
        await client.disconnect()


async def test_a_decision_slower_than_the_ack_wait_is_pending_then_followed(
        sim: RunningSimulator, trader: ParadexClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order_manager, "ACK_TIMEOUT", 0.1)
    _module(sim).desk.latency_s = 0.6
    size, price = await _resting_buy(trader)
    result = await trader.place_limit_order("BTC", size, price, Side.BUY, post_only=True)
    assert result.status is OrderStatus.PENDING and result.order_id is not None
    update = await trader.await_order_update(result.order_id, 5)
    assert update.status is OrderStatus.OPEN
    assert (await trader.cancel_order(result.order_id, "BTC")).status is OrderStatus.CANCELLED


async def test_without_the_private_feed_decisions_are_read_over_rest(
        sim: RunningSimulator, trader: ParadexClient) -> None:
    size, price = await _resting_buy(trader)
    await trader.websocket.disconnect()              # no private feed (and no live book)
    _module(sim).desk.latency_s = 0.3                # the decision comes after a few polls
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await trader.place_limit_order("BTC", size, price, Side.BUY)
    assert result.status is OrderStatus.OPEN and result.order_id is not None
    assert loop.time() - started < order_manager.ACK_TIMEOUT  # polled, not waited out
    cancelled = await trader.cancel_order(result.order_id, "BTC")
    assert cancelled.status is OrderStatus.CANCELLED


async def test_a_submit_timing_out_before_the_venue_read_it_is_not_resent(
        sim: RunningSimulator) -> None:
    client = await _client(sim, await _credentials(sim), request_timeout=0.5)
    try:
        size, price = await _resting_buy(client)
        await _control(sim, "POST", "/faults", {"kind": "delay", "match": "/v1/orders",
                                                 "delay_ms": 900, "count": 1})
        with pytest.raises(OrderOutcomeUnknownError):
            await client.place_limit_order("BTC", size, price, Side.BUY,
                                           client_order_id="slow-order-1")
        desk = _module(sim).desk
        assert not [r for r in desk.records.values() if r.client_id == "slow-order-1"]
        # the documented recovery: the same client id again (a late original would be refused
        # as DUPLICATED_CLIENT_ID instead of trading twice)
        again = await client.place_limit_order("BTC", size, price, Side.BUY,
                                               client_order_id="slow-order-1")
        assert again.status is OrderStatus.OPEN
        assert len([r for r in desk.records.values() if r.client_id == "slow-order-1"]) == 1
    finally:
        await client.disconnect()


async def test_a_lost_submit_answer_is_resolved_by_client_id(
        sim: RunningSimulator, trader: ParadexClient, monkeypatch: pytest.MonkeyPatch) -> None:
    transport = trader.transport
    original = transport.private
    posts = 0

    async def answer_lost(method: str, path: str, **kwargs: Any) -> Any:
        nonlocal posts
        response = await original(method, path, **kwargs)
        if method == "POST" and path == "/orders":
            posts += 1
            raise NetworkError(VENUE, "POST /orders timed out", code="TIMEOUT")
        return response

    monkeypatch.setattr(transport, "private", answer_lost)
    size, price = await _resting_buy(trader)
    result = await trader.place_limit_order("BTC", size, price, Side.BUY, client_order_id="lost-1")
    assert result.status is OrderStatus.OPEN and result.order_id is not None
    assert posts == 1
    records = [r for r in _module(sim).desk.records.values() if r.client_id == "lost-1"]
    assert [r.id for r in records] == [result.order_id]


# ---- markets, books, ids ------------------------------------------------------------------

async def test_kpepe_orders_are_sized_in_pepe(sim: RunningSimulator, trader: ParadexClient) -> None:
    market = await trader.get_contract_attributes("PEPE")
    assert market.venue_symbol == "kPEPE-USD-PERP" and market.multiplier == 1000
    size, price = await _resting_buy(trader, "PEPE")
    result = await trader.place_limit_order("PEPE", size, price, Side.BUY)
    assert result.status is OrderStatus.OPEN and result.order_id is not None
    record = _module(sim).desk.records[result.order_id]
    assert record.size == size / 1000 and record.price == price * 1000   # venue contracts
    info = await trader.get_order_info(result.order_id, "PEPE", force_refresh=True)
    assert (info.quantity, info.price) == (size, price)
    depth = await trader.get_order_book_depth("PEPE", 3)
    assert depth.bids[0].price < D("0.01")                # per PEPE, not per 1000


async def test_a_book_gap_is_resynchronised_by_resubscribing(
        sim: RunningSimulator, trader: ParadexClient) -> None:
    ws = trader.websocket
    await ws.prepare_market_feed("BTC")
    await ws.wait_ready("BTC", 5)
    await _control(sim, "POST", "/faults", {"kind": "skip_seq", "match": "order_book.BTC-USD-PERP",
                                             "count": 1})
    size, price = await _resting_buy(trader)
    placed = await trader.place_limit_order("BTC", size, price, Side.BUY)   # its delta is lost
    assert placed.order_id is not None
    await trader.cancel_order(placed.order_id, "BTC")                     # this one shows the gap
    await until(lambda: ws.resyncs >= 1)
    await ws.wait_ready("BTC", 5)
    live = ws.get_order_book("BTC", 5)
    rest = await trader.market_data._transport.public("/orderbook/BTC-USD-PERP", {"depth": 5})
    assert [str(level.price) for level in live.bids] == [p for p, _ in rest["bids"]]


async def test_client_ids_are_unique_under_concurrency(trader: ParadexClient) -> None:
    size, price = await _resting_buy(trader, usd=D(150))
    results = await asyncio.gather(*(trader.place_limit_order("BTC", size, price, Side.BUY)
                                     for _ in range(12)))
    assert len({r.client_order_id for r in results}) == 12
    assert all(r.status is OrderStatus.OPEN for r in results)
    assert await trader.cancel_all_orders("BTC") == 12
    await until(lambda: _none_active(trader))


async def _none_active(client: ParadexClient) -> bool:
    return not await client.get_active_orders("BTC")


async def test_bad_input_never_reaches_the_network(trader: ParadexClient) -> None:
    size, price = await _resting_buy(trader)
    market = await trader.get_contract_attributes("BTC")
    sent, signed = trader.transport.http.requests_sent, trader.signing_stats[0]
    cases: list[tuple[Callable[[], Awaitable[Any]], type[Exception]]] = [
        (lambda: trader.place_limit_order("BTC", D("NaN"), price, Side.BUY), InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", size, D("Infinity"), Side.BUY), InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", -size, price, Side.BUY), InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", size, price + market.tick_size / 2, Side.BUY),
         InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", size + market.step_size / 2, price, Side.BUY),
         InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", market.step_size, price, Side.BUY),
         InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", size, price, Side.BUY,
                                          client_order_id="not a valid id"), InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", size, price, Side.BUY, post_only=True,
                                          time_in_force=TimeInForce.IOC), InvalidOrderError),
        (lambda: trader.place_limit_order("BTC", size, price, Side.BUY,
                                          time_in_force=TimeInForce.FOK), NotSupportedError),
        (lambda: trader.place_limit_order("NOTACOIN", size, price, Side.BUY), MarketNotFoundError),
        (lambda: trader.set_leverage("BTC", market.max_leverage + 1), InvalidOrderError),
        (lambda: trader.set_leverage("BTC", D("0.5")), InvalidOrderError),
    ]
    for call, error in cases:
        with pytest.raises(error):
            await call()
    assert trader.transport.http.requests_sent == sent
    assert trader.signing_stats[0] == signed


# ---- public halves --------------------------------------------------------------------------

async def test_funding_adapter_normalises_with_the_venues_8h_rate(sim: RunningSimulator) -> None:
    await _control(sim, "POST", "/funding", {"symbol": "BTC", "rate_8h": "0.0008"})
    urls = sim.urls(VENUE)
    adapter = create_funding_adapter(VENUE, {"rest_url": urls["rest"], "ws_url": urls["ws"]})
    async with adapter:
        rates = await adapter.fetch_funding_rates()
        stats = await adapter.fetch_market_data()
        markets = await adapter.fetch_markets()
    btc = rates["BTC"]
    assert btc.interval_hours == 0 and btc.next_funding_time is None
    assert btc.normalized_rate == D("0.0008")       # funding_rate_8h as the venue quotes it
    assert {"BTC", "ETH", "PEPE"} <= set(rates) <= set(markets)
    assert markets["PEPE"].multiplier == 1000
    pepe = stats["PEPE"]
    assert pepe.mark_price is not None and pepe.mark_price < D("0.01")
    assert stats["BTC"].open_interest_usd is not None and stats["BTC"].volume_24h_usd is not None


async def test_standalone_market_data_manager(sim: RunningSimulator) -> None:
    urls = sim.urls(VENUE)
    ws = create_websocket_manager(VENUE, {"rest_url": urls["rest"], "ws_url": urls["ws"]})
    await ws.connect()
    try:
        await ws.prepare_market_feed("ETH")
        await ws.prepare_market_feed("PEPE")
        await ws.wait_ready("ETH", 5)
        await ws.wait_ready("PEPE", 5)
        book = ws.get_order_book("PEPE", 3)
        assert book.source == "ws" and book.bids[0].price < book.asks[0].price < D("0.01")
        bbo = ws.get_latest_bbo("ETH")
        assert bbo.bid is not None and bbo.ask is not None and bbo.bid < bbo.ask
    finally:
        await ws.disconnect()
