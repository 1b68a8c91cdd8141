"""Weighted token-bucket rate limiting, several windows per venue, Retry-After aware.

A venue declares its limits as windows (``capacity`` weight per ``period`` seconds; e.g. Aster
2400 weight / 60 s plus 1200 orders / 60 s, Lighter standard 60 / 60 s). ``acquire(weight)``
waits until every window has the tokens, then takes them. Requests are served in arrival
order (one waiter at a time), so a heavy request is not starved by a stream of light ones.

After a 429, :meth:`RateLimiter.penalize` blocks all requests until the ``Retry-After``
deadline (or an exponential backoff when the venue sent none) and halves the refill rate;
the rate recovers linearly over ``recovery_seconds``. A venue's own usage report (Aster's
``X-MBX-USED-WEIGHT-1M``) is reconciled with :meth:`observe_used`. If a wait would exceed
``max_wait`` the call raises :class:`RateLimitError` rather than stall a strategy silently.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from exchange_clients.errors import RateLimitError

__all__ = ["RateLimiter", "Window", "RateLimitUsage"]


@dataclass
class Window:
    capacity: float
    period: float
    name: str = ""
    tokens: float = field(init=False)
    updated: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if self.capacity <= 0 or self.period <= 0:
            raise ValueError("capacity and period must be positive")
        self.tokens = self.capacity

    def refill(self, now: float, rate_factor: float) -> None:
        elapsed = max(now - self.updated, 0.0)
        self.tokens = min(self.capacity,
                          self.tokens + elapsed * self.capacity / self.period * rate_factor)
        self.updated = now

    def wait_for(self, weight: float, rate_factor: float) -> float:
        missing = weight - self.tokens
        if missing <= 0:
            return 0.0
        return missing * self.period / (self.capacity * rate_factor)


@dataclass(frozen=True)
class RateLimitUsage:
    windows: dict[str, tuple[float, float]]   # name -> (used, capacity)
    waited_seconds: float
    penalties: int
    rate_factor: float
    blocked_for: float


class RateLimiter:
    def __init__(self, venue: str, windows: Sequence[tuple[float, float] | Window], *,
                 max_wait: float = 30.0, recovery_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.venue = venue
        self._windows = [w if isinstance(w, Window) else Window(*w) for w in windows]
        for i, w in enumerate(self._windows):
            w.name = w.name or f"{w.capacity:g}/{w.period:g}s#{i}"
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._recovery = recovery_seconds
        self._lock = asyncio.Lock()
        self._blocked_until = 0.0
        self._penalty_at = -1e18
        self._consecutive_penalties = 0
        self._penalties = 0
        self._waited = 0.0
        now = clock()
        for w in self._windows:
            w.updated = now

    def _rate_factor(self, now: float) -> float:
        since = now - self._penalty_at
        if since >= self._recovery:
            return 1.0
        return 0.5 + 0.5 * max(since, 0.0) / self._recovery

    async def acquire(self, weight: float = 1.0) -> float:
        """Take ``weight`` tokens from every window; returns the seconds waited."""
        if weight <= 0:
            return 0.0
        if any(weight > w.capacity for w in self._windows):
            raise ValueError(f"weight {weight} exceeds a window's capacity")
        async with self._lock:
            waited = 0.0
            while True:
                now = self._clock()
                factor = self._rate_factor(now)
                for w in self._windows:
                    w.refill(now, factor)
                delay = max([self._blocked_until - now] + [w.wait_for(weight, factor)
                                                             for w in self._windows])
                if delay <= 0:
                    for w in self._windows:
                        w.tokens -= weight
                    if waited == 0.0:
                        self._consecutive_penalties = 0 if now - self._penalty_at > self._recovery \
                            else self._consecutive_penalties
                    self._waited += waited
                    return waited
                if waited + delay > self._max_wait:
                    raise RateLimitError(self.venue, f"local rate limit: would wait {delay:.2f}s "
                                         f"(max {self._max_wait}s)", code="LOCAL_LIMIT",
                                         retry_after=delay)
                await self._sleep(delay)
                waited += delay

    def penalize(self, retry_after: float | None = None) -> float:
        """Record a 429: block until ``retry_after`` s from now (or an exponential backoff of
        1, 2, 4 … 60 s) and halve the rate. Returns the blocking duration."""
        now = self._clock()
        self._penalties += 1
        self._consecutive_penalties += 1
        if retry_after is None or retry_after <= 0:
            retry_after = min(2.0 ** (self._consecutive_penalties - 1), 60.0)
        self._blocked_until = max(self._blocked_until, now + retry_after)
        self._penalty_at = now
        for w in self._windows:
            w.refill(now, 1.0)
            w.tokens = min(w.tokens, 0.0)
        return retry_after

    def observe_used(self, used: float, window: int = 0) -> None:
        """Reconcile with the venue's own count of weight used in window ``window``."""
        w = self._windows[window]
        w.refill(self._clock(), self._rate_factor(self._clock()))
        w.tokens = min(w.tokens, w.capacity - used)

    def usage(self) -> RateLimitUsage:
        now = self._clock()
        factor = self._rate_factor(now)
        for w in self._windows:
            w.refill(now, factor)
        return RateLimitUsage(
            windows={w.name: (round(w.capacity - w.tokens, 6), w.capacity) for w in self._windows},
            waited_seconds=self._waited, penalties=self._penalties, rate_factor=factor,
            blocked_for=max(self._blocked_until - now, 0.0))
