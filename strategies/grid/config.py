"""Configuration of the grid strategy (pydantic v2, loaded from YAML).

``configs/grid.example.yaml`` documents every key. Percentages are **percent** (``0.5`` =
0.5 %), money in USD, times in seconds, prices in the quote currency of the normalised
symbol. ``${VAR}`` in the YAML is read from the environment.

Price rules, for a ``long`` grid (a ``short`` grid mirrors every comparison):

* ``stop_price`` — the mid at or below it: cancel everything, close the position, halt;
* ``stop_loss_pct`` — the mid this far below the position's entry price: the same;
* ``pause_price`` — the mid at or above it: no new opens (take-profits stay and keep working).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from exchange_clients.models import Side
from helpers.config import load_config
from strategies.funding_arbitrage.config import NotificationsConfig

__all__ = ["GridConfig", "GridSimConfig", "load_grid_config"]

_STRICT = ConfigDict(frozen=True, extra="forbid")


class GridSimConfig(BaseModel):
    """Used with ``--sim`` only."""

    model_config = _STRICT
    scenario: str = Field(default="range", min_length=1, description="A bundled scenario name or a "
                          "YAML path; `range` swings every underlying on a sine, what a grid "
                          "trades.")
    usd: Decimal = Field(default=Decimal(100_000), gt=0, description="Deposit of the simulated account.")
    speed: float | None = Field(default=60.0, gt=0, description="Market seconds per wall second "
                                "(a grid needs the price to move; default 60).")
    check_interval_seconds: float = Field(default=1.0, gt=0)


class GridConfig(BaseModel):
    model_config = _STRICT
    name: str = Field(default="grid", min_length=1, max_length=64)
    venue: str = Field(min_length=1)
    account: str = Field(default="main", min_length=1, max_length=64,
                         description="Stored account name (perpdex accounts add); ignored with --sim.")
    symbol: str = Field(min_length=1, description="Normalised symbol (BTC, ETH, PEPE).")
    direction: Literal["long", "short"]
    order_size: Decimal | None = Field(default=None, gt=0, description="Base units per open order.")
    order_notional_usd: Decimal | None = Field(default=None, gt=0,
                                               description="Or: quote value per open order.")
    take_profit_pct: Decimal = Field(gt=0, lt=100, description="Close this far from the open price.")
    grid_step_pct: Decimal = Field(default=Decimal(0), ge=0, lt=100, description="A new open is "
                                   "placed only if its take-profit lies at least this far from "
                                   "the nearest existing close order.")
    max_close_orders: int = Field(default=10, ge=1, description="No new open while this many "
                                  "take-profits are working.")
    wait_seconds: float = Field(default=0.0, ge=0, description="Between an open order finishing "
                                "with a fill and the next open order.")
    stop_price: Decimal | None = Field(default=None, gt=0)
    pause_price: Decimal | None = Field(default=None, gt=0)
    stop_loss_pct: Decimal | None = Field(default=None, gt=0, lt=100)
    leverage: Decimal | None = Field(default=None, gt=0, description="Set on the market at start.")
    post_only_offset_ticks: int = Field(default=1, ge=1, description="Open price: this many ticks "
                                        "inside the opposite touch (1 = the most aggressive maker "
                                        "price).")
    reprice_bps: Decimal = Field(default=Decimal(10), gt=0, description="An open order left this "
                                 "far behind the price it would be placed at now is re-priced.")
    open_timeout_seconds: float = Field(default=300.0, gt=0, description="An open order older than "
                                        "this is re-priced.")
    post_only_retries: int = Field(default=3, ge=0, description="Re-pricings after a post-only "
                                   "rejection within one check (one tick further each time).")
    post_only_retry_delay_seconds: float = Field(default=0.2, ge=0, description="Pause before a "
                                                  "re-pricing, for the book feed to show the move "
                                                  "that caused the rejection.")
    close_slippage_bps: Decimal = Field(default=Decimal(100), gt=0, description="Bound of the "
                                        "reduce-only taker orders that close the position on a stop.")
    check_interval_seconds: float = Field(default=5.0, gt=0)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    sim: GridSimConfig = Field(default_factory=GridSimConfig)

    @field_validator("venue")
    @classmethod
    def _venue(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        return value.strip().upper()

    @model_validator(mode="after")
    def _coherent(self) -> GridConfig:
        if (self.order_size is None) == (self.order_notional_usd is None):
            raise ValueError("give exactly one of order_size and order_notional_usd")
        if self.stop_price is not None and self.pause_price is not None:
            # the stop lies beyond the pause on the adverse side, never inside the range traded
            if self.direction == "long" and self.stop_price >= self.pause_price:
                raise ValueError("a long grid needs stop_price below pause_price")
            if self.direction == "short" and self.stop_price <= self.pause_price:
                raise ValueError("a short grid needs stop_price above pause_price")
        return self

    # ---- derived ------------------------------------------------------------------------

    @property
    def open_side(self) -> Side:
        return Side.BUY if self.direction == "long" else Side.SELL

    @property
    def close_side(self) -> Side:
        return self.open_side.opposite

    @property
    def key(self) -> str:
        """What identifies one grid across restarts: the same venue, account, symbol and
        direction continue the same grid."""
        return f"{self.venue}:{self.account}:{self.symbol}:{self.direction}"


def load_grid_config(path: str | Path) -> GridConfig:
    """Read and validate a YAML config (``${VAR}`` substituted); ``ConfigError`` names the
    failing fields, never their values."""
    return load_config(path, GridConfig)
