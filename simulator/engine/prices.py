"""Seeded index paths and the mark price.

The random walk is a model, so it runs on floats; every price the engine uses is the nearest
integer tick of it. Paths are seeded per *underlying* (not per venue), so every venue started
from one scenario sees the same index, as real venues see the same spot index.
"""

from __future__ import annotations

import math
import random

from simulator.engine.params import PriceSpec

__all__ = ["PricePath", "median3"]

_YEAR_S = 365.0 * 86400.0


class PricePath:
    __slots__ = ("symbol", "level", "drift", "vol", "rng")

    def __init__(self, symbol: str, spec: PriceSpec, seed: int) -> None:
        self.symbol = symbol
        self.level = float(spec.start)
        self.drift = spec.drift
        self.vol = spec.volatility
        self.rng = random.Random(f"{seed}:{symbol}:index")

    def step(self, dt_s: float) -> float:
        dt = dt_s / _YEAR_S
        z = self.rng.gauss(0.0, 1.0)
        self.level *= math.exp((self.drift - 0.5 * self.vol * self.vol) * dt + self.vol * math.sqrt(dt) * z)
        return self.level

    def jump(self, factor: float) -> None:
        self.level *= factor


def median3(a: int, b: int, c: int) -> int:
    if a > b:
        a, b = b, a
    if b > c:
        b = c
    return a if a > b else b
