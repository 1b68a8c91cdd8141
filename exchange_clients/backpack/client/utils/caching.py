"""Backpack-specific cached state: per-market contract data, and the account settings.

The symbol ↔ market catalogue is the shared ``common.markets.MarketCatalog``; what is
Backpack's own is what a request needs in venue units (the venue symbol, the tick and step
in contracts, the multiplier of ``k`` markets), and the account-wide settings that
``GET /api/v1/account`` returns (fees, the leverage limit), read at connect and after changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from helpers.time import monotonic

__all__ = ["BackpackMarket", "AccountSettings", "AccountCache", "DEFAULT_MAKER_FEE",
           "DEFAULT_TAKER_FEE"]

#: fee tier 1 (2 / 5 bps, support fees page via /wapi/v1/feeTiers); the account's own fees
#: replace these once ``GET /api/v1/account`` has been read
DEFAULT_MAKER_FEE = Decimal("0.0002")
DEFAULT_TAKER_FEE = Decimal("0.0005")
_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class BackpackMarket:
    """A market in venue units: ``tick`` and ``step`` per contract of ``multiplier`` tokens."""

    venue_symbol: str
    tick: Decimal
    step: Decimal
    multiplier: Decimal = Decimal(1)
    imf_base: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AccountSettings:
    maker_fee: Decimal
    taker_fee: Decimal
    leverage_limit: Decimal | None

    @classmethod
    def from_account(cls, body: dict[str, Any]) -> AccountSettings:
        """``AccountSummary``: fees in basis points, ``leverageLimit`` a decimal string."""
        maker = body.get("futuresMakerFee")
        taker = body.get("futuresTakerFee")
        limit = body.get("leverageLimit")
        return cls(
            maker_fee=Decimal(str(maker)) / _BPS if maker is not None else DEFAULT_MAKER_FEE,
            taker_fee=Decimal(str(taker)) / _BPS if taker is not None else DEFAULT_TAKER_FEE,
            leverage_limit=Decimal(str(limit)) if limit not in (None, "") else None)


class AccountCache:
    """The account settings, re-read after ``ttl`` seconds or an explicit invalidation."""

    def __init__(self, load: Callable[[], Awaitable[dict[str, Any]]], *, ttl: float = 60.0) -> None:
        self._load = load
        self._ttl = ttl
        self._value: AccountSettings | None = None
        self._at = 0.0

    @property
    def cached(self) -> AccountSettings | None:
        return self._value

    def invalidate(self) -> None:
        self._at = 0.0

    async def get(self) -> AccountSettings:
        if self._value is None or monotonic() - self._at > self._ttl:
            self._value = AccountSettings.from_account(await self._load())
            self._at = monotonic()
        return self._value
