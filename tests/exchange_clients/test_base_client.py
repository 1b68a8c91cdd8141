"""The base client's template methods: validation before any network call, slippage bounds,
client order ids, the event stream. Uses a minimal in-memory subclass (unit test of the
base logic only; venues are tested end to end in tests/conformance)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal as D

import pytest
from pydantic import SecretStr

from exchange_clients.base_client import BaseExchangeClient, OrderRequest
from exchange_clients.common.ids import TimeOrderedIntIds
from exchange_clients.errors import InvalidOrderError, MarketNotFoundError
from exchange_clients.models import (
    BBO,
    AccountPnL,
    Fill,
    FundingPayment,
    LeverageInfo,
    MarketInfo,
    OrderBookSnapshot,
    OrderInfo,
    OrderResult,
    OrderStatus,
    OrderType,
    OrderUpdateEvent,
    PositionSnapshot,
    Side,
    TimeInForce,
)
from helpers.venue_config import LighterConfig

BTC = MarketInfo(venue="lighter", symbol="BTC", venue_symbol="BTC", market_id="1", base_asset="BTC",
                 tick_size=D("0.1"), step_size=D("0.001"), min_size=D("0.001"), min_notional=D("10"),
                 max_leverage=D("20"), maker_fee=D(0), taker_fee=D("0.0005"),
                 funding_interval_hours=D(1))
PAUSED = BTC.model_copy(update={"symbol": "ETH", "tradeable": False})


class RecordingClient(BaseExchangeClient):
    """Records every 'network' call; the point is what is *not* called on bad input."""

    def __init__(self) -> None:
        super().__init__(LighterConfig(account_index=1, api_key_index=2,
                                       api_private_key=SecretStr("ab" * 40)))
        self.calls: list[str] = []
        self.submitted: list[OrderRequest] = []
        self.markets = {"BTC": BTC, "ETH": PAUSED}
        self._ids = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100)

    def get_exchange_name(self) -> str:
        return "lighter"

    async def connect(self) -> None:
        self.calls.append("connect")

    async def disconnect(self) -> None:
        await self.events.close()

    async def get_markets(self) -> dict[str, MarketInfo]:
        return self.markets

    async def fetch_bbo_prices(self, symbol: str) -> BBO:
        self.calls.append("bbo")
        return BBO(venue="lighter", symbol=symbol, bid=D("64999.9"), bid_size=D(1),
                   ask=D("65000.0"), ask_size=D(1))

    async def get_order_book_depth(self, symbol: str, levels: int = 10) -> OrderBookSnapshot:
        raise AssertionError("not used")

    def _new_client_order_id(self) -> str:
        return self._ids.next_str()

    def _check_client_order_id(self, client_order_id: str) -> None:
        if not client_order_id.isdigit() or not self._ids.is_valid(int(client_order_id)):
            raise InvalidOrderError("lighter", "client order id must be 1..2^48-1", code="CLIENT_ID")

    async def _submit_order(self, request: OrderRequest) -> OrderResult:
        self.calls.append("submit")
        self.submitted.append(request)
        return OrderResult(venue="lighter", symbol=request.symbol, order_id="1",
                           client_order_id=request.client_order_id, side=request.side,
                           order_type=request.order_type, quantity=request.quantity,
                           price=request.price, status=OrderStatus.PENDING)

    async def cancel_order(self, order_id: str, symbol: str) -> OrderInfo:
        raise AssertionError("not used")

    async def cancel_all_orders(self, symbol: str | None = None) -> int:
        raise AssertionError("not used")

    async def get_order_info(self, order_id: str, symbol: str, *, force_refresh: bool = False) -> OrderInfo:
        raise AssertionError("not used")

    async def get_order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        raise AssertionError("not used")

    async def get_active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        return []

    async def get_account_balance(self) -> D:
        return D(0)

    async def get_total_asset_value(self) -> D:
        return D(0)

    async def get_account_pnl(self) -> AccountPnL:
        return AccountPnL(venue="lighter", unrealized_pnl=D(0))

    async def get_account_positions(self) -> list[PositionSnapshot]:
        return []

    async def get_leverage_info(self, symbol: str) -> LeverageInfo:
        raise AssertionError("not used")

    async def set_leverage(self, symbol: str, leverage: D) -> LeverageInfo:
        market = await self.get_contract_attributes(symbol)
        value = self._check_leverage(market, leverage)
        self.calls.append("leverage")
        return LeverageInfo(venue="lighter", symbol=symbol, leverage=value, max_leverage=market.max_leverage)

    async def get_funding_payments(self, symbol: str | None = None,
                                   since: datetime | None = None) -> list[FundingPayment]:
        return []

    async def get_user_trade_history(self, symbol: str | None = None, since: datetime | None = None,
                                     until: datetime | None = None) -> list[Fill]:
        return []


@pytest.mark.parametrize(("symbol", "qty", "price", "error"), [
    ("DOGE", D("0.01"), D("1"), MarketNotFoundError),
    ("ETH", D("0.01"), D("1"), MarketNotFoundError),
    ("BTC", D("0.01"), D("65000.05"), InvalidOrderError),
    ("BTC", D("0.0105"), D("65000"), InvalidOrderError),
    ("BTC", D("0.0001"), D("65000"), InvalidOrderError),
    ("BTC", D("NaN"), D("65000"), InvalidOrderError),
    ("BTC", D("0.01"), D("-1"), InvalidOrderError),
    ("BTC", D("0.001"), D("100"), InvalidOrderError),
])
async def test_bad_limit_orders_never_reach_the_network(symbol: str, qty: D, price: D,
                                                         error: type[Exception]) -> None:
    client = RecordingClient()
    with pytest.raises(error):
        await client.place_limit_order(symbol, qty, price, Side.BUY)
    assert client.calls == []


async def test_market_order_validates_size_before_reading_the_book() -> None:
    client = RecordingClient()
    with pytest.raises(InvalidOrderError):
        await client.place_market_order("BTC", D("0.0105"), Side.BUY)
    with pytest.raises(InvalidOrderError):
        await client.place_market_order("BTC", D("0.01"), Side.BUY, max_slippage_bps=D("NaN"))
    assert client.calls == []


async def test_market_order_bound_is_touch_plus_slippage_rounded_passively() -> None:
    client = RecordingClient()
    await client.place_market_order("BTC", D("0.01"), Side.BUY, max_slippage_bps=D(10))
    await client.place_market_order("BTC", D("0.01"), Side.SELL, max_slippage_bps=D(10))
    buy, sell = client.submitted
    assert buy.price == D("65065.0")          # 65000 × 1.001 = 65065.0
    assert sell.price == D("64935.0")         # 64999.9 × 0.999 = 64934.9001 → up to tick
    assert buy.order_type is OrderType.MARKET and buy.time_in_force is TimeInForce.IOC


async def test_market_order_min_notional_uses_the_touch() -> None:
    client = RecordingClient()
    client.markets["BTC"] = BTC.model_copy(update={"min_notional": D(100)})
    with pytest.raises(InvalidOrderError) as info:
        await client.place_market_order("BTC", D("0.001"), Side.BUY)  # 0.001 × 65000 = 65 < 100
    assert info.value.code == "MIN_NOTIONAL"
    assert client.calls == ["bbo"]
    await client.place_market_order("BTC", D("0.001"), Side.BUY, reduce_only=True)
    assert client.submitted[-1].reduce_only


async def test_post_only_flag_and_client_order_ids() -> None:
    client = RecordingClient()
    await client.place_limit_order("BTC", D("0.01"), D("64000"), Side.BUY, post_only=True)
    await client.place_limit_order("BTC", D("0.01"), D("64000"), Side.BUY, client_order_id="12345")
    first, second = client.submitted
    assert first.post_only and first.client_order_id.isdigit()
    assert second.client_order_id == "12345"
    with pytest.raises(InvalidOrderError):
        await client.place_limit_order("BTC", D("0.01"), D("64000"), Side.BUY, client_order_id="abc")
    with pytest.raises(InvalidOrderError):
        await client.place_limit_order("BTC", D("0.01"), D("64000"), Side.BUY, post_only=True,
                                       time_in_force=TimeInForce.IOC)


async def test_concurrent_orders_get_distinct_client_ids() -> None:
    client = RecordingClient()
    await asyncio.gather(*(client.place_limit_order("BTC", D("0.01"), D("64000"), Side.BUY)
                           for _ in range(50)))
    ids = [r.client_order_id for r in client.submitted]
    assert len(set(ids)) == 50


async def test_leverage_above_market_maximum_is_rejected_before_the_network() -> None:
    client = RecordingClient()
    with pytest.raises(InvalidOrderError) as info:
        await client.set_leverage("BTC", D(50))
    assert info.value.code == "LEVERAGE" and client.calls == []


async def test_position_snapshot_of_a_flat_market() -> None:
    snap = await RecordingClient().get_position_snapshot("BTC")
    assert snap.quantity == 0 and snap.side is None


async def test_await_order_update_returns_the_matching_event() -> None:
    client = RecordingClient()

    def order(oid: str) -> OrderInfo:
        return OrderInfo(venue="lighter", symbol="BTC", order_id=oid, client_order_id=None,
                         side=Side.BUY, order_type=OrderType.LIMIT, price=D(1), quantity=D(1),
                         filled_quantity=D(0), status=OrderStatus.OPEN)

    async def publish() -> None:
        await asyncio.sleep(0.01)
        client.events.publish(OrderUpdateEvent(venue="lighter", order=order("other")))
        client.events.publish(OrderUpdateEvent(venue="lighter", order=order("42")))

    task = asyncio.create_task(publish())
    got = await client.await_order_update("42", timeout=2)
    await task
    assert got.order_id == "42"
    with pytest.raises(TimeoutError):
        await client.await_order_update("42", timeout=0.05)


def test_repr_never_shows_the_secret() -> None:
    assert "ab" * 40 not in repr(RecordingClient())
