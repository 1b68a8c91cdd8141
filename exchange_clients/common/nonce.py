"""Nonce assignment that cannot collide under concurrency.

Two disciplines exist among our venues:

* **Sequential** (Lighter: each tx of an (account, API key) must carry exactly the next
  nonce). :class:`SequentialNonces` hands out a *slot* under a lock that is held until the
  caller has sent the request and knows what happened to it::

      async with nonces.slot() as slot:
          tx = sign(nonce=slot.nonce)
          await send(tx)          # raises → outcome unknown → resync before next use
          slot.consumed()         # the venue accepted it: the nonce is used up
      # or slot.unused() when the venue rejected the tx without consuming the nonce

  Holding the lock across the send keeps the order of arrival equal to the order of
  nonces. An exception inside the block (timeout, dropped connection, invalid-nonce
  rejection) marks the sequence dirty: the next slot first re-reads the venue's next nonce.
* **Timestamp** (Hyperliquid: a ms timestamp unique per signer; Aster V3: µs).
  :class:`TimestampNonces` returns ``max(now, last + 1)`` atomically: strictly increasing and
  unique even for two coroutines in the same millisecond.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

__all__ = ["SequentialNonces", "NonceSlot", "TimestampNonces"]


class NonceSlot:
    __slots__ = ("nonce", "_outcome")

    def __init__(self, nonce: int) -> None:
        self.nonce = nonce
        self._outcome: str | None = None

    def consumed(self) -> None:
        """The venue accepted a tx with this nonce."""
        self._outcome = "consumed"

    def unused(self) -> None:
        """The venue rejected the tx *without* consuming the nonce (validation error)."""
        self._outcome = "unused"


class SequentialNonces:
    def __init__(self, fetch_next: Callable[[], Awaitable[int]]) -> None:
        self._fetch_next = fetch_next
        self._next: int | None = None
        self._lock = asyncio.Lock()
        self.resyncs = 0

    @property
    def dirty(self) -> bool:
        return self._next is None

    def invalidate(self) -> None:
        """Force a re-read from the venue before the next slot (e.g. after a 21104)."""
        self._next = None

    async def resync(self) -> int:
        async with self._lock:
            return await self._resync_locked()

    async def _resync_locked(self) -> int:
        self._next = await self._fetch_next()
        self.resyncs += 1
        return self._next

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[NonceSlot]:
        async with self._lock:
            nonce = self._next if self._next is not None else await self._resync_locked()
            slot = NonceSlot(nonce)
            try:
                yield slot
            except BaseException:
                self._next = None  # outcome unknown: the venue decides what was used
                raise
            if slot._outcome == "consumed":
                self._next = nonce + 1
            elif slot._outcome != "unused":
                self._next = None


class TimestampNonces:
    """Strictly increasing wall-clock nonces (``unit`` 1e3 for ms, 1e6 for µs)."""

    def __init__(self, unit: int = 1000, clock: Callable[[], float] = time.time) -> None:
        self._unit = unit
        self._clock = clock
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            value = max(int(self._clock() * self._unit), self._last + 1)
            self._last = value
            return value

    def advance_past(self, value: int) -> None:
        """Never hand out ``value`` or anything below it again — after the venue said that its
        lowest acceptable nonce is above ours (Hyperliquid ``nonce too low N < M``: our clock
        is behind nonces already used by this signer)."""
        with self._lock:
            self._last = max(self._last, value)
