"""Public data models of the client contract.

Prices, sizes and money are ``Decimal``; timestamps are aware UTC ``datetime``. Value models
are frozen pydantic v2 models. Symbols are *normalised* (``"BTC"``, ``"PEPE"``); the venue's
own symbol is kept on :class:`MarketInfo` as ``venue_symbol``.

Quantities are always in units of the normalised underlying: for a multiplier market such as
Backpack's ``kPEPE_USDC_PERP`` (1 contract = 1000 PEPE) the client converts both ways, so
``quantity=Decimal(5000)`` means 5000 PEPE on every venue and a hedge can be sized once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from helpers.time import ensure_utc, utc_now

__all__ = [
    "Side", "OrderType", "TimeInForce", "OrderStatus", "MarginMode", "Liquidity",
    "MarketInfo", "BBO", "OrderBookLevel", "OrderBookSnapshot", "OrderResult", "OrderInfo",
    "Fill", "PositionSnapshot", "LeverageInfo", "FundingRateSample", "MarketStats",
    "FundingPayment", "LiquidationEvent", "AccountPnL", "UtcDatetime",
    "OrderUpdateEvent", "FillEvent", "PositionUpdateEvent", "LiquidationNoticeEvent",
    "BBOEvent", "ConnectionEvent", "ClientEvent",
]

UtcDatetime = Annotated[datetime, AfterValidator(ensure_utc)]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"


class OrderStatus(StrEnum):
    PENDING = "pending"              # submitted, not yet acknowledged as resting/filled
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED,
                        OrderStatus.EXPIRED)


class MarginMode(StrEnum):
    CROSS = "cross"
    ISOLATED = "isolated"


class Liquidity(StrEnum):
    MAKER = "maker"
    TAKER = "taker"


class MarketInfo(BaseModel):
    """Static trading rules of one market.

    ``tick_size``/``step_size``/``min_size`` are in normalised units (already divided or
    multiplied by ``multiplier``). ``max_leverage`` is derived from the venue's initial margin
    fraction where it quotes one. Fees are fractions (0.0002 = 2 bps); negative is a rebate.
    """

    model_config = _FROZEN

    venue: str
    symbol: str
    venue_symbol: str
    market_id: str
    base_asset: str
    quote_asset: str = "USD"
    tick_size: Decimal = Field(gt=0)
    step_size: Decimal = Field(gt=0)
    min_size: Decimal = Field(ge=0)
    min_notional: Decimal = Field(ge=0)
    max_leverage: Decimal = Field(gt=0)
    maker_fee: Decimal
    taker_fee: Decimal
    funding_interval_hours: Decimal = Field(ge=0, description="0 = continuous accrual")
    multiplier: Decimal = Field(default=Decimal(1), gt=0,
                                description="Underlying units per venue contract (kPEPE: 1000)")
    tradeable: bool = True
    price_decimals: int | None = None
    size_decimals: int | None = None
    max_price_significant_figures: int | None = None


class OrderBookLevel(BaseModel):
    model_config = _FROZEN
    price: Decimal
    size: Decimal


class BBO(BaseModel):
    model_config = _FROZEN
    venue: str
    symbol: str
    bid: Decimal | None
    bid_size: Decimal | None
    ask: Decimal | None
    ask_size: Decimal | None
    timestamp: UtcDatetime = Field(default_factory=utc_now)
    source: Literal["ws", "rest"] = "rest"

    @classmethod
    def trusted(cls, venue: str, symbol: str, bid: Decimal | None, bid_size: Decimal | None,
                ask: Decimal | None, ask_size: Decimal | None, timestamp: datetime,
                source: Literal["ws", "rest"]) -> BBO:
        """Build without validation, for values read from our own exact book on the hot path
        (about 2.5× cheaper than ``model_construct``). Equal to the validated model; the
        caller guarantees Decimal prices and an aware timestamp."""
        obj = cls.__new__(cls)
        _set = object.__setattr__
        _set(obj, "__dict__", {"venue": venue, "symbol": symbol, "bid": bid, "bid_size": bid_size,
                               "ask": ask, "ask_size": ask_size, "timestamp": timestamp,
                               "source": source})
        _set(obj, "__pydantic_fields_set__", set(_BBO_FIELDS))
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj

    @property
    def mid(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Decimal | None:
        if self.bid is None or self.ask is None:
            return None
        return self.ask - self.bid


_BBO_FIELDS = frozenset(BBO.model_fields)


class OrderBookSnapshot(BaseModel):
    """Top levels of a book: bids descending, asks ascending."""

    model_config = _FROZEN
    venue: str
    symbol: str
    bids: tuple[OrderBookLevel, ...]
    asks: tuple[OrderBookLevel, ...]
    timestamp: UtcDatetime = Field(default_factory=utc_now)
    sequence: int | None = None
    source: Literal["ws", "rest"] = "rest"

    @model_validator(mode="after")
    def _ordered(self) -> OrderBookSnapshot:
        if any(lower.price >= higher.price
               for higher, lower in zip(self.bids, self.bids[1:], strict=False)):
            raise ValueError("bids must be strictly descending")
        if any(higher.price <= lower.price
               for lower, higher in zip(self.asks, self.asks[1:], strict=False)):
            raise ValueError("asks must be strictly ascending")
        return self

    @property
    def best_bid(self) -> OrderBookLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> OrderBookLevel | None:
        return self.asks[0] if self.asks else None


class OrderResult(BaseModel):
    """What a venue said when it accepted an order. Rejections raise typed errors instead.

    ``status`` may be ``PENDING`` on venues that accept asynchronously (Paradex, Lighter):
    follow it with :meth:`BaseExchangeClient.await_order_update` or ``get_order_info``.
    """

    model_config = _FROZEN
    venue: str
    symbol: str
    order_id: str | None
    client_order_id: str
    side: Side
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None
    status: OrderStatus
    filled_quantity: Decimal = Decimal(0)
    average_fill_price: Decimal | None = None
    timestamp: UtcDatetime = Field(default_factory=utc_now)


class OrderInfo(BaseModel):
    model_config = _FROZEN
    venue: str
    symbol: str
    order_id: str
    client_order_id: str | None
    side: Side
    order_type: OrderType
    price: Decimal | None
    quantity: Decimal
    filled_quantity: Decimal
    average_fill_price: Decimal | None = None
    status: OrderStatus
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime = Field(default_factory=utc_now)
    cancel_reason: str | None = None

    @property
    def remaining_quantity(self) -> Decimal:
        return max(self.quantity - self.filled_quantity, Decimal(0))


class Fill(BaseModel):
    model_config = _FROZEN
    venue: str
    symbol: str
    trade_id: str
    order_id: str
    client_order_id: str | None = None
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal = Field(description="Paid fee in quote currency; negative is a rebate")
    liquidity: Liquidity | None = None
    timestamp: UtcDatetime


class PositionSnapshot(BaseModel):
    """``quantity`` is signed: positive long, negative short, zero flat."""

    model_config = _FROZEN
    venue: str
    symbol: str
    quantity: Decimal
    entry_price: Decimal | None
    mark_price: Decimal | None = None
    unrealized_pnl: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    funding_accrued: Decimal = Decimal(0)
    liquidation_price: Decimal | None = None
    leverage: Decimal | None = None
    margin: Decimal | None = None
    timestamp: UtcDatetime = Field(default_factory=utc_now)

    @property
    def side(self) -> Side | None:
        if self.quantity > 0:
            return Side.BUY
        if self.quantity < 0:
            return Side.SELL
        return None

    @property
    def notional(self) -> Decimal | None:
        price = self.mark_price or self.entry_price
        return None if price is None else abs(self.quantity) * price


class LeverageInfo(BaseModel):
    model_config = _FROZEN
    venue: str
    symbol: str
    leverage: Decimal
    max_leverage: Decimal
    margin_mode: MarginMode = MarginMode.CROSS


class FundingRateSample(BaseModel):
    """A funding quote. ``normalized_rate`` is the 8-hour equivalent of ``raw_rate``:
    ``raw_rate * 8 / interval_hours`` (for continuous accrual the venue's own 8h figure)."""

    model_config = _FROZEN
    venue: str
    symbol: str
    raw_rate: Decimal
    interval_hours: Decimal = Field(ge=0)
    normalized_rate: Decimal
    timestamp: UtcDatetime
    next_funding_time: UtcDatetime | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None

    @property
    def apr(self) -> Decimal:
        """Annualised rate: 8h rate × 3 × 365."""
        return self.normalized_rate * 3 * 365


class MarketStats(BaseModel):
    model_config = _FROZEN
    venue: str
    symbol: str
    mark_price: Decimal | None
    index_price: Decimal | None = None
    volume_24h_usd: Decimal | None = None
    open_interest_usd: Decimal | None = None
    timestamp: UtcDatetime = Field(default_factory=utc_now)


class FundingPayment(BaseModel):
    """``amount`` is signed from the account's view: positive received, negative paid."""

    model_config = _FROZEN
    venue: str
    symbol: str
    amount: Decimal
    rate: Decimal | None = None
    position_quantity: Decimal | None = None
    timestamp: UtcDatetime


class LiquidationEvent(BaseModel):
    model_config = _FROZEN
    venue: str
    symbol: str
    quantity: Decimal
    price: Decimal
    timestamp: UtcDatetime


class AccountPnL(BaseModel):
    model_config = _FROZEN
    venue: str
    unrealized_pnl: Decimal
    realized_pnl: Decimal | None = None
    funding: Decimal | None = None
    fees: Decimal | None = None


# ---- events: one typed stream per client -------------------------------------------------

class _Event(BaseModel):
    model_config = _FROZEN
    venue: str
    received_at: UtcDatetime = Field(default_factory=utc_now)


class OrderUpdateEvent(_Event):
    kind: Literal["order"] = "order"
    order: OrderInfo


class FillEvent(_Event):
    kind: Literal["fill"] = "fill"
    fill: Fill


class PositionUpdateEvent(_Event):
    kind: Literal["position"] = "position"
    position: PositionSnapshot


class LiquidationNoticeEvent(_Event):
    kind: Literal["liquidation"] = "liquidation"
    liquidation: LiquidationEvent


class BBOEvent(_Event):
    kind: Literal["bbo"] = "bbo"
    bbo: BBO


class ConnectionEvent(_Event):
    """Private/public feed state changes (connected, reconnecting, resynced, stale)."""

    kind: Literal["connection"] = "connection"
    state: Literal["connected", "disconnected", "reconnecting", "resynced", "stale"]
    detail: str = ""


ClientEvent = (OrderUpdateEvent | FillEvent | PositionUpdateEvent | LiquidationNoticeEvent
               | BBOEvent | ConnectionEvent)
