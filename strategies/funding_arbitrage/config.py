"""Configuration of the funding-arbitrage strategy (pydantic v2, loaded from YAML).

``configs/funding_arb.example.yaml`` documents every field with an example. Rates and returns
are Decimal fractions (``0.2`` = 20 % a year), money in USD, times in seconds unless the name
says hours. ``${VAR}`` in the YAML is substituted from the environment (secrets such as the
Telegram token stay out of the file).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from funding_rate_service import FeeMode
from helpers.config import load_config

__all__ = [
    "VenueAccount", "SymbolFilter", "EntryConfig", "LimitsConfig", "ExecutionConfig", "ExitConfig",
    "RotationConfig", "TelegramConfig", "NotificationsConfig", "SimConfig", "FundingArbConfig",
    "load_funding_arb_config",
]

_STRICT = ConfigDict(frozen=True, extra="forbid")


class VenueAccount(BaseModel):
    model_config = _STRICT
    account: str = Field(min_length=1, max_length=64,
                         description="Stored account name (perpdex accounts add); ignored with --sim.")


class SymbolFilter(BaseModel):
    model_config = _STRICT
    allow: list[str] | None = Field(default=None, description="Only these symbols (default: all).")
    deny: list[str] = Field(default_factory=list, description="Never these symbols.")

    @field_validator("allow", "deny")
    @classmethod
    def _upper(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [s.strip().upper() for s in value]

    def permits(self, symbol: str) -> bool:
        symbol = symbol.upper()
        return symbol not in self.deny and (self.allow is None or symbol in self.allow)


class EntryConfig(BaseModel):
    model_config = _STRICT
    min_net_apr: Decimal = Field(default=Decimal("0.2"), description="Net APR (after the round-trip "
                                 "fee amortised over the horizon) needed to enter.")
    horizon_hours: Decimal = Field(default=Decimal(72), gt=0, le=8760,
                                   description="Expected holding period, for the fee amortisation.")
    fee_mode: FeeMode = FeeMode.TAKER
    min_volume_usd: Decimal | None = Field(default=None, ge=0)
    min_open_interest_usd: Decimal | None = Field(default=None, ge=0)
    max_price_gap_bps: Decimal = Field(default=Decimal(30), ge=0, description="Largest gap between "
                                       "the long venue's ask and the short venue's bid, in bps of "
                                       "the price, paid on entry.")
    depth_slippage_bps: Decimal = Field(default=Decimal(20), ge=0, description="Book depth counts "
                                        "only within this distance of the touch.")
    first_leg: Literal["auto", "long", "short"] = Field(
        default="auto", description="Leg worked with post-only orders; auto = the venue where "
                                    "making instead of taking saves the most.")


class LimitsConfig(BaseModel):
    model_config = _STRICT
    position_notional_usd: Decimal = Field(gt=0, description="Per leg, per position.")
    total_notional_usd: Decimal = Field(gt=0, description="Per leg, all positions together.")
    max_leverage: Decimal = Field(default=Decimal(3), gt=0)
    max_positions: int = Field(default=3, ge=1)
    max_unhedged_notional_usd: Decimal = Field(gt=0, description="Largest |long − short| × price "
                                               "at any moment.")
    max_unhedged_seconds: float = Field(default=10.0, gt=0, description="Longest any exposure may "
                                        "stay unhedged before it is unwound.")
    margin_usage: Decimal = Field(default=Decimal("0.8"), gt=0, le=1,
                                  description="Share of each account's available collateral a "
                                              "new position may use.")
    min_position_notional_usd: Decimal = Field(default=Decimal(0), ge=0, description="A partly "
                                               "filled entry smaller than this is closed again.")

    @model_validator(mode="after")
    def _coherent(self) -> LimitsConfig:
        if self.total_notional_usd < self.position_notional_usd:
            raise ValueError("total_notional_usd must be at least position_notional_usd")
        return self


class ExecutionConfig(BaseModel):
    model_config = _STRICT
    hedge_slippage_bps: Decimal = Field(default=Decimal(30), ge=0)
    taker_slippage_bps: Decimal = Field(default=Decimal(30), ge=0)
    unwind_slippage_bps: Decimal = Field(default=Decimal(100), ge=0)
    emergency_slippage_bps: Decimal = Field(default=Decimal(150), ge=0)
    reprice_after_seconds: float = Field(default=2.0, gt=0)
    maker_timeout_seconds: float = Field(default=60.0, gt=0)
    taker_fallback: bool = True
    poll_interval_seconds: float = Field(default=0.2, gt=0)


class ExitConfig(BaseModel):
    model_config = _STRICT
    min_spread_8h: Decimal = Field(default=Decimal("0.0001"), description="Exit when the 8h spread "
                                   "stays below this for below_threshold_checks checks.")
    below_threshold_checks: int = Field(default=3, ge=1)
    exit_on_flip: bool = Field(default=True, description="Exit at once when the spread turns "
                                                         "negative (the position pays).")
    max_age_hours: Decimal = Field(default=Decimal(168), gt=0)
    liquidation_buffer: Decimal = Field(default=Decimal("0.1"), gt=0, lt=1, description="Emergency "
                                        "exit when a leg's price is within this fraction of its "
                                        "liquidation price.")


class RotationConfig(BaseModel):
    model_config = _STRICT
    enabled: bool = False
    min_gain: Decimal = Field(default=Decimal("0.001"), ge=0, description="Extra return (fraction of "
                              "notional over the horizon) a new pair must add beyond the round-trip "
                              "cost of switching.")


class TelegramConfig(BaseModel):
    model_config = _STRICT
    bot_token: SecretStr
    chat_id: str
    api_url: str = "https://api.telegram.org"


class NotificationsConfig(BaseModel):
    model_config = _STRICT
    telegram: TelegramConfig | None = None


class SimConfig(BaseModel):
    """Used with ``--sim`` only."""

    model_config = _STRICT
    scenario: str = "funding_divergence"
    usd_per_account: Decimal = Field(default=Decimal(100_000), gt=0)
    speed: float | None = Field(default=None, gt=0, description="Market-time speed-up (default: "
                                                                "the scenario's).")
    check_interval_seconds: float = Field(default=2.0, gt=0, description="Between checks under "
                                          "--sim (market time runs faster than the wall clock).")


class FundingArbConfig(BaseModel):
    model_config = _STRICT
    name: str = Field(default="funding-arb", max_length=64)
    dry_run: bool = Field(default=False, description="Scan, size and report; never place orders.")
    venues: dict[str, VenueAccount]
    symbols: SymbolFilter = Field(default_factory=SymbolFilter)
    entry: EntryConfig = Field(default_factory=EntryConfig)
    limits: LimitsConfig
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    exit: ExitConfig = Field(default_factory=ExitConfig)
    rotation: RotationConfig = Field(default_factory=RotationConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    check_interval_seconds: float = Field(default=30.0, gt=0)
    sim: SimConfig = Field(default_factory=SimConfig)

    @field_validator("venues")
    @classmethod
    def _two_venues(cls, value: dict[str, VenueAccount]) -> dict[str, VenueAccount]:
        if len(value) < 2:
            raise ValueError("funding arbitrage needs at least two venues")
        return {k.strip().lower(): v for k, v in value.items()}

    @model_validator(mode="after")
    def _bounds(self) -> FundingArbConfig:
        if self.limits.max_unhedged_notional_usd > self.limits.position_notional_usd:
            raise ValueError("limits.max_unhedged_notional_usd cannot exceed position_notional_usd")
        return self

    def accounts(self) -> dict[str, str]:
        """venue -> account name."""
        return {venue: v.account for venue, v in self.venues.items()}


def load_funding_arb_config(path: str | Path) -> FundingArbConfig:
    """Read and validate a YAML config (``${VAR}`` substituted); ``ConfigError`` names the
    failing fields, never their values."""
    return load_config(path, FundingArbConfig)
