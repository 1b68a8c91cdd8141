"""The simulation clock: wall time for what clients check in auth, market time for the model.

* ``wall_ms()`` is the real time (timestamps, signature windows, expiries, JWT lifetimes).
* ``market_ms()`` drives the price path and funding: it starts at ``start_ms`` and runs
  ``speed`` times faster than wall time (``speed=720``: one funding hour per 5 s), plus every
  explicit ``advance()``. A *manual* clock never moves by itself — tests advance it explicitly,
  so runs are deterministic.
"""

from __future__ import annotations

import time

__all__ = ["SimClock"]


class SimClock:
    def __init__(self, *, speed: float = 1.0, start_ms: int | None = None, manual: bool = False) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self.manual = manual
        self.start_ms = start_ms if start_ms is not None else self.wall_ms()
        self._offset_ms = 0
        self._t0 = time.monotonic()

    @staticmethod
    def wall_ms() -> int:
        return time.time_ns() // 1_000_000

    def market_ms(self) -> int:
        elapsed = 0 if self.manual else int((time.monotonic() - self._t0) * 1000 * self.speed)
        return self.start_ms + self._offset_ms + elapsed

    def advance(self, seconds: float) -> int:
        """Move market time forward by ``seconds``; returns the new market time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset_ms += int(seconds * 1000)
        return self.market_ms()

    def describe(self) -> dict[str, object]:
        return {"speed": self.speed, "manual": self.manual, "start_ms": self.start_ms,
                "market_ms": self.market_ms(), "wall_ms": self.wall_ms()}
