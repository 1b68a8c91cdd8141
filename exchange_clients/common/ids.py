"""Client order id generators, unique under concurrency, within each venue's constraint.

Invariants (each generator):

* **Unique within the process**, whatever the number of coroutines (generation is synchronous
  and the state update happens under no ``await``, so the event loop cannot interleave two
  callers; a ``threading.Lock`` additionally covers use from worker threads).
* **Unique across restarts** for as long as the venue can remember an order: ids are derived
  from the wall clock and never go backwards within a process, so a restarted process starts
  above anything a previous one issued — unless the previous one ran ahead of the clock by
  bursting, which :class:`TimeOrderedIntIds` bounds by its per-tick capacity.
* **Within the venue's format**: Lighter ``ClientOrderIndex`` 1..2^48-1, Backpack ``clientId``
  uint32, Aster ``newClientOrderId`` ≤36 chars of ``[.A-Z:/a-z0-9_-]``, Hyperliquid ``cloid``
  128-bit hex, Paradex ``client_id`` string.

The naive ``int(time.time()*1000) % 1_000_000`` wraps every 1,000 s and collides within one
millisecond (TRAPS.md); these do neither.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

__all__ = ["TimeOrderedIntIds", "StringIds", "HexIds"]


class TimeOrderedIntIds:
    """Strictly increasing integers ``tick × per_tick + counter`` bounded by ``max_value``.

    ``tick`` is the wall clock in ``tick_seconds`` units since ``epoch``. Lighter:
    ``TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100)`` → ms × 100 fits 48 bits
    until ~2059. Backpack (uint32): ``TimeOrderedIntIds(bits=32, tick_seconds=1, per_tick=32,
    epoch=2025-01-01)`` → 2^32 / 32 s ≈ 4.2 years of headroom from the epoch, 32 ids per second
    sustained before running ahead of the clock (bursts simply borrow from the future).
    """

    def __init__(self, *, bits: int, tick_seconds: float, per_tick: int, epoch: float = 0.0,
                 clock: object = None) -> None:
        self.max_value = (1 << bits) - 1
        self._tick_seconds = tick_seconds
        self._per_tick = per_tick
        self._epoch = epoch
        self._clock = clock if callable(clock) else time.time
        self._last = 0
        self._lock = threading.Lock()

    def _floor(self) -> int:
        tick = int((self._clock() - self._epoch) / self._tick_seconds)  # type: ignore[operator]
        return max(tick, 0) * self._per_tick + 1

    def next(self) -> int:
        with self._lock:
            value = max(self._last + 1, self._floor())
            if value > self.max_value:
                raise OverflowError("client order id space exhausted; reconfigure the epoch")
            self._last = value
            return value

    def next_str(self) -> str:
        return str(self.next())

    def is_valid(self, value: int) -> bool:
        return 1 <= value <= self.max_value


_STRING_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


class StringIds:
    """Ids like ``pdx-<ms base36>-<counter base36>-<random>``, ≤ ``max_len`` characters, in
    Aster's/Binance's allowed alphabet. Time-ordered, with randomness so that two processes
    on one account do not collide either."""

    def __init__(self, prefix: str = "pdx", max_len: int = 36) -> None:
        if not _STRING_ID.match(prefix) or len(prefix) > 8:
            raise ValueError("prefix must be ≤8 chars of [.A-Z:/a-z0-9_-]")
        self._prefix = prefix
        self._max_len = max_len
        self._ints = TimeOrderedIntIds(bits=63, tick_seconds=0.001, per_tick=1000)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            n = self._ints.next()
        value = f"{self._prefix}-{_base36(n)}-{secrets.token_hex(4)}"
        return value[: self._max_len]

    def is_valid(self, value: str) -> bool:
        return bool(_STRING_ID.match(value)) and len(value) <= self._max_len


class HexIds:
    """``0x`` + 32 hex digits (Hyperliquid cloid): 64 time-ordered bits + 64 random bits."""

    def __init__(self) -> None:
        self._ints = TimeOrderedIntIds(bits=64, tick_seconds=0.001, per_tick=1000)

    def next(self) -> str:
        return f"0x{self._ints.next():016x}{secrets.randbits(64):016x}"

    @staticmethod
    def is_valid(value: str) -> bool:
        return bool(re.fullmatch(r"0x[0-9a-fA-F]{32}", value))


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out
