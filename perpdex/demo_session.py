"""``perpdex demo``: the whole product, offline, through the same code paths as real trading.

1. every requested venue is simulated on loopback (its real wire protocol) with a scenario at
   an accelerated clock;
2. one account per venue is created and funded there, and its credentials are stored through
   the real credential store (encrypted, embedded SQLite in a temporary data directory) and
   read back from it for the clients — exactly what ``add_account.py`` + ``perpdex run`` do;
3. the funding-rate service collects every venue, prints the opportunities and serves the
   dashboard;
4. the funding-arbitrage strategy runs one lifecycle (enter → hold → exit) through the real
   clients, with a live view;
5. the summary is checked against the simulator's own ledger (equity, funding, fees of the
   accounts the strategy traded) before it is reported.

The orchestration lives here (the CLI layer may import the simulator); the command in
``perpdex/commands/demo.py`` only parses options and prints.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web
from rich.console import Console

from database import CredentialStore, Database
from database.paths import DATA_DIR_ENV
from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.registry import config_model, create_client
from funding_rate_service import FundingService
from funding_rate_service.api import create_app
from helpers.time import from_ms
from perpdex.sim_venues import SimulatedVenues, simulated_venue_names, simulated_venues
from strategies.funding_arbitrage import FundingArbConfig, FundingArbStrategy, run_lifecycle
from strategies.funding_arbitrage.lifecycle import LifecycleSummary
from strategies.notifications import LogChannel, NotificationDispatcher, Notifier

__all__ = ["DemoOptions", "DemoError", "DemoResult", "run_demo", "ACCOUNT", "CHECK_MARKET_SECONDS"]

ACCOUNT = "demo"
CHECK_MARKET_SECONDS = 1200          # one strategy check every 20 market minutes
DEPOSIT_USD = Decimal(100_000)
D0 = Decimal(0)
PRICE_PLACES = Decimal("1e-8")      # average fill prices, for display and JSON


class DemoError(RuntimeError):
    """The demo could not run (bad options, no simulated venue, a port in use)."""


@dataclass(frozen=True)
class DemoOptions:
    venues: list[str] | None = None     # default: every venue that can be simulated
    scenario: str = "funding_divergence"
    speed: float = 1440.0               # market seconds per wall second
    hours: float = 12.0                 # market hours the strategy may run at most
    keep_running: bool = False
    quiet: bool = False
    port: int = 0                       # dashboard port (0: any free one)

    def validate(self) -> list[str]:
        available = simulated_venue_names()
        venues = self.venues or available
        unknown = [v for v in venues if v not in available]
        if unknown:
            raise DemoError(f"cannot simulate {', '.join(unknown)}; available: {', '.join(available)}")
        if len(set(venues)) < 2:
            raise DemoError("funding arbitrage needs at least two venues (--venues a,b)")
        if not 1 <= self.speed <= 100_000:
            raise DemoError("--speed must be between 1 and 100000 market seconds per wall second")
        if not 1 <= self.hours <= 240:
            raise DemoError("--hours must be between 1 and 240 market hours")
        return list(dict.fromkeys(venues))


@dataclass
class LedgerEntry:
    """One account as the simulator's engine books it (independent of the strategy)."""

    venue: str
    account_id: Any
    equity_before: Decimal = D0
    equity_after: Decimal = D0
    funding_before: Decimal = D0
    funding_after: Decimal = D0
    fees_before: Decimal = D0
    fees_after: Decimal = D0

    def as_dict(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "equity_before": self.equity_before,
                "equity_after": self.equity_after, "equity_change": self.equity_after - self.equity_before,
                "funding": self.funding_after - self.funding_before,
                "fees": self.fees_after - self.fees_before}


@dataclass
class DemoResult:
    completed: bool
    summary: LifecycleSummary | None
    legs: list[dict[str, Any]] = field(default_factory=list)
    ledger: dict[str, LedgerEntry] = field(default_factory=dict)
    dashboard_url: str = ""
    market_hours: float = 0.0
    wall_seconds: float = 0.0
    failure: str | None = None
    options: DemoOptions = field(default_factory=DemoOptions)
    venues: list[str] = field(default_factory=list)

    def ledger_totals(self) -> dict[str, Decimal]:
        entries = [e.as_dict() for e in self.ledger.values()]
        return {k: sum((e[k] for e in entries), D0) for k in ("equity_change", "funding", "fees")}

    def identity(self) -> dict[str, Any]:
        """net = funding − fees + price PnL, and each term against the simulator's ledger."""
        if self.summary is None:
            return {"holds": False}
        p, ledger = self.summary.position, self.ledger_totals()
        checks = {"net_equals_terms": p.net_pnl == p.funding - p.fees + p.price_pnl,
                  "net_matches_ledger_equity": abs(p.net_pnl - ledger["equity_change"]) < Decimal("0.01"),
                  "funding_matches_ledger": abs(p.funding - ledger["funding"]) < Decimal("0.01"),
                  "fees_match_ledger": abs(p.fees - ledger["fees"]) < Decimal("0.01")}
        return {**checks, "holds": all(checks.values())}

    def as_dict(self) -> dict[str, Any]:
        o = self.options
        body: dict[str, Any] = {
            "completed": self.completed, "failure": self.failure, "scenario": o.scenario,
            "speed": o.speed, "venues": self.venues, "market_hours": round(self.market_hours, 3),
            "wall_seconds": round(self.wall_seconds, 2), "dashboard_url": self.dashboard_url}
        if self.summary is not None:
            body["position"] = self.summary.as_dict()
            body["legs"] = self.legs
            body["ledger"] = {v: e.as_dict() for v, e in self.ledger.items()}
            body["ledger_total"] = self.ledger_totals()
            body["pnl_identity"] = self.identity()
        return body


