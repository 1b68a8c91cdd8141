"""Instruments: the static ``MarketSpec`` (validated, Decimal) and the runtime ``Market``.

A ``Market`` holds everything the engine keeps per instrument on integer units: its book
(``bids``/``asks``), the book sequence ``seq`` (+1 for every engine operation that changed the
book, the number a venue module turns into its nonce/update id/seq_no), index, fair and mark
prices in ticks, funding state, open interest and a rolling 24h volume.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.engine.book import BookSide
from simulator.engine.orders import NotFoundError, OrderRejected, RejectReason
from simulator.engine.units import (
    CASH_SCALE,
    FRACTION_SCALE,
    cash_to_decimal,
    fraction_to_int,
    int_to_rate,
    rate_to_int,
)

if TYPE_CHECKING:
    from simulator.engine.accounts import Position

__all__ = ["MarketStatus", "FundingStyle", "MarketSpec", "Market", "FundingRecord"]

HOUR_MS = 3_600_000


class MarketStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"        # no new orders, no matching; resting orders stay
    DELISTED = "delisted"    # resting orders cancelled; not tradeable


class FundingStyle(StrEnum):
    INTERVAL = "interval"      # settled every funding_interval_hours (Lighter, Backpack, Aster, HL)
    CONTINUOUS = "continuous"  # accrued at every price step (Paradex); rate quoted per period


class MarketSpec(BaseModel):
    """What a venue lists. Sizes are in contracts of ``multiplier`` underlying units."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: str = Field(description="Normalised underlying, e.g. 'BTC', 'PEPE'.")
    venue_symbol: str = Field(description="The venue's own symbol, e.g. 'kPEPE_USDC_PERP'.")
    market_id: int = Field(ge=0, description="The venue's numeric id (or index) of the market.")
    multiplier: int = Field(default=1, ge=1, description="Underlying units per contract (1000 for kPEPE).")
    quote: str = "USD"
    tick_size: Decimal = Field(gt=0)
    step_size: Decimal = Field(gt=0)
    min_size: Decimal | None = Field(default=None, description="Defaults to one step.")
    min_notional: Decimal = Field(default=Decimal(0), ge=0)
    max_leverage: Decimal = Field(gt=0)
    initial_margin_fraction: Decimal | None = Field(default=None, description="Defaults to 1/max_leverage.")
    maintenance_margin_fraction: Decimal | None = Field(default=None, description="Defaults to IMF/2.")
    maker_fee: Decimal = Decimal(0)
    taker_fee: Decimal = Decimal(0)
    funding_style: FundingStyle = FundingStyle.INTERVAL
    funding_interval_hours: Decimal = Field(
        default=Decimal(1), gt=0,
        description="INTERVAL: the settlement interval. CONTINUOUS: the period the quoted rate is for.")
    funding_cap: Decimal = Field(default=Decimal("0.04"), gt=0,
                                 description="Largest |rate| per interval (per period if continuous).")
    status: MarketStatus = MarketStatus.OPEN
    baseline_volume_24h_usd: Decimal = Field(
        default=Decimal(0), ge=0,
        description="Volume reported on top of simulated trades (the rest of the market).")
    baseline_open_interest_usd: Decimal = Field(default=Decimal(0), ge=0)

    @model_validator(mode="after")
    def _check_units(self) -> Self:
        unit = self.tick_size * self.step_size * CASH_SCALE
        if unit != unit.to_integral_value():
            raise ValueError(f"{self.venue_symbol}: tick*step = {self.tick_size * self.step_size} "
                             "is finer than the engine's cash unit")
        for value, what in ((self.maker_fee, "maker_fee"), (self.taker_fee, "taker_fee"),
                            (self.imf, "initial_margin_fraction"),
                            (self.mmf, "maintenance_margin_fraction")):
            fraction_to_int(value, f"{self.venue_symbol} {what}")
        if not Decimal(0) < self.mmf <= self.imf <= 1:
            raise ValueError(f"{self.venue_symbol}: need 0 < MMF <= IMF <= 1")
        for value, step, what in ((self.min_lot_size, self.step_size, "min_size"),):
            if value % step:
                raise ValueError(f"{self.venue_symbol}: {what} {value} is not a multiple of {step}")
        if (self.funding_interval_hours * 3_600_000) % 1:
            raise ValueError(f"{self.venue_symbol}: funding interval must be whole milliseconds")
        return self

    @property
    def imf(self) -> Decimal:
        return self.initial_margin_fraction or (Decimal(1) / self.max_leverage).quantize(Decimal("1e-9"))

    @property
    def mmf(self) -> Decimal:
        return self.maintenance_margin_fraction or (self.imf / 2).quantize(Decimal("1e-9"))

    @property
    def min_lot_size(self) -> Decimal:
        return self.min_size if self.min_size is not None else self.step_size


