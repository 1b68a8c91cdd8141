"""``common.order_tracker.OrderTracker``: newest state per order, never backwards, waiters."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.models import OrderInfo, OrderStatus, OrderType, Side


def _order(status: OrderStatus, filled: str = "0", *, order_id: str = "1",
           cid: str | None = "c1", symbol: str = "BTC") -> OrderInfo:
    return OrderInfo(venue="v", symbol=symbol, order_id=order_id, client_order_id=cid,
                     side=Side.BUY, order_type=OrderType.LIMIT, price=D(100), quantity=D(2),
                     filled_quantity=D(filled), status=status)


def test_states_only_move_forward() -> None:
    tracker = OrderTracker()
    tracker.update(_order(OrderStatus.OPEN))
    tracker.update(_order(OrderStatus.PARTIALLY_FILLED, "1"))
    # a REST read taken before the fill arrives late: ignored
    kept = tracker.update(_order(OrderStatus.OPEN, "0"))
    assert kept.status is OrderStatus.PARTIALLY_FILLED and tracker.get("1") == kept
    tracker.update(_order(OrderStatus.CANCELLED, "1"))
    assert tracker.update(_order(OrderStatus.PARTIALLY_FILLED, "1")).status is OrderStatus.CANCELLED
    assert tracker.open_orders() == []


def test_client_id_is_kept_when_a_later_state_lacks_it() -> None:
    tracker = OrderTracker()
    tracker.update(_order(OrderStatus.OPEN))
    later = tracker.update(_order(OrderStatus.FILLED, "2", cid=None))
    assert later.client_order_id == "c1" and tracker.by_client_id("c1") == later


def test_bounded_and_open_orders_by_symbol() -> None:
    tracker = OrderTracker(max_tracked=3)
    for i in range(5):
        tracker.update(_order(OrderStatus.OPEN, order_id=str(i), cid=f"c{i}",
                              symbol="ETH" if i % 2 else "BTC"))
    assert len(tracker) == 3 and tracker.get("0") is None and tracker.by_client_id("c0") is None
    assert {o.order_id for o in tracker.open_orders("BTC")} == {"2", "4"}


async def test_waiters_are_woken_by_the_first_state() -> None:
    tracker = OrderTracker()
    waiting = asyncio.create_task(tracker.wait_for_client_id("c1", 5))
    await asyncio.sleep(0)
    tracker.update(_order(OrderStatus.OPEN))
    assert (await waiting).status is OrderStatus.OPEN
    assert await tracker.wait_for_client_id("nope", 0.01) is None
    assert tracker._waiters == {}
