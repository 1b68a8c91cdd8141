"""Repositories: typed methods over the schema; no SQL outside ``database``."""

from database.repositories.accounts import AccountRepository, AccountSummary, VenueSummary
from database.repositories.funding import (
    FundingRateInput,
    FundingRateRepository,
    MarketInput,
    MarketRepository,
)
from database.repositories.notifications import NotificationRepository
from database.repositories.orders import FillInput, OrderIntent, OrderRepository
from database.repositories.positions import LegInput, PositionRepository
from database.repositories.strategy import StrategyRunRepository

__all__ = [
    "AccountRepository", "AccountSummary", "VenueSummary", "FundingRateInput",
    "FundingRateRepository", "MarketInput", "MarketRepository", "NotificationRepository",
    "FillInput", "OrderIntent", "OrderRepository", "LegInput", "PositionRepository",
    "StrategyRunRepository",
]
