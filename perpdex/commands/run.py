"""`perpdex run`: run a strategy (funding-arb, grid) against real venues or the simulator.

``perpdex run funding-arb --config FILE [--sim]`` runs the funding-arbitrage strategy with a
live view of positions, funding, PnL and venue health. Ctrl-C stops it cleanly: executions in
progress finish hedged, working orders are cancelled, positions stay open (hedged) and are
picked up again by the next run. A second Ctrl-C aborts at once (the next run reconciles).
Heavy imports stay inside the commands.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

app = typer.Typer(help="Run a strategy (funding-arb, grid) against real venues or the simulator.",
                  no_args_is_help=True)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_REFUSED = 0, 1, 2, 3


@app.callback()
def callback() -> None:
    """Run a strategy (funding-arb, grid) against real venues or the simulator."""


@app.command("funding-arb")
def funding_arb(
    config: Path = typer.Option(..., "--config", exists=True, dir_okay=False, readable=True,
                                help="YAML config (see configs/funding_arb.example.yaml)."),
    sim: bool = typer.Option(False, "--sim", help="Start the simulator in-process for the configured "
                                                  "venues, fund an account on each and trade there."),
    database_url: str | None = typer.Option(None, "--database-url", help="Database URL (default: "
                                            "DATABASE_URL or the embedded SQLite; with --sim a "
                                            "temporary one)."),
    live: bool = typer.Option(True, "--live/--plain", help="Live Rich view, or plain log lines."),
    max_checks: int | None = typer.Option(None, "--max-checks", min=1,
                                          help="Stop after this many checks."),
    until_closed: bool = typer.Option(False, "--until-closed",
                                      help="Stop once a position has been opened and closed (one "
                                           "lifecycle)."),
) -> None:
    """Funding-rate arbitrage: long where funding is received, short where it is paid."""
    raise typer.Exit(asyncio.run(_funding_arb(config, sim, database_url, live, max_checks, until_closed)))


async def _funding_arb(path: Path, sim: bool, database_url: str | None, live: bool,
                       max_checks: int | None, until_closed: bool) -> int:
    from contextlib import AsyncExitStack

    from rich.console import Console

    from database import DatabaseError
    from exchange_clients.errors import ExchangeError
    from helpers.config import ConfigError
    from perpdex.funding_arb_app import load, open_session, run_session
    from perpdex.funding_arb_view import closed_table
    from perpdex.sim_venues import SimulationUnavailableError
    from strategies.runner import RunnerRefusedError

    console, err = Console(), Console(stderr=True)
    try:
        config = load(path)
    except ConfigError as exc:
        err.print(f"perpdex run funding-arb: {exc}", markup=False)
        return EXIT_CONFIG
    async with AsyncExitStack() as stack:
        try:
            session = await open_session(stack, config, sim=sim, database_url=database_url)
            summary = await run_session(session, console=console, live=live, max_checks=max_checks,
                                        until_closed=until_closed)
        except RunnerRefusedError as exc:
            err.print(f"perpdex run funding-arb: {exc}", markup=False)
            return EXIT_REFUSED
        except (ExchangeError, DatabaseError, SimulationUnavailableError, FileNotFoundError) as exc:
            err.print(f"perpdex run funding-arb: {type(exc).__name__}: {exc}", markup=False)
            return EXIT_FAILED
        if session.strategy.closed:
            console.print(closed_table(session.strategy.closed))
        console.print(f"run {summary.run_id}: {summary.status.value} after {summary.steps} checks "
                      f"({summary.reason})", markup=False)
        return EXIT_OK if summary.status.value in ("completed", "stopped") else EXIT_FAILED


@app.command("grid")
def grid(
    config: Path = typer.Option(..., "--config", exists=True, dir_okay=False, readable=True,
                                help="YAML config (see configs/grid.example.yaml)."),
    sim: bool = typer.Option(False, "--sim", help="Start the simulator in-process for the configured "
                                                  "venue, fund an account there and trade it."),
    database_url: str | None = typer.Option(None, "--database-url", help="Database URL (default: "
                                            "DATABASE_URL or the embedded SQLite; with --sim a "
                                            "temporary one)."),
    live: bool = typer.Option(True, "--live/--plain", help="Live Rich view, or plain log lines."),
    max_checks: int | None = typer.Option(None, "--max-checks", min=1,
                                          help="Stop after this many checks."),
) -> None:
    """Single-venue grid: post-only opens near the touch, a reduce-only take-profit per fill."""
    raise typer.Exit(asyncio.run(_grid(config, sim, database_url, live, max_checks)))


async def _grid(path: Path, sim: bool, database_url: str | None, live: bool,
                max_checks: int | None) -> int:
    import tempfile
    from contextlib import AsyncExitStack
    from typing import Any

    from rich.console import Console

    from database import DatabaseError
    from exchange_clients.errors import ExchangeError
    from helpers.config import ConfigError
    from helpers.time import from_ms, utc_now
    from perpdex.sim_venues import SimulationUnavailableError
    from strategies.grid import load_grid_config
    from strategies.grid.app import open_session, run_session
    from strategies.runner import RunnerRefusedError

    console, err = Console(), Console(stderr=True)
    try:
        config = load_grid_config(path)
    except ConfigError as exc:
        err.print(f"perpdex run grid: {exc}", markup=False)
        return EXIT_CONFIG
    async with AsyncExitStack() as stack:
        try:
            client_config: dict[str, Any] | None = None
            clock, interval = utc_now, None
            if sim:   # the simulator stays in the CLI layer (strategies never import it)
                from perpdex.sim_venues import simulated_venues

                simulated = await stack.enter_async_context(
                    simulated_venues([config.venue], config.sim.scenario, speed=config.sim.speed))
                created = simulated.server.servers[config.venue].create_account(config.sim.usd, config.name)
                client_config = {**created["credentials"], **simulated.configs[config.venue]}
                config = config.model_copy(update={"account": f"sim-{config.venue}-{created['account_id']}"})
                sim_clock = simulated.server.simulation.clock
                clock, interval = (lambda: from_ms(sim_clock.market_ms())), config.sim.check_interval_seconds
                if database_url is None:
                    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="perpdex-sim-"))
                    database_url = f"sqlite+aiosqlite:///{tmp}/grid.db"
            session = await open_session(stack, config, client_config=client_config, clock=clock,
                                         database_url=database_url, check_interval=interval)
            summary = await run_session(session, console=console, live=live, max_checks=max_checks)
        except RunnerRefusedError as exc:
            err.print(f"perpdex run grid: {exc}", markup=False)
            return EXIT_REFUSED
        except (ExchangeError, DatabaseError, SimulationUnavailableError, FileNotFoundError) as exc:
            err.print(f"perpdex run grid: {type(exc).__name__}: {exc}", markup=False)
            return EXIT_FAILED
        console.print(f"run {summary.run_id}: {summary.status.value} after {summary.steps} checks "
                      f"({summary.reason})", markup=False)
        return EXIT_OK if summary.status.value in ("completed", "stopped") else EXIT_FAILED
