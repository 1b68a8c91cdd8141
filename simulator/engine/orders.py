"""Orders, fills, and the engine's typed rejections.

``Order`` and ``Fill`` are slotted records on integer units (see ``units``); their Decimal
views (``price``, ``size``, ``fee`` ...) are computed on access through the market. An
``Order`` is mutable and owned by the engine: a listener that keeps information about an order
must copy what it needs when the event is delivered (events carry the fields that change).
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

from simulator.engine.units import cash_to_decimal

if TYPE_CHECKING:
    from simulator.engine.accounts import Account
    from simulator.engine.market import Market

__all__ = [
    "Side", "OrderType", "TimeInForce", "OrderStatus", "CloseReason", "RejectReason",
    "SelfTradePolicy", "ReduceOnlyPolicy", "EngineError", "OrderRejected", "NotFoundError",
    "Order", "Fill",
]


class Side(IntEnum):
    BUY = 1
    SELL = -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    POST_ONLY = "post_only"


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    #: an IOC/FOK/market order's unfilled remainder, or a GTT order past its expiry
    EXPIRED = "expired"


class CloseReason(StrEnum):
    """Why an order left the book without filling completely."""

    USER = "user"
    SELF_TRADE = "self_trade"
    IOC_REMAINDER = "ioc_remainder"
    FOK_UNFILLED = "fok_unfilled"
    NO_LIQUIDITY = "no_liquidity"
    REDUCE_ONLY = "reduce_only"
    LIQUIDATION = "liquidation"
    EXPIRED = "expired"
    MARKET_CLOSED = "market_closed"
    REPLACED = "replaced"


class RejectReason(StrEnum):
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_MARKET = "unknown_market"
    MARKET_NOT_OPEN = "market_not_open"
    INVALID_SIZE = "invalid_size"
    INVALID_PRICE = "invalid_price"
    BELOW_MIN_SIZE = "below_min_size"
    BELOW_MIN_NOTIONAL = "below_min_notional"
    POST_ONLY_WOULD_CROSS = "post_only_would_cross"
    REDUCE_ONLY_WOULD_INCREASE = "reduce_only_would_increase"
    INSUFFICIENT_MARGIN = "insufficient_margin"
    DUPLICATE_CLIENT_ID = "duplicate_client_id"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_CLOSED = "order_closed"
    INVALID_LEVERAGE = "invalid_leverage"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    INVALID_REQUEST = "invalid_request"


class SelfTradePolicy(StrEnum):
    """What happens when an order would trade against an order of the same account."""

    CANCEL_MAKER = "cancel_maker"   # the resting order is cancelled, the taker continues
    CANCEL_TAKER = "cancel_taker"   # the taker's remainder is cancelled
    CANCEL_BOTH = "cancel_both"
    ALLOW = "allow"                 # the account trades with itself (both fills recorded)


class ReduceOnlyPolicy(StrEnum):
    TRIM = "trim"       # a reduce-only order larger than the position is cut down to it
    REJECT = "reject"   # ... or rejected


class EngineError(Exception):
    """Base of the engine's typed errors; ``reason`` is what a venue module maps to its codes."""

    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message


class OrderRejected(EngineError):
    """An order (or order change) was refused; nothing in the engine changed."""


class NotFoundError(EngineError):
    """Unknown account, market or order."""


