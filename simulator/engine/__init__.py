"""The venue-agnostic exchange model. Start with ``Engine``; see docs/SIMULATOR.md."""

from simulator.engine.accounts import Account, FundingPayment, Position
from simulator.engine.clock import SimClock
from simulator.engine.core import EngineConfig, Ledger
from simulator.engine.engine import Engine
from simulator.engine.events import (
    AccountEvent,
    BookDelta,
    EventBus,
    FundingEvent,
    LiquidationEvent,
    MarketStatusEvent,
    MarketTick,
    OrderEvent,
    PositionEvent,
    TradeEvent,
)
from simulator.engine.market import FundingRecord, FundingStyle, Market, MarketSpec, MarketStatus
from simulator.engine.matching import Submission
from simulator.engine.orders import (
    CloseReason,
    EngineError,
    Fill,
    NotFoundError,
    Order,
    OrderRejected,
    OrderStatus,
    OrderType,
    ReduceOnlyPolicy,
    RejectReason,
    SelfTradePolicy,
    Side,
    TimeInForce,
)
from simulator.engine.params import (
    EngineParams,
    FundingKeyframe,
    FundingSpec,
    LiquiditySpec,
    PriceSpec,
    ShockSpec,
    TakerSpec,
)
from simulator.engine.views import AccountView, BookLevel, BookView, MarketStatsView, PositionView

__all__ = [
    "Account", "AccountEvent", "AccountView", "BookDelta", "BookLevel", "BookView", "CloseReason",
    "Engine", "EngineConfig", "EngineError", "EngineParams", "EventBus", "Fill", "FundingEvent",
    "FundingKeyframe", "FundingPayment", "FundingRecord", "FundingSpec", "FundingStyle", "Ledger",
    "LiquidationEvent", "LiquiditySpec", "Market", "MarketSpec", "MarketStatsView", "MarketStatus",
    "MarketStatusEvent", "MarketTick", "NotFoundError", "Order", "OrderEvent", "OrderRejected",
    "OrderStatus", "OrderType", "Position", "PositionEvent", "PositionView", "PriceSpec",
    "ReduceOnlyPolicy", "RejectReason", "SelfTradePolicy", "ShockSpec", "Side", "SimClock",
    "Submission", "TakerSpec", "TimeInForce", "TradeEvent",
]
