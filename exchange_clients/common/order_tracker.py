"""The latest known state of an account's orders, fed by the private stream and REST reads.

Every venue has the same need: a private feed and REST answers both report order states, in
any order, and callers want the newest one by order id or client order id — or want to wait
for the first sight of an order they just sent. :class:`OrderTracker` keeps that state:

* **Never backwards.** States arrive out of order (a WebSocket fill before the REST answer
  of the submit that caused it, a REST read taken just before a cancel). An update that
  would move an order from a terminal state back to a live one, or lower its filled
  quantity, is ignored: the tracker only ever moves an order forward.
* **Bounded.** The oldest orders are forgotten past ``max_tracked``.
* **Waiters** for a client order id are woken by the first state carrying it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from exchange_clients.models import OrderInfo

__all__ = ["OrderTracker"]


def _is_older(new: OrderInfo, known: OrderInfo) -> bool:
    """True if ``new`` describes an earlier moment of the order than ``known``."""
    if known.status.is_terminal and not new.status.is_terminal:
        return True
    return new.filled_quantity < known.filled_quantity


class OrderTracker:
    def __init__(self, max_tracked: int = 20_000) -> None:
        self._max = max_tracked
        self._by_id: OrderedDict[str, OrderInfo] = OrderedDict()
        self._by_cid: dict[str, str] = {}
        self._waiters: dict[str, list[asyncio.Future[OrderInfo]]] = {}

    def update(self, order: OrderInfo) -> OrderInfo:
        """Record ``order`` unless it is older than what is known; return the state kept."""
        known = self._by_id.get(order.order_id)
        if known is not None and _is_older(order, known):
            return known
        if known is not None and order.client_order_id is None and known.client_order_id:
            order = order.model_copy(update={"client_order_id": known.client_order_id})
        self._by_id[order.order_id] = order
        self._by_id.move_to_end(order.order_id)
        if order.client_order_id:
            self._by_cid[order.client_order_id] = order.order_id
            for waiter in self._waiters.pop(order.client_order_id, []):
                if not waiter.done():
                    waiter.set_result(order)
        while len(self._by_id) > self._max:
            _, old = self._by_id.popitem(last=False)
            if old.client_order_id and self._by_cid.get(old.client_order_id) == old.order_id:
                del self._by_cid[old.client_order_id]
        return order

    def get(self, order_id: str) -> OrderInfo | None:
        return self._by_id.get(order_id)

    def by_client_id(self, client_order_id: str) -> OrderInfo | None:
        order_id = self._by_cid.get(client_order_id)
        return self._by_id.get(order_id) if order_id else None

    async def wait_for_client_id(self, client_order_id: str, timeout: float) -> OrderInfo | None:
        """The first state of an order just sent, or ``None`` after ``timeout`` seconds."""
        known = self.by_client_id(client_order_id)
        if known is not None:
            return known
        future: asyncio.Future[OrderInfo] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(client_order_id, []).append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            waiters = self._waiters.get(client_order_id)
            if waiters and future in waiters:
                waiters.remove(future)
                if not waiters:
                    del self._waiters[client_order_id]

    def open_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        return [o for o in self._by_id.values()
                if not o.status.is_terminal and (symbol is None or o.symbol == symbol)]

    def __len__(self) -> int:
        return len(self._by_id)
