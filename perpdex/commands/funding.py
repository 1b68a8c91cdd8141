"""`perpdex funding`: funding rates across venues.

* ``perpdex funding scan`` collects every venue once (concurrently, a progress line per venue
  while they answer), stores the samples, and prints the current rates and the best
  cross-venue opportunities. ``--json`` prints the same as JSON instead.
* ``perpdex funding serve`` runs the collector on a schedule with the HTTP API and the
  dashboard (http://127.0.0.1:8787/ by default) until interrupted.

``--sim`` starts the simulator in this process and points every venue at it; its samples go
to a temporary database (simulated history never mixes with real history) unless
``--database-url`` says otherwise. Heavy imports stay inside the commands.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from database import Database
    from funding_rate_service import FundingService, OpportunityFilters

app = typer.Typer(help="Funding rates across venues: scan for cross-venue spreads, serve the API "
                       "and dashboard.", no_args_is_help=True)

_VENUES = typer.Option(None, "--venues", help="Comma-separated venues (default: every installed one; "
                                              "with --sim: every simulated one).")
_SIM = typer.Option(False, "--sim", help="Start the simulator in-process and point every venue at it.")
_SCENARIO = typer.Option(None, "--scenario", help="With --sim: scenario name or YAML file "
                                                  "(e.g. funding_divergence).")
_MARKETS = typer.Option(None, "--market-count", min=1, help="With --sim: markets per venue.")
_DB_URL = typer.Option(None, "--database-url", help="Database URL (default: DATABASE_URL or the "
                                                    "embedded SQLite; with --sim a temporary one).")
_TIMEOUT = typer.Option(10.0, "--timeout", min=0.1, help="Seconds each venue may take per round.")


@app.callback()
def callback() -> None:
    """Funding rates across venues: scan for cross-venue spreads, serve the API and dashboard."""


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"{value!r} is not a number", param_hint=name) from None
    if not result.is_finite():
        raise typer.BadParameter("must be finite", param_hint=name)
    return result


def _venue_list(venues: str | None) -> list[str] | None:
    return [v.strip().lower() for v in venues.split(",") if v.strip()] if venues else None


async def _open(stack: AsyncExitStack, venues: list[str] | None, sim: bool, scenario: str | None,
                market_count: int | None, database_url: str | None, store: bool,
                timeout: float, interval: float = 30.0, depth: bool = False) -> FundingService:
    """Simulator (if asked), database (if storing), and the service, all closed by ``stack``."""
    from database import Database
    from exchange_clients.registry import supported_exchanges
    from funding_rate_service import FundingService, ServiceSettings

    configs: dict[str, Any]
    if sim:
        from perpdex.sim_venues import simulated_venues

        simulated = await stack.enter_async_context(
            simulated_venues(venues, scenario, market_count=market_count))
        configs = simulated.configs
    else:
        names = venues or supported_exchanges()
        configs = dict.fromkeys(names)
    db: Database | None = None
    if store:
        if database_url is None and sim:
            import tempfile

            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="perpdex-sim-"))
            database_url = f"sqlite+aiosqlite:///{tmp}/funding.db"
        db = await stack.enter_async_context(Database(database_url))
    provider = None
    if depth:   # the API's min_depth_usd filter looks at live books of the best candidates
        from funding_rate_service.depth import WebSocketDepthProvider

        provider = WebSocketDepthProvider(configs)
    service = await FundingService.create(
        configs, database=db, depth=provider,
        settings=ServiceSettings(venue_timeout=timeout, interval_seconds=interval))
    stack.push_async_callback(service.close)
    return service


@app.command("scan")
def scan(
    venues: str | None = _VENUES,
    sim: bool = _SIM,
    scenario: str | None = _SCENARIO,
    market_count: int | None = _MARKETS,
    limit: int = typer.Option(10, "--limit", min=1, help="Opportunities shown."),
    rates_limit: int = typer.Option(20, "--rates-limit", min=1, help="Symbols shown in the rates table."),
    horizon: str = typer.Option("24", "--horizon", help="Holding horizon in hours (fees amortised over it)."),
    fee_mode: str = typer.Option("taker", "--fee-mode", help="taker or maker fees on entry and exit."),
    min_net_apr: str | None = typer.Option(None, "--min-net-apr", help="Minimum net APR (0.1 = 10 %)."),
    min_volume: str | None = typer.Option(None, "--min-volume", help="Minimum 24h volume per leg, USD."),
    timeout: float = _TIMEOUT,
    store: bool = typer.Option(True, "--store/--no-store", help="Store the samples in the database."),
    database_url: str | None = _DB_URL,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Collect every venue once and print current rates and the top opportunities."""
    from pydantic import ValidationError

    from funding_rate_service import FeeMode, OpportunityFilters

    try:
        filters = OpportunityFilters(horizon_hours=_decimal(horizon, "--horizon"), fee_mode=FeeMode(fee_mode),
                                     min_net_apr=_decimal(min_net_apr, "--min-net-apr"),
                                     min_volume_usd=_decimal(min_volume, "--min-volume"), limit=limit)
    except ValidationError as exc:
        raise typer.BadParameter("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                                           for e in exc.errors())) from None
    except ValueError as exc:   # FeeMode
        raise typer.BadParameter(str(exc)) from None
    ok = asyncio.run(_scan(_venue_list(venues), sim, scenario, market_count, filters, rates_limit, timeout,
                           store, database_url, as_json))
    if not ok:
        raise typer.Exit(1)


async def _scan(venues: list[str] | None, sim: bool, scenario: str | None, market_count: int | None,
                filters: OpportunityFilters, rates_limit: int, timeout: float, store: bool,
                database_url: str | None, as_json: bool) -> bool:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from exchange_clients.errors import ConfigurationError
    from funding_rate_service import NoVenuesError, VenueResult
    from perpdex.sim_venues import SimulationUnavailableError

    out, err = Console(), Console(stderr=True)
    async with AsyncExitStack() as stack:
        try:
            service = await _open(stack, venues, sim, scenario, market_count, database_url, store, timeout)
        except (ConfigurationError, NoVenuesError, SimulationUnavailableError, FileNotFoundError) as exc:
            raise _fail(f"perpdex funding scan: {exc}") from exc
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True, disable=as_json) as progress:
            tasks = {v: progress.add_task(f"{v}: waiting…", total=1) for v in service.venues}

            def answered(r: VenueResult) -> None:
                text = (f"{r.venue}: {r.symbols} symbols in {r.latency_seconds:.2f}s" if r.ok
                        else f"{r.venue}: failed ({escape(r.error_kind or 'error')})")
                progress.update(tasks[r.venue], completed=1, description=text)

            cycle = await service.refresh(answered)
        result = await service.opportunities(filters)
        if as_json:
            _print_json(service, cycle, result)
        else:
            _print_tables(out, service, cycle, result, rates_limit)
        return bool(cycle.ok_venues)


