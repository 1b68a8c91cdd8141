"""`perpdex accounts`: the encrypted credential store — init, add, list, remove, rotate-key.

Secrets are never printed: ``list`` shows names of encrypted fields, ``init`` shows where
the key file is (never the key), errors name fields and paths only. ``database`` is imported
inside the commands (SQLAlchemy and Alembic take ~1 s to import; ``perpdex --help`` should not).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from helpers.venue_config import VENUE_CONFIGS

if TYPE_CHECKING:
    from database.engine import Database
    from database.venue_fields import FieldSpec

app = typer.Typer(help="Encrypted credential store: init, add, list, remove, rotate-key.",
                  no_args_is_help=True)

T = TypeVar("T")


@app.callback()
def callback() -> None:
    """Encrypted credential store: init, add, list, remove, rotate-key."""


@contextmanager
def _reported() -> Iterator[None]:
    """Print a storage error as one clear line on stderr and exit 1 (no traceback: the
    message is the instruction)."""
    from database.errors import DatabaseError

    try:
        yield
    except DatabaseError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _with_db(action: Callable[[Database], Awaitable[T]]) -> T:
    from database.engine import Database

    async def run() -> T:
        async with Database() as db:
            return await action(db)

    with _reported():
        return asyncio.run(run())


@app.command("init")
def init() -> None:
    """Create the master key file (mode 0600) if there is no key yet, and say where it is."""
    status = _with_db(lambda db: db.credentials().init_key())
    if status.path is None:
        typer.echo(f"Using the master key from {status.source} (key id {status.key_id}); no key "
                   "file created.")
    elif status.created:
        typer.echo(f"Created the master key file: {status.path} (mode 0600, key id "
                   f"{status.key_id}).\nBack it up somewhere safe: without it the stored "
                   "credentials cannot be decrypted.")
    else:
        typer.echo(f"A master key already exists: {status.path} (key id {status.key_id}); "
                   "nothing changed.")


def _prompt(spec: FieldSpec, default: str | None) -> str:
    text = f"{spec.venue} {spec.name} ({spec.help})"
    value = typer.prompt(text, default=default, show_default=bool(default),
                         hide_input=spec.secret)
    return str(value)


@app.command("add")
def add(
    account: str | None = typer.Option(None, "--account", "-a", help="Account name."),
    venue: str | None = typer.Option(None, "--venue", "-v",
                                     help=f"One of: {', '.join(sorted(VENUE_CONFIGS))}."),
    from_env: bool = typer.Option(False, "--from-env",
                                  help="Read <VENUE>_* variables instead of prompting."),
    env_file: Path | None = typer.Option(None, "--env-file", help="With --from-env: a .env file "
                                         "whose values override the environment."),
    verify: bool = typer.Option(False, "--verify", help="Log in to the venue before saving."),
    environment: str | None = typer.Option(None, "--environment", help="mainnet or testnet."),
    rest_url: str | None = typer.Option(None, "--rest-url", help="REST URL override (simulator)."),
    ws_url: str | None = typer.Option(None, "--ws-url", help="WebSocket URL override (simulator)."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite existing credentials."),
) -> None:
    """Store one venue's credentials for an account, encrypted (interactive unless --from-env)."""
    from database.account_setup import (
        AddAccountRequest,
        add_account,
        check_account_name,
        prompt_values,
        read_env_values,
    )

    if from_env and not (account and venue):
        raise typer.BadParameter("--from-env needs --account and --venue")
    if env_file is not None and not from_env:
        raise typer.BadParameter("--env-file needs --from-env")
    account = account or typer.prompt("account name")
    venue = (venue or typer.prompt(f"venue ({', '.join(sorted(VENUE_CONFIGS))})")).strip().lower()
    with _reported():
        check_account_name(account)  # before asking for secrets, not after
        values = read_env_values(venue, os.environ, env_file) if from_env else prompt_values(
            venue, _prompt)
    for name, value in (("environment", environment), ("rest_url", rest_url), ("ws_url", ws_url)):
        if value is not None:
            values[name] = value
    request = AddAccountRequest(account, venue, values, replace=replace, verify=verify)
    verifier = None
    if verify:
        from perpdex.verify import verify_credentials

        verifier = verify_credentials
    result = _with_db(lambda db: add_account(db, request, verifier=verifier))
    typer.echo(f"Saved {result.venue} credentials for account {result.account!r} "
               f"(encrypted: {', '.join(result.secret_fields)}).")
    if result.verified:
        typer.echo(f"Verified: {result.verification or 'ok'}")


@app.command("list")
def list_accounts() -> None:
    """Accounts and their venues (never secrets: only which fields are stored encrypted)."""
    from rich.console import Console
    from rich.table import Table

    accounts = _with_db(lambda db: db.accounts.list())
    console = Console()
    if not accounts:
        console.print("No accounts yet: add one with `perpdex accounts add`.", markup=False)
        return
    table = Table("account", "venue", "environment", "endpoint", "identity", "encrypted",
                  "verified")
    for column in table.columns:  # addresses and URLs have no spaces: fold, never cut them
        column.overflow = "fold"
    for account in accounts:
        for v in account.venues or ():
            table.add_row(account.name, v.venue, v.environment, v.rest_url or "default",
                          ", ".join(f"{k}={val}" for k, val in v.identity.items()),
                          ", ".join(v.secret_fields),
                          v.verified_at.strftime("%Y-%m-%d %H:%M UTC") if v.verified_at else "no")
        if not account.venues:
            table.add_row(account.name, "-", "-", "-", "-", "-", "-")
    console.print(table)


@app.command("remove")
def remove(
    account: str = typer.Argument(..., help="Account name."),
    venue: str | None = typer.Option(None, "--venue", "-v",
                                     help="Remove only this venue's credentials."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete an account (all venues) or one venue's credentials of it."""
    what = f"{venue} credentials of account {account!r}" if venue else f"account {account!r} " \
        "and all its credentials"
    if not yes:
        typer.confirm(f"Delete the {what}?", abort=True)
    _with_db(lambda db: db.accounts.remove(account, venue))
    typer.echo(f"Deleted the {what}.")


@app.command("rotate-key")
def rotate_key(yes: bool = typer.Option(False, "--yes", "-y",
                                        help="Do not ask for confirmation.")) -> None:
    """Re-encrypt every stored secret under a new master key, in one transaction."""
    if not yes:
        typer.confirm("Re-encrypt all credentials under a new master key? Backups taken before "
                      "need the old key", abort=True)
    result = _with_db(lambda db: db.credentials().rotate_key())
    typer.echo(f"Rotated the master key: {result.old_key_id} -> {result.new_key_id}; "
               f"{result.rows} secret(s) re-encrypted. New key file: {result.key_file}")
    if result.old_key_from_env:
        typer.echo("PERPDEX_MASTER_KEY still holds the OLD key: set it to the content of "
                   f"{result.key_file} or unset it.", err=True)
