"""`perpdex sim`: the local simulator of every venue's wire protocol."""

from __future__ import annotations

import typer

app = typer.Typer(help="Local simulator speaking each venue's real wire protocol on loopback.",
                  no_args_is_help=True)


@app.callback()
def callback() -> None:
    """Local simulator speaking each venue's real wire protocol on loopback."""