def _print_tables(out: Any, service: FundingService, cycle: Any, result: Any, rates_limit: int) -> None:
    from perpdex.funding_tables import opportunities_table, rates_table, venues_table

    out.print(venues_table(cycle))
    out.print(rates_table(service.rates(), rates_limit))
    total = len(result.opportunities) + sum(result.excluded.values())
    out.print(opportunities_table(result.opportunities, total=total))
    if len(cycle.ok_venues) < 2:
        out.print("[dim]opportunities need a symbol quoted by two or more venues; "
                  f"{len(cycle.ok_venues)} answered[/dim]")
    if result.excluded:
        out.print("[dim]excluded: " + ", ".join(f"{k.value} {v}" for k, v in sorted(result.excluded.items()))
                  + "[/dim]")


def _print_json(service: FundingService, cycle: Any, result: Any) -> None:
    import orjson

    from helpers.decimal import decimal_str

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return decimal_str(value)
        raise TypeError(type(value).__name__)

    body = {"venues": [h.model_dump() for h in service.health()],
            "rates": [r.model_dump() for r in service.rates()],
            "opportunities": [o.model_dump() for o in result.opportunities],
            "excluded": {k.value: v for k, v in result.excluded.items()}}
    sys.stdout.write(orjson.dumps(body, default=default, option=orjson.OPT_UTC_Z).decode() + "\n")


@app.command("serve")
def serve(
    venues: str | None = _VENUES,
    sim: bool = _SIM,
    scenario: str | None = _SCENARIO,
    market_count: int | None = _MARKETS,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8787, "--port", min=0, max=65535, help="Port (0: any free port)."),
    interval: float = typer.Option(30.0, "--interval", min=0.5, help="Seconds between collection rounds."),
    timeout: float = _TIMEOUT,
    database_url: str | None = _DB_URL,
) -> None:
    """Run the collector, the HTTP API (/api/v1) and the dashboard (/) until interrupted."""
    asyncio.run(_serve(_venue_list(venues), sim, scenario, market_count, host, port, interval, timeout,
                       database_url))


async def _serve(venues: list[str] | None, sim: bool, scenario: str | None, market_count: int | None,
                 host: str, port: int, interval: float, timeout: float, database_url: str | None, *,
                 stop: asyncio.Event | None = None, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set); ``on_ready`` gets the dashboard URL."""
    import signal

    from aiohttp import web

    from exchange_clients.errors import ConfigurationError
    from funding_rate_service import NoVenuesError
    from funding_rate_service.api import create_app
    from perpdex.sim_venues import SimulationUnavailableError

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with AsyncExitStack() as stack:
            try:
                service = await _open(stack, venues, sim, scenario, market_count, database_url, True,
                                      timeout, interval, depth=True)
            except (ConfigurationError, NoVenuesError, SimulationUnavailableError, FileNotFoundError) as exc:
                raise _fail(f"perpdex funding serve: {exc}") from exc
            runner = web.AppRunner(create_app(service), access_log=None)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except OSError as exc:
                raise _fail(f"perpdex funding serve: cannot listen on {host}:{port} ({exc})") from exc
            service.start()
            bound = runner.addresses[0] if runner.addresses else (host, port)
            url = f"http://{bound[0]}:{bound[1]}/"
            typer.echo(f"funding service: {', '.join(service.venues)} every {interval:g}s — dashboard {url}, "
                       f"API {url}api/v1/openapi.json, metrics {url}metrics")
            sys.stdout.flush()
            if on_ready is not None:
                on_ready(url)
            await stop.wait()
            typer.echo("funding service: stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
