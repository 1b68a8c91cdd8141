"""The client contract, checked on every simulated venue through its real client."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from exchange_clients.errors import ExchangeError, InvalidOrderError, MarketNotFoundError
from exchange_clients.models import OrderStatus, Side, TimeInForce

if TYPE_CHECKING:
    from conftest import VenueEnv

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def eventually(predicate, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


async def test_markets_and_rules(env: VenueEnv) -> None:
    markets = await env.client.get_markets()
    assert {"BTC", "ETH"} <= set(markets)
    btc = await env.client.get_contract_attributes("BTC")
    assert btc.symbol == "BTC" and btc.venue == env.venue
    assert btc.tick_size > 0 and btc.step_size > 0 and btc.max_leverage >= 1
    assert btc.funding_interval_hours >= 0
    with pytest.raises(MarketNotFoundError):
        await env.client.get_contract_attributes("NOTACOIN")


async def test_bbo_and_depth(env: VenueEnv) -> None:
    bbo = await env.client.fetch_bbo_prices("BTC")
    assert bbo.bid is not None and bbo.ask is not None and bbo.bid < bbo.ask
    depth = await env.client.get_order_book_depth("BTC", 5)
    assert 0 < len(depth.bids) <= 5 and 0 < len(depth.asks) <= 5
    assert depth.bids[0].price < depth.asks[0].price


async def test_live_book_over_websocket(env: VenueEnv) -> None:
    await env.client.fetch_bbo_prices("ETH")  # subscribes the feed
    book = await eventually(lambda: _ws_depth(env, "ETH"))
    assert book is not None and book.source == "ws"
    assert book.bids[0].price < book.asks[0].price


async def _ws_depth(env, symbol):
    depth = await env.client.get_order_book_depth(symbol, 5)
    return depth if depth.source == "ws" else None


async def test_limit_order_rests_is_found_and_cancels(env: VenueEnv) -> None:
    market = await env.client.get_contract_attributes("BTC")
    bbo = await env.client.fetch_bbo_prices("BTC")
    price = _on_tick(bbo.bid * Decimal("0.95"), market.tick_size)
    size = await env.order_size("BTC")
    result = await env.client.place_limit_order("BTC", size, price, Side.BUY)
    assert result.status in (OrderStatus.OPEN, OrderStatus.PENDING)
    order_id = result.order_id or (await _by_cid(env, result.client_order_id)).order_id
    info = await env.client.get_order_info(order_id, "BTC", force_refresh=True)
    assert info.status is OrderStatus.OPEN and info.quantity == size and info.price == price
    active = await env.client.get_active_orders("BTC")
    assert order_id in {o.order_id for o in active}
    by_cid = await env.client.get_order_by_client_id(result.client_order_id, "BTC")
    assert by_cid is not None and by_cid.order_id == order_id
    cancelled = await env.client.cancel_order(order_id, "BTC")
    assert cancelled.status is OrderStatus.CANCELLED
    assert order_id not in {o.order_id for o in await env.client.get_active_orders("BTC")}


async def _by_cid(env, cid):
    return await eventually(lambda: env.client.get_order_by_client_id(cid, "BTC"))


def _on_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value() * tick


async def test_market_order_fills_opens_a_position_and_reports_the_fill(env: VenueEnv) -> None:
    size = await env.order_size("BTC")
    async with env.client.events.subscribe(kinds={"fill"}) as fills:
        result = await env.client.place_market_order("BTC", size, Side.BUY)
        fill = await fills.get(timeout=5)
    assert result.status in (OrderStatus.FILLED, OrderStatus.PENDING)
    assert fill.fill.symbol == "BTC" and fill.fill.side is Side.BUY
    position = await eventually(lambda: _position(env, "BTC"))
    assert position is not None and position.quantity == size and position.entry_price
    history = await env.client.get_user_trade_history("BTC")
    assert sum(f.quantity for f in history if f.side is Side.BUY) == size


async def _position(env, symbol):
    snap = await env.client.get_position_snapshot(symbol)
    return snap if snap.quantity != 0 else None


async def test_post_only_that_would_cross_never_trades(env: VenueEnv) -> None:
    bbo = await env.client.fetch_bbo_prices("BTC")
    size = await env.order_size("BTC")
    try:
        result = await env.client.place_limit_order("BTC", size, bbo.ask, Side.BUY, post_only=True)
    except InvalidOrderError:
        result = None
    if result is not None:
        assert result.status is OrderStatus.REJECTED and result.filled_quantity == 0
    assert (await env.client.get_position_snapshot("BTC")).quantity == 0
    assert await env.client.get_active_orders("BTC") == []


async def test_reduce_only_never_increases_or_flips(env: VenueEnv) -> None:
    size = await env.order_size("ETH")
    try:
        await env.client.place_market_order("ETH", size, Side.SELL, reduce_only=True)
    except InvalidOrderError:
        pass
    assert (await env.client.get_position_snapshot("ETH")).quantity == 0
    await env.client.place_market_order("ETH", size, Side.BUY)
    await eventually(lambda: _position(env, "ETH"))
    try:
        await env.client.place_market_order("ETH", size * 2, Side.SELL, reduce_only=True)
    except InvalidOrderError:
        pass
    final = await eventually(lambda: _flat(env, "ETH"))
    assert final is not None and final.quantity >= 0


async def _flat(env, symbol):
    snap = await env.client.get_position_snapshot(symbol)
    return snap if snap.quantity <= 0 or snap.quantity < Decimal("1e-30") else None


async def test_order_events_are_published(env: VenueEnv) -> None:
    market = await env.client.get_contract_attributes("ETH")
    bbo = await env.client.fetch_bbo_prices("ETH")
    price = _on_tick(bbo.bid * Decimal("0.9"), market.tick_size)
    async with env.client.events.subscribe(kinds={"order"}) as orders:
        result = await env.client.place_limit_order("ETH", await env.order_size("ETH"), price,
                                                    Side.BUY)
        event = await orders.get(timeout=5)
    assert event.order.client_order_id == result.client_order_id
    assert await env.client.cancel_all_orders("ETH") == 1
    remaining = await eventually(lambda: _none_active(env, "ETH"))
    assert remaining


async def _none_active(env, symbol):
    return not await env.client.get_active_orders(symbol)


async def test_balance_and_leverage(env: VenueEnv) -> None:
    balance = await env.client.get_account_balance()
    total = await env.client.get_total_asset_value()
    assert Decimal(0) < balance <= total
    market = await env.client.get_contract_attributes("BTC")
    info = await env.client.set_leverage("BTC", Decimal(2))
    assert info.leverage <= 2 and info.max_leverage == market.max_leverage
    assert (await env.client.get_leverage_info("BTC")).leverage <= 2
    with pytest.raises(InvalidOrderError):
        await env.client.set_leverage("BTC", market.max_leverage + 1)


async def test_funding_is_paid_at_the_venue_interval(env: VenueEnv) -> None:
    await env.control("POST", "/funding", {"symbol": "BTC", "rate_8h": "0.0008"})
    size = await env.order_size("BTC")
    await env.client.place_market_order("BTC", size, Side.BUY)
    await eventually(lambda: _position(env, "BTC"))
    market = await env.client.get_contract_attributes("BTC")
    hours = max(Decimal(3), market.funding_interval_hours)  # at least one settlement (Aster: 8h)
    env.sim.advance(int(hours) * 3600)
    payments = await eventually(lambda: env.client.get_funding_payments("BTC"))
    assert payments, f"no funding payment after {hours} market hours"
    assert all(p.amount < 0 for p in payments)  # longs pay a positive rate


@pytest.mark.parametrize(("qty", "price", "error"), [
    (Decimal("NaN"), Decimal(1), InvalidOrderError),
    (Decimal(-1), Decimal(1), InvalidOrderError),
    (Decimal(1), Decimal("Infinity"), InvalidOrderError),
])
async def test_bad_input_is_a_typed_error(env: VenueEnv, qty: Decimal, price: Decimal,
                                          error: type[Exception]) -> None:
    with pytest.raises(error):
        await env.client.place_limit_order("BTC", qty, price, Side.BUY)


async def test_off_tick_off_step_and_small_orders_are_rejected_before_sending(env: VenueEnv) -> None:
    market = await env.client.get_contract_attributes("BTC")
    bbo = await env.client.fetch_bbo_prices("BTC")
    price = _on_tick(bbo.bid * Decimal("0.9"), market.tick_size)
    size = await env.order_size("BTC")
    cases = [(size, price + market.tick_size / 2, "TICK"), (size + market.step_size / 2, price, "STEP")]
    if market.min_notional > 0:  # some venues (Backpack) list no minimum notional
        cases.append((max(market.min_size, market.step_size), market.tick_size, "MIN_NOTIONAL"))
    if market.min_size > market.step_size:
        cases.append((market.min_size - market.step_size, price, "MIN_SIZE"))
    for qty, px, code in cases:
        with pytest.raises(InvalidOrderError) as info:
            await env.client.place_limit_order("BTC", qty, px, Side.BUY)
        assert info.value.code in (code, "MIN_SIZE")
    with pytest.raises(MarketNotFoundError):
        await env.client.place_limit_order("NOTACOIN", size, price, Side.BUY)
    assert await env.client.get_active_orders("BTC") == []


async def test_fill_or_kill_is_supported_or_a_typed_refusal(env: VenueEnv) -> None:
    bbo = await env.client.fetch_bbo_prices("BTC")
    size = await env.order_size("BTC")
    try:
        result = await env.client.place_limit_order("BTC", size, bbo.ask, Side.BUY,
                                                    time_in_force=TimeInForce.FOK)
    except ExchangeError as exc:
        assert type(exc).__name__ == "NotSupportedError"
        return
    assert result.status in (OrderStatus.FILLED, OrderStatus.EXPIRED, OrderStatus.PENDING)
