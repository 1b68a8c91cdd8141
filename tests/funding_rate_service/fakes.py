"""Constructed inputs and an in-memory funding adapter for the funding-service tests."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.errors import ExchangeError, ExchangeUnavailableError
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from helpers.time import UTC

D = Decimal
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sample(venue: str, symbol: str, rate_8h: str | Decimal, *, interval: str = "8",
           at: datetime = NOW, age: timedelta | None = None, raw: str | None = None) -> FundingRateSample:
    """A quote whose 8h equivalent is ``rate_8h`` on a venue quoting per ``interval`` hours
    (``"0"``: continuous, the venue's own 8h figure)."""
    r8, hours = D(rate_8h), D(interval)
    raw_rate = D(raw) if raw is not None else (r8 if hours == 0 else r8 * hours / 8)
    return FundingRateSample(venue=venue, symbol=symbol, raw_rate=raw_rate, interval_hours=hours,
                             normalized_rate=r8, timestamp=at - (age or timedelta(0)),
                             mark_price=D(100))


def market(venue: str, symbol: str, *, taker: str = "0.0005", maker: str = "0.0002",
           interval: str = "8", tradeable: bool = True) -> MarketInfo:
    return MarketInfo(venue=venue, symbol=symbol, venue_symbol=f"{symbol}-{venue}", market_id="1",
                      base_asset=symbol, tick_size=D("0.1"), step_size=D("0.001"), min_size=D("0.001"),
                      min_notional=D(10), max_leverage=D(20), maker_fee=D(maker), taker_fee=D(taker),
                      funding_interval_hours=D(interval), tradeable=tradeable)


def stats(venue: str, symbol: str, *, volume: str | None = "5000000", oi: str | None = "2000000",
          at: datetime = NOW) -> MarketStats:
    return MarketStats(venue=venue, symbol=symbol, mark_price=D(100),
                       volume_24h_usd=None if volume is None else D(volume),
                       open_interest_usd=None if oi is None else D(oi), timestamp=at)


class FakeAdapter(BaseFundingAdapter):
    """Serves fixed quotes; can hang, fail, or count calls. Timestamps are taken at call time
    from ``clock`` so that the staleness rule sees fresh data unless a test says otherwise."""

    def __init__(self, venue: str, rates: dict[str, str], *, interval: str = "8", taker: str = "0.0005",
                 maker: str = "0.0002", hang: bool = False, fail: ExchangeError | Exception | None = None,
                 clock: Any = None, delay: float = 0.0, barrier: asyncio.Barrier | None = None) -> None:
        self.venue, self.rates, self.interval = venue, dict(rates), interval
        self.taker, self.maker = taker, maker
        self.hang, self.fail, self.delay = hang, fail, delay
        self.clock = clock
        self.barrier = barrier
        self.calls = {"rates": 0, "stats": 0, "markets": 0}
        self.closed = False
        self.cancelled = 0

    def get_exchange_name(self) -> str:
        return self.venue

    def _now(self) -> datetime:
        return self.clock() if self.clock is not None else datetime.now(UTC)

    async def _behave(self) -> None:
        if self.barrier is not None:
            await self.barrier.wait()
        if self.hang:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        self.calls["rates"] += 1
        await self._behave()
        return {s: sample(self.venue, s, r, interval=self.interval, at=self._now())
                for s, r in self.rates.items()}

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        self.calls["stats"] += 1
        await self._behave()
        return {s: stats(self.venue, s, at=self._now()) for s in self.rates}

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        self.calls["markets"] += 1
        await self._behave()
        return {s: market(self.venue, s, taker=self.taker, maker=self.maker, interval=self.interval)
                for s in self.rates}

    def normalize_symbol(self, venue_symbol: str) -> str:
        return venue_symbol.split("-")[0]

    def get_dex_symbol_format(self, symbol: str) -> str:
        return f"{symbol}-{self.venue}"

    async def close(self) -> None:
        self.closed = True


def unavailable(venue: str) -> ExchangeUnavailableError:
    return ExchangeUnavailableError(venue, "maintenance", code="503")
