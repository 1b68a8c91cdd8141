"""``FundingService`` wiring: registry adapters, background rounds, depth, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from database import Database
from exchange_clients.base_websocket import BaseWebSocketManager, BBOListener
from exchange_clients.errors import ConfigurationError, StaleDataError
from exchange_clients.models import BBO, OrderBookLevel, OrderBookSnapshot
from exchange_clients.registry import supported_exchanges
from funding_rate_service import (
    Exclusion,
    FundingService,
    NoVenuesError,
    OpportunityFilters,
    ServiceSettings,
    UnknownVenueError,
)
from funding_rate_service.depth import WebSocketDepthProvider, book_depth_usd
from tests.funding_rate_service.fakes import FakeAdapter

D = Decimal


def fakes() -> dict[str, FakeAdapter]:
    return {"a": FakeAdapter("a", {"BTC": "0.0001", "ETH": "0.0003"}),
            "b": FakeAdapter("b", {"BTC": "0.0009", "ETH": "0.0001"})}


async def service_with(adapters: dict[str, FakeAdapter], **kwargs: Any) -> FundingService:
    return await FundingService.create({v: None for v in adapters},
                                       adapter_factory=lambda venue, _c: adapters[venue], **kwargs)


@pytest.mark.skipif("lighter" not in supported_exchanges(), reason="the lighter extra is not installed")
async def test_registry_builds_real_adapters_from_public_configs() -> None:
    service = await FundingService.create({"lighter": {"rest_url": "http://127.0.0.1:9"}})
    async with service:
        adapter = service.collector._adapters["lighter"]
        assert adapter.get_exchange_name() == "lighter"
        assert service.venues == ["lighter"]


async def test_unknown_or_missing_venue_is_a_configuration_error_and_closes_the_others() -> None:
    created = fakes()

    def factory(venue: str, config: Any) -> Any:
        if venue == "nowhere":
            raise ConfigurationError(venue, "unknown venue", code="UNKNOWN_VENUE")
        return created[venue]

    with pytest.raises(ConfigurationError):
        await FundingService.create({"a": None, "nowhere": None}, adapter_factory=factory)
    assert created["a"].closed
    with pytest.raises(NoVenuesError):
        await FundingService.create({})


async def test_background_rounds_until_stopped(db: Database) -> None:
    adapters = fakes()
    service = await service_with(adapters, database=db, settings=ServiceSettings(interval_seconds=0.01))
    async with service:
        service.start()
        service.start()          # idempotent: still one loop
        for _ in range(200):
            if service.cycles >= 3:
                break
            await asyncio.sleep(0.01)
        await service.stop()
        cycles = service.cycles
        assert cycles >= 3
        await asyncio.sleep(0.05)
        assert service.cycles == cycles
    assert all(a.closed for a in adapters.values())
    assert len(await db.funding.history("a", "BTC", service.last_cycle.started_at.replace(year=2000))) >= 3  # type: ignore[union-attr]


async def test_queries_check_the_venue() -> None:
    async with await service_with(fakes()) as service:
        await service.refresh()
        with pytest.raises(UnknownVenueError):
            service.rates("zzz")
        with pytest.raises(UnknownVenueError):
            await service.opportunities(OpportunityFilters(venues=frozenset({"zzz"})))
        best = await service.best()
        assert best is not None and (best.symbol, best.long.venue, best.short.venue) == ("BTC", "a", "b")
        assert service.opportunities_found() == (4, 1)   # only BTC a->b beats 24h of fees
        assert service.summary()["status"] == "ok"


class FakeDepth:
    def __init__(self, depth: dict[tuple[str, str], Decimal]) -> None:
        self.values = depth
        self.asked: list[set[tuple[str, str]]] = []
        self.closed = False

    async def depth(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
        wanted = set(keys)
        self.asked.append(wanted)
        return {k: v for k, v in self.values.items() if k in wanted}

    async def close(self) -> None:
        self.closed = True


async def test_depth_is_asked_only_for_candidate_legs_when_filtering_on_it() -> None:
    depth = FakeDepth({("a", "BTC"): D(90_000), ("b", "BTC"): D(90_000), ("a", "ETH"): D(1_000),
                       ("b", "ETH"): D(90_000)})
    service = await service_with(fakes(), depth=depth, settings=ServiceSettings(depth_candidates=2))
    async with service:
        await service.refresh()
        await service.opportunities()
        assert depth.asked == []                     # no depth minimum: no book needed
        result = await service.opportunities(OpportunityFilters(min_depth_usd=D(50_000)))
        # the two best candidates are BTC a->b and ETH b->a: their four legs are looked at
        assert depth.asked == [{("a", "BTC"), ("b", "BTC"), ("a", "ETH"), ("b", "ETH")}]
        assert [(o.symbol, o.long.venue) for o in result.opportunities] == [("BTC", "a"), ("BTC", "b")]
        assert result.excluded == {Exclusion.DEPTH: 1}
    assert depth.closed


class FakeBookManager(BaseWebSocketManager):
    def __init__(self, venue: str, books: dict[str, OrderBookSnapshot | None]) -> None:
        self.venue, self.books = venue, books
        self.subscribed: list[str] = []
        self.connected = self.disconnected = False

    async def connect(self) -> None:
        self.connected = True

    async def disconnect(self) -> None:
        self.disconnected = True

    async def prepare_market_feed(self, symbol: str) -> None:
        self.subscribed.append(symbol)

    async def wait_ready(self, symbol: str, timeout: float) -> None:
        if self.books.get(symbol) is None:
            raise StaleDataError(self.venue, f"{symbol} not ready within {timeout}")

    def is_ready(self, symbol: str) -> bool:
        return self.books.get(symbol) is not None

    def get_order_book(self, symbol: str, levels: int = 10) -> OrderBookSnapshot:
        book = self.books.get(symbol)
        if book is None:
            raise StaleDataError(self.venue, "not ready")
        return book

    def get_latest_bbo(self, symbol: str) -> BBO:
        raise StaleDataError(self.venue, "unused")

    def add_bbo_listener(self, listener: BBOListener) -> None:
        raise NotImplementedError

    def remove_bbo_listener(self, listener: BBOListener) -> None:
        raise NotImplementedError


def book(venue: str, symbol: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]]
         ) -> OrderBookSnapshot:
    return OrderBookSnapshot(venue=venue, symbol=symbol,
                             bids=tuple(OrderBookLevel(price=D(p), size=D(s)) for p, s in bids),
                             asks=tuple(OrderBookLevel(price=D(p), size=D(s)) for p, s in asks))


def test_book_depth_is_the_thinner_side_in_usd() -> None:
    b = book("v", "BTC", [("100", "2"), ("99", "10")], [("101", "1"), ("102", "10")])
    assert book_depth_usd(b) == D(101)                       # min(200, 101)
    assert book_depth_usd(b, levels=2) == D(1121)             # min(200 + 990, 101 + 1020)
    assert book_depth_usd(book("v", "BTC", [], [("1", "1")])) == 0


async def test_websocket_depth_provider_subscribes_on_demand_and_skips_unready_books() -> None:
    managers = {"a": FakeBookManager("a", {"BTC": book("a", "BTC", [("100", "5")], [("101", "4")]),
                                           "ETH": None})}
    provider = WebSocketDepthProvider({"a": None}, max_markets_per_venue=2,
                                      factory=lambda venue, _cfg: managers[venue])
    depth = await provider.depth([("a", "BTC"), ("a", "ETH"), ("zz", "BTC")])
    assert depth == {("a", "BTC"): D(404)}
    manager = managers["a"]
    assert manager.connected and sorted(manager.subscribed) == ["BTC", "ETH"]
    assert await provider.depth([("a", "BTC")]) == {("a", "BTC"): D(404)}
    assert sorted(manager.subscribed) == ["BTC", "ETH"]      # subscribed once
    assert await provider.depth([("a", "SOL")]) == {}        # beyond max_markets_per_venue
    await provider.close()
    assert manager.disconnected
