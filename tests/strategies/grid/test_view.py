"""The live view of ``perpdex run grid`` renders a snapshot readably in an 80-column terminal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console

from strategies.grid.view import render, summary_line

D = Decimal


def snapshot(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "venue": "lighter", "account": "main", "symbol": "BTC", "direction": "long",
        "state": "running", "checks": 12, "blocked": None, "paused": False, "halted": None,
        "waiting": None, "bid": D("100099.9"), "ask": D("100139.8"), "position": D("0.02988"),
        "entry_price": D("100080.1"), "unrealized_pnl": D("1.25"), "realized_pnl": D("-3.5"),
        "fees": D("0.1"), "net_pnl": D("-3.6"), "round_trips": 2, "post_only_rejections": 1,
        "orders": [{"kind": "take-profit", "side": "sell", "price": D("100280.3"),
                    "quantity": D("0.00999"), "filled": D(0), "cid": "1234567"}],
        "messages": ["06:00:08 take-profit 0.01004 @ 99725.5 filled (round trip 1)"]}
    return {**base, **changes}


def text_of(data: dict[str, Any]) -> str:
    console = Console(width=80, record=True, color_system=None)
    console.print(render(data))
    return console.export_text()


def test_every_figure_is_visible_at_80_columns() -> None:
    text = text_of(snapshot())
    for shown in ("100099.9 / 100139.8", "0.02988", "100080.1", "1.2500", "-3.5000", "0.1000",
                  "-3.6000", "-2.3500", "round trips", "post-only rejections", "take-profit",
                  "100280.3", "0.00999", "1234567", "(round trip 1)", "checks 12 · working"):
        assert shown in text, shown
    assert "…" not in text                                     # nothing cut off


def test_the_state_line_says_why() -> None:
    assert "halted: stop price" in text_of(snapshot(halted="stop price 99700 reached"))
    assert "opening paused" in text_of(snapshot(paused=True))
    assert "waiting 20s" in text_of(snapshot(waiting="waiting 20s after the last fill"))
    empty = text_of(snapshot(orders=[], position=None, unrealized_pnl=None, bid=None, ask=None))
    assert "none" in empty and "– / –" in empty


def test_summary_line_totals_realised_and_unrealised() -> None:
    line = summary_line(snapshot())
    assert "position 0.02988, round trips 2" in line and "net -3.6000" in line
    assert "unrealised 1.2500, total -2.3500" in line
