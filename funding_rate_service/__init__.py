"""Funding-rate service: collection, cross-venue opportunity ranking, HTTP API and dashboard.

In-process use (strategies)::

    from funding_rate_service import OpportunityEngine, OpportunityFilters
    ranked = OpportunityEngine().rank(samples, stats, markets, OpportunityFilters(min_net_apr=...))

or a whole service (collector + storage + ranking)::

    async with await FundingService.create({"lighter": None, "aster": None}, database=db) as svc:
        await svc.refresh()
        best = await svc.best()

See docs/FUNDING.md for the formulas and the API.
"""

from funding_rate_service.collector import Collector, CycleResult, VenueResult, VenueSnapshot
from funding_rate_service.errors import (
    FundingServiceError,
    HistoryUnavailableError,
    NoVenuesError,
    StorageError,
    UnknownVenueError,
)
from funding_rate_service.models import (
    Exclusion,
    FeeMode,
    HistoryPoint,
    Opportunity,
    OpportunityFilters,
    OpportunityLeg,
    RankResult,
    RateView,
    VenueHealth,
)
from funding_rate_service.opportunities import DepthMap, OpportunityEngine, PairFigures, price_pair
from funding_rate_service.service import FundingService, ServiceSettings

__all__ = [
    "Collector", "CycleResult", "VenueResult", "VenueSnapshot", "FundingServiceError",
    "HistoryUnavailableError", "NoVenuesError", "StorageError", "UnknownVenueError", "Exclusion",
    "FeeMode", "HistoryPoint", "Opportunity", "OpportunityFilters", "OpportunityLeg", "RankResult",
    "RateView", "VenueHealth", "DepthMap", "OpportunityEngine", "PairFigures", "price_pair",
    "FundingService", "ServiceSettings",
]