def _demo_config(venues: list[str], options: DemoOptions) -> tuple[FundingArbConfig, float]:
    """The strategy config of the demo and its check interval in wall seconds. Execution
    timeouts are wall-clock; they shrink with the speed so a hedge never waits for hours of
    market time."""
    interval = CHECK_MARKET_SECONDS / options.speed
    patience = max(0.5, min(5.0, 3600 / options.speed))
    config = FundingArbConfig.model_validate({
        "name": "demo", "venues": {v: {"account": ACCOUNT} for v in venues},
        "entry": {"min_net_apr": "0.3", "horizon_hours": "24", "max_price_gap_bps": "40",
                  "min_volume_usd": "0"},
        "limits": {"position_notional_usd": "5000", "total_notional_usd": "5000", "max_leverage": "3",
                   "max_positions": 1, "max_unhedged_notional_usd": "1000", "max_unhedged_seconds": 5},
        "execution": {"maker_timeout_seconds": patience, "reprice_after_seconds": patience / 4,
                      "poll_interval_seconds": 0.05},
        "exit": {"min_spread_8h": "0.0003", "below_threshold_checks": 3},
        "check_interval_seconds": interval})
    return config, interval


async def _store_accounts(simulated: SimulatedVenues, store: CredentialStore,
                          ledger: dict[str, LedgerEntry]) -> None:
    """Create and fund an account per venue; keep its credentials only in the credential store."""
    await store.init_key()
    for venue in simulated.venues:
        created = simulated.server.servers[venue].create_account(DEPOSIT_USD, ACCOUNT)
        config = config_model(venue).model_validate({**created["credentials"], **simulated.configs[venue]})
        await store.save(ACCOUNT, config, description="perpdex demo (simulated venue)")
        ledger[venue] = LedgerEntry(venue, created["account_id"])


async def _clients(store: CredentialStore, venues: list[str]) -> dict[str, BaseExchangeClient]:
    return {v: create_client(v, await store.load(ACCOUNT, v)) for v in venues}


