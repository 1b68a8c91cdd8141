"""Rich tables for ``perpdex funding scan``: current rates across venues, top opportunities."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from rich.markup import escape
from rich.table import Table

from funding_rate_service.collector import CycleResult
from funding_rate_service.models import Opportunity, RateView

__all__ = ["pct", "rates_table", "opportunities_table", "venues_table"]


def pct(value: Decimal | None, places: int = 4) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{places}f}%"


def _signed(value: Decimal, places: int = 4) -> str:
    colour = "green" if value > 0 else "red" if value < 0 else "white"
    return f"[{colour}]{pct(value, places)}[/{colour}]"


def _interval(hours: Decimal) -> str:
    return "cont." if hours == 0 else f"{hours.normalize():f}h"


def rates_table(rates: Sequence[RateView], limit: int) -> Table:
    """One row per symbol, one column per venue (8h-equivalent rate and the venue's own
    interval), widest cross-venue spread first; stale quotes are marked and not in the spread."""
    venues = sorted({r.venue for r in rates})
    by_symbol: dict[str, dict[str, RateView]] = defaultdict(dict)
    for r in rates:
        by_symbol[r.symbol][r.venue] = r

    def spread(symbol: str) -> Decimal:
        fresh = [r.rate_8h for r in by_symbol[symbol].values() if not r.stale]
        return max(fresh) - min(fresh) if len(fresh) >= 2 else Decimal(-1)

    symbols = sorted(by_symbol, key=lambda s: (-spread(s), s))[:limit]
    table = Table(title=f"Funding, 8h-equivalent (top {len(symbols)} of {len(by_symbol)} symbols "
                        f"by cross-venue spread)", title_justify="left")
    table.add_column("Symbol", style="bold")
    for venue in venues:
        table.add_column(venue, justify="right")
    table.add_column("Max spread / 8h", justify="right")
    for symbol in symbols:
        cells = []
        for venue in venues:
            quote = by_symbol[symbol].get(venue)
            if quote is None:
                cells.append("")
            else:
                mark = " [yellow]stale[/yellow]" if quote.stale else ""
                cells.append(f"{_signed(quote.rate_8h)} [dim]{_interval(quote.interval_hours)}[/dim]{mark}")
        s = spread(symbol)
        table.add_row(symbol, *cells, pct(s) if s >= 0 else "–")
    return table


def opportunities_table(opportunities: Sequence[Opportunity], *, total: int) -> Table:
    table = Table(title=f"Top opportunities ({len(opportunities)} of {total}; fees paid once, "
                        f"amortised over the horizon)", title_justify="left")
    for name, justify in (("#", "right"), ("Symbol", "left"), ("Long", "left"), ("Short", "left"),
                          ("Spread / 8h", "right"), ("Gross APR", "right"), ("Fees (rt)", "right"),
                          ("Net APR", "right"), ("Break-even", "right"), ("Horizon", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for i, o in enumerate(opportunities, 1):
        table.add_row(str(i), o.symbol, o.long.venue, o.short.venue, _signed(o.spread_8h),
                      _signed(o.gross_apr, 2), pct(o.round_trip_fee, 3), _signed(o.net_apr, 2),
                      "–" if o.breakeven_hours is None else f"{o.breakeven_hours:.1f}h",
                      f"{o.horizon_hours.normalize():f}h")
    return table


def venues_table(cycle: CycleResult) -> Table:
    table = Table(title="Venues", title_justify="left")
    for name in ("Venue", "Status", "Symbols", "Latency", "Stored", "Error"):
        table.add_column(name)
    for r in sorted(cycle.results, key=lambda r: r.venue):
        status = "[green]ok[/green]" if r.ok else f"[red]{escape(r.error_kind or 'error')}[/red]"
        table.add_row(r.venue, status, str(r.symbols), f"{r.latency_seconds:.2f}s", str(r.stored),
                      escape(r.error or ""))
    return table
