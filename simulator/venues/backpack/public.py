"""Backpack's public REST endpoints (``/api/v1/...``): markets, depth, mark prices, funding rates,
tickers, open interest and the system endpoints. Unknown paths answer ``404`` text ``not found``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from helpers.decimal import decimal_str
from simulator.engine.market import Market, MarketStatus
from simulator.engine.units import cash_to_decimal
from simulator.venues.backpack.errors import ApiError, json_response, param_error, text_response
from simulator.venues.backpack.formats import iso_s, now_us
from simulator.venues.backpack.listing import market_json
from simulator.venues.backpack.request import (
    guarded,
    market_or_error,
    page,
    query_enum,
    require_symbol,
)
from simulator.venues.backpack.stats import INTERVAL_HOURS

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["PublicApi", "MARKET_TYPES"]

MARKET_TYPES = ("SPOT", "PERP", "IPERP", "DATED", "PREDICTION", "RFQ")
DEPTH_LIMITS = ("5", "10", "20", "50", "100", "500", "1000")


def _market_types(request: web.Request) -> set[str]:
    """The ``marketType`` filter (an array parameter: repeated keys or one value)."""
    values = request.query.getall("marketType", [])
    for value in values:
        if value not in MARKET_TYPES:
            raise param_error("marketType", 'failed to parse "MarketType": Expect a valid enumeration value.')
    return set(values)


def _interval(request: web.Request) -> str:
    return query_enum(request.query, "interval", tuple(INTERVAL_HOURS), "1d", type_name="TickerInterval")


class PublicApi:
    def __init__(self, venue: BackpackVenue) -> None:
        self.venue = venue
        self.engine = venue.engine

    def routes(self, app: web.Application) -> None:
        for path, handler in (("/api/v1/markets", self.markets), ("/api/v1/market", self.market),
                              ("/api/v1/depth", self.depth), ("/api/v1/markPrices", self.mark_prices),
                              ("/api/v1/fundingRates", self.funding_rates), ("/api/v1/ticker", self.ticker),
                              ("/api/v1/tickers", self.tickers), ("/api/v1/openInterest", self.open_interest),
                              ("/api/v1/status", self.status), ("/api/v1/time", self.time),
                              ("/api/v1/ping", self.ping)):
            app.router.add_get(path, guarded(handler))

    def _perps(self) -> list[Market]:
        return list(self.engine.markets.values())

    # -- markets ----------------------------------------------------------------------------------
    async def markets(self, request: web.Request) -> web.Response:
        types = _market_types(request)
        if types and "PERP" not in types:
            return json_response([])
        return json_response([market_json(m) for m in self._perps()])

    async def market(self, request: web.Request) -> web.Response:
        m = market_or_error(self.venue, require_symbol(request.query))
        return json_response(market_json(m))

    async def depth(self, request: web.Request) -> web.Response:
        m = market_or_error(self.venue, require_symbol(request.query))
        limit = int(query_enum(request.query, "limit", DEPTH_LIMITS, "1000", type_name="DepthLimit"))
        if m.status is MarketStatus.DELISTED:
            raise ApiError(404, "RESOURCE_NOT_FOUND", "Not Found")
        book = self.engine.book(m.id, limit)
        # both sides ascending by price: the best bid is the last bid, the best ask the first ask
        return json_response({
            "asks": [[decimal_str(lv.price), decimal_str(lv.size)] for lv in book.asks],
            "bids": [[decimal_str(lv.price), decimal_str(lv.size)] for lv in reversed(book.bids)],
            "lastUpdateId": str(book.seq), "timestamp": now_us()})

    async def mark_prices(self, request: web.Request) -> web.Response:
        kind = query_enum(request.query, "marketType", MARKET_TYPES, "PERP", type_name="MarketType")
        symbol = request.query.get("symbol")
        if symbol is not None:
            m = market_or_error(self.venue, symbol, "Symbol not found")
            if m.status is MarketStatus.DELISTED:
                raise ApiError(400, "INVALID_CLIENT_REQUEST", "Symbol not found")
            markets = [m]
        else:
            markets = [m for m in self._perps() if m.status is not MarketStatus.DELISTED]
        if kind != "PERP":
            return json_response([])
        rows = []
        for m in markets:
            s = self.engine.market_stats(m.id)
            rows.append({"symbol": m.venue_symbol, "markPrice": decimal_str(s.mark_price),
                         "indexPrice": decimal_str(s.index_price), "fundingRate": decimal_str(s.funding_rate),
                         "nextFundingTimestamp": s.next_funding_ms})
        return json_response(rows)

    async def funding_rates(self, request: web.Request) -> web.Response:
        """Newest first; the first row is the interval still accruing (its rate is the estimate)."""
        m = market_or_error(self.venue, require_symbol(request.query))
        stats = self.engine.market_stats(m.id)
        rows = [{"symbol": m.venue_symbol, "fundingRate": decimal_str(stats.funding_rate),
                 "intervalEndTimestamp": iso_s(stats.next_funding_ms)}]
        rows += [{"symbol": m.venue_symbol, "fundingRate": decimal_str(r.rate),
                  "intervalEndTimestamp": iso_s(r.market_ms)} for r in reversed(m.funding_history)]
        chunk, headers = page(rows, request.query, high=10_000)
        return json_response(chunk, headers=headers)

    async def ticker(self, request: web.Request) -> web.Response:
        m = market_or_error(self.venue, require_symbol(request.query))
        return json_response(self.venue.stats.ticker(m, _interval(request)))

    async def tickers(self, request: web.Request) -> web.Response:
        interval = _interval(request)
        return json_response([self.venue.stats.ticker(m, interval) for m in self._perps()])

    async def open_interest(self, request: web.Request) -> web.Response:
        """Always an array; in contracts (kPEPE: units of 1000 PEPE), incl. the scenario baseline."""
        symbol = request.query.get("symbol")
        markets = [market_or_error(self.venue, symbol)] if symbol is not None else self._perps()
        now = self.venue.ctx.wall_ms()
        rows = []
        for m in markets:
            oi = m.size(m.oi_lots)
            if m.mark_ticks:
                oi += (cash_to_decimal(m.baseline_oi_cash) / m.price(m.mark_ticks)).quantize(m.step)
            rows.append({"symbol": m.venue_symbol, "openInterest": decimal_str(oi), "timestamp": now})
        return json_response(rows)

    # -- system -----------------------------------------------------------------------------------
    async def status(self, request: web.Request) -> web.Response:
        return json_response({"status": "Ok", "message": None})

    async def time(self, request: web.Request) -> web.Response:
        return text_response(str(self.venue.ctx.wall_ms()))

    async def ping(self, request: web.Request) -> web.Response:
        return text_response("pong")

    async def not_found(self, request: web.Request) -> web.Response:
        return text_response("not found", 404)
