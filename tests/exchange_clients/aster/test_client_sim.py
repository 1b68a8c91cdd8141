"""Aster's own risks against the simulator through the real client: post-only as GTX (both of
the venue's answers), bounded market orders, bad input before the network, the 1000PEPE
multiplier, concurrent submission, an unknown submit outcome, the user data stream (listen key
kept alive, renewed on expiry, reconciled after a drop) and a clean disconnect."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from exchange_clients.aster import AsterClient
from exchange_clients.errors import (
    InvalidOrderError,
    MarketNotFoundError,
    NetworkError,
    OrderNotFoundError,
)
from exchange_clients.models import OrderStatus, OrderType, Side, TimeInForce
from simulator.testing import RunningSimulator
from simulator.venues.aster import PostOnlyMode
from tests.exchange_clients.aster.conftest import (
    config_for,
    control,
    new_credentials,
    passive_order,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def eventually(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_crossing_post_only_expired_by_the_venue_is_rejected_without_fill(
        client: AsterClient) -> None:
    bbo = await client.fetch_bbo_prices("BTC")
    assert bbo.ask is not None
    async with client.events.subscribe(kinds={"order"}) as orders:
        result = await client.place_limit_order("BTC", Decimal("0.002"), bbo.ask, Side.BUY,
                                                post_only=True)
        event = await orders.get(timeout=5)
    assert result.status is OrderStatus.REJECTED and result.filled_quantity == 0
    assert event.order.client_order_id == result.client_order_id  # type: ignore[union-attr]
    stored = await client.get_order_info(str(result.order_id), "BTC", force_refresh=True)
    assert stored.status is OrderStatus.REJECTED and stored.cancel_reason == "post_only_would_cross"
    assert stored.time_in_force is TimeInForce.POST_ONLY
    assert (await client.get_position_snapshot("BTC")).quantity == 0


async def test_crossing_post_only_refused_with_5022_is_an_invalid_order(
        sim: RunningSimulator, client: AsterClient) -> None:
    module = sim.venue("aster").module
    module.set_post_only_mode(PostOnlyMode.REJECT)
    try:
        bbo = await client.fetch_bbo_prices("BTC")
        with pytest.raises(InvalidOrderError) as info:
            await client.place_limit_order("BTC", Decimal("0.002"), bbo.ask, Side.BUY,
                                           post_only=True)
        assert info.value.code == "-5022"
    finally:
        module.set_post_only_mode(PostOnlyMode.EXPIRE)
    assert await client.get_active_orders("BTC") == []


async def test_resting_post_only_is_sent_as_gtx(client: AsterClient) -> None:
    size, price = await passive_order(client)
    result = await client.place_limit_order("BTC", size, price, Side.BUY, post_only=True)
    assert result.status is OrderStatus.OPEN
    info = await client.get_order_info(str(result.order_id), "BTC", force_refresh=True)
    assert info.time_in_force is TimeInForce.POST_ONLY
    await client.cancel_order(str(result.order_id), "BTC")


async def test_market_order_is_bounded_and_reports_its_fill(client: AsterClient) -> None:
    async with client.events.subscribe(kinds={"fill", "position"}) as stream:
        result = await client.place_market_order("ETH", Decimal("0.01"), Side.BUY,
                                                  max_slippage_bps=Decimal(20))
        kinds = {(await stream.get(timeout=5)).kind for _ in range(2)}
    bbo_bound = result.price
    assert result.order_type is OrderType.MARKET and result.status is OrderStatus.FILLED
    assert result.filled_quantity == Decimal("0.01") and result.average_fill_price is not None
    assert bbo_bound is not None and result.average_fill_price <= bbo_bound
    assert kinds == {"fill", "position"}
    await client.place_market_order("ETH", Decimal("0.01"), Side.SELL, reduce_only=True)


async def test_bad_input_is_rejected_before_the_network(client: AsterClient) -> None:
    size, price = await passive_order(client)
    market = await client.get_contract_attributes("BTC")
    sent = client.transport.http.requests_sent
    cases = [
        dict(symbol="BTC", quantity=Decimal("NaN"), price=price),
        dict(symbol="BTC", quantity=size, price=price + market.tick_size / 2),
        dict(symbol="BTC", quantity=size + market.step_size / 2, price=price),
        dict(symbol="BTC", quantity=market.step_size, price=market.tick_size),
        dict(symbol="BTC", quantity=size, price=price, client_order_id="has:colon"),
        dict(symbol="BTC", quantity=size, price=price, client_order_id="x" * 37),
        dict(symbol="BTC", quantity=size, price=price, post_only=True,
             time_in_force=TimeInForce.IOC),
    ]
    for case in cases:
        with pytest.raises(InvalidOrderError):
            await client.place_limit_order(side=Side.BUY, **case)  # type: ignore[arg-type]
    with pytest.raises(MarketNotFoundError):
        await client.place_limit_order("NOTACOIN", size, price, Side.BUY)
    with pytest.raises(OrderNotFoundError):
        await client.cancel_order("not-a-number", "BTC")
    with pytest.raises(InvalidOrderError):
        await client.set_leverage("BTC", market.max_leverage + 1)
    with pytest.raises(InvalidOrderError):
        await client.set_leverage("BTC", Decimal("0.5"))
    assert client.transport.http.requests_sent == sent


async def test_multiplier_market_trades_in_underlying_units(
        sim: RunningSimulator, client: AsterClient) -> None:
    market = await client.get_contract_attributes("PEPE")
    assert market.venue_symbol == "1000PEPEUSDT" and market.multiplier == 1000
    size, price = await passive_order(client, "PEPE")
    result = await client.place_limit_order("PEPE", size, price, Side.BUY)
    engine_order = sim.engine("aster").get_order(int(str(result.order_id)))
    assert engine_order.size == size / 1000 and engine_order.price == price * 1000
    info = await client.get_order_info(str(result.order_id), "PEPE", force_refresh=True)
    assert (info.quantity, info.price) == (size, price)
    assert await client.cancel_all_orders("PEPE") == 1


async def test_thirty_concurrent_orders_unique_ids_and_nonces(client: AsterClient) -> None:
    size, price = await passive_order(client, "ETH")
    nonce_retries = client.transport.nonce_retries
    results = await asyncio.gather(*(client.place_limit_order("ETH", size, price, Side.BUY)
                                     for _ in range(30)))
    assert all(r.status is OrderStatus.OPEN for r in results)
    assert len({r.client_order_id for r in results}) == 30
    assert len({r.order_id for r in results}) == 30
    assert client.transport.nonce_retries == nonce_retries   # no nonce ever collided
    assert await client.cancel_all_orders() == 30
    assert await client.get_active_orders() == []


async def test_lost_answer_is_resolved_by_client_id_not_resent(client: AsterClient) -> None:
    """The order reaches the venue but its answer is lost (a timeout after the venue acted):
    the client finds the order by its client id and reports it; nothing is sent twice."""
    size, price = await passive_order(client)
    transport = client.transport
    real_send = transport._send
    posts: list[str] = []

    async def answer_lost(method: str, path: str, *args: object, **kwargs: object) -> object:
        response = await real_send(method, path, *args, **kwargs)  # type: ignore[arg-type]
        if method == "POST" and path.endswith("/order"):
            posts.append(path)
            raise NetworkError("aster", "POST /fapi/v3/order timed out", code="TIMEOUT")
        return response

    transport._send = answer_lost  # type: ignore[method-assign]
    try:
        result = await client.place_limit_order("BTC", size, price, Side.BUY)
    finally:
        transport._send = real_send  # type: ignore[method-assign]
    assert len(posts) == 1
    assert result.status is OrderStatus.OPEN and result.order_id is not None
    active = await client.get_active_orders("BTC")
    assert [o.client_order_id for o in active] == [result.client_order_id]
    await client.cancel_all_orders("BTC")


async def test_unknown_outcome_on_503_is_looked_up_before_anything_is_reported(
        sim: RunningSimulator, client: AsterClient) -> None:
    from exchange_clients.common.submission import OrderOutcomeUnknownError

    size, price = await passive_order(client)
    await control(sim, "POST", "/faults", {"kind": "server_error", "match": "/fapi/v3/order",
                                           "count": 1, "status": 503})
    with pytest.raises(OrderOutcomeUnknownError) as info:
        await client.place_limit_order("BTC", size, price, Side.BUY, client_order_id="retry-me-1")
    assert "retry-me-1" in str(info.value)
    # the caller retries with the same client id: placed once
    result = await client.place_limit_order("BTC", size, price, Side.BUY,
                                            client_order_id="retry-me-1")
    assert result.status is OrderStatus.OPEN
    await client.cancel_all_orders("BTC")


async def test_cancel_of_a_finished_order_returns_its_final_state(client: AsterClient) -> None:
    size, price = await passive_order(client)
    result = await client.place_limit_order("BTC", size, price, Side.BUY)
    first = await client.cancel_order(str(result.order_id), "BTC")
    again = await client.cancel_order(str(result.order_id), "BTC")   # -2011 → looked up
    assert first.status is again.status is OrderStatus.CANCELLED
    with pytest.raises(OrderNotFoundError):
        await client.get_order_info("123456789", "BTC", force_refresh=True)
    assert await client.get_order_by_client_id("never-sent", "BTC") is None


async def test_listen_key_is_kept_alive_and_the_task_ends_with_disconnect(
        sim: RunningSimulator) -> None:
    client = AsterClient(config_for(sim, await new_credentials(sim)))
    client.user_stream.keepalive_interval = 0.1
    await client.connect()
    try:
        entry = sim.venue("aster").module.user.keys[client.user_stream.listen_key]
        created = entry.expires_ms
        await eventually(lambda: client.user_stream.keepalives >= 2)
        assert entry.expires_ms > created   # each PUT pushed the expiry further
    finally:
        await client.disconnect()
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert not names & {"aster-listenkey", "user-stream-supervisor", "ws-supervisor",
                        "aster-reconcile"}


async def test_expired_listen_key_is_replaced_and_orders_are_reconciled(
        sim: RunningSimulator, client: AsterClient) -> None:
    user = sim.venue("aster").module.user
    stream = client.user_stream
    old_key, created = stream.listen_key, stream.keys_created
    size, price = await passive_order(client)
    resting = await client.place_limit_order("BTC", size, price, Side.BUY)
    async with client.events.subscribe(kinds={"connection", "order"}) as events:
        user.keys[old_key].expires_ms = 0
        user.expire()                                  # the venue pushes listenKeyExpired
        await eventually(lambda: stream.keys_created > created and stream.connection.connected)
        states = []
        while "resynced" not in states:
            event = await events.get(timeout=5)
            if event.kind == "connection":
                states.append(event.state)  # type: ignore[union-attr]
    assert stream.listen_key != old_key and stream.expirations == 1
    # the new stream delivers: cancelling the resting order is seen as an event
    async with client.events.subscribe(kinds={"order"}) as orders:
        await client.cancel_order(str(resting.order_id), "BTC")
        event = await orders.get(timeout=5)
    assert event.order.status is OrderStatus.CANCELLED  # type: ignore[union-attr]


async def test_dropped_user_stream_reconnects_and_reconciles_missed_fills(
        sim: RunningSimulator, client: AsterClient) -> None:
    size, price = await passive_order(client, "ETH")
    resting = await client.place_limit_order("ETH", size, price, Side.BUY)
    conn = client.user_stream.connection
    connects = conn.connects
    key = client.user_stream.listen_key
    await control(sim, "POST", "/faults", {"kind": "drop_ws", "match": f"/ws/{key}"})
    # while the stream is down the order is cancelled on the venue directly
    engine = sim.engine("aster")
    engine.cancel_order(engine.get_order(int(str(resting.order_id))).account.id,
                        int(str(resting.order_id)))
    await eventually(lambda: conn.connects > connects)
    final = await eventually(lambda: _terminal(client, str(resting.order_id)))
    assert final.status is OrderStatus.CANCELLED


async def _terminal(client: AsterClient, order_id: str):  # type: ignore[no-untyped-def]
    known = client._tracker.get(order_id)
    return known if known is not None and known.status.is_terminal else None
