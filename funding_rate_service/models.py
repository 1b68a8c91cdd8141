"""Typed values of the funding-rate service (pydantic v2, frozen).

Rates, fees and returns are ``Decimal`` *fractions*: ``0.0001`` is 0.01 %, an APR of ``1.2``
is 120 %/year. Every rate is per 8 hours unless its name says otherwise. Times are aware UTC.
The formulas behind each field are in docs/FUNDING.md.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field

from exchange_clients.models import UtcDatetime
from helpers.time import utc_now

__all__ = [
    "FeeMode", "OpportunityFilters", "OpportunityLeg", "Opportunity", "RankResult",
    "Exclusion", "RateView", "HistoryPoint", "VenueHealth", "VenueStatus", "HOURS_PER_YEAR",
]

HOURS_PER_YEAR = Decimal(8760)
_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _upper_symbols(value: frozenset[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(s.upper() for s in value)


def _lower_venues(value: frozenset[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(v.lower() for v in value)


class FeeMode(StrEnum):
    """Which fee each leg pays on entry and on exit. ``taker`` (default) assumes both legs
    cross the spread, which is how a hedge is usually put on; ``maker`` assumes resting orders
    fill on both legs (cheaper, not guaranteed)."""

    TAKER = "taker"
    MAKER = "maker"


class Exclusion(StrEnum):
    """Why a (venue, symbol) quote or a pair did not become an opportunity."""

    STALE = "stale"                      # rate older than interval x staleness factor
    NO_MARKET_INFO = "no_market_info"    # fees unknown: the round trip cannot be priced
    NOT_TRADEABLE = "not_tradeable"      # paused or delisted
    VOLUME = "volume"
    OPEN_INTEREST = "open_interest"
    DEPTH = "depth"                      # below min depth, or depth unknown while filtering on it
    NET_APR = "net_apr"
    SPREAD = "spread"


class OpportunityFilters(BaseModel):
    """What to rank and how. Liquidity minimums apply to *each* leg."""

    model_config = _FROZEN

    symbols: Annotated[frozenset[str] | None, AfterValidator(_upper_symbols)] = Field(
        default=None, description="Only these normalised symbols (default: all).")
    venues: Annotated[frozenset[str] | None, AfterValidator(_lower_venues)] = Field(
        default=None, description="Only pairs whose both legs are on these venues.")
    horizon_hours: Decimal = Field(default=Decimal(24), gt=0, le=HOURS_PER_YEAR,
                                   description="Holding period over which the round-trip fee "
                                               "is amortised.")
    fee_mode: FeeMode = FeeMode.TAKER
    min_spread_8h: Decimal | None = Field(default=None, description="Minimum 8h spread.")
    min_net_apr: Decimal | None = Field(default=None, description="Minimum net APR (fraction).")
    min_volume_usd: Decimal | None = Field(default=None, ge=0,
                                           description="Minimum 24h volume (USD) of each leg.")
    min_open_interest_usd: Decimal | None = Field(default=None, ge=0,
                                                  description="Minimum open interest (USD) of "
                                                              "each leg.")
    min_depth_usd: Decimal | None = Field(default=None, ge=0,
                                          description="Minimum top-of-book depth (USD) of each "
                                                      "leg on the side it trades.")
    staleness_factor: Decimal = Field(default=Decimal(2), ge=1,
                                      description="A rate older than its interval x this is "
                                                  "stale.")
    limit: int | None = Field(default=None, ge=1)


class OpportunityLeg(BaseModel):
    """One side of a pair as it was when ranked."""

    model_config = _FROZEN

    venue: str
    side: Literal["long", "short"]
    rate_8h: Decimal
    raw_rate: Decimal
    interval_hours: Decimal
    fee: Decimal = Field(description="Fee fraction paid per trade on this leg (entry, and "
                                     "again on exit).")
    volume_24h_usd: Decimal | None = None
    open_interest_usd: Decimal | None = None
    depth_usd: Decimal | None = None
    mark_price: Decimal | None = None
    sampled_at: UtcDatetime


class Opportunity(BaseModel):
    """Long ``symbol`` on ``long.venue`` and short it on ``short.venue``.

    Longs pay a positive rate, so the pair earns ``spread_8h = short.rate_8h - long.rate_8h``
    per 8h per unit of notional on each leg.
    """

    model_config = _FROZEN

    symbol: str
    long: OpportunityLeg
    short: OpportunityLeg
    spread_8h: Decimal
    gross_apr: Decimal = Field(description="spread_8h x 3 x 365")
    round_trip_fee: Decimal = Field(description="Entry + exit on both legs, paid once: "
                                                "2 x (long.fee + short.fee)")
    horizon_hours: Decimal
    funding_return: Decimal = Field(description="spread_8h x horizon / 8")
    net_return: Decimal = Field(description="funding_return - round_trip_fee")
    net_apr: Decimal = Field(description="net_return x 8760 / horizon")
    breakeven_hours: Decimal | None = Field(description="Hours of holding that pay the fees; "
                                                        "None when the spread is not positive.")
    fee_mode: FeeMode
    as_of: UtcDatetime

    @property
    def key(self) -> tuple[str, str, str]:
        return self.symbol, self.long.venue, self.short.venue

    @computed_field  # type: ignore[prop-decorator]
    @property
    def direction(self) -> str:
        return f"long {self.long.venue} / short {self.short.venue}"


class RankResult(BaseModel):
    """The ranking with the count of quotes and pairs left out, by reason."""

    model_config = _FROZEN

    opportunities: tuple[Opportunity, ...]
    excluded: dict[Exclusion, int] = Field(default_factory=dict)
    symbols_considered: int = 0
    as_of: UtcDatetime = Field(default_factory=utc_now)


class RateView(BaseModel):
    """The current funding of one (venue, symbol) as the API serves it."""

    model_config = _FROZEN

    venue: str
    symbol: str
    raw_rate: Decimal
    interval_hours: Decimal
    rate_8h: Decimal
    apr: Decimal = Field(description="rate_8h x 3 x 365")
    sampled_at: UtcDatetime
    age_seconds: Decimal
    stale: bool
    next_funding_time: UtcDatetime | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    volume_24h_usd: Decimal | None = None
    open_interest_usd: Decimal | None = None
    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None


class HistoryPoint(BaseModel):
    model_config = _FROZEN

    sampled_at: UtcDatetime
    raw_rate: Decimal
    interval_hours: Decimal
    rate_8h: Decimal
    mark_price: Decimal | None = None
    open_interest_usd: Decimal | None = None
    volume_24h_usd: Decimal | None = None


VenueStatus = Literal["pending", "ok", "degraded", "down"]


class VenueHealth(BaseModel):
    """Collection health of one venue. ``degraded``: the last attempt failed but an earlier
    one succeeded within the last few attempts; ``down``: several consecutive failures or
    never a success after an attempt."""

    model_config = _FROZEN

    venue: str
    status: VenueStatus
    last_attempt: UtcDatetime | None = None
    last_success: UtcDatetime | None = None
    last_success_age_seconds: Decimal | None = None
    last_latency_seconds: Decimal | None = None
    attempts: int = 0
    error_count: int = 0
    consecutive_errors: int = 0
    last_error: str | None = None
    last_error_kind: str | None = None
    symbols: int = 0
    markets: int = 0