class FundingRecord:
    """One funding settlement (or, for continuous accrual, one hour of it) of a market."""

    __slots__ = ("market_ms", "rate_num", "rate_8h_num", "mark_ticks", "market")

    def __init__(self, market: Market, market_ms: int, rate_num: int, rate_8h_num: int,
                 mark_ticks: int) -> None:
        self.market = market
        self.market_ms = market_ms
        self.rate_num = rate_num          # per interval (per period if continuous), RATE_SCALE
        self.rate_8h_num = rate_8h_num
        self.mark_ticks = mark_ticks

    @property
    def rate(self) -> Decimal:
        return int_to_rate(self.rate_num)

    @property
    def rate_8h(self) -> Decimal:
        return int_to_rate(self.rate_8h_num)

    @property
    def mark_price(self) -> Decimal:
        return self.market.price(self.mark_ticks)


class Market:
    __slots__ = (
        "spec", "id", "symbol", "venue_symbol", "multiplier", "tick", "step", "unit", "min_lots",
        "min_notional_cash", "imf_num", "mmf_num", "maker_num", "taker_num", "max_leverage",
        "status", "bids", "asks", "seq", "dirty", "index_ticks", "fair_ticks", "mark_ticks",
        "last_trade_ticks", "funding_style", "interval_ms", "period_ms", "cap_num",
        "rate_8h_num", "rate_num", "accum", "accum_ms", "next_funding_ms", "funding_history",
        "funding_index", "oi_lots", "holders", "vol_hour", "vol_lots", "vol_cash", "vol_buckets",
        "watchers", "client_resting", "quotes_stale", "baseline_volume_cash", "baseline_oi_cash",
        "model_scale",
    )

    def __init__(self, spec: MarketSpec, history: int = 5000) -> None:
        self.spec = spec
        self.id = spec.market_id
        self.symbol = spec.symbol
        self.venue_symbol = spec.venue_symbol
        self.multiplier = spec.multiplier
        self.tick = spec.tick_size
        self.step = spec.step_size
        self.unit = int(spec.tick_size * spec.step_size * CASH_SCALE)
        self.min_lots = int(spec.min_lot_size / spec.step_size)
        self.min_notional_cash = int(spec.min_notional * CASH_SCALE)
        self.imf_num = fraction_to_int(spec.imf)
        self.mmf_num = fraction_to_int(spec.mmf)
        self.maker_num = fraction_to_int(spec.maker_fee)
        self.taker_num = fraction_to_int(spec.taker_fee)
        self.max_leverage = spec.max_leverage
        self.status = spec.status
        self.bids = BookSide(True)
        self.asks = BookSide(False)
        self.seq = 0
        self.dirty: set[tuple[int, int]] = set()   # (side, price) changed in this operation
        self.index_ticks = 0
        self.fair_ticks = 0
        self.mark_ticks = 0
        self.last_trade_ticks = 0
        self.funding_style = spec.funding_style
        self.period_ms = int(spec.funding_interval_hours * HOUR_MS)
        self.interval_ms = self.period_ms if spec.funding_style is FundingStyle.INTERVAL else HOUR_MS
        self.cap_num = rate_to_int(spec.funding_cap)
        self.rate_8h_num = 0      # current funding rate, 8h-equivalent
        self.rate_num = 0         # current funding rate per interval/period (clamped)
        self.accum = 0            # sum of rate_num * ms since the last settlement/record
        self.accum_ms = 0
        self.next_funding_ms = 0
        self.funding_history: deque[FundingRecord] = deque(maxlen=history)
        self.funding_index = 0    # continuous: cumulative funding per lot, cash units * RATE_SCALE
        self.oi_lots = 0          # sum of long positions
        self.holders: dict[int, Position] = {}
        self.vol_hour = 0
        self.vol_lots = 0         # current market hour
        self.vol_cash = 0
        self.vol_buckets: deque[tuple[int, int, int]] = deque()
        self.watchers = 0         # venue modules streaming this book: keep quotes fresh
        self.client_resting = 0   # resting orders of non-agent accounts: keep quotes fresh
        self.quotes_stale = True
        self.baseline_volume_cash = int(spec.baseline_volume_24h_usd * CASH_SCALE)
        self.baseline_oi_cash = int(spec.baseline_open_interest_usd * CASH_SCALE)
        self.model_scale = spec.multiplier / float(spec.tick_size)   # model price -> ticks

    # -- conversions (exact) ----------------------------------------------------------------
    def price(self, ticks: int) -> Decimal:
        return ticks * self.tick

    def size(self, lots: int) -> Decimal:
        return lots * self.step

    def price_to_ticks(self, price: Decimal) -> int:
        """Exact ticks of ``price``; an off-tick or non-positive price is rejected."""
        if not price.is_finite() or price <= 0:
            raise OrderRejected(RejectReason.INVALID_PRICE, f"{self.venue_symbol}: price {price} must be > 0")
        q, r = divmod(price, self.tick)
        if r:
            raise OrderRejected(RejectReason.INVALID_PRICE,
                                f"{self.venue_symbol}: price {price} is not a multiple of tick {self.tick}")
        return int(q)

    def size_to_lots(self, size: Decimal) -> int:
        if not size.is_finite() or size <= 0:
            raise OrderRejected(RejectReason.INVALID_SIZE, f"{self.venue_symbol}: size {size} must be > 0")
        q, r = divmod(size, self.step)
        if r:
            raise OrderRejected(RejectReason.INVALID_SIZE,
                                f"{self.venue_symbol}: size {size} is not a multiple of step {self.step}")
        return int(q)

    def notional_cash(self, price_ticks: int, lots: int) -> int:
        return price_ticks * lots * self.unit

    def fraction_of(self, cash: int, fraction_num: int) -> int:
        return cash * fraction_num // FRACTION_SCALE

    # -- book views -----------------------------------------------------------------------
    @property
    def best_bid_ticks(self) -> int | None:
        return self.bids.best()

    @property
    def best_ask_ticks(self) -> int | None:
        return self.asks.best()

    # -- 24h volume -----------------------------------------------------------------------
    def add_volume(self, lots: int, cash: int, market_ms: int) -> None:
        hour = market_ms // HOUR_MS
        if hour != self.vol_hour:
            self._roll(hour)
        self.vol_lots += lots
        self.vol_cash += cash

    def _roll(self, hour: int) -> None:
        if self.vol_lots or self.vol_cash:
            self.vol_buckets.append((self.vol_hour, self.vol_lots, self.vol_cash))
        self.vol_hour, self.vol_lots, self.vol_cash = hour, 0, 0
        while self.vol_buckets and self.vol_buckets[0][0] <= hour - 24:
            self.vol_buckets.popleft()

    def volume_24h(self, market_ms: int) -> tuple[int, int]:
        """(lots, cash) traded in the last 24 market hours (hour buckets)."""
        hour = market_ms // HOUR_MS
        if hour != self.vol_hour:
            self._roll(hour)
        lots = self.vol_lots + sum(b[1] for b in self.vol_buckets)
        cash = self.vol_cash + sum(b[2] for b in self.vol_buckets)
        return lots, cash

    def open_interest_cash(self) -> int:
        return self.oi_lots * self.mark_ticks * self.unit

    def describe(self) -> dict[str, object]:
        return {"symbol": self.symbol, "venue_symbol": self.venue_symbol, "market_id": self.id,
                "status": self.status.value, "index": str(self.price(self.index_ticks)),
                "mark": str(self.price(self.mark_ticks)), "seq": self.seq,
                "open_interest_usd": str(cash_to_decimal(self.open_interest_cash()))}


def require_market(markets: dict[int, Market], market_id: int) -> Market:
    market = markets.get(market_id)
    if market is None:
        raise NotFoundError(RejectReason.UNKNOWN_MARKET, f"no market {market_id}")
    return market
