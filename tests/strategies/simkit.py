"""Test kit for strategies on simulated venues, through the real clients.

* :func:`open_client` — a funded simulator account and a connected client for it;
* :class:`Counterparty` — an engine account that trades against our resting orders, so a
  maker fill happens exactly when and as large as a test wants;
* :class:`ExposureObserver` — an *independent* record of the net position of two accounts,
  taken from the simulator engines' own fill events (not from the executor's bookkeeping),
  with the bound/time assertion every execution test makes;
* :class:`MarketDriver` — moves market time in small steps in the background (manual clock).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.registry import config_model, create_client, supported_exchanges
from simulator.engine import Engine
from simulator.engine import Fill as EngineFill
from simulator.engine import TimeInForce as EngineTIF
from simulator.testing import RunningSimulator
from simulator.venues import registered_venues

D = Decimal


def client_venues() -> list[str]:
    """Venues with both a simulator module and a client package, today."""
    return sorted(set(supported_exchanges()) & set(registered_venues()))


@dataclass
class SimAccount:
    venue: str
    account_id: Any
    client: BaseExchangeClient
    engine: Engine

    def position(self, symbol: str) -> Decimal:
        """Signed position in normalised units, straight from the engine."""
        market = self.engine.market(symbol)
        for pos in self.engine.account_state(self.account_id).positions:
            if pos.market_id == market.id:
                return Decimal(pos.size) * market.multiplier
        return D(0)

    def equity(self) -> Decimal:
        return Decimal(self.engine.account_state(self.account_id).equity)


async def open_client(sim: RunningSimulator, venue: str, usd: Decimal = D(100_000)) -> SimAccount:
    created = sim.venue(venue).create_account(usd, None)
    urls = sim.urls(venue)
    config = config_model(venue).model_validate({
        **created["credentials"], "rest_url": urls["rest"], "ws_url": urls["ws"],
        "rate_limit_tier": "unlimited", "ws_stale_after": 60})
    client = create_client(venue, config)
    await client.connect()
    return SimAccount(venue, created["account_id"], client, sim.engine(venue))


class Counterparty:
    """Trades against our resting orders on one venue, at their price."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.account = engine.create_account(D(10**9))

    def resting(self, account_id: Any, symbol: str) -> list[Any]:
        market = self.engine.market(symbol)
        return [o for o in self.engine.open_orders(account_id) if o.market is market]

    def hit(self, account_id: Any, symbol: str, quantity: Decimal) -> Decimal:
        """Fill up to ``quantity`` (normalised units) of ``account_id``'s resting order(s)."""
        orders = self.resting(account_id, symbol)
        if not orders:
            return D(0)
        order = orders[0]
        market = self.engine.market(symbol)
        contracts = quantity / market.multiplier
        sub = self.engine.submit_order(self.account.id, symbol, -int(order.side), contracts, order.price,
                                       tif=EngineTIF.IOC)
        return sum((Decimal(f.size) for f in sub.fills if f.account_id == self.account.id), D(0)) \
            * market.multiplier

    async def wait_resting(self, account_id: Any, symbol: str, timeout: float = 10.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            orders = self.resting(account_id, symbol)
            if orders:
                return orders
            await asyncio.sleep(0.01)
        raise AssertionError(f"no resting order of {account_id} on {self.engine.venue}:{symbol}")

    async def hit_when_resting(self, account_id: Any, symbol: str, quantity: Decimal,
                               timeout: float = 10.0) -> Decimal:
        await self.wait_resting(account_id, symbol, timeout)
        return self.hit(account_id, symbol, quantity)


@dataclass
class ExposureObserver:
    """Net position of (long account, short account) over wall time, from engine fills.

    ``net`` is long-venue position + short-venue position (signed), so a hedged pair nets to
    zero whichever leg is long. Times are ``time.monotonic()``."""

    legs: list[SimAccount]
    symbol: str
    samples: list[tuple[float, Decimal]] = field(default_factory=list)
    notionals: list[Decimal] = field(default_factory=list)
    _positions: dict[str, Decimal] = field(default_factory=dict)
    _unsubscribe: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for leg in self.legs:
            self._positions[leg.venue + str(leg.account_id)] = leg.position(self.symbol)
        self.samples.append((time.monotonic(), self.net))

    def start(self) -> ExposureObserver:
        for leg in self.legs:
            market = leg.engine.market(self.symbol)

            def on_fill(fill: EngineFill, leg: SimAccount = leg, market: Any = market) -> None:
                if fill.account_id != leg.account_id or fill.market is not market:
                    return
                key = leg.venue + str(leg.account_id)
                self._positions[key] += fill.size * int(fill.side) * market.multiplier
                self.samples.append((time.monotonic(), self.net))
                # valued at the trade's own price (per underlying unit)
                self.notionals.append(abs(self.net) * fill.price / market.multiplier)

            self._unsubscribe.append(leg.engine.bus.subscribe(EngineFill, on_fill))
        return self

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self.samples.append((time.monotonic(), self.net))

    @property
    def net(self) -> Decimal:
        return sum(self._positions.values(), D(0))

    def worst(self) -> Decimal:
        return max(abs(n) for _, n in self.samples)

    def longest_unhedged(self) -> float:
        """Longest stretch of wall time with a non-zero net position."""
        longest, since = 0.0, None
        for t, net in self.samples:
            if net != 0 and since is None:
                since = t
            elif net == 0 and since is not None:
                longest, since = max(longest, t - since), None
        if since is not None:
            longest = max(longest, self.samples[-1][0] - since)
        return longest

    def assert_bounded(self, max_notional: Decimal, max_seconds: float) -> None:
        worst = max(self.notionals, default=Decimal(0))
        assert worst <= max_notional, f"unhedged notional reached {worst} > {max_notional}"
        assert self.longest_unhedged() <= max_seconds, (
            f"unhedged for {self.longest_unhedged():.2f}s > {max_seconds}s")


class MarketDriver:
    """Advances market time by ``step`` seconds every ``every`` wall seconds until stopped."""

    def __init__(self, sim: RunningSimulator, step: float = 1.0, every: float = 0.02) -> None:
        self.sim, self.step, self.every = sim, step, every
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.sim.advance(self.step)
            await asyncio.sleep(self.every)

    async def __aenter__(self) -> MarketDriver:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def control(sim: RunningSimulator, venue: str, method: str, path: str,
                  body: dict[str, Any] | None = None) -> Any:
    url = sim.urls(venue)["control"].rstrip("/") + path
    async with aiohttp.ClientSession() as session, session.request(method, url, json=body) as resp:
        resp.raise_for_status()
        return await resp.json()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")
