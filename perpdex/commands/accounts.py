"""`perpdex accounts`: Encrypted credential store: init, add, list, remove, rotate-key."""

from __future__ import annotations

import typer

app = typer.Typer(help="Encrypted credential store: init, add, list, remove, rotate-key.", no_args_is_help=True)


@app.callback()
def callback() -> None:
    """Encrypted credential store: init, add, list, remove, rotate-key."""
