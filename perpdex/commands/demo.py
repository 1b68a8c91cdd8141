"""`perpdex demo`: the main job end to end, offline — simulated venues, stored credentials,
the funding-rate service and dashboard, one funding-arbitrage lifecycle, a checked summary.

Exit status 0 only if a position was entered and exited, both venues report the accounts flat,
and the PnL matches the simulator's own ledger; 1 otherwise; 2 for bad options.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

app = typer.Typer(help="Run the end-to-end offline demo (simulated venues, no account needed).",
                  invoke_without_command=True)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@app.callback(invoke_without_command=True)
def demo(
    venues: str | None = typer.Option(None, "--venues", help="Comma-separated venues to simulate "
                                      "(default: all of lighter, paradex, aster, backpack, hyperliquid)."),
    speed: float = typer.Option(1440.0, "--speed", help="Market seconds per wall second (1440: one "
                                "funding hour every 2.5 s)."),
    hours: float = typer.Option(12.0, "--hours", help="Market hours the strategy may run at most."),
    scenario: str = typer.Option("funding_divergence", "--scenario", help="Simulator scenario (name "
                                 "or YAML file; see `perpdex sim scenarios`)."),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave the simulator and the "
                                      "dashboard up after the summary, until Ctrl-C."),
    quiet: bool = typer.Option(False, "--quiet", help="No tables or live view; the summary only."),
    json_path: Path | None = typer.Option(None, "--json", dir_okay=False, help="Also write the "
                                          "summary as JSON to this file."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Dashboard port (0: any free port)."),
) -> None:
    """Run the end-to-end offline demo (simulated venues, no account needed)."""
    from rich.console import Console

    from perpdex.demo_session import DemoError, DemoOptions, DemoResult, run_demo
    from perpdex.demo_view import print_summary, summary_json

    console = Console()
    chosen = [v.strip().lower() for v in venues.split(",") if v.strip()] if venues else None
    options = DemoOptions(venues=chosen, scenario=scenario, speed=speed, hours=hours,
                          keep_running=keep_running, quiet=quiet, port=port)
    try:
        options.validate()
    except DemoError as exc:
        typer.echo(f"perpdex demo: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if json_path is not None and not json_path.parent.is_dir():
        typer.echo(f"perpdex demo: --json: directory {json_path.parent} does not exist", err=True)
        raise typer.Exit(EXIT_USAGE)
    if not quiet:
        console.print(f"[bold]perpdex demo[/bold]: simulating {', '.join(options.validate())} with the "
                      f"{scenario} scenario at ×{speed:g}; no network, no exchange account.")
    from database import DatabaseError
    from exchange_clients.errors import ExchangeError

    def report(result: DemoResult) -> None:
        print_summary(console, result)
        if json_path is not None:
            json_path.write_bytes(summary_json(result))
            if not quiet:
                console.print(f"summary written to {json_path}")

    try:
        result = asyncio.run(run_demo(options, console, report))
    except (DemoError, DatabaseError, ExchangeError) as exc:
        typer.echo(f"perpdex demo: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    except KeyboardInterrupt:
        typer.echo("perpdex demo: interrupted; the simulator and temporary data are gone", err=True)
        raise typer.Exit(130) from None
    raise typer.Exit(EXIT_OK if result.completed else EXIT_FAILED)
