"""``BaseFundingAdapter``: public funding and market statistics of one venue, no credentials.

``fetch_funding_rates()`` returns one :class:`FundingRateSample` per normalised symbol, with
``raw_rate``/``interval_hours`` as the venue quotes them and ``normalized_rate`` the 8-hour
equivalent (``raw × 8 / interval_hours``; Paradex's continuous accrual uses its own
``funding_rate_8h``). Getting the interval wrong is an N× error on the whole ranking, so each
adapter states where its interval comes from.
"""

from __future__ import annotations

import abc
from decimal import Decimal
from types import TracebackType
from typing import Self

from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats

__all__ = ["BaseFundingAdapter", "normalize_to_8h"]

EIGHT = Decimal(8)


def normalize_to_8h(raw_rate: Decimal, interval_hours: Decimal) -> Decimal:
    """8-hour equivalent of a rate quoted per ``interval_hours`` (must be positive)."""
    if interval_hours <= 0:
        raise ValueError("interval_hours must be positive; continuous venues quote an 8h rate")
    return raw_rate * EIGHT / interval_hours


class BaseFundingAdapter(abc.ABC):
    @abc.abstractmethod
    def get_exchange_name(self) -> str:
        """Registry name of the venue."""

    @abc.abstractmethod
    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        """Current funding of every perpetual, keyed by normalised symbol."""

    @abc.abstractmethod
    async def fetch_market_data(self) -> dict[str, MarketStats]:
        """24h volume and open interest (USD) and mark price per normalised symbol."""

    @abc.abstractmethod
    async def fetch_markets(self) -> dict[str, MarketInfo]:
        """Public trading rules per normalised symbol: tick, step, minimums, maker/taker fees,
        funding interval — what an opportunity ranking needs to price the round trip."""

    @abc.abstractmethod
    def normalize_symbol(self, venue_symbol: str) -> str:
        """Venue symbol → normalised symbol (``"BTC-USD-PERP"`` → ``"BTC"``)."""

    @abc.abstractmethod
    def get_dex_symbol_format(self, symbol: str) -> str:
        """Normalised symbol → the venue's symbol."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the HTTP session. Idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
