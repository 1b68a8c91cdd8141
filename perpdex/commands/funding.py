"""Funding rates across venues: scan for cross-venue spreads, serve the API and dashboard."""

from __future__ import annotations

import typer

app = typer.Typer(help=__doc__, no_args_is_help=True)


@app.callback()
def callback() -> None:
    """Funding rates across venues: scan for cross-venue spreads, serve the API and dashboard."""
