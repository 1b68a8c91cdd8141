"""`perpdex db`: Database schema management (SQLite by default, PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Database schema management (SQLite by default, PostgreSQL via DATABASE_URL).", no_args_is_help=True)


@app.callback()
def callback() -> None:
    """Database schema management (SQLite by default, PostgreSQL via DATABASE_URL)."""
