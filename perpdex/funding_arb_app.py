"""Wiring of ``perpdex run funding-arb``: venues (real or simulated), clients, database,
funding service, notifications, runner and the live view.

Real venues: each venue's client config is the stored account's
(``load_client_config(account, venue)``), the funding service uses the venues' public
endpoints, the database is ``--database-url``/``DATABASE_URL``/the embedded default.

``--sim``: the simulator is started in this process for the configured venues
(``perpdex/sim_venues.py``), an account per venue is created and funded there, its issued
credentials become the client configs, the strategy's clock is the simulator's market time,
and the database is a temporary one unless ``--database-url`` is given.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from database import Database, load_client_config
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.registry import config_model, create_client
from funding_rate_service import FundingService
from helpers.time import from_ms, utc_now
from strategies.funding_arbitrage import FundingArbConfig, FundingArbStrategy
from strategies.notifications import (
    Channel,
    LogChannel,
    NotificationDispatcher,
    Notifier,
    TelegramChannel,
)
from strategies.runner import RunSummary, StrategyRunner, config_record

__all__ = ["FundingArbSession", "open_session", "run_session"]


@dataclass
class FundingArbSession:
    config: FundingArbConfig
    db: Database
    strategy: FundingArbStrategy
    dispatcher: NotificationDispatcher
    check_interval: float
    simulated: Any | None = None            # perpdex.sim_venues.SimulatedVenues


_SimSetup = tuple[FundingArbConfig, dict[str, Any], dict[str, Any], Callable[[], datetime], Any]


async def _sim_setup(stack: AsyncExitStack, config: FundingArbConfig) -> _SimSetup:
    from perpdex.sim_venues import simulated_venues

    simulated = await stack.enter_async_context(
        simulated_venues(list(config.venues), config.sim.scenario, speed=config.sim.speed))
    client_configs: dict[str, Any] = {}
    venues: dict[str, dict[str, str]] = {}
    for venue in config.venues:
        created = simulated.server.servers[venue].create_account(config.sim.usd_per_account, f"{config.name}")
        client_configs[venue] = config_model(venue).model_validate(
            {**created["credentials"], **simulated.configs[venue]})
        venues[venue] = {"account": f"sim-{venue}-{created['account_id']}"}
    config = config.model_copy(update={"venues": {v: config.venues[v].model_copy(update=a)
                                                  for v, a in venues.items()}})
    clock = simulated.server.simulation.clock

    def market_time() -> datetime:
        return from_ms(clock.market_ms())

    return config, client_configs, dict(simulated.configs), market_time, simulated


async def open_session(stack: AsyncExitStack, config: FundingArbConfig, *, sim: bool,
                       database_url: str | None) -> FundingArbSession:
    """Everything the run needs, closed by ``stack`` (clients disconnected by the strategy)."""
    simulated = None
    clock: Callable[[], datetime] = utc_now
    if sim:
        config, client_configs, funding_configs, clock, simulated = await _sim_setup(stack, config)
        if database_url is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="perpdex-sim-"))
            database_url = f"sqlite+aiosqlite:///{tmp}/funding_arb.db"
    db = await stack.enter_async_context(Database(database_url))
    if not sim:
        client_configs = {venue: await load_client_config(account, venue, session_factory=db.sessions)
                          for venue, account in config.accounts().items()}
        funding_configs = dict.fromkeys(config.venues)
    clients: dict[str, BaseExchangeClient] = {v: create_client(v, c) for v, c in client_configs.items()}
    service = await FundingService.create(funding_configs, database=db)
    stack.push_async_callback(service.close)
    channels: list[Channel] = [LogChannel()]
    telegram = config.notifications.telegram
    if telegram is not None:
        channels.append(TelegramChannel(telegram.bot_token.get_secret_value(), telegram.chat_id,
                                        telegram.api_url))
    notifier = Notifier(db, [c.name for c in channels], source=config.name)
    strategy = FundingArbStrategy(config, clients=clients, db=db, service=service, notifier=notifier,
                                  clock=clock)
    interval = config.sim.check_interval_seconds if sim else config.check_interval_seconds
    return FundingArbSession(config, db, strategy, NotificationDispatcher(db, channels), interval, simulated)


async def run_session(session: FundingArbSession, *, console: Console, live: bool,
                      max_checks: int | None, until_closed: bool) -> RunSummary:
    from rich.live import Live

    from perpdex.funding_arb_view import render

    strategy = session.strategy
    runner = StrategyRunner(strategy, db=session.db, check_interval=session.check_interval,
                            dispatcher=session.dispatcher, install_signals=True,
                            config=config_record(session.config))
    until = (lambda: bool(strategy.closed)) if until_closed else None
    if not live:
        def tick(_: Any) -> None:
            for message in list(strategy.messages)[-3:]:
                console.print(message, markup=False, highlight=False)
            strategy.messages.clear()

        runner.on_tick = tick
        return await runner.run(max_steps=max_checks, until=until)
    with Live(get_renderable=lambda: render(strategy.snapshot()), console=console,
              refresh_per_second=2, transient=False):
        return await runner.run(max_steps=max_checks, until=until)


def load(path: Path) -> FundingArbConfig:
    from strategies.funding_arbitrage import load_funding_arb_config

    return load_funding_arb_config(path)
