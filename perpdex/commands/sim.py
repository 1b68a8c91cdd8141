"""`perpdex sim`: the local simulator of every venue's wire protocol.

* ``perpdex sim up`` serves the registered venues on 127.0.0.1, prints one JSON line with each
  venue's REST, WebSocket and control URLs, and runs until interrupted (SIGINT/SIGTERM). It also
  writes that line to a state file so that ``sim accounts create`` finds the running simulator.
* ``perpdex sim accounts create --venue V --usd N`` asks the running simulator for a funded
  account and prints its credentials in the venue's native form (JSON).
* ``perpdex sim scenarios`` lists the bundled scenarios.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="Local simulator speaking each venue's real wire protocol on loopback.",
                  no_args_is_help=True)
accounts_app = typer.Typer(help="Accounts on the running simulator.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")

DEFAULT_PORT_BASE = 18500


def _state_file() -> Path:
    override = os.environ.get("PERPDEX_SIM_STATE")
    if override:
        return Path(override)
    from platformdirs import user_state_path

    return user_state_path("perpdex") / "sim.json"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@app.callback()
def callback() -> None:
    """Local simulator speaking each venue's real wire protocol on loopback."""


@app.command("up")
def up(
    venues: str | None = typer.Option(
        None, "--venues", help="Comma-separated venues (default: every registered one)."),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Scenario YAML file or bundled name (default: default)."),
    port_base: int = typer.Option(
        DEFAULT_PORT_BASE, "--port-base",
        help="lighter on N, paradex N+1, aster N+2, backpack N+3, hyperliquid N+4; 0 = free ports."),
    speed: float | None = typer.Option(
        None, "--speed", min=0.001,
        help="Market seconds per wall second (e.g. 720: a funding hour per 5 s)."),
) -> None:
    """Serve the simulated venues until interrupted; prints one JSON line of URLs."""
    from simulator.server import NoVenuesError, serve
    from simulator.venues import import_errors, registered_venues

    for name, reason in import_errors().items():
        typer.echo(f"warning: simulator venue {name!r} could not be loaded: {reason}", err=True)
    if not registered_venues():
        raise _fail("perpdex sim up: no simulator venue modules are registered yet "
                    "(simulator/venues/<venue>.py); there is nothing to serve.")
    selected = [v.strip() for v in venues.split(",") if v.strip()] if venues else None
    state = _state_file()

    def ready(endpoints: dict[str, Any]) -> None:
        line = json.dumps(endpoints, separators=(",", ":"))
        try:
            state.parent.mkdir(parents=True, exist_ok=True)
            state.write_text(line + "\n", encoding="utf-8")
        except OSError as exc:
            typer.echo(f"warning: cannot write {state}: {exc}", err=True)
        typer.echo(line)
        sys.stdout.flush()

    try:
        asyncio.run(serve(selected, scenario, port_base=port_base, speed=speed, on_ready=ready))
    except (NoVenuesError, FileNotFoundError, ValueError) as exc:
        raise _fail(f"perpdex sim up: {exc}") from exc
    except OSError as exc:
        raise _fail(f"perpdex sim up: cannot listen ({exc}); try another --port-base") from exc
    finally:
        _remove_state(state)


def _remove_state(state: Path) -> None:
    try:
        state.unlink()
    except FileNotFoundError:
        return


@app.command("scenarios")
def scenarios() -> None:
    """List the bundled scenarios."""
    from simulator.engine.scenario import available_scenarios, load_scenario

    for name in available_scenarios():
        typer.echo(f"{name}: {load_scenario(name).description}")


def _control_url(venue: str, control_url: str | None) -> str:
    if control_url:
        return control_url.rstrip("/")
    state = _state_file()
    try:
        endpoints = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(f"no running simulator found ({state}): start `perpdex sim up` "
                    "or pass --control-url") from exc
    urls = endpoints.get("venues", {}).get(venue)
    if not urls:
        raise _fail(f"the running simulator does not serve {venue!r} "
                    f"(serving: {', '.join(endpoints.get('venues', {})) or 'nothing'})")
    return str(urls["control"])


@accounts_app.command("create")
def accounts_create(
    venue: str = typer.Option(..., "--venue", help="Venue to open the account on."),
    usd: str = typer.Option(..., "--usd", help="Collateral to deposit (USD)."),
    label: str | None = typer.Option(None, "--label"),
    control_url: str | None = typer.Option(
        None, "--control-url", help="The venue's control URL (default: from the running `sim up`)."),
) -> None:
    """Create a funded account on the running simulator; prints its credentials as JSON."""
    import aiohttp

    url = _control_url(venue, control_url) + "/accounts"

    async def create() -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, \
                session.post(url, json={"usd": usd, "label": label}) as response:
            return response.status, await response.text()

    try:
        status, text = asyncio.run(create())
    except aiohttp.ClientError as exc:
        raise _fail(f"cannot reach the simulator at {url}: {exc}") from exc
    if status != 201:
        raise _fail(f"the simulator refused: HTTP {status} {text}")
    typer.echo(text)
