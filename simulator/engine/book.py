"""One side of a price-time-priority order book, on integer ticks.

Each side keeps a dict ``price -> Level`` and a sorted list of keys arranged so that the best
price is always the *last* key (``pop()`` is O(1) when the best level empties): bids use the
price itself as key, asks use ``-price``. A level is a FIFO deque of orders; a cancelled
order is only marked dead and skipped when it reaches the front (cancel is O(1)), and a
level whose dead entries outnumber its live ones is compacted. ``lots`` and ``count`` of a
level always describe the live orders only.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.engine.orders import Order

__all__ = ["Level", "BookSide"]

_COMPACT_MIN_DEAD = 32


class Level:
    __slots__ = ("price", "orders", "lots", "count", "dead")

    def __init__(self, price: int) -> None:
        self.price = price
        self.orders: deque[Order] = deque()
        self.lots = 0
        self.count = 0
        self.dead = 0

    def live_orders(self) -> Iterator[Order]:
        return (o for o in self.orders if o.live)

    def compact(self) -> None:
        self.orders = deque(o for o in self.orders if o.live)
        self.dead = 0


class BookSide:
    """Bids (``is_bid``) or asks. ``key_sign`` maps a price to its sort key."""

    __slots__ = ("is_bid", "key_sign", "keys", "levels")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.key_sign = 1 if is_bid else -1
        self.keys: list[int] = []
        self.levels: dict[int, Level] = {}

    def best(self) -> int | None:
        """Best price in ticks, or None when the side is empty."""
        return self.key_sign * self.keys[-1] if self.keys else None

    def add(self, order: Order) -> None:
        price = order.price_ticks
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = Level(price)
            key = self.key_sign * price
            if not self.keys or key > self.keys[-1]:
                self.keys.append(key)
            else:
                insort(self.keys, key)
        level.orders.append(order)
        level.lots += order.remaining_lots
        level.count += 1

    def remove_level(self, price: int) -> None:
        del self.levels[price]
        key = self.key_sign * price
        keys = self.keys
        if keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect_left(keys, key)]

    def discard(self, order: Order, remaining: int) -> None:
        """Take a live order (already marked dead by the caller) with ``remaining`` lots out."""
        level = self.levels[order.price_ticks]
        level.lots -= remaining
        level.count -= 1
        if level.count == 0:
            self.remove_level(order.price_ticks)
            return
        level.dead += 1
        if level.dead >= _COMPACT_MIN_DEAD and level.dead > level.count:
            level.compact()

    def reduce(self, order: Order, lots: int) -> None:
        """A resting order's size went down by ``lots`` in place (keeps its priority)."""
        self.levels[order.price_ticks].lots -= lots

    def iter_levels(self, depth: int | None = None) -> Iterator[Level]:
        """Levels from the best outward."""
        keys = self.keys
        stop = -1 if depth is None else max(len(keys) - 1 - depth, -1)
        for i in range(len(keys) - 1, stop, -1):
            yield self.levels[self.key_sign * keys[i]]

    def lots_at(self, price: int) -> int:
        level = self.levels.get(price)
        return level.lots if level is not None else 0

    def __len__(self) -> int:
        return len(self.keys)
