"""`perpdex run`: Run a strategy (funding-arb, grid) against real venues or the simulator."""

from __future__ import annotations

import typer

app = typer.Typer(help=__doc__, no_args_is_help=True)


@app.callback()
def callback() -> None:
    """Run a strategy (funding-arb, grid) against real venues or the simulator."""
