"""Finding what to enter: the funding service's ranking, checked against the live books.

The ranking (``FundingService.opportunities``, the in-process ``OpportunityEngine``) already
applies the net APR, horizon, fee mode, volume, open interest and staleness rules. For each
candidate the scanner then reads both venues' books through the trading clients and rejects
it when the entry would pay too much price gap between the venues (long ask vs short bid) or
when either side is empty. Symbols already held (on either venue) and symbols the
configuration denies are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.errors import ExchangeError
from exchange_clients.models import MarketInfo, OrderBookSnapshot
from funding_rate_service import FundingService, Opportunity, OpportunityFilters
from helpers.unified_logger import get_logger
from strategies.funding_arbitrage.config import FundingArbConfig

__all__ = ["Candidate", "Scanner", "ScanReport"]

_log = get_logger("strategies.funding_arb.scanner")
BOOK_LEVELS = 20


@dataclass(frozen=True, slots=True)
class Candidate:
    opportunity: Opportunity
    long_market: MarketInfo
    short_market: MarketInfo
    long_book: OrderBookSnapshot
    short_book: OrderBookSnapshot
    price_gap_bps: Decimal

    @property
    def symbol(self) -> str:
        return self.opportunity.symbol


@dataclass(frozen=True, slots=True)
class ScanReport:
    candidates: tuple[Candidate, ...]
    ranked: int
    skipped: dict[str, int]


class Scanner:
    def __init__(self, config: FundingArbConfig, service: FundingService,
                 clients: dict[str, BaseExchangeClient]) -> None:
        self.config = config
        self.service = service
        self.clients = clients

    def filters(self) -> OpportunityFilters:
        entry = self.config.entry
        allow = self.config.symbols.allow
        return OpportunityFilters(
            symbols=frozenset(allow) if allow is not None else None,
            venues=frozenset(self.config.venues), horizon_hours=entry.horizon_hours,
            fee_mode=entry.fee_mode, min_net_apr=entry.min_net_apr,
            min_volume_usd=entry.min_volume_usd, min_open_interest_usd=entry.min_open_interest_usd)

    async def scan(self, busy: set[tuple[str, str]], *, limit: int = 5) -> ScanReport:
        """Up to ``limit`` candidates, best first. ``busy`` holds (venue, symbol) pairs that
        positions already use (a venue nets one position per symbol)."""
        ranked = (await self.service.opportunities(self.filters())).opportunities
        skipped: dict[str, int] = {}
        out: list[Candidate] = []
        for opp in ranked:
            if len(out) >= limit:
                break
            reason = self._skip_reason(opp, busy)
            if reason is None:
                candidate, reason = await self._check_books(opp)
                if candidate is not None:
                    out.append(candidate)
                    continue
            skipped[reason or "unknown"] = skipped.get(reason or "unknown", 0) + 1
        return ScanReport(tuple(out), len(ranked), skipped)

    def _skip_reason(self, opp: Opportunity, busy: set[tuple[str, str]]) -> str | None:
        if not self.config.symbols.permits(opp.symbol):
            return "denied"
        if (opp.long.venue, opp.symbol) in busy or (opp.short.venue, opp.symbol) in busy:
            return "held"
        if opp.long.venue not in self.clients or opp.short.venue not in self.clients:
            return "no_client"
        return None

    async def _check_books(self, opp: Opportunity) -> tuple[Candidate | None, str | None]:
        long_client, short_client = self.clients[opp.long.venue], self.clients[opp.short.venue]
        try:
            long_market = await long_client.get_contract_attributes(opp.symbol)
            short_market = await short_client.get_contract_attributes(opp.symbol)
            long_book = await long_client.get_order_book_depth(opp.symbol, BOOK_LEVELS)
            short_book = await short_client.get_order_book_depth(opp.symbol, BOOK_LEVELS)
        except ExchangeError as exc:
            _log.info("skipping %s: books unavailable (%s)", opp.direction, exc)
            return None, "book_unavailable"
        if long_book.best_ask is None or short_book.best_bid is None:
            return None, "empty_book"
        ask, bid = long_book.best_ask.price, short_book.best_bid.price
        gap_bps = (ask - bid) / ((ask + bid) / 2) * Decimal(10_000)
        if gap_bps > self.config.entry.max_price_gap_bps:
            return None, "price_gap"
        return Candidate(opp, long_market, short_market, long_book, short_book, gap_bps), None
