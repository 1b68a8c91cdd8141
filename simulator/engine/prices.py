"""Seeded index paths and the mark price.

The random walk is a model, so it runs on floats; every price the engine uses is the nearest
integer tick of it. Paths are seeded per *underlying* (not per venue), so every venue started
from one scenario sees the same index, as real venues see the same spot index.

An optional sine swing (``PriceSpec.swing_pct`` over ``swing_period``) multiplies the walk:
the index oscillates around the walk's level, a range-bound market on demand. Without a swing
the factor is exactly 1.0, so existing scenarios produce the same paths as before.
"""

from __future__ import annotations

import math
import random

from simulator.engine.params import PriceSpec

__all__ = ["PricePath", "median3"]

_YEAR_S = 365.0 * 86400.0
_TAU = 2.0 * math.pi


class PricePath:
    __slots__ = ("symbol", "walk", "drift", "vol", "rng", "swing", "period_s", "elapsed_s")

    def __init__(self, symbol: str, spec: PriceSpec, seed: int) -> None:
        self.symbol = symbol
        self.walk = float(spec.start)          # the random walk, before the swing
        self.drift = spec.drift
        self.vol = spec.volatility
        self.rng = random.Random(f"{seed}:{symbol}:index")
        self.swing = spec.swing_pct / 100.0
        self.period_s = spec.swing_period
        self.elapsed_s = 0.0

    def _factor(self) -> float:
        if not self.swing:
            return 1.0
        return 1.0 + self.swing * math.sin(_TAU * self.elapsed_s / self.period_s)

    @property
    def level(self) -> float:
        return self.walk * self._factor()

    @level.setter
    def level(self, value: float) -> None:
        # the index is pinned at ``value`` now; the swing continues around it
        self.walk = value / self._factor()

    def step(self, dt_s: float) -> float:
        dt = dt_s / _YEAR_S
        z = self.rng.gauss(0.0, 1.0)
        self.walk *= math.exp((self.drift - 0.5 * self.vol * self.vol) * dt + self.vol * math.sqrt(dt) * z)
        self.elapsed_s += dt_s
        return self.level

    def jump(self, factor: float) -> None:
        self.walk *= factor


def median3(a: int, b: int, c: int) -> int:
    if a > b:
        a, b = b, a
    if b > c:
        b = c
    return a if a > b else b
