"""The live Rich view of ``perpdex run funding-arb``: positions, funding, PnL, venue health.

Rendered from ``FundingArbStrategy.snapshot()`` only (no venue calls): the strategy's last
check is what is shown, refreshed by Rich twice a second.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["render", "closed_table"]


def _usd(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def _signed(value: Decimal) -> Text:
    return Text(_usd(value, 4), style="green" if value > 0 else "red" if value < 0 else "")


def _bps(rate: Decimal | None) -> str:
    return "–" if rate is None else f"{rate * 10_000:.2f}"


def _pct(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def positions_table(views: list[Any]) -> Table:
    table = Table(title="open positions", expand=True)
    for column in ("symbol", "long / short", "size", "spread 8h (bps) now / entry", "funding L / S",
                   "fees", "price PnL", "net PnL", "to liquidation L / S", "imbalance", "age h"):
        table.add_column(column, justify="right" if column not in ("symbol", "long / short") else "left")
    for v in views:
        table.add_row(
            v.symbol, f"{v.long.venue} / {v.short.venue}", f"{v.long.quantity:f}",
            f"{_bps(v.current_spread_8h)} / {_bps(v.entry_spread_8h)}",
            f"{_usd(v.long.funding, 4)} / {_usd(v.short.funding, 4)}", _usd(v.fees, 4),
            _signed(v.price_pnl), _signed(v.net_pnl),
            f"{_pct(v.long.liquidation_distance)} / {_pct(v.short.liquidation_distance)}",
            Text(f"{v.imbalance:f}", style="bold red" if v.imbalance else ""), f"{v.age_hours:.1f}")
    if not views:
        table.add_row("[dim]none[/dim]", *[""] * 10)
    return table


def closed_table(closed: list[Any]) -> Table:
    table = Table(title="closed positions", expand=True)
    for column in ("symbol", "long / short", "size", "funding L / S", "fees", "price PnL", "net PnL",
                   "worst unhedged", "reason"):
        table.add_column(column)
    for p in closed:
        table.add_row(p.symbol, f"{p.long_venue} / {p.short_venue}", f"{p.quantity:f}",
                      f"{_usd(p.funding_long, 4)} / {_usd(p.funding_short, 4)}", _usd(p.fees, 4),
                      _signed(p.price_pnl), _signed(p.net_pnl),
                      f"{_usd(p.worst_unhedged_notional)} USD, {p.worst_unhedged_seconds:.2f}s",
                      p.exit_reason)
    return table


def health_table(snapshot: dict[str, Any]) -> Table:
    table = Table(title="venues", expand=True)
    for column in ("venue", "funding data", "last error"):
        table.add_column(column)
    errors = snapshot.get("venue_errors", {})
    for health in snapshot.get("venue_health", []):
        style = {"ok": "green", "degraded": "yellow", "down": "red"}.get(health["status"], "dim")
        table.add_row(health["venue"], Text(health["status"], style=style),
                      errors.get(health["venue"]) or health.get("last_error") or "")
    return table


def render(snapshot: dict[str, Any]) -> RenderableType:
    state = snapshot["state"]
    header = Text.assemble(
        ("funding-arb ", "bold"), (f"{state}", "cyan"), f" · checks {snapshot.get('checks', 0)}",
        f" · accounts {', '.join(f'{v}:{a}' for v, a in snapshot['accounts'].items())}",
        (" · DRY RUN" if snapshot.get("dry_run") else "", "bold yellow"))
    parts: list[RenderableType] = [header]
    if snapshot.get("blocked"):
        parts.append(Text(f"trading blocked: {snapshot['blocked']}", style="bold red"))
    parts.append(positions_table(snapshot.get("positions", [])))
    if snapshot.get("closed"):
        parts.append(closed_table(snapshot["closed"]))
    parts.append(health_table(snapshot))
    messages = snapshot.get("messages", [])[-6:]
    if messages:
        parts.append(Panel(Text("\n".join(messages)), title="recent", expand=True))
    return Group(*parts)