async def _serve_dashboard(stack: AsyncExitStack, service: FundingService, port: int) -> str:
    runner = web.AppRunner(create_app(service), access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    except OSError as exc:
        raise DemoError(f"cannot serve the dashboard on 127.0.0.1:{port} ({exc})") from exc
    host, bound = runner.addresses[0][:2]
    return f"http://{host}:{bound}/"


def _snapshot_ledger(simulated: SimulatedVenues, ledger: dict[str, LedgerEntry], *, after: bool) -> None:
    for venue, entry in ledger.items():
        state = simulated.server.simulation.engine(venue).account_state(entry.account_id)
        suffix = "after" if after else "before"
        setattr(entry, f"equity_{suffix}", Decimal(state.equity))
        setattr(entry, f"funding_{suffix}", Decimal(state.funding))
        setattr(entry, f"fees_{suffix}", Decimal(state.fees_paid))


async def _legs(db: Database, summary: LifecycleSummary) -> list[dict[str, Any]]:
    """Per leg: quantity and volume-weighted prices bought and sold, fees, from the stored fills."""
    p = summary.position
    fills = await db.orders.position_fills(p.position_id)
    legs = []
    for role, venue in (("long", p.long_venue), ("short", p.short_venue)):
        mine = [f for f in fills if f.venue == venue]

        def vwap(side: str, mine: list[Any] = mine) -> Decimal | None:
            chosen = [f for f in mine if f.side == side]
            qty = sum((f.quantity for f in chosen), D0)
            if not qty:
                return None
            return (sum((f.price * f.quantity for f in chosen), D0) / qty).quantize(PRICE_PLACES)

        legs.append({"role": role, "venue": venue, "symbol": p.symbol, "quantity": p.quantity,
                     "entry_price": vwap("buy" if role == "long" else "sell"),
                     "exit_price": vwap("sell" if role == "long" else "buy"),
                     "fees": sum((f.fee for f in mine), D0), "fills": len(mine),
                     "funding": p.funding_long if role == "long" else p.funding_short})
    return legs



async def run_demo(options: DemoOptions, console: Console,
                   report: Callable[[DemoResult], None] | None = None) -> DemoResult:
    """Run the demo; never raises for a lifecycle that did not complete (``result.failure``
    says why). :class:`DemoError` for options or set-up that prevent running at all.
    ``report`` gets the result as soon as it is final — before ``--keep-running`` waits."""
    from perpdex.demo_view import live_view, print_opportunities

    venues = options.validate()
    started = time.monotonic()

    def say(line: str) -> None:
        if not options.quiet:
            console.print(line)

    result = DemoResult(completed=False, summary=None, options=options, venues=venues)
    async with AsyncExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="perpdex-demo-"))
        env = {DATA_DIR_ENV: data_dir}   # key file and embedded database live here, nowhere else
        simulated = await stack.enter_async_context(
            simulated_venues(venues, options.scenario, speed=options.speed))
        clock = simulated.server.simulation.clock
        say(f"[green]✓[/green] {len(venues)} simulated venues on loopback, scenario {options.scenario}")
        db = await stack.enter_async_context(Database(env=env))
        store = CredentialStore(db.sessions, env=env)
        await _store_accounts(simulated, store, result.ledger)
        say(f"[green]✓[/green] an account funded with {DEPOSIT_USD:,} USD on each; credentials encrypted "
            f"into {db.sqlite_path} (key file in the same temporary directory)")
        service = await FundingService.create(simulated.configs, database=db)
        stack.push_async_callback(service.close)
        cycle = await service.refresh()
        say(f"[green]✓[/green] funding collected from {len(cycle.ok_venues)} of {len(venues)} venues")
        result.dashboard_url = await _serve_dashboard(stack, service, options.port)
        if not options.quiet:
            await print_opportunities(console, service, cycle, result.dashboard_url)
        config, interval = _demo_config(venues, options)
        strategy = FundingArbStrategy(config, clients=await _clients(store, venues), db=db, service=service,
                                      notifier=Notifier(db, ["log"], source="demo"),
                                      clock=lambda: from_ms(clock.market_ms()))
        _snapshot_ledger(simulated, result.ledger, after=False)
        start_ms = clock.market_ms()
        max_checks = int(options.hours * 3600 / CHECK_MARKET_SECONDS)
        from strategies.funding_arbitrage.lifecycle import LifecycleIncompleteError

        try:
            with live_view(console, strategy, clock, result.dashboard_url, enabled=not options.quiet):
                result.summary = await run_lifecycle(
                    strategy, db, max_checks=max_checks, check_interval=interval, install_signals=True,
                    dispatcher=NotificationDispatcher(db, [LogChannel()]))
        except LifecycleIncompleteError as exc:
            result.failure = str(exc)
        result.market_hours = (clock.market_ms() - start_ms) / 3_600_000
        _snapshot_ledger(simulated, result.ledger, after=True)
        if result.summary is not None:
            traded = {result.summary.position.long_venue, result.summary.position.short_venue}
            result.ledger = {v: e for v, e in result.ledger.items() if v in traded}
            result.legs = await _legs(db, result.summary)
            flat = await _flat(store, result.summary.position.symbol, traded)
            result.completed = flat and bool(result.identity()["holds"])
            if not result.completed and result.failure is None:
                result.failure = ("the position was closed but the accounts are not flat, or its PnL "
                                  "disagrees with the simulator's ledger (see pnl_identity)")
        result.wall_seconds = time.monotonic() - started
        if report is not None:
            report(result)
        if options.keep_running:
            await _wait_for_interrupt(console, result.dashboard_url, simulated)
    return result


async def _flat(store: CredentialStore, symbol: str, venues: set[str]) -> bool:
    """Both legs closed and nothing left working, as the venues report it (fresh clients from
    the credential store: the strategy's were closed when its run ended)."""
    for venue in sorted(venues):
        async with create_client(venue, await store.load(ACCOUNT, venue)) as client:
            position = await client.get_position_snapshot(symbol)
            if position.quantity != 0 or await client.get_active_orders(symbol):
                return False
    return True


async def _wait_for_interrupt(console: Console, url: str, simulated: SimulatedVenues) -> None:
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    venues = ", ".join(f"{v} {c['rest_url']}" for v, c in simulated.configs.items())
    console.print(f"[bold]still running[/bold] — dashboard {url}\n  simulated venues: {venues}\n"
                  "  Ctrl-C to stop.")
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
