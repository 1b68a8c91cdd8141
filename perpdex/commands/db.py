"""`perpdex db`: schema management (SQLite by default, PostgreSQL via DATABASE_URL).

``database`` is imported inside the commands so that ``perpdex --help`` stays fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from database.engine import Database

app = typer.Typer(help="Database schema management (SQLite by default, PostgreSQL via "
                       "DATABASE_URL).", no_args_is_help=True)

T = TypeVar("T")


@app.callback()
def callback() -> None:
    """Database schema management (SQLite by default, PostgreSQL via DATABASE_URL)."""


def _run(action: Callable[[Database], Awaitable[T]], *, prepare: bool = False) -> T:
    """Run ``action`` on the configured database without the automatic upgrade (these
    commands are how the schema is changed on purpose)."""
    from database.engine import Database
    from database.errors import DatabaseError

    async def run() -> T:
        db = Database(auto_upgrade=False)
        try:
            if prepare:
                await db.prepare()
            return await action(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except DatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision (default: head).")) -> None:
    """Apply migrations up to REVISION, in one transaction."""
    from database import migrate

    async def action(db: Database) -> str:
        await migrate.upgrade(db.engine, revision)
        return db.display_url

    url = _run(action)
    typer.echo(f"{url}: at {revision if revision != 'head' else migrate.head_revision()}")


@app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision: an id, -1, or base (drops all)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Revert migrations down to REVISION (data in dropped tables is lost)."""
    if not yes:
        typer.confirm(f"Downgrade the schema to {revision}? Tables it drops lose their data",
                      abort=True)

    from database import migrate

    async def action(db: Database) -> str | None:
        await migrate.downgrade(db.engine, revision)
        return await migrate.current_revision(db.engine)

    current = _run(action)
    typer.echo(f"now at {current or 'base (empty)'}")


@app.command("current")
def current() -> None:
    """Show the database URL (password hidden), its revision and the code's head."""
    from database import migrate

    async def action(db: Database) -> tuple[str, str | None]:
        return db.display_url, await migrate.current_revision(db.engine)

    url, revision = _run(action)
    head = migrate.head_revision()
    state = "up to date" if revision == head else "run `perpdex db upgrade`"
    typer.echo(f"database: {url}\nrevision: {revision or 'none'} (head {head}: {state})")


@app.command("locks")
def locks() -> None:
    """Runner locks: who holds each account, and whether that holder is still alive."""
    from rich.console import Console
    from rich.table import Table

    from database.locks import lock_status

    async def action(db: Database) -> list[tuple[str, str, bool]]:
        return [(h.name, h.describe(), live) for h, live in await lock_status(db)]

    rows = _run(action, prepare=True)
    console = Console()
    if not rows:
        console.print("No runner locks are held.", markup=False)
        return
    table = Table("name", "holder", "state")
    for name, who, live in rows:
        table.add_row(name, who, "held" if live else "stale (holder gone; next runner takes it)")
    console.print(table)
