"""Wiring of ``perpdex run grid``: client, database, notifications, runner and the live view.

Real venue: the client config is the stored account's (``load_client_config(account, venue)``)
and the database is ``--database-url``/``DATABASE_URL``/the embedded default. Under ``--sim``
``perpdex/grid_app.py`` starts the simulator and hands this module the simulated account's
client config, the market-time clock and the check interval (strategies never import the
simulator).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console

from database import Database, load_client_config
from exchange_clients.registry import create_client
from helpers.time import utc_now
from helpers.venue_config import VenueConfig
from strategies.base_strategy import BaseStrategy
from strategies.grid.config import GridConfig
from strategies.grid.strategy import GridStrategy
from strategies.grid.view import render, summary_line
from strategies.notifications import (
    Channel,
    LogChannel,
    NotificationDispatcher,
    Notifier,
    TelegramChannel,
)
from strategies.runner import RunSummary, StrategyRunner, config_record

__all__ = ["GridSession", "open_session", "run_session"]


@dataclass
class GridSession:
    config: GridConfig
    db: Database
    strategy: GridStrategy
    dispatcher: NotificationDispatcher
    check_interval: float


async def open_session(stack: AsyncExitStack, config: GridConfig, *,
                       client_config: VenueConfig | Mapping[str, Any] | None = None,
                       clock: Callable[[], datetime] = utc_now, database_url: str | None = None,
                       check_interval: float | None = None) -> GridSession:
    """Everything one run needs, closed by ``stack`` (the client is disconnected by the
    strategy). ``client_config`` None: the stored account's credentials."""
    db = await stack.enter_async_context(Database(database_url))
    if client_config is None:
        client_config = await load_client_config(config.account, config.venue, session_factory=db.sessions)
    client = create_client(config.venue, client_config)
    channels: list[Channel] = [LogChannel()]
    telegram = config.notifications.telegram
    if telegram is not None:
        channels.append(TelegramChannel(telegram.bot_token.get_secret_value(), telegram.chat_id,
                                        telegram.api_url))
    notifier = Notifier(db, [c.name for c in channels], source=config.name)
    strategy = GridStrategy(config, client=client, db=db, notifier=notifier, clock=clock)
    return GridSession(config, db, strategy, NotificationDispatcher(db, channels),
                       check_interval or config.check_interval_seconds)


async def run_session(session: GridSession, *, console: Console, live: bool,
                      max_checks: int | None) -> RunSummary:
    """Run until Ctrl-C, ``max_checks`` checks, or a stop rule halts the grid."""
    from rich.live import Live

    strategy = session.strategy
    runner = StrategyRunner(strategy, db=session.db, check_interval=session.check_interval,
                            dispatcher=session.dispatcher, install_signals=True,
                            config=config_record(session.config))

    def halted() -> bool:
        return strategy.halted is not None

    def print_messages(_: BaseStrategy | None = None) -> None:
        for message in list(strategy.messages):
            console.print(message, markup=False, highlight=False)
        strategy.messages.clear()       # plain mode has no live view that needs them

    if not live:
        runner.on_tick = print_messages
        summary = await runner.run(max_steps=max_checks, until=halted)
        print_messages()                # what the shutdown did
    else:
        with Live(get_renderable=lambda: render(strategy.snapshot()), console=console,
                  refresh_per_second=2, transient=False):
            summary = await runner.run(max_steps=max_checks, until=halted)
        if not console.is_terminal:   # Live ends its last frame with a newline on terminals only
            console.line()
    console.print(summary_line(strategy.snapshot()), markup=False, highlight=False)
    return summary
