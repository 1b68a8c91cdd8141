"""Lighter-specific cached state: integer scaling per market, and the auth token.

The symbol ↔ market catalogue itself is the shared ``common.markets.MarketCatalog``; what is
Lighter's own is the data needed to build a transaction (market index, decimals) and the
short-lived auth token that private REST endpoints and WebSocket channels require.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from exchange_clients.errors import AuthenticationError
from helpers.time import now_ms
from helpers.unified_logger import register_secret

__all__ = ["LighterMarket", "AuthTokenCache"]


@dataclass(frozen=True, slots=True)
class LighterMarket:
    """What a transaction needs: ``Price = price × 10^price_decimals`` and
    ``BaseAmount = size × 10^size_decimals`` in venue units (contracts of ``multiplier``
    underlying units)."""

    market_index: int
    size_decimals: int
    price_decimals: int
    multiplier: Decimal = Decimal(1)


class AuthTokenCache:
    """Creates the ``{deadline}:{account}:{key}:{sig}`` token and renews it before expiry.

    ``lifetime`` is what we ask for (Lighter accepts up to 8 h); the token is renewed once less
    than ``refresh_margin`` remains, so a request never carries a token about to expire.
    """

    def __init__(self, create: Callable[[int], tuple[str | None, str | None]], *,
                 lifetime_s: int = 600, refresh_margin_s: int = 120) -> None:
        self._create = create
        self._lifetime = lifetime_s
        self._margin = refresh_margin_s
        self._token: str | None = None
        self._deadline_ms = 0
        self._lock = asyncio.Lock()

    @property
    def deadline_ms(self) -> int:
        return self._deadline_ms

    def invalidate(self) -> None:
        self._token = None
        self._deadline_ms = 0

    async def get(self) -> str:
        if self._token is not None and self._deadline_ms - now_ms() > self._margin * 1000:
            return self._token
        async with self._lock:
            if self._token is not None and self._deadline_ms - now_ms() > self._margin * 1000:
                return self._token
            token, error = self._create(self._lifetime)
            if error or not token:
                raise AuthenticationError("lighter", f"could not create an auth token: {error}",
                                          code="AUTH_TOKEN")
            register_secret(token)
            self._token = token
            self._deadline_ms = int(token.split(":", 1)[0]) * 1000
            return token
