"""Query parameters and response bodies of the HTTP API, as pydantic models.

The same models validate requests, build responses and generate the OpenAPI description, so
the three cannot drift apart. Query values arrive as strings; list parameters are
comma-separated (``venues=lighter,aster``) or repeated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from funding_rate_service.models import (
    Exclusion,
    FeeMode,
    HistoryPoint,
    Opportunity,
    OpportunityFilters,
    RateView,
    VenueHealth,
)

__all__ = [
    "RatesQuery", "OpportunitiesQuery", "HistoryQuery", "RatesResponse", "OpportunitiesResponse",
    "BestOpportunityResponse", "HistoryResponse", "VenuesResponse", "HealthResponse", "ErrorResponse",
    "ErrorDetail", "LIST_PARAMETERS", "MAX_HISTORY_DAYS", "DEFAULT_HISTORY_HOURS",
]

Symbol = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,32}$")]
Venue = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
MAX_HISTORY_DAYS = 31
DEFAULT_HISTORY_HOURS = 24
#: query parameters that take several values
LIST_PARAMETERS = frozenset({"symbols", "venues"})
_QUERY = ConfigDict(extra="forbid", frozen=True)
_BODY = ConfigDict(frozen=True)


class RatesQuery(BaseModel):
    model_config = _QUERY

    symbol: Symbol | None = Field(default=None, description="Only this normalised symbol.")
    include_stale: bool = Field(default=True, description="Include quotes older than their "
                                                          "interval x 2 (marked stale).")


class OpportunitiesQuery(BaseModel):
    model_config = _QUERY

    symbols: list[Symbol] | None = Field(default=None, description="Only these symbols "
                                                                   "(comma-separated).")
    venues: list[Venue] | None = Field(default=None, description="Only pairs with both legs on "
                                                                 "these venues (comma-separated).")
    horizon_hours: Decimal = Field(default=Decimal(24), gt=0, le=8760, allow_inf_nan=False,
                                   description="Holding period over which fees are amortised.")
    fee_mode: FeeMode = Field(default=FeeMode.TAKER, description="Fee paid on entry and exit.")
    min_spread_8h: Decimal | None = Field(default=None, allow_inf_nan=False,
                                          description="Minimum 8h spread (fraction, 0.0001 = 0.01 %).")
    min_net_apr: Decimal | None = Field(default=None, allow_inf_nan=False,
                                        description="Minimum net APR (fraction, 0.1 = 10 %).")
    min_volume_usd: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False,
                                           description="Minimum 24h volume of each leg, USD.")
    min_open_interest_usd: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False,
                                                  description="Minimum open interest of each leg, USD.")
    min_depth_usd: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False,
                                          description="Minimum top-of-book depth of each leg, USD.")
    limit: int = Field(default=100, ge=1, le=1000, description="Most opportunities returned.")

    def filters(self) -> OpportunityFilters:
        return OpportunityFilters(
            symbols=frozenset(self.symbols) if self.symbols else None,
            venues=frozenset(self.venues) if self.venues else None,
            horizon_hours=self.horizon_hours, fee_mode=self.fee_mode, min_spread_8h=self.min_spread_8h,
            min_net_apr=self.min_net_apr, min_volume_usd=self.min_volume_usd,
            min_open_interest_usd=self.min_open_interest_usd, min_depth_usd=self.min_depth_usd,
            limit=self.limit)


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: AwareDatetime | None = Field(default=None, alias="from",
                                        description="Start, inclusive: ISO 8601 with a timezone "
                                                    "or Unix seconds. Default: `to` - 24 h.")
    to: AwareDatetime | None = Field(default=None, description="End, exclusive. Default: now.")
    limit: int = Field(default=1000, ge=1, le=10000, description="Most points returned (oldest first).")

    @model_validator(mode="after")
    def _range(self) -> HistoryQuery:
        if self.from_ is not None and self.to is not None:
            if self.from_ >= self.to:
                raise ValueError("`from` must be before `to`")
            if self.to - self.from_ > timedelta(days=MAX_HISTORY_DAYS):
                raise ValueError(f"range longer than {MAX_HISTORY_DAYS} days; page through it")
        return self

    def resolve(self, now: datetime) -> tuple[datetime, datetime]:
        until = self.to or now
        since = self.from_ or until - timedelta(hours=DEFAULT_HISTORY_HOURS)
        if since >= until:
            raise ValueError("`from` must be before `to` (default `to` is now)")
        if until - since > timedelta(days=MAX_HISTORY_DAYS):
            raise ValueError(f"range longer than {MAX_HISTORY_DAYS} days; page through it")
        return since, until


class RatesResponse(BaseModel):
    model_config = _BODY
    as_of: datetime
    count: int
    rates: list[RateView]


class OpportunitiesResponse(BaseModel):
    model_config = _BODY
    as_of: datetime
    count: int
    symbols_considered: int
    excluded: dict[Exclusion, int]
    filters: dict[str, Any]
    opportunities: list[Opportunity]


class BestOpportunityResponse(BaseModel):
    model_config = _BODY
    as_of: datetime
    opportunity: Opportunity | None = Field(description="None when nothing passes the filters.")


class HistoryResponse(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)
    venue: str
    symbol: str
    from_: datetime = Field(alias="from")
    to: datetime
    count: int
    points: list[HistoryPoint]


class VenuesResponse(BaseModel):
    model_config = _BODY
    as_of: datetime
    venues: list[VenueHealth]


class HealthResponse(BaseModel):
    model_config = _BODY
    status: str = Field(description="starting | ok | degraded | down")
    venues: dict[str, str]
    cycles: int
    last_cycle_at: datetime | None
    storage: bool
    opportunities: int


class ErrorDetail(BaseModel):
    model_config = _BODY
    parameter: str
    message: str


class ErrorResponse(BaseModel):
    model_config = _BODY
    error: str = Field(description="invalid_parameter | not_found | unavailable | method_not_allowed")
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)
