"""Accounts and which venues they have credentials for (never the secrets themselves)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from database.errors import AccountNotFoundError, CredentialsNotFoundError
from database.models import Account, VenueCredential
from database.session import SessionFactory

__all__ = ["AccountRepository", "AccountSummary", "VenueSummary"]

_LOCATION_FIELDS = ("environment", "rest_url", "ws_url")


@dataclass(frozen=True, slots=True)
class VenueSummary:
    venue: str
    environment: str
    rest_url: str | None
    ws_url: str | None
    #: non-secret identifiers as stored (addresses, account/key indices, public keys)
    identity: dict[str, Any]
    #: names of the encrypted fields (never their values)
    secret_fields: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None


@dataclass(frozen=True, slots=True)
class AccountSummary:
    name: str
    description: str | None
    created_at: datetime
    venues: tuple[VenueSummary, ...]

    def venue(self, name: str) -> VenueSummary | None:
        return next((v for v in self.venues if v.venue == name), None)


def _summary(account: Account) -> AccountSummary:
    venues = tuple(
        VenueSummary(
            venue=c.venue,
            environment=str(c.settings.get("environment", "mainnet")),
            rest_url=c.settings.get("rest_url"),
            ws_url=c.settings.get("ws_url"),
            identity={k: v for k, v in c.settings.items() if k not in _LOCATION_FIELDS},
            secret_fields=tuple(s.field for s in c.secrets),
            created_at=c.created_at, updated_at=c.updated_at, verified_at=c.verified_at)
        for c in account.venues)
    return AccountSummary(account.name, account.description, account.created_at, venues)


class AccountRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def list(self) -> list[AccountSummary]:
        async with self._sessions() as session:
            accounts = await session.scalars(select(Account).order_by(Account.name))
            return [_summary(a) for a in accounts]

    async def get(self, name: str) -> AccountSummary:
        async with self._sessions() as session:
            account = await session.scalar(select(Account).where(Account.name == name))
            if account is None:
                raise AccountNotFoundError(f"no account named {name!r}")
            return _summary(account)

    async def remove(self, name: str, venue: str | None = None) -> None:
        """Delete ``name``'s credentials for ``venue``, or the whole account (every venue)."""
        async with self._sessions.begin() as session:
            account = await session.scalar(select(Account).where(Account.name == name))
            if account is None:
                raise AccountNotFoundError(f"no account named {name!r}")
            if venue is None:
                await session.delete(account)
                return
            cred = next((c for c in account.venues if c.venue == venue), None)
            if cred is None:
                raise CredentialsNotFoundError(f"account {name!r} has no {venue} credentials")
            await session.delete(cred)

    async def has_venue(self, name: str, venue: str) -> bool:
        async with self._sessions() as session:
            found = await session.scalar(
                select(VenueCredential.id).join(Account).where(Account.name == name,
                                                               VenueCredential.venue == venue))
            return found is not None
