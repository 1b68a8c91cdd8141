"""What ``perpdex demo`` shows: the opportunities, the live strategy view, the summary, the JSON."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from helpers.time import from_ms

if TYPE_CHECKING:
    from funding_rate_service import FundingService
    from perpdex.demo_session import DemoResult
    from strategies.funding_arbitrage import FundingArbStrategy

__all__ = ["print_opportunities", "live_view", "print_summary", "summary_json"]


async def print_opportunities(console: Console, service: FundingService, cycle: Any, url: str) -> None:
    from perpdex.funding_tables import opportunities_table, rates_table, venues_table

    result = await service.opportunities()
    console.print(venues_table(cycle))
    console.print(rates_table(service.rates(), 6))
    total = len(result.opportunities) + sum(result.excluded.values())
    console.print(opportunities_table(result.opportunities[:5], total=total))
    console.print(f"dashboard: [link={url}]{url}[/link] (rates, opportunities, venue health; "
                  "updated as the strategy refreshes)\n")


def _header(strategy: FundingArbStrategy, clock: Any, url: str) -> RenderableType:
    market = from_ms(clock.market_ms())
    return Text.assemble(("perpdex demo ", "bold"), f"· market time {market:%Y-%m-%d %H:%M} UTC ",
                         f"(×{clock.speed:g}) · dashboard {url}")


@contextmanager
def live_view(console: Console, strategy: FundingArbStrategy, clock: Any, url: str, *,
              enabled: bool) -> Iterator[None]:
    """The strategy's live view (the same one ``perpdex run funding-arb`` shows) under a line
    with the simulated market time."""
    from perpdex.funding_arb_view import render

    if not enabled:
        yield
        return

    def frame() -> RenderableType:
        return Group(_header(strategy, clock, url), render(strategy.snapshot()))

    with Live(get_renderable=frame, console=console, refresh_per_second=4, transient=True):
        yield


def _usd(value: Decimal | None, places: int = 4) -> str:
    return "–" if value is None else f"{value:,.{places}f}"


def _legs_table(result: DemoResult) -> Table:
    table = Table(title="legs", title_justify="left")
    for column in ("leg", "venue", "size", "entry", "exit", "funding", "fees", "fills"):
        table.add_column(column, justify="left" if column in ("leg", "venue") else "right")
    for leg in result.legs:
        table.add_row(leg["role"], leg["venue"], f"{leg['quantity']:f}",
                      _usd(leg["entry_price"], 2), _usd(leg["exit_price"], 2), _usd(leg["funding"]),
                      _usd(leg["fees"]), str(leg["fills"]))
    return table


def _pnl_table(result: DemoResult) -> Table:
    assert result.summary is not None
    p, ledger = result.summary.position, result.ledger_totals()
    table = Table(title="PnL (USD): strategy vs the simulator's own ledger", title_justify="left")
    for column in ("", "strategy", "simulator ledger"):
        table.add_column(column, justify="right" if column else "left")
    table.add_row("funding collected", _usd(p.funding), _usd(ledger["funding"]))
    table.add_row("fees", _usd(-p.fees), _usd(-ledger["fees"]))
    table.add_row("price PnL", _usd(p.price_pnl), "")
    style = "bold green" if p.net_pnl > 0 else "bold red"
    table.add_row(Text("net PnL", style="bold"), Text(_usd(p.net_pnl), style=style),
                  Text(_usd(ledger["equity_change"]), style=style))
    return table


def print_summary(console: Console, result: DemoResult) -> None:
    if result.summary is None:
        console.print(Panel(Text(f"the lifecycle did not complete: {result.failure}", style="bold red"),
                            title="perpdex demo"))
        return
    s, p = result.summary, result.summary.position
    identity = result.identity()
    verdict = ("[green]holds[/green]" if identity["holds"] else
               "[red]FAILS: " + ", ".join(k for k, v in identity.items() if v is False) + "[/red]")
    lines = [f"[bold]{p.symbol}[/bold]: long {p.long_venue} / short {p.short_venue}, {p.quantity:f} each; "
             f"exit: {p.exit_reason}",
             f"held for {result.market_hours:.1f} market hours ({s.checks} checks) in "
             f"{result.wall_seconds:.0f} s of wall time",
             f"worst unhedged exposure: {s.worst_unhedged_notional:,.2f} USD for "
             f"{s.worst_unhedged_seconds:.3f} s",
             f"net = funding − fees + price PnL, matched against the simulator's ledger: {verdict}"]
    status = "[bold green]completed[/bold green]" if result.completed else "[bold red]failed[/bold red]"
    console.print(Panel(Group(*[Text.from_markup(line) for line in lines]), title=f"perpdex demo — {status}"))
    console.print(_legs_table(result))
    console.print(_pnl_table(result))
    if result.failure:
        console.print(f"[red]{result.failure}[/red]")


def summary_json(result: DemoResult) -> bytes:
    import orjson

    from helpers.decimal import decimal_str

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return decimal_str(value)
        raise TypeError(type(value).__name__)

    return orjson.dumps(result.as_dict(), default=default, option=orjson.OPT_INDENT_2)