class Order:
    __slots__ = (
        "id", "account", "market", "side", "type", "tif", "price_ticks", "lots",
        "remaining_lots", "filled_lots", "filled_cost", "fees_cash", "reduce_only", "client_id",
        "status", "reason", "created_ms", "updated_ms", "expires_ms", "live", "agent",
        "liquidation", "meta",
    )

    def __init__(self, order_id: int, account: Account, market: Market, side: int,
                 order_type: OrderType, tif: TimeInForce, price_ticks: int, lots: int,
                 reduce_only: bool, client_id: Any, now_ms: int, expires_ms: int | None) -> None:
        self.id = order_id
        self.account = account
        self.market = market
        self.side = side
        self.type = order_type
        self.tif = tif
        self.price_ticks = price_ticks   # limit price; for a market order the worst price or 0
        self.lots = lots
        self.remaining_lots = lots
        self.filled_lots = 0
        self.filled_cost = 0             # sum of |notional| of fills, cash units
        self.fees_cash = 0
        self.reduce_only = reduce_only
        self.client_id = client_id
        self.status = OrderStatus.OPEN
        self.reason: CloseReason | None = None
        self.created_ms = now_ms
        self.updated_ms = now_ms
        self.expires_ms = expires_ms
        self.live = False                # resting in the book
        self.agent = account.agent
        self.liquidation = False
        #: free slot for a venue module (e.g. its own order id format, signature fields)
        self.meta: dict[str, Any] | None = None

    # -- Decimal views ------------------------------------------------------------------
    @property
    def account_id(self) -> int:
        return self.account.id

    @property
    def market_id(self) -> int:
        return self.market.id

    @property
    def symbol(self) -> str:
        return self.market.symbol

    @property
    def price(self) -> Decimal | None:
        return self.market.price(self.price_ticks) if self.price_ticks else None

    @property
    def size(self) -> Decimal:
        return self.market.size(self.lots)

    @property
    def remaining(self) -> Decimal:
        return self.market.size(self.remaining_lots)

    @property
    def filled(self) -> Decimal:
        return self.market.size(self.filled_lots)

    @property
    def average_price(self) -> Decimal | None:
        """Volume-weighted fill price, or None before the first fill."""
        if not self.filled_lots:
            return None
        return cash_to_decimal(self.filled_cost) / (self.market.size(self.filled_lots))

    @property
    def fees(self) -> Decimal:
        return cash_to_decimal(self.fees_cash)

    @property
    def is_open(self) -> bool:
        return self.status is OrderStatus.OPEN or self.status is OrderStatus.PARTIALLY_FILLED

    def __repr__(self) -> str:
        return (f"Order(id={self.id}, acct={self.account.id}, {self.market.symbol}, "
                f"{'buy' if self.side > 0 else 'sell'} {self.remaining_lots}/{self.lots} lots "
                f"@{self.price_ticks}t {self.type.value}/{self.tif.value}, {self.status.value})")


class Fill:
    """One side of a trade: every trade produces a maker fill and a taker fill."""

    __slots__ = ("trade_id", "market", "account_id", "order_id", "client_id", "side",
                 "price_ticks", "lots", "fee_cash", "is_maker", "realized_cash", "liquidation",
                 "ts_ms", "market_ms", "other_account_id", "other_order_id")

    def __init__(self, trade_id: int, market: Market, account_id: int, order_id: int,
                 client_id: Any, side: int, price_ticks: int, lots: int, fee_cash: int,
                 is_maker: bool, realized_cash: int, liquidation: bool, ts_ms: int,
                 market_ms: int, other_account_id: int = 0, other_order_id: int = 0) -> None:
        self.trade_id = trade_id
        self.market = market
        self.account_id = account_id
        self.order_id = order_id
        self.client_id = client_id
        self.side = side
        self.price_ticks = price_ticks
        self.lots = lots
        self.fee_cash = fee_cash
        self.is_maker = is_maker
        self.realized_cash = realized_cash
        self.liquidation = liquidation
        self.ts_ms = ts_ms
        self.market_ms = market_ms
        #: the counterparty's account and order (0: the engine's backstop transfer)
        self.other_account_id = other_account_id
        self.other_order_id = other_order_id

    @property
    def market_id(self) -> int:
        return self.market.id

    @property
    def symbol(self) -> str:
        return self.market.symbol

    @property
    def price(self) -> Decimal:
        return self.market.price(self.price_ticks)

    @property
    def size(self) -> Decimal:
        return self.market.size(self.lots)

    @property
    def fee(self) -> Decimal:
        return cash_to_decimal(self.fee_cash)

    @property
    def notional(self) -> Decimal:
        return cash_to_decimal(self.price_ticks * self.lots * self.market.unit)

    @property
    def realized_pnl(self) -> Decimal:
        return cash_to_decimal(self.realized_cash)

    def __repr__(self) -> str:
        return (f"Fill(trade={self.trade_id}, acct={self.account_id}, order={self.order_id}, "
                f"{'buy' if self.side > 0 else 'sell'} {self.lots}@{self.price_ticks}t, "
                f"{'maker' if self.is_maker else 'taker'})")
