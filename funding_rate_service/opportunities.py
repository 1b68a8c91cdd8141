"""Cross-venue funding opportunities: a pure ranking over quotes, stats and market metadata.

For every symbol quoted on two or more venues and every ordered pair of them (long on A, short
on B) the engine computes, per unit of notional on each leg (docs/FUNDING.md):

    spread_8h      = rate_8h(B) - rate_8h(A)            longs pay a positive rate
    gross_apr      = spread_8h x 3 x 365
    round_trip_fee = 2 x (fee(A) + fee(B))               entry and exit, each leg, paid once
    funding_return = spread_8h x H / 8                   over the holding horizon H hours
    net_return     = funding_return - round_trip_fee
    net_apr        = net_return x 8760 / H               the fee amortised over H, not per period

and keeps the pairs that pass the filters, sorted by net APR (best first). Quotes that are
stale, lack market metadata (fees), are not tradeable or miss a liquidity minimum are left
out and counted by reason. Nothing here does I/O: strategies call it in-process with their own
inputs, the service calls it with what the collector gathered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from funding_rate_service.models import (
    HOURS_PER_YEAR,
    Exclusion,
    FeeMode,
    Opportunity,
    OpportunityFilters,
    OpportunityLeg,
    RankResult,
)
from funding_rate_service.normalization import EIGHT, apr_from_8h, is_stale, rate_8h
from helpers.time import ensure_utc, utc_now

__all__ = ["OpportunityEngine", "DepthMap", "PairFigures", "price_pair"]

#: (venue, symbol) -> top-of-book depth in USD (the thinner of best bid and best ask notional)
DepthMap = Mapping[tuple[str, str], Decimal]
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class _Quote:
    sample: FundingRateSample
    rate_8h: Decimal
    market: MarketInfo
    stats: MarketStats | None
    depth: Decimal | None
    legs: dict[tuple[str, FeeMode], OpportunityLeg] = field(default_factory=dict)

    @property
    def venue(self) -> str:
        return self.sample.venue

    def fee(self, mode: FeeMode) -> Decimal:
        return self.market.taker_fee if mode is FeeMode.TAKER else self.market.maker_fee

    def leg(self, side: Literal["long", "short"], mode: FeeMode) -> OpportunityLeg:
        """The leg model, built once per quote and side (it appears in many pairs)."""
        cached = self.legs.get((side, mode))
        if cached is None:
            cached = self.legs[(side, mode)] = self._leg(side, mode)
        return cached

    def _leg(self, side: Literal["long", "short"], mode: FeeMode) -> OpportunityLeg:
        stats = self.stats
        return OpportunityLeg(
            venue=self.venue, side=side, rate_8h=self.rate_8h, raw_rate=self.sample.raw_rate,
            interval_hours=self.sample.interval_hours, fee=self.fee(mode),
            volume_24h_usd=stats.volume_24h_usd if stats else None,
            open_interest_usd=stats.open_interest_usd if stats else None,
            depth_usd=self.depth,
            mark_price=(stats.mark_price if stats and stats.mark_price else self.sample.mark_price),
            sampled_at=self.sample.timestamp)


@dataclass(frozen=True, slots=True)
class PairFigures:
    """The arithmetic of one pair (fractions of the notional of each leg)."""

    spread_8h: Decimal
    gross_apr: Decimal
    round_trip_fee: Decimal
    funding_return: Decimal
    net_return: Decimal
    net_apr: Decimal
    breakeven_hours: Decimal | None


def price_pair(long_rate_8h: Decimal, short_rate_8h: Decimal, long_fee: Decimal, short_fee: Decimal,
               horizon_hours: Decimal) -> PairFigures:
    """Long at ``long_rate_8h``, short at ``short_rate_8h``, each leg paying its fee on entry
    and on exit, held ``horizon_hours``."""
    if horizon_hours <= 0:
        raise ValueError("horizon_hours must be positive")
    spread = short_rate_8h - long_rate_8h
    fees = 2 * (long_fee + short_fee)
    funding = spread * horizon_hours / EIGHT
    net = funding - fees
    breakeven = max(_ZERO, fees) / (spread / EIGHT) if spread > 0 else None
    return PairFigures(spread_8h=spread, gross_apr=apr_from_8h(spread), round_trip_fee=fees,
                       funding_return=funding, net_return=net,
                       net_apr=net * HOURS_PER_YEAR / horizon_hours, breakeven_hours=breakeven)


class OpportunityEngine:
    """Ranks cross-venue funding spreads. Stateless and cheap: call it as often as needed."""

    def rank(self, samples: Iterable[FundingRateSample], stats: Iterable[MarketStats],
             markets: Iterable[MarketInfo], filters: OpportunityFilters | None = None, *,
             depth: DepthMap | None = None, now: datetime | None = None) -> list[Opportunity]:
        """Opportunities passing ``filters``, best net APR first."""
        return list(self.analyse(samples, stats, markets, filters, depth=depth, now=now).opportunities)

    def analyse(self, samples: Iterable[FundingRateSample], stats: Iterable[MarketStats],
                markets: Iterable[MarketInfo], filters: OpportunityFilters | None = None, *,
                depth: DepthMap | None = None, now: datetime | None = None) -> RankResult:
        """Like :meth:`rank`, with the number of quotes and pairs excluded per reason."""
        filters = filters or OpportunityFilters()
        now = ensure_utc(now) if now is not None else utc_now()
        excluded: Counter[Exclusion] = Counter()
        by_symbol = self._eligible_quotes(samples, stats, markets, filters, depth or {}, now, excluded)
        # rank on the bare figures and build models only for what is returned: a full scan of
        # five venues x 100 markets prices 2000 pairs, an API page returns 100
        ranked: list[tuple[tuple[Decimal, Decimal, str, str, str], _Quote, _Quote, PairFigures]] = []
        considered = 0
        for symbol, quotes in by_symbol.items():
            if len(quotes) < 2:
                continue
            considered += 1
            for long in quotes:
                for short in quotes:
                    if long is short:
                        continue
                    figures = price_pair(long.rate_8h, short.rate_8h, long.fee(filters.fee_mode),
                                         short.fee(filters.fee_mode), filters.horizon_hours)
                    reason = _pair_exclusion(figures, filters)
                    if reason is not None:
                        excluded[reason] += 1
                        continue
                    key = (-figures.net_apr, -figures.spread_8h, symbol, long.venue, short.venue)
                    ranked.append((key, long, short, figures))
        ranked.sort(key=lambda item: item[0])
        if filters.limit is not None:
            ranked = ranked[:filters.limit]
        found = tuple(_opportunity(long, short, figures, filters, now) for _, long, short, figures in ranked)
        return RankResult(opportunities=found, excluded=dict(excluded), symbols_considered=considered,
                          as_of=now)

    # ---- internals ----------------------------------------------------------------------

    @staticmethod
    def _eligible_quotes(samples: Iterable[FundingRateSample], stats: Iterable[MarketStats],
                         markets: Iterable[MarketInfo], filters: OpportunityFilters, depth: DepthMap,
                         now: datetime, excluded: Counter[Exclusion]) -> dict[str, list[_Quote]]:
        stats_by = {(s.venue, s.symbol): s for s in stats}
        markets_by = {(m.venue, m.symbol): m for m in markets}
        newest: dict[tuple[str, str], FundingRateSample] = {}
        for sample in samples:
            if filters.symbols is not None and sample.symbol not in filters.symbols:
                continue
            if filters.venues is not None and sample.venue not in filters.venues:
                continue
            key = (sample.venue, sample.symbol)
            if key not in newest or sample.timestamp > newest[key].timestamp:
                newest[key] = sample
        by_symbol: dict[str, list[_Quote]] = defaultdict(list)
        for key in sorted(newest):
            sample = newest[key]
            market, stat = markets_by.get(key), stats_by.get(key)
            reason = _quote_exclusion(sample, market, stat, depth.get(key), filters, now)
            if reason is not None:
                excluded[reason] += 1
                continue
            assert market is not None  # _quote_exclusion refuses a quote without metadata
            by_symbol[sample.symbol].append(_Quote(sample, rate_8h(sample), market, stat, depth.get(key)))
        return by_symbol


def _pair_exclusion(figures: PairFigures, filters: OpportunityFilters) -> Exclusion | None:
    if filters.min_spread_8h is not None and figures.spread_8h < filters.min_spread_8h:
        return Exclusion.SPREAD
    if filters.min_net_apr is not None and figures.net_apr < filters.min_net_apr:
        return Exclusion.NET_APR
    return None


def _opportunity(long: _Quote, short: _Quote, f: PairFigures, filters: OpportunityFilters,
                 now: datetime) -> Opportunity:
    # every value here was computed from validated inputs: constructing without re-validation
    # is what keeps a 2000-pair scan cheap
    mode = filters.fee_mode
    return Opportunity.model_construct(
        symbol=long.sample.symbol, long=long.leg("long", mode), short=short.leg("short", mode),
        spread_8h=f.spread_8h, gross_apr=f.gross_apr, round_trip_fee=f.round_trip_fee,
        horizon_hours=filters.horizon_hours, funding_return=f.funding_return, net_return=f.net_return,
        net_apr=f.net_apr, breakeven_hours=f.breakeven_hours, fee_mode=mode, as_of=now)


def _quote_exclusion(sample: FundingRateSample, market: MarketInfo | None, stats: MarketStats | None,
                     depth: Decimal | None, filters: OpportunityFilters, now: datetime) -> Exclusion | None:
    if is_stale(sample, now, filters.staleness_factor):
        return Exclusion.STALE
    if market is None:
        return Exclusion.NO_MARKET_INFO
    if not market.tradeable:
        return Exclusion.NOT_TRADEABLE
    if filters.min_volume_usd is not None and (
            stats is None or stats.volume_24h_usd is None or stats.volume_24h_usd < filters.min_volume_usd):
        return Exclusion.VOLUME
    if filters.min_open_interest_usd is not None and (
            stats is None or stats.open_interest_usd is None
            or stats.open_interest_usd < filters.min_open_interest_usd):
        return Exclusion.OPEN_INTEREST
    if filters.min_depth_usd is not None and (depth is None or depth < filters.min_depth_usd):
        return Exclusion.DEPTH
    return None
