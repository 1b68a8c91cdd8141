"""Engine agents: market makers that quote a ladder around the fair price, and takers.

Market makers re-quote a market at every price step when someone can see it (a venue module
streams its book: ``Engine.watch``; or a client order rests in it), and lazily otherwise: a
market whose quotes are stale is re-quoted before any order, snapshot or liquidation touches
it. Since the ladder is a function of the fair price only, lazy and eager quoting give the same
fills. A re-quote keeps every order whose price and size are unchanged (no book churn when the
price did not move), cancels the rest and places the missing levels as GTC limit orders, which
trade against any client order the new quotes cross (that is how a resting client order gets
filled when the market moves through it).
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from helpers.unified_logger import get_logger
from simulator.engine.accounts import Account
from simulator.engine.market import Market, MarketStatus
from simulator.engine.orders import CloseReason, EngineError, Order, OrderType, TimeInForce
from simulator.engine.params import LiquiditySpec, TakerSpec
from simulator.engine.units import CASH_SCALE

if TYPE_CHECKING:
    from simulator.engine.engine import Engine

__all__ = ["MarketMaker", "Takers"]

_BPS_SCALE = 1_000_000   # bps stored as integer millionths of 1 (i.e. bps * 100)


class MarketMaker:
    def __init__(self, engine: Engine, spec: LiquiditySpec, account: Account) -> None:
        self.engine = engine
        self.account = account
        self.levels = spec.levels
        self.half_num = int(spec.half_spread_bps * 100)
        self.step_num = int(spec.level_step_bps * 100)
        self.sizes_cash = [int(spec.level_size_usd * spec.size_growth ** i * CASH_SCALE)
                           for i in range(spec.levels)]
        self.quotes: dict[int, list[Order]] = {}

    def ladder(self, m: Market) -> list[tuple[int, int, int]]:
        """Target quotes ``(side, price_ticks, lots)``, best first on each side."""
        fair = m.fair_ticks
        if fair <= 0:
            return []
        half = max(1, fair * self.half_num // _BPS_SCALE)
        gap = max(1, fair * self.step_num // _BPS_SCALE)
        unit = m.unit
        target = []
        for i, size_cash in enumerate(self.sizes_cash):
            for side in (1, -1):
                price = fair - side * (half + i * gap)
                if price <= 0:
                    continue
                target.append((side, price, max(m.min_lots, size_cash // (price * unit))))
        return target

    def top(self, m: Market) -> tuple[int | None, int | None]:
        """Best bid and ask the ladder would quote now (no orders placed)."""
        fair = m.fair_ticks
        if fair <= 0:
            return None, None
        half = max(1, fair * self.half_num // _BPS_SCALE)
        return (fair - half if fair - half > 0 else None), fair + half

    def refresh(self, m: Market) -> None:
        m.quotes_stale = False
        engine = self.engine
        current = self.quotes.get(m.id, [])
        if m.status is not MarketStatus.OPEN:
            return
        target = self.ladder(m)
        wanted = {(side, price): lots for side, price, lots in target}
        kept: list[Order] = []
        now = engine.wall_ms()
        for order in current:
            if not order.live:
                continue
            if wanted.get((order.side, order.price_ticks)) == order.remaining_lots:
                del wanted[(order.side, order.price_ticks)]
                kept.append(order)
            else:
                engine._cancel_live(order, CloseReason.REPLACED, now)
        for side, price, lots in target:
            if (side, price) in wanted:
                order = engine.place_agent_order(self.account, m, side, lots, price)
                if order.live:
                    kept.append(order)
        self.quotes[m.id] = kept

    def withdraw(self, m: Market) -> None:
        now = self.engine.wall_ms()
        for order in self.quotes.pop(m.id, []):
            if order.live:
                self.engine._cancel_live(order, CloseReason.MARKET_CLOSED, now)


class Takers:
    """Poisson arrivals of market orders of random side and USD size on every open market."""

    def __init__(self, engine: Engine, spec: TakerSpec, account: Account, seed: int) -> None:
        self.engine = engine
        self.account = account
        self.rate_per_ms = spec.orders_per_minute / 60_000.0
        self.min_usd = float(spec.min_usd)
        self.max_usd = float(spec.max_usd)
        self.rng = random.Random(f"{seed}:{engine.venue}:takers")
        self.rejected = 0
        self._log = get_logger("engine.takers", venue=engine.venue)

    def _count(self, lam: float) -> int:
        if lam > 30:     # normal approximation keeps Knuth's method from looping for long
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def act(self, dt_ms: int) -> None:
        """Orders arriving in ``dt_ms``: one Poisson draw for all markets (each uniformly likely)."""
        if not self.rate_per_ms:
            return
        engine = self.engine
        markets = list(engine.markets.values())
        rng = self.rng
        for _ in range(self._count(self.rate_per_ms * dt_ms * len(markets))):
            m = markets[rng.randrange(len(markets))]
            side = 1 if rng.random() < 0.5 else -1
            usd = rng.uniform(self.min_usd, self.max_usd)
            if m.status is not MarketStatus.OPEN or m.mark_ticks <= 0:
                continue
            lots = max(m.min_lots, int(usd * CASH_SCALE) // (m.mark_ticks * m.unit))
            try:
                engine.submit(self.account.id, m.id, side, lots, 0, order_type=OrderType.MARKET,
                              tif=TimeInForce.IOC)
            except EngineError as exc:   # e.g. the book is one-sided: count and go on
                self.rejected += 1
                self._log.debug("taker order refused on %s: %s", m.symbol, exc)
