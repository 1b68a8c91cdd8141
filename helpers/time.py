"""Timezone-aware UTC time helpers.

Every timestamp in perpdex is an aware ``datetime`` in UTC. Venues speak in seconds,
milliseconds or microseconds since the epoch; these helpers convert both ways without
ever producing a naive datetime (``datetime.utcnow()`` is banned by ruff's DTZ rules).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

__all__ = [
    "UTC", "utc_now", "from_seconds", "from_ms", "from_us", "to_ms", "to_us",
    "ensure_utc", "now_ms", "now_us", "monotonic",
]


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def now_ms() -> int:
    """Milliseconds since the epoch (wall clock)."""
    return time.time_ns() // 1_000_000


def now_us() -> int:
    """Microseconds since the epoch (wall clock)."""
    return time.time_ns() // 1_000


def monotonic() -> float:
    """Monotonic seconds, for measuring intervals (never for timestamps)."""
    return time.monotonic()


def from_seconds(value: float | int | str) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


def from_ms(value: int | str | float) -> datetime:
    ms = int(value)
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=(ms % 1000) * 1000)


def from_us(value: int | str | float) -> datetime:
    us = int(value)
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


def to_ms(dt: datetime) -> int:
    dt = ensure_utc(dt)
    return int(dt.timestamp()) * 1000 + dt.microsecond // 1000


def to_us(dt: datetime) -> int:
    dt = ensure_utc(dt)
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def ensure_utc(dt: datetime) -> datetime:
    """Return ``dt`` in UTC; a naive datetime is rejected rather than guessed at."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"naive datetime {dt!r}: perpdex timestamps must be timezone-aware")
    return dt.astimezone(UTC)
