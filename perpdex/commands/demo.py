"""`perpdex demo`: the end-to-end demo (until it lands: what is available)."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="Run the end-to-end offline demo.", invoke_without_command=True)


@app.callback(invoke_without_command=True)
def demo(ctx: typer.Context) -> None:
    """Run the end-to-end offline demo."""
    if ctx.invoked_subcommand is not None:
        return
    from exchange_clients.registry import registered_venues, supported_exchanges

    console = Console()
    console.print("[bold]perpdex[/bold] — what this installation offers:")
    console.print(f"  venues known: {', '.join(registered_venues())}")
    console.print(f"  venues installed: {', '.join(supported_exchanges()) or '(none yet)'}")
    console.print("  commands: perpdex --help, perpdex sim --help, perpdex bench list")
