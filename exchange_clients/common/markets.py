"""Market catalogue: the symbol ↔ venue market mapping, loaded once and refreshed.

Every venue resolves a normalised symbol to its own market id on each call; this cache makes
that a dict lookup. Loading is serialised (concurrent first calls trigger one request), the
catalogue is refreshed after ``ttl`` seconds (listings and tick sizes change), and a failed
refresh keeps serving the last good catalogue rather than failing every order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from exchange_clients.errors import ExchangeError, MarketNotFoundError
from exchange_clients.models import MarketInfo
from helpers.time import monotonic
from helpers.unified_logger import get_logger

__all__ = ["MarketCatalog", "MarketEntry"]

T = TypeVar("T")


class MarketEntry(Generic[T]):
    """A market's public rules plus the venue-specific data needed to trade it
    (e.g. Lighter's integer scaling decimals, Hyperliquid's asset index)."""

    __slots__ = ("info", "venue_data")

    def __init__(self, info: MarketInfo, venue_data: T) -> None:
        self.info = info
        self.venue_data = venue_data


class MarketCatalog(Generic[T]):
    def __init__(self, venue: str, loader: Callable[[], Awaitable[Iterable[MarketEntry[T]]]], *,
                 ttl: float = 300.0) -> None:
        self.venue = venue
        self._loader = loader
        self._ttl = ttl
        self._by_symbol: dict[str, MarketEntry[T]] = {}
        self._by_market_id: dict[str, MarketEntry[T]] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()
        self._log = get_logger("markets", venue)

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    async def refresh(self) -> None:
        async with self._lock:
            await self._load_locked()

    async def _load_locked(self) -> None:
        entries = list(await self._loader())
        self._by_symbol = {e.info.symbol: e for e in entries}
        self._by_market_id = {e.info.market_id: e for e in entries}
        self._loaded_at = monotonic()

    async def _ensure(self) -> None:
        fresh = self._loaded_at is not None and monotonic() - self._loaded_at < self._ttl
        if fresh:
            return
        async with self._lock:
            if self._loaded_at is not None and monotonic() - self._loaded_at < self._ttl:
                return
            try:
                await self._load_locked()
            except ExchangeError as exc:
                if self._loaded_at is None:
                    raise
                self._log.warning("market refresh failed, serving the last catalogue: %s", exc)
                self._loaded_at = monotonic()

    async def markets(self) -> dict[str, MarketInfo]:
        await self._ensure()
        return {symbol: e.info for symbol, e in self._by_symbol.items()}

    async def entry(self, symbol: str) -> MarketEntry[T]:
        await self._ensure()
        found = self._by_symbol.get(symbol) or self._by_symbol.get(symbol.upper())
        if found is None:
            raise MarketNotFoundError(self.venue, f"unknown symbol {symbol!r}", code="UNKNOWN_SYMBOL")
        return found

    def cached_entry(self, symbol: str) -> MarketEntry[T] | None:
        """Synchronous lookup for hot paths (WebSocket handlers); ``None`` if not loaded."""
        return self._by_symbol.get(symbol)

    def by_market_id(self, market_id: str | int) -> MarketEntry[T] | None:
        """Synchronous reverse lookup (venue market id → entry) for message handlers."""
        return self._by_market_id.get(str(market_id))
