"""``perpdex``: the command-line entry point.

Each group lives in ``perpdex/commands/<group>.py`` and exposes ``app``; groups are imported
lazily-ish (at module import, but each keeps its heavy imports inside its commands) so that
``perpdex --help`` is fast and never needs a venue extra.
"""

from __future__ import annotations

import typer

from perpdex import __version__
from perpdex.commands import accounts, bench, db, demo, funding, run, sim

app = typer.Typer(
    name="perpdex",
    help="Async SDK, strategies and simulator for perpetual DEXs "
         "(Lighter, Paradex, Aster, Backpack, Hyperliquid).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
)
app.add_typer(demo.app, name="demo")
app.add_typer(sim.app, name="sim")
app.add_typer(funding.app, name="funding")
app.add_typer(run.app, name="run")
app.add_typer(accounts.app, name="accounts")
app.add_typer(db.app, name="db")
app.add_typer(bench.app, name="bench")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"perpdex {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    log_level: str = typer.Option("WARNING", "--log-level", envvar="PERPDEX_LOG_LEVEL",
                                  help="Logging level (DEBUG, INFO, WARNING, ERROR)."),
    log_json: str | None = typer.Option(None, "--log-json", envvar="PERPDEX_LOG_JSON",
                                        help="Also write JSON-lines logs to this file."),
) -> None:
    """perpdex command line."""
    from helpers.unified_logger import setup_logging

    setup_logging(log_level.upper(), json_path=log_json)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
