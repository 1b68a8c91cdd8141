"""Test kit for the grid on simulated venues, through the real clients.

``GridEnv`` is one funded simulator account on one venue: it builds grid configs and
strategies (a fresh client each, as a new process would), moves the ETH index, and reads the
account's position and resting orders straight from the engine — an observer independent of
the strategy's own bookkeeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from database import Database
from exchange_clients.registry import config_model, create_client
from helpers.time import from_ms
from simulator.engine import Engine
from simulator.engine.params import TakerSpec
from simulator.engine.scenario import Scenario, load_scenario
from simulator.testing import RunningSimulator
from strategies.grid import GridConfig, GridStrategy

D = Decimal
SYMBOL = "ETH"


def calm_scenario() -> Scenario:
    """The default world without random walk or taker flow: prices move only when a test
    moves them, so every fill is one the test caused."""
    base = load_scenario("default")
    prices = {s: p.model_copy(update={"volatility": 0.0}) for s, p in base.prices.items()}
    return base.model_copy(update={"prices": prices, "takers": TakerSpec(orders_per_minute=0.0)})


@dataclass
class GridEnv:
    sim: RunningSimulator
    venue: str
    account_id: Any
    credentials: dict[str, Any] = field(repr=False)

    @property
    def engine(self) -> Engine:
        return self.sim.engine(self.venue)

    def clock(self) -> datetime:
        return from_ms(self.sim.simulation.clock.market_ms())

    def client(self) -> Any:
        urls = self.sim.urls(self.venue)
        config = config_model(self.venue).model_validate({
            **self.credentials, "rest_url": urls["rest"], "ws_url": urls["ws"],
            "rate_limit_tier": "unlimited", "ws_stale_after": 60})
        return create_client(self.venue, config)

    def config(self, **changes: Any) -> GridConfig:
        base: dict[str, Any] = {
            "venue": self.venue, "account": f"sim-{self.venue}-{self.account_id}", "symbol": SYMBOL,
            "direction": "long", "order_notional_usd": "250", "take_profit_pct": "0.2",
            "grid_step_pct": "0.05", "max_close_orders": 3, "reprice_bps": "5",
            "open_timeout_seconds": 3600, "check_interval_seconds": 1}
        return GridConfig.model_validate({**base, **changes})

    def strategy(self, db: Database, config: GridConfig | None = None) -> GridStrategy:
        return GridStrategy(config or self.config(), client=self.client(), db=db, clock=self.clock)

    # ---- the market -------------------------------------------------------------------

    def mid(self) -> Decimal:
        stats = self.engine.market_stats(SYMBOL)
        return (Decimal(stats.best_bid) + Decimal(stats.best_ask)) / 2

    def move(self, pct: str | Decimal) -> None:
        """Move the ETH index by ``pct`` percent; the makers re-quote at once and resting
        orders the new quotes cross are filled."""
        self.engine.move_index(SYMBOL, D(pct))
        self.sim.advance(1)

    # ---- the account, from the engine -------------------------------------------------

    def position(self) -> Decimal:
        market = self.engine.market(SYMBOL)
        for pos in self.engine.account_state(self.account_id).positions:
            if pos.market_id == market.id:
                return Decimal(pos.size) * market.multiplier
        return D(0)

    def resting(self) -> list[Any]:
        market = self.engine.market(SYMBOL)
        return [o for o in self.engine.open_orders(self.account_id) if o.market is market]

    def take_profits(self) -> list[tuple[Decimal, Decimal]]:
        """(price, remaining) of the resting reduce-only orders, sorted."""
        return sorted((Decimal(o.price), Decimal(o.remaining)) for o in self.resting() if o.reduce_only)

    def opens(self) -> list[Any]:
        return [o for o in self.resting() if not o.reduce_only]

    def fills(self) -> list[Any]:
        return list(self.engine.fills(self.account_id, SYMBOL))

    def equity_change(self) -> Decimal:
        view = self.engine.account_state(self.account_id)
        return Decimal(view.equity) - Decimal(view.deposits)

    def assert_never_overcovered(self) -> None:
        """The venue never holds more take-profit than position: no duplicate close order."""
        covered = sum((remaining for _, remaining in self.take_profits()), D(0))
        assert covered <= abs(self.position()), (
            f"take-profits {self.take_profits()} exceed the position {self.position()}")


async def new_env(sim: RunningSimulator, venue: str, usd: Decimal = D(100_000)) -> GridEnv:
    created = sim.venue(venue).create_account(usd, "grid-test")
    return GridEnv(sim, venue, created["account_id"], created["credentials"])


async def synced(env: GridEnv, client: Any, timeout: float = 5.0) -> None:
    """Wait until ``client``'s book shows the engine's touch (feeds batch for up to 100 ms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        stats = env.engine.market_stats(SYMBOL)
        bbo = await client.fetch_bbo_prices(SYMBOL)
        if bbo.bid == stats.best_bid and bbo.ask == stats.best_ask:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{env.venue} book still at {bbo.bid}/{bbo.ask}, engine at "
                                 f"{stats.best_bid}/{stats.best_ask}")
        await asyncio.sleep(0.005)


def pacer(env: GridEnv, moves: list[str], client: Any, *,
          after: Callable[[], None] | None = None) -> Callable[[], Awaitable[None]]:
    """A runner ``pace``: the next move of ``moves`` (then none), a market second, the client's
    book caught up; ``after`` runs once the move is applied (invariant checks)."""
    queue = list(moves)

    async def pace() -> None:
        if queue:
            env.move(queue.pop(0))
        else:
            env.sim.advance(1)
        await asyncio.sleep(0)
        await synced(env, client)
        if after is not None:
            after()

    return pace


async def started(strategy: GridStrategy) -> GridStrategy:
    """Start and reconcile outside a runner (tests that drive each check themselves)."""
    await strategy.start()
    await strategy.reconcile()
    assert strategy.blocked is None
    return strategy


async def checks(strategy: GridStrategy, env: GridEnv, moves: list[str]) -> None:
    """One check, then the move, for each move (the client's book caught up each time)."""
    for move in moves:
        await strategy.step()
        env.move(move)
        await synced(env, strategy.client)


def pct_of(price: Decimal, pct: str) -> Decimal:
    return (price * (1 + D(pct) / 100)).quantize(D("0.01"))
