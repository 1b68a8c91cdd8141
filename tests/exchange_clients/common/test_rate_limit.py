from __future__ import annotations

import asyncio

import pytest

from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import RateLimitError


class FakeTime:
    """A clock that only moves when the limiter sleeps: waits are exact and instant."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def limiter(t: FakeTime, windows: list[tuple[float, float]], **kw: float) -> RateLimiter:
    return RateLimiter("v", windows, clock=t.clock, sleep=t.sleep, **kw)


async def test_burst_up_to_capacity_then_waits_for_refill() -> None:
    t = FakeTime()
    rl = limiter(t, [(10, 10.0)])  # 1 token/s
    for _ in range(10):
        assert await rl.acquire() == 0.0
    waited = await rl.acquire(2)
    assert waited == pytest.approx(2.0)


async def test_weights_are_charged_against_every_window() -> None:
    t = FakeTime()
    rl = limiter(t, [(100, 60.0), (5, 1.0)])
    for _ in range(5):
        await rl.acquire()
    await rl.acquire()  # the 5/s window is empty: wait 0.2 s
    assert t.sleeps == [pytest.approx(0.2)]
    used = rl.usage().windows
    # 6 taken, 0.2 s × 100/60 refilled meanwhile
    assert next(iter(used.values()))[0] == pytest.approx(6 - 0.2 * 100 / 60, abs=1e-3)


async def test_retry_after_blocks_everyone_until_the_deadline() -> None:
    t = FakeTime()
    rl = limiter(t, [(1000, 60.0)])
    assert rl.penalize(3.0) == 3.0
    waited = await rl.acquire()
    assert waited == pytest.approx(3.0)
    assert rl.usage().penalties == 1


async def test_penalty_without_retry_after_backs_off_exponentially() -> None:
    t = FakeTime()
    rl = limiter(t, [(1000, 60.0)])
    assert rl.penalize() == 1.0
    assert rl.penalize() == 2.0
    assert rl.penalize() == 4.0


async def test_rate_is_halved_after_429_and_recovers() -> None:
    t = FakeTime()
    rl = limiter(t, [(10, 10.0)], recovery_seconds=100.0)
    rl.penalize(0.001)
    assert rl.usage().rate_factor == pytest.approx(0.5, abs=0.01)
    t.now += 100
    assert rl.usage().rate_factor == 1.0


async def test_wait_beyond_max_wait_raises_typed_error() -> None:
    t = FakeTime()
    rl = limiter(t, [(1, 60.0)], max_wait=5.0)
    await rl.acquire()
    with pytest.raises(RateLimitError) as info:
        await rl.acquire()
    assert info.value.retry_after == pytest.approx(60.0)


async def test_venue_reported_usage_drains_local_tokens() -> None:
    t = FakeTime()
    rl = limiter(t, [(100, 60.0)])
    rl.observe_used(99)
    await rl.acquire()
    waited = await rl.acquire()
    assert waited > 0


async def test_requests_are_served_in_arrival_order() -> None:
    t = FakeTime()
    rl = limiter(t, [(1, 1.0)])
    order: list[int] = []

    async def req(i: int, w: float) -> None:
        await rl.acquire(w)
        order.append(i)

    await asyncio.gather(req(0, 1), req(1, 1), req(2, 1))
    assert order == [0, 1, 2]


def test_weight_above_capacity_is_a_programming_error() -> None:
    t = FakeTime()
    rl = limiter(t, [(5, 1.0)])
    with pytest.raises(ValueError):
        asyncio.run(rl.acquire(6))
