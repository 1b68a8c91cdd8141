"""Where ``perpdex run grid`` gets its venue from: the stored account, or the simulator.

Real venue: the stored account's credentials (``strategies.grid.app.open_session`` reads
them), the database is ``--database-url``/``DATABASE_URL``/the embedded default.

``--sim``: the simulator is started in this process for the configured venue
(``perpdex/sim_venues.py``) with the config's ``sim.scenario`` at ``sim.speed``, an account is
created and funded there (``sim.usd``), its issued credentials become the client config, the
strategy's clock is the simulator's market time, checks run every
``sim.check_interval_seconds``, and the database is a temporary one unless ``--database-url``
is given. The simulator is imported here only: strategies never import it (ARCHITECTURE §1).
"""

from __future__ import annotations

import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from exchange_clients.registry import config_model
from helpers.time import from_ms
from helpers.venue_config import VenueConfig
from strategies.grid import GridConfig, load_grid_config
from strategies.grid.app import GridSession, run_session
from strategies.grid.app import open_session as open_grid_session

__all__ = ["GridSession", "SimulatedGrid", "load", "open_session", "run_session"]


@dataclass
class SimulatedGrid:
    """The simulated venue of a ``--sim`` run and the account created on it."""

    simulated: Any                  # perpdex.sim_venues.SimulatedVenues
    account_id: Any


async def _sim_setup(stack: AsyncExitStack, config: GridConfig
                     ) -> tuple[GridConfig, VenueConfig, SimulatedGrid]:
    from perpdex.sim_venues import simulated_venues

    simulated = await stack.enter_async_context(
        simulated_venues([config.venue], config.sim.scenario, speed=config.sim.speed))
    created = simulated.server.servers[config.venue].create_account(config.sim.usd, config.name)
    client_config = config_model(config.venue).model_validate(
        {**created["credentials"], **simulated.configs[config.venue]})
    config = config.model_copy(update={"account": f"sim-{config.venue}-{created['account_id']}"})
    return config, client_config, SimulatedGrid(simulated, created["account_id"])


async def open_session(stack: AsyncExitStack, config: GridConfig, *, sim: bool,
                       database_url: str | None) -> GridSession:
    """Everything one run needs, closed by ``stack`` (the client is disconnected by the
    strategy, the simulator stopped by the stack)."""
    if not sim:
        return await open_grid_session(stack, config, database_url=database_url)
    config, client_config, simulated = await _sim_setup(stack, config)
    clock = simulated.simulated.server.simulation.clock

    def market_time() -> datetime:
        return from_ms(clock.market_ms())

    if database_url is None:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="perpdex-sim-"))
        database_url = f"sqlite+aiosqlite:///{tmp}/grid.db"
    return await open_grid_session(stack, config, client_config=client_config, clock=market_time,
                                   database_url=database_url,
                                   check_interval=config.sim.check_interval_seconds)


def load(path: Path) -> GridConfig:
    return load_grid_config(path)
