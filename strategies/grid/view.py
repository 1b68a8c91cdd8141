"""The live Rich view of ``perpdex run grid``, rendered from ``GridStrategy.snapshot()`` only
(no venue calls): open orders, position, realised PnL, round trips, recent events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["render", "summary_line"]


def _num(value: Decimal | None, places: int | None = None) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}" if places is not None else f"{value:f}"


def _signed(value: Decimal | None) -> Text:
    if value is None:
        return Text("–")
    return Text(_num(value, 4), style="green" if value > 0 else "red" if value < 0 else "")


def _status(snapshot: dict[str, Any]) -> Text:
    if snapshot.get("halted"):
        return Text(f"halted: {snapshot['halted']}", style="bold red")
    if snapshot.get("blocked"):
        return Text(f"blocked: {snapshot['blocked']}", style="bold yellow")
    if snapshot.get("paused"):
        return Text("opening paused (pause price)", style="yellow")
    return Text(snapshot.get("waiting") or "working", style="green" if not snapshot.get("waiting") else "dim")


def orders_table(orders: list[dict[str, Any]]) -> Table:
    table = Table(title="open orders", expand=True)
    for column in ("kind", "side", "price", "quantity", "filled", "client id"):
        table.add_column(column, justify="right" if column in ("price", "quantity", "filled") else "left")
    for order in orders:
        table.add_row(order["kind"], order["side"], _num(order["price"]), _num(order["quantity"]),
                      _num(order["filled"]), order["cid"])
    if not orders:
        table.add_row("[dim]none[/dim]", "", "", "", "", "")
    return table


def position_table(snapshot: dict[str, Any]) -> Table:
    """Label/value pairs, two to a row: readable in an 80-column terminal."""
    pairs: list[tuple[str, str | Text]] = [
        ("bid / ask", f"{_num(snapshot.get('bid'))} / {_num(snapshot.get('ask'))}"),
        ("position", _num(snapshot.get("position"))),
        ("entry", _num(snapshot.get("entry_price"))),
        ("unrealised", _signed(snapshot.get("unrealized_pnl"))),
        ("realised", _signed(snapshot.get("realized_pnl"))),
        ("fees", _num(snapshot.get("fees"), 4)),
        ("net realised", _signed(snapshot.get("net_pnl"))),
        ("total (net + unrealised)", _signed(_total(snapshot))),
        ("round trips", str(snapshot.get("round_trips", 0))),
        ("post-only rejections", str(snapshot.get("post_only_rejections", 0))),
    ]
    table = Table(title="position and PnL", expand=True, show_header=False)
    for _ in range(2):
        table.add_column(style="dim", no_wrap=True)
        table.add_column(justify="right", overflow="fold")
    for row in range(0, len(pairs), 2):
        cells: list[str | Text] = []
        for label, value in pairs[row:row + 2]:
            cells += [label, value]
        table.add_row(*cells)
    return table


def _total(snapshot: dict[str, Any]) -> Decimal | None:
    """Realised net of fees plus the open position's unrealised PnL: the grid's whole result
    (realised alone is average-cost, as the venue books it, and moves with the inventory)."""
    net, unrealised = snapshot.get("net_pnl"), snapshot.get("unrealized_pnl")
    return None if net is None or unrealised is None else net + unrealised


def summary_line(snapshot: dict[str, Any]) -> str:
    """One plain line: what a run ends with."""
    return (f"grid {snapshot['direction']} {snapshot['symbol']} on {snapshot['venue']}: position "
            f"{_num(snapshot.get('position'))}, round trips {snapshot.get('round_trips', 0)}, "
            f"realised {_num(snapshot.get('realized_pnl'), 4)}, fees {_num(snapshot.get('fees'), 4)}, "
            f"net {_num(snapshot.get('net_pnl'), 4)}, unrealised "
            f"{_num(snapshot.get('unrealized_pnl'), 4)}, total {_num(_total(snapshot), 4)}")


def render(snapshot: dict[str, Any]) -> RenderableType:
    header = Text.assemble(
        ("grid ", "bold"), (f"{snapshot['direction']} {snapshot['symbol']}", "cyan"),
        f" on {snapshot['venue']} ({snapshot['account']}) · {snapshot['state']} · "
        f"checks {snapshot.get('checks', 0)} · ", _status(snapshot))
    parts: list[RenderableType] = [header, position_table(snapshot), orders_table(snapshot["orders"])]
    messages = snapshot.get("messages", [])[-8:]
    if messages:
        parts.append(Panel(Text("\n".join(messages)), title="recent", expand=True))
    return Group(*parts)
