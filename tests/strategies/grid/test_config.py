"""Grid configuration: the example file is complete and valid; incoherent configs are refused
with the field named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from exchange_clients.models import Side
from helpers.config import ConfigError
from strategies.grid import GridConfig, GridSimConfig, load_grid_config

EXAMPLE = Path(__file__).resolve().parents[3] / "configs" / "grid.example.yaml"
BASE: dict[str, Any] = {"venue": " Lighter ", "symbol": "btc", "direction": "long",
                        "order_notional_usd": "1000", "take_profit_pct": "0.2"}


def test_the_example_sets_and_comments_every_key() -> None:
    config = load_grid_config(EXAMPLE)
    assert (config.venue, config.symbol, config.direction) == ("lighter", "BTC", "long")
    text = EXAMPLE.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert set(data) == set(GridConfig.model_fields)
    assert set(data["sim"]) == set(GridSimConfig.model_fields)
    lines = text.splitlines()
    for key in [*GridConfig.model_fields, *GridSimConfig.model_fields]:
        line = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"{key}:"))
        # a comment on the key's line or in the block of comment lines right above it
        assert "#" in lines[line] or lines[line - 1].lstrip().startswith("#"), key


def test_normalisation_and_derived_values() -> None:
    config = GridConfig.model_validate(BASE)
    assert config.venue == "lighter" and config.symbol == "BTC"
    assert config.open_side is Side.BUY and config.close_side is Side.SELL
    assert config.key == "lighter:main:BTC:long"
    short = GridConfig.model_validate({**BASE, "direction": "short"})
    assert short.open_side is Side.SELL and short.key.endswith(":short")
    assert config.sim.scenario == "range"


@pytest.mark.parametrize(("changes", "message"), [
    ({"order_size": "0.01"}, "exactly one of order_size and order_notional_usd"),
    ({"order_notional_usd": None}, "exactly one of order_size and order_notional_usd"),
    ({"stop_price": "105", "pause_price": "100"}, "long grid needs stop_price below pause_price"),
    ({"direction": "short", "stop_price": "95", "pause_price": "100"},
     "short grid needs stop_price above pause_price"),
    ({"direction": "sideways"}, "direction"),
    ({"take_profit_pct": "0"}, "take_profit_pct"),
    ({"max_close_orders": 0}, "max_close_orders"),
    ({"post_only_offset_ticks": 0}, "post_only_offset_ticks"),
    ({"unknown": 1}, "unknown"),
])
def test_incoherent_configs_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GridConfig.model_validate({**BASE, **changes})


def test_a_bad_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "grid.yaml"
    path.write_text("venue: lighter\nsymbol: BTC\ndirection: long\norder_size: 0.01\n"
                    "take_profit_pct: -1\n")
    with pytest.raises(ConfigError, match="take_profit_pct"):
        load_grid_config(path)
    assert GridConfig.model_validate({**BASE, "stop_price": "95", "pause_price": "105"}).stop_price \
        == Decimal(95)
