"""Funding adapters registered under real venue names in ``exchange_clients.registry`` for the CLI
tests (the CLI builds adapters only through the registry). Fixed quotes, no network."""

from __future__ import annotations

from typing import Any

from exchange_clients.registry import VenueEntry
from helpers.venue_config import VenueConfig
from tests.funding_rate_service.fakes import FakeAdapter, unavailable

MODULE = __name__
StaticClient = object   # the registry checks that a venue package has a client class


class _Static(FakeAdapter):
    venue_name = ""
    quotes: dict[str, str] = {}
    interval = "8"
    taker = "0.0005"
    broken = False

    def __init__(self, config: VenueConfig) -> None:
        super().__init__(self.venue_name, self.quotes, interval=self.interval, taker=self.taker,
                         fail=unavailable(self.venue_name) if self.broken else None)
        self.config = config


class StaticLighter(_Static):
    venue_name, quotes, interval, taker = "lighter", {"BTC": "0.0012", "ETH": "0.0001"}, "1", "0"


class StaticAster(_Static):
    venue_name, quotes, taker = "aster", {"BTC": "-0.0003", "ETH": "0.0002", "SOL": "0.0001"}, "0.00035"


class BrokenParadex(_Static):
    venue_name, quotes, broken = "paradex", {"BTC": "0.0001"}, True


def entries(**classes: Any) -> dict[str, VenueEntry]:
    return {venue: VenueEntry(MODULE, "StaticClient", cls, "StaticClient", venue)
            for venue, cls in classes.items()}
