"""A test-only venue pair for end-to-end runs of the funding service on the real simulator.

``probe_module(name)`` is a simulator venue module (like tests/simulator/echo_venue.py) that
serves one JSON route over the engine's real markets, funding model and scenario — the quote
per the market's own interval, continuous or not — and ``ProbeFundingAdapter`` is a funding
adapter reading it over loopback HTTP. They stand in for venues whose real simulator module or
adapter does not exist yet, so that the collector → storage → ranking → API path runs against
the simulator's funding_divergence scenario today; the real-venue E2E test runs the same
assertions through the registry as soon as two real venues exist.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
from aiohttp import web

from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.errors import ExchangeUnavailableError
from exchange_clients.models import FundingRateSample, MarketInfo, MarketStats
from helpers.time import from_ms, utc_now
from simulator.engine import Account
from simulator.venues.base import VenueModule

D = Decimal


class ProbeVenue(VenueModule):
    rest_prefix = "/probe"
    ws_path = "/probe/ws"

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/probe/markets", self.markets_route)

    def issue_credentials(self, account: Account) -> dict[str, Any]:
        return {"account_id": account.id}

    async def markets_route(self, request: web.Request) -> web.Response:
        rows = []
        for m in self.engine.markets.values():
            s, spec = self.engine.market_stats(m.id), m.spec
            rows.append({
                "symbol": s.symbol, "venue_symbol": s.venue_symbol, "market_id": s.market_id,
                "status": s.status, "style": s.funding_style, "rate": str(s.funding_rate),
                "rate_8h": str(s.funding_rate_8h), "interval_hours": str(s.funding_interval_hours),
                "next_funding_ms": s.next_funding_ms, "mark": str(s.mark_price / m.multiplier),
                "index": str(s.index_price / m.multiplier), "volume_usd": str(s.volume_24h_usd),
                "oi_usd": str(s.open_interest_usd), "maker_fee": str(spec.maker_fee),
                "taker_fee": str(spec.taker_fee), "tick": str(spec.tick_size / m.multiplier),
                "step": str(spec.step_size * m.multiplier), "multiplier": str(m.multiplier)})
        return web.json_response(rows)


def probe_module(venue: str) -> type[ProbeVenue]:
    """A probe module that runs the simulator's ``venue`` engine (its catalog and scenario)."""
    return type(f"Probe{venue.title()}", (ProbeVenue,), {"name": venue})


class ProbeFundingAdapter(BaseFundingAdapter):
    def __init__(self, venue: str, rest_url: str) -> None:
        self.venue, self.rest_url = venue, rest_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    def get_exchange_name(self) -> str:
        return self.venue

    async def _rows(self) -> list[dict[str, Any]]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        async with self._session.get(f"{self.rest_url}/markets") as response:
            if response.status != 200:
                raise ExchangeUnavailableError(self.venue, f"HTTP {response.status}", code=response.status)
            rows: list[dict[str, Any]] = await response.json()
            return rows

    async def fetch_funding_rates(self) -> dict[str, FundingRateSample]:
        now, out = utc_now(), {}
        for r in await self._rows():
            continuous = r["style"] == "continuous"
            interval = D(0) if continuous else D(r["interval_hours"])
            raw = D(r["rate"])
            out[r["symbol"]] = FundingRateSample(
                venue=self.venue, symbol=r["symbol"], raw_rate=raw, interval_hours=interval,
                normalized_rate=D(r["rate_8h"]) if continuous else raw * 8 / interval, timestamp=now,
                next_funding_time=from_ms(r["next_funding_ms"]), mark_price=D(r["mark"]),
                index_price=D(r["index"]))
        return out

    async def fetch_market_data(self) -> dict[str, MarketStats]:
        now = utc_now()
        return {r["symbol"]: MarketStats(venue=self.venue, symbol=r["symbol"], mark_price=D(r["mark"]),
                                         index_price=D(r["index"]), volume_24h_usd=D(r["volume_usd"]),
                                         open_interest_usd=D(r["oi_usd"]), timestamp=now)
                for r in await self._rows()}

    async def fetch_markets(self) -> dict[str, MarketInfo]:
        return {r["symbol"]: MarketInfo(
            venue=self.venue, symbol=r["symbol"], venue_symbol=r["venue_symbol"],
            market_id=str(r["market_id"]),
            base_asset=r["symbol"], tick_size=D(r["tick"]), step_size=D(r["step"]), min_size=D(r["step"]),
            min_notional=D(0), max_leverage=D(10), maker_fee=D(r["maker_fee"]), taker_fee=D(r["taker_fee"]),
            funding_interval_hours=D(0) if r["style"] == "continuous" else D(r["interval_hours"]),
            multiplier=D(r["multiplier"]), tradeable=r["status"] == "open")
            for r in await self._rows()}

    def normalize_symbol(self, venue_symbol: str) -> str:
        return venue_symbol

    def get_dex_symbol_format(self, symbol: str) -> str:
        return symbol

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
