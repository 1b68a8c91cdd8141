from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest

from exchange_clients.common.events import EventStream
from exchange_clients.common.submission import OrderOutcomeUnknownError, resolve_by_client_id
from exchange_clients.errors import ExchangeUnavailableError, NetworkError
from exchange_clients.models import (
    BBO,
    BBOEvent,
    ClientEvent,
    Fill,
    FillEvent,
    OrderInfo,
    OrderStatus,
    OrderType,
    Side,
)
from helpers.time import utc_now


def bbo_event(symbol: str, bid: str) -> BBOEvent:
    return BBOEvent(venue="v", bbo=BBO(venue="v", symbol=symbol, bid=D(bid), bid_size=D(1),
                                       ask=D(bid) + 1, ask_size=D(1)))


def fill_event(n: int) -> FillEvent:
    return FillEvent(venue="v", fill=Fill(venue="v", symbol="BTC", trade_id=str(n), order_id="1",
                                          side=Side.BUY, price=D(1), quantity=D(1), fee=D(0),
                                          timestamp=utc_now()))


async def test_iterator_gets_every_fill_and_only_the_latest_bbo_per_symbol() -> None:
    stream = EventStream("v")
    async with stream.subscribe() as sub:
        for i in range(100):
            stream.publish(bbo_event("BTC", str(60000 + i)))
            stream.publish(fill_event(i))
        stream.publish(bbo_event("ETH", "3000"))
        got: list[ClientEvent] = []
        while len(got) < 102:
            got.append(await sub.get(timeout=1))
        with pytest.raises(TimeoutError):
            await sub.get(timeout=0.05)
    fills = [e for e in got if e.kind == "fill"]
    bbos = [e for e in got if isinstance(e, BBOEvent)]
    assert [f.fill.trade_id for f in fills] == [str(i) for i in range(100)]  # type: ignore[union-attr]
    assert [(b.bbo.symbol, b.bbo.bid) for b in bbos] == [("BTC", D(60099)), ("ETH", D(3000))]


async def test_kind_filter_and_callbacks_sync_and_async() -> None:
    stream = EventStream("v")
    seen_sync: list[str] = []
    seen_async: list[str] = []

    async def slow(event: ClientEvent) -> None:
        await asyncio.sleep(0)
        seen_async.append(event.kind)

    stream.add_callback(lambda e: seen_sync.append(e.kind), kinds={"fill"})
    stream.add_callback(slow)
    async with stream.subscribe(kinds={"bbo"}) as sub:
        stream.publish(fill_event(1))
        stream.publish(bbo_event("BTC", "1"))
        assert (await sub.get(1)).kind == "bbo"
    await asyncio.sleep(0.01)
    assert seen_sync == ["fill"] and sorted(seen_async) == ["bbo", "fill"]
    await stream.close()


async def test_a_failing_callback_is_counted_and_does_not_stop_others() -> None:
    stream = EventStream("v")
    seen: list[str] = []

    def broken(event: ClientEvent) -> None:
        raise RuntimeError("consumer bug")

    async def broken_async(event: ClientEvent) -> None:
        raise RuntimeError("async consumer bug")

    stream.add_callback(broken)
    stream.add_callback(broken_async)
    stream.add_callback(lambda e: seen.append(e.kind))
    stream.publish(fill_event(1))
    await asyncio.sleep(0.01)
    assert seen == ["fill"] and stream.callback_errors == 2
    await stream.close()


async def test_close_ends_iteration() -> None:
    stream = EventStream("v")
    async with stream.subscribe() as sub:
        task = asyncio.create_task(sub.get(5))
        await asyncio.sleep(0)
        await stream.close()
        with pytest.raises(StopAsyncIteration):
            await task


def _order(status: OrderStatus) -> OrderInfo:
    return OrderInfo(venue="v", symbol="BTC", order_id="9", client_order_id="c1", side=Side.BUY,
                     order_type=OrderType.LIMIT, price=D(1), quantity=D(1), filled_quantity=D(0),
                     status=status)


async def test_unknown_submission_found_on_a_later_lookup() -> None:
    answers = [None, ExchangeUnavailableError("v", "5xx"), _order(OrderStatus.OPEN)]

    async def lookup() -> OrderInfo | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    found = await resolve_by_client_id("v", "c1", lookup, cause=TimeoutError(), delay=0.001)
    assert found.order_id == "9" and answers == []


async def test_unknown_submission_never_found_is_a_typed_error_telling_what_to_do() -> None:
    calls = 0

    async def lookup() -> OrderInfo | None:
        nonlocal calls
        calls += 1
        return None

    with pytest.raises(OrderOutcomeUnknownError) as info:
        await resolve_by_client_id("v", "c1", lookup, cause=TimeoutError(), attempts=3, delay=0.001)
    assert calls == 3
    assert isinstance(info.value, NetworkError) and "same client order id" in str(info.value)
