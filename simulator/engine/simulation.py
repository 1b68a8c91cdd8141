"""``Simulation``: the engines of several venues on one clock, built from one scenario.

Market time is shared: advancing time (control API, tests) advances every venue, and the
index of an underlying follows the same seeded path on every venue. ``run()`` is the driver
task used when serving: it brings every engine up to the clock's market time a few times per
second. With ``manual=True`` the clock only moves through ``advance()``.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from helpers.unified_logger import get_logger
from simulator.engine.catalog import default_markets
from simulator.engine.clock import SimClock
from simulator.engine.core import EngineConfig
from simulator.engine.engine import Engine
from simulator.engine.orders import EngineError, OrderType, TimeInForce
from simulator.engine.scenario import MarketProvider, Scenario
from simulator.engine.units import CASH_SCALE

__all__ = ["Simulation"]

_log = get_logger("simulation", venue="sim")


class Simulation:
    def __init__(self, scenario: Scenario, venues: list[str], *, speed: float | None = None,
                 manual: bool = False, start_ms: int | None = None,
                 providers: dict[str, MarketProvider] | None = None,
                 configs: dict[str, EngineConfig] | None = None) -> None:
        self.scenario = scenario
        speed = speed or scenario.clock.speed
        if start_ms is None and scenario.clock.start is not None:
            start_ms = int(scenario.clock.start.timestamp() * 1000)
        self.clock = SimClock(speed=speed, start_ms=start_ms, manual=manual)
        self.engines: dict[str, Engine] = {}
        for venue in venues:
            provider = (providers or {}).get(venue, default_markets)
            specs = scenario.market_specs(venue, provider)
            params = scenario.engine_params(venue, [s.symbol for s in specs], speed=speed,
                                            start_ms=self.clock.start_ms)
            config = (configs or {}).get(venue) or scenario.engine_config(venue)
            self.engines[venue] = Engine(venue, specs, params, config, wall_ms=self.clock.wall_ms)
        self._seed_traders()
        self._task: asyncio.Task[None] | None = None

    def engine(self, venue: str) -> Engine:
        try:
            return self.engines[venue]
        except KeyError:
            raise KeyError(f"venue {venue!r} is not simulated (have: {', '.join(self.engines)})") from None

    # -- time ---------------------------------------------------------------------------------
    def sync(self) -> None:
        """Bring every engine up to the clock's market time."""
        target = self.clock.market_ms()
        for engine in self.engines.values():
            engine.advance_to(target)

    def advance(self, seconds: float) -> int:
        """Move market time forward by ``seconds`` on every venue; returns the new market time."""
        target = self.clock.advance(seconds)
        for engine in self.engines.values():
            engine.advance_to(target)
        return target

    async def run(self, interval: float = 0.1) -> None:
        """Driver loop (a task while serving). A failing step is logged and the loop goes on."""
        while True:
            try:
                self.sync()
            except Exception:  # noqa: BLE001 — one bad step must not stop every venue's clock; logged
                _log.exception("simulation step failed")
            await asyncio.sleep(interval)

    def start(self, interval: float = 0.1) -> None:
        if self._task is None and not self.clock.manual:
            self._task = asyncio.get_running_loop().create_task(self.run(interval), name="sim-driver")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise

    # -- control ------------------------------------------------------------------------------
    def move_price(self, symbol: str, *, price: Decimal | None = None, pct: Decimal | None = None,
                   venues: list[str] | None = None) -> None:
        """Set (``price``, per underlying unit) or move (``pct``) an index on several venues."""
        for name in venues or list(self.engines):
            engine = self.engine(name)
            if symbol not in engine.paths:
                continue
            if price is not None:
                engine.set_index(symbol, price)
            elif pct is not None:
                engine.move_index(symbol, pct)

    def _seed_traders(self) -> None:
        for spec in self.scenario.traders:
            for venue, engine in self.engines.items():
                if (spec.venues and venue not in spec.venues) or spec.symbol not in engine.by_symbol:
                    continue
                m = engine.market(spec.symbol)
                for i in range(spec.count):
                    acct = engine.create_account(spec.usd, label=f"trader-{spec.symbol}-{spec.side}-{i}")
                    leverage = min(int(spec.leverage), int(m.max_leverage))
                    engine.set_leverage(acct.id, m.id, leverage)
                    notional = int(spec.usd * leverage * CASH_SCALE) * 9 // 10
                    lots = max(m.min_lots, notional // (m.mark_ticks * m.unit))
                    try:
                        engine.submit(acct.id, m.id, 1 if spec.side == "long" else -1, lots,
                                      order_type=OrderType.MARKET, tif=TimeInForce.IOC)
                    except EngineError as exc:
                        _log.warning("seeded trader on %s %s refused: %s", venue, spec.symbol, exc)
