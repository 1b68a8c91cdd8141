"""``BaseWebSocketManager``: live market data for any number of markets on one client.

A manager keeps one L2 book per market (``exchange_clients.common.order_book``) fed with the
venue's snapshot + delta stream under the venue's continuity rule. A book is *ready* only
while it is in sync: after a gap, a reconnect or a silent feed it is marked not ready until it
has been resynchronised, and readers get ``StaleDataError`` instead of an old book.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable

from exchange_clients.models import BBO, OrderBookSnapshot

__all__ = ["BaseWebSocketManager", "BBOListener"]

BBOListener = Callable[[BBO], Awaitable[None] | None]


class BaseWebSocketManager(abc.ABC):
    @abc.abstractmethod
    async def connect(self) -> None:
        """Open the connection (with reconnect supervision). Idempotent."""

    @abc.abstractmethod
    async def disconnect(self) -> None:
        """Close the connection and stop every task it started. Idempotent."""

    @abc.abstractmethod
    async def prepare_market_feed(self, symbol: str) -> None:
        """Subscribe ``symbol``'s book (and BBO) in addition to those already subscribed.
        Returns once the subscription is sent; use :meth:`wait_ready` to await the first
        in-sync book. Raises ``MarketNotFoundError`` for unknown symbols."""

    @abc.abstractmethod
    async def wait_ready(self, symbol: str, timeout: float) -> None:
        """Wait until ``symbol``'s book is in sync; ``StaleDataError`` after ``timeout``."""

    @abc.abstractmethod
    def is_ready(self, symbol: str) -> bool:
        """True while ``symbol``'s book is in sync and its feed is not stale."""

    @abc.abstractmethod
    def get_order_book(self, symbol: str, levels: int = 10) -> OrderBookSnapshot:
        """Top ``levels`` of the live book. ``StaleDataError`` if it is not ready."""

    @abc.abstractmethod
    def get_latest_bbo(self, symbol: str) -> BBO:
        """Best bid/ask of the live book. ``StaleDataError`` if it is not ready."""

    @abc.abstractmethod
    def add_bbo_listener(self, listener: BBOListener) -> None:
        """Call ``listener`` with every BBO change of every subscribed market."""

    @abc.abstractmethod
    def remove_bbo_listener(self, listener: BBOListener) -> None:
        """Stop calling ``listener``."""
