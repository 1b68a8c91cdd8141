"""Paradex-specific cached state: each market's venue units, and the JWT.

The symbol ↔ market catalogue itself is the shared ``common.markets.MarketCatalog``; what is
Paradex's own is the contract multiplier of a market (``kPEPE-USD-PERP``: 1000 PEPE) and the
short-lived JWT that every private REST call and the WebSocket ``auth`` need.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import orjson

from helpers.time import monotonic

__all__ = ["ParadexMarket", "JwtCache", "jwt_lifetime", "OPAQUE_TOKEN_LIFETIME_S"]

#: lifetime assumed for a token whose claims cannot be read (paradex-py assumes 4 min)
OPAQUE_TOKEN_LIFETIME_S = 240.0


@dataclass(frozen=True, slots=True)
class ParadexMarket:
    """What an order needs beyond ``MarketInfo``: the venue symbol and the multiplier between
    normalised units and venue contracts (price per contract = price × multiplier, contracts =
    quantity / multiplier)."""

    venue_symbol: str
    multiplier: Decimal = Decimal(1)
    #: the period the venue's ``funding_rate`` is quoted per (funding itself accrues continuously)
    funding_period_hours: Decimal = Decimal(8)


def jwt_lifetime(token: str) -> float:
    """``exp − iat`` of a JWT, read without verifying it (only the venue can). Using the
    token's own lifetime, counted from when we received it, keeps our refresh schedule right
    even when our clock and the venue's disagree."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return max(float(claims["exp"]) - float(claims["iat"]), 0.0)
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error, orjson.JSONDecodeError):
        return OPAQUE_TOKEN_LIFETIME_S


class JwtCache:
    """Holds the JWT and renews it before it expires.

    Paradex tokens live 5 minutes and cannot be extended; the venue recommends refreshing well
    before expiry (after 3 minutes). A token is renewed once less than ``refresh_fraction`` of
    its lifetime remains (0.4 × 300 s = after 180 s), under a lock so that concurrent callers
    trigger one ``/auth``. ``invalidate()`` (after a 401) forces the next ``get()`` to renew.
    """

    def __init__(self, create: Callable[[], Awaitable[str]], *,
                 refresh_fraction: float = 0.4) -> None:
        self._create = create
        self._fraction = refresh_fraction
        self._token: str | None = None
        self._refresh_at = 0.0
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.refreshes = 0

    @property
    def expires_in(self) -> float:
        """Seconds until the current token expires (≤ 0: none or expired)."""
        return self._expires_at - monotonic() if self._token is not None else 0.0

    def _fresh(self) -> bool:
        return self._token is not None and monotonic() < self._refresh_at

    def invalidate(self, token: str | None = None) -> None:
        """Drop the token (only if it is still ``token``, when given: a concurrent caller may
        already have renewed it)."""
        if token is None or token == self._token:
            self._token = None
            self._refresh_at = self._expires_at = 0.0

    async def get(self) -> str:
        if self._fresh():
            assert self._token is not None
            return self._token
        async with self._lock:
            if self._fresh():
                assert self._token is not None
                return self._token
            received = monotonic()
            token = await self._create()
            lifetime = jwt_lifetime(token)
            self._token = token
            self._expires_at = received + lifetime
            self._refresh_at = received + lifetime * (1 - self._fraction)
            self.refreshes += 1
            return token
