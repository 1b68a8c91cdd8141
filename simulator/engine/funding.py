"""Funding: a seeded rate per market per venue, settled at the venue's interval or accrued.

* ``RateModel`` produces the 8h-equivalent rate at each price step: the scenario's mean (fixed
  or a keyframe schedule, so that venues can be made to disagree for hours and converge) plus
  OU noise, unless the control API pinned it (``override``).
* The rate a venue quotes is per *its* interval: ``rate = rate_8h × interval / 8h``, clamped to
  the market's cap.
* INTERVAL markets (hourly, 4h, 8h) settle at every multiple of the interval since the epoch,
  at the time-weighted average rate over the interval and the current mark.
* CONTINUOUS markets (Paradex) pay at every price step, on the position held at that step, at
  ``rate per period × step / period``; payments are recorded once per hour per position (and when
  the position closes), and a funding record is kept hourly.

A payment is ``−size × mark × rate`` (longs pay a positive rate), rounded to a cash unit; the
house takes the other side of every payment, so the ledger stays exact.
"""

from __future__ import annotations

import itertools
import math
import random
from typing import TYPE_CHECKING

from simulator.engine.accounts import Account, FundingPayment, Position
from simulator.engine.events import FundingEvent
from simulator.engine.market import FundingRecord, FundingStyle, Market
from simulator.engine.params import FundingSpec
from simulator.engine.units import RATE_SCALE, div_round

if TYPE_CHECKING:
    from simulator.engine.engine import Engine

__all__ = ["RateModel", "EIGHT_HOURS_MS", "per_interval", "settle_interval", "accrue_continuous",
           "record_continuous", "record_pending"]

EIGHT_HOURS_MS = 8 * 3_600_000


class RateModel:
    __slots__ = ("keyframes", "base", "noise", "tau_ms", "x", "rng", "start_ms", "override", "_decay")

    def __init__(self, spec: FundingSpec, seed: int, venue: str, symbol: str, start_ms: int) -> None:
        self.keyframes = sorted((int(k.at * 1000), float(k.rate_8h)) for k in spec.schedule)
        self.base = float(spec.rate_8h)
        self.noise = float(spec.noise_8h)
        self.tau_ms = spec.reversion_hours * 3_600_000
        self.x = 0.0
        self.rng = random.Random(f"{seed}:{venue}:{symbol}:funding")
        self.start_ms = start_ms
        self.override: int | None = None
        self._decay: tuple[int, float, float] = (0, 1.0, 0.0)   # (dt, decay, noise scale) cache

    def mean(self, t_ms: int) -> float:
        frames = self.keyframes
        if not frames:
            return self.base
        t = t_ms - self.start_ms
        if t <= frames[0][0]:
            return frames[0][1]
        for (t0, r0), (t1, r1) in itertools.pairwise(frames):
            if t <= t1:
                return r0 + (r1 - r0) * (t - t0) / (t1 - t0) if t1 > t0 else r1
        return frames[-1][1]

    def step(self, t_ms: int, dt_ms: int) -> int:
        """The 8h-equivalent rate at ``t_ms`` as an integer over RATE_SCALE."""
        if self.noise and dt_ms > 0:
            cached_dt, decay, scale = self._decay
            if cached_dt != dt_ms:
                decay = math.exp(-dt_ms / self.tau_ms)
                scale = self.noise * math.sqrt(1.0 - decay * decay)
                self._decay = (dt_ms, decay, scale)
            self.x = self.x * decay + scale * self.rng.gauss(0.0, 1.0)
        if self.override is not None:
            return self.override
        return round((self.mean(t_ms) + self.x) * RATE_SCALE)


def per_interval(m: Market, rate_8h_num: int) -> int:
    """The rate a venue quotes (per interval, or per period when continuous), clamped."""
    rate = rate_8h_num * m.period_ms // EIGHT_HOURS_MS
    return max(-m.cap_num, min(m.cap_num, rate))


def _pay(engine: Engine, acct: Account, pos: Position, amount: int) -> None:
    acct.cash += amount
    acct.funding_cash += amount
    pos.funding += amount
    engine.house_funding -= amount


def _payment_record(engine: Engine, acct: Account, pos: Position, market_ms: int, rate: int,
                    amount: int) -> None:
    m = pos.market
    payment = FundingPayment(acct.id, m, market_ms, rate, m.mark_ticks, pos.size, amount, engine.wall_ms())
    acct.funding_payments.append(payment)
    if engine.bus.listeners(FundingPayment):
        engine._pending.append(payment)


def _market_record(engine: Engine, m: Market, market_ms: int, rate: int) -> None:
    rate_8h = rate * EIGHT_HOURS_MS // m.period_ms
    record = FundingRecord(m, market_ms, rate, rate_8h, m.mark_ticks)
    m.funding_history.append(record)
    if engine.bus.listeners(FundingEvent):
        engine._pending.append(FundingEvent(record))


def settle_interval(engine: Engine, m: Market, market_ms: int) -> None:
    """Settle one funding interval of an INTERVAL market at its boundary."""
    rate = m.accum // m.accum_ms if m.accum_ms else m.rate_num
    rate = max(-m.cap_num, min(m.cap_num, rate))
    px = m.mark_ticks * m.unit
    for acct_id, pos in list(m.holders.items()):
        acct = engine.accounts[acct_id]
        amount = div_round(-pos.size * px * rate, RATE_SCALE)
        _pay(engine, acct, pos, amount)
        _payment_record(engine, acct, pos, market_ms, rate, amount)
    _market_record(engine, m, market_ms, rate)
    m.accum = m.accum_ms = 0


def accrue_continuous(engine: Engine, m: Market, dt_ms: int) -> None:
    """One price step of continuous accrual on the positions held now."""
    rate = m.rate_num
    px = m.mark_ticks * m.unit
    m.funding_index += px * rate * dt_ms // m.period_ms
    if not rate:
        return
    denominator = RATE_SCALE * m.period_ms
    for acct_id, pos in m.holders.items():
        amount = div_round(-pos.size * px * rate * dt_ms, denominator)
        if amount:
            _pay(engine, engine.accounts[acct_id], pos, amount)
            pos.funding_pending += amount


def record_continuous(engine: Engine, m: Market, market_ms: int) -> None:
    """Hourly: one payment record per position with accrued funding, one market record."""
    rate = m.accum // m.accum_ms if m.accum_ms else m.rate_num
    for acct_id, pos in m.holders.items():
        record_pending(engine, engine.accounts[acct_id], pos, market_ms, rate)
    _market_record(engine, m, market_ms, rate)
    m.accum = m.accum_ms = 0


def record_pending(engine: Engine, acct: Account, pos: Position, market_ms: int, rate: int) -> None:
    if pos.funding_pending:
        _payment_record(engine, acct, pos, market_ms, rate, pos.funding_pending)
        pos.funding_pending = 0


def is_continuous(m: Market) -> bool:
    return m.funding_style is FundingStyle.CONTINUOUS
