"""`perpdex run`: run a strategy (funding-arb, grid) against real venues or the simulator.

``perpdex run funding-arb --config FILE [--sim]`` runs the funding-arbitrage strategy with a
live view of positions, funding, PnL and venue health. Ctrl-C stops it cleanly: executions in
progress finish hedged, working orders are cancelled, positions stay open (hedged) and are
picked up again by the next run. A second Ctrl-C aborts at once (the next run reconciles).

``perpdex run grid --config FILE [--sim]`` runs the single-venue grid with a live view of its
orders, position, PnL and round trips. Ctrl-C writes the take-profit ladder down and cancels
every working order; the position stays and the next run re-places the ladder. A stop rule
(stop price, stop-loss) closes everything and ends the run.

Exit codes: 0 done, 1 failed, 2 bad config, 3 refused (another runner holds the account).
Heavy imports stay inside the commands; the wiring is in ``perpdex/*_app.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Run a strategy (funding-arb, grid) against real venues or the simulator.",
                  no_args_is_help=True)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_REFUSED = 0, 1, 2, 3


@app.callback()
def callback() -> None:
    """Run a strategy (funding-arb, grid) against real venues or the simulator."""


_DB_URL = typer.Option(None, "--database-url", help="Database URL (default: DATABASE_URL or the "
                                                    "embedded SQLite; with --sim a temporary one).")
_LIVE = typer.Option(True, "--live/--plain", help="Live Rich view, or plain log lines.")
_MAX_CHECKS = typer.Option(None, "--max-checks", min=1, help="Stop after this many checks.")


@app.command("funding-arb")
def funding_arb(
    config: Path = typer.Option(..., "--config", exists=True, dir_okay=False, readable=True,
                                help="YAML config (see configs/funding_arb.example.yaml)."),
    sim: bool = typer.Option(False, "--sim", help="Start the simulator in-process for the configured "
                                                  "venues, fund an account on each and trade there."),
    database_url: str | None = _DB_URL,
    live: bool = _LIVE,
    max_checks: int | None = _MAX_CHECKS,
    until_closed: bool = typer.Option(False, "--until-closed",
                                      help="Stop once a position has been opened and closed (one "
                                           "lifecycle)."),
) -> None:
    """Funding-rate arbitrage: long where funding is received, short where it is paid."""
    from perpdex import funding_arb_app

    def closed_positions(session: Any, console: Any) -> None:
        from perpdex.funding_arb_view import closed_table

        if session.strategy.closed:
            console.print(closed_table(session.strategy.closed))

    raise typer.Exit(asyncio.run(_run("funding-arb", funding_arb_app, config, sim, database_url,
                                      {"live": live, "max_checks": max_checks,
                                       "until_closed": until_closed}, closed_positions)))


@app.command("grid")
def grid(
    config: Path = typer.Option(..., "--config", exists=True, dir_okay=False, readable=True,
                                help="YAML config (see configs/grid.example.yaml)."),
    sim: bool = typer.Option(False, "--sim", help="Start the simulator in-process for the configured "
                                                  "venue, fund an account there and trade it."),
    database_url: str | None = _DB_URL,
    live: bool = _LIVE,
    max_checks: int | None = _MAX_CHECKS,
) -> None:
    """Single-venue grid: post-only opens near the touch, a reduce-only take-profit per fill."""
    from perpdex import grid_app

    raise typer.Exit(asyncio.run(_run("grid", grid_app, config, sim, database_url,
                                      {"live": live, "max_checks": max_checks})))


async def _run(command: str, wiring: Any, path: Path, sim: bool, database_url: str | None,
               run_options: dict[str, Any], after: Callable[[Any, Any], None] | None = None) -> int:
    """Load the config, open the session (``wiring``: ``perpdex.funding_arb_app`` or
    ``perpdex.grid_app``), run it, and map the outcome to an exit status."""
    from contextlib import AsyncExitStack

    from rich.console import Console

    from database import DatabaseError
    from exchange_clients.errors import ExchangeError
    from helpers.config import ConfigError
    from perpdex.sim_venues import SimulationUnavailableError
    from strategies.runner import RunnerRefusedError

    console, err = Console(), Console(stderr=True)
    try:
        config = wiring.load(path)
    except ConfigError as exc:
        err.print(f"perpdex run {command}: {exc}", markup=False)
        return EXIT_CONFIG
    async with AsyncExitStack() as stack:
        try:
            session = await wiring.open_session(stack, config, sim=sim, database_url=database_url)
            summary = await wiring.run_session(session, console=console, **run_options)
        except RunnerRefusedError as exc:
            err.print(f"perpdex run {command}: {exc}", markup=False)
            return EXIT_REFUSED
        except (ExchangeError, DatabaseError, SimulationUnavailableError, FileNotFoundError) as exc:
            err.print(f"perpdex run {command}: {type(exc).__name__}: {exc}", markup=False)
            return EXIT_FAILED
        if after is not None:
            after(session, console)
        console.print(f"run {summary.run_id}: {summary.status.value} after {summary.steps} checks "
                      f"({summary.reason})", markup=False)
        return EXIT_OK if summary.status.value in ("completed", "stopped") else EXIT_FAILED
