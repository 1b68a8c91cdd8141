"""Typed errors of the funding-rate service."""

from __future__ import annotations

__all__ = ["FundingServiceError", "StorageError", "UnknownVenueError", "NoVenuesError",
           "HistoryUnavailableError"]


class FundingServiceError(Exception):
    """Base of the service's own errors (venue errors stay ``exchange_clients.errors``)."""


class StorageError(FundingServiceError):
    """Writing or reading the database failed; the collection itself may have succeeded."""


class UnknownVenueError(FundingServiceError):
    def __init__(self, venue: str, known: list[str]) -> None:
        self.venue = venue
        self.known = known
        super().__init__(f"venue {venue!r} is not collected here (collected: "
                         f"{', '.join(known) or 'none'})")


class NoVenuesError(FundingServiceError):
    """No venue to collect from (none configured, or none installed)."""


class HistoryUnavailableError(FundingServiceError):
    """History needs storage and the service runs without a database."""
