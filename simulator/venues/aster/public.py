"""Aster's public market data: ``/fapi/v3/...`` (also answered on ``/fapi/v1/...``).

ping, time, exchangeInfo, depth (``lastUpdateId`` = the engine's book sequence, shared with the
WS ``U``/``u``/``pu`` and bookTicker ``u``), premiumIndex, fundingRate, fundingInfo (every symbol,
with its ``fundingIntervalHours``), ticker/24hr, ticker/price, ticker/bookTicker, openInterest.
Funding rates are per the symbol's interval (8 decimals), funding times market time.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from simulator.engine.market import FundingRecord
from simulator.engine.views import MarketStatsView
from simulator.venues.aster.core import AsterCore, Call, int_param
from simulator.venues.aster.errors import AsterError
from simulator.venues.aster.formats import fixed, money
from simulator.venues.aster.listing import RATE_LIMITS, Listing, symbol_json

__all__ = ["PublicApi", "DEPTH_LIMITS", "depth_weight", "one_or_all"]

DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
_Z = Decimal(0)
#: Aster's interest rate is 0.01 % per 8 h, quoted per interval (0.005 % on a 4 h symbol)
_INTEREST_8H = Decimal("0.0001")


def depth_weight(params: Mapping[str, str]) -> int:
    limit = params.get("limit", "500")
    size = int(limit) if limit.isdigit() else 500
    return 2 if size <= 50 else 5 if size <= 100 else 10 if size <= 500 else 20


def one_or_all(light: int, heavy: int) -> Any:
    """Weight ``light`` with a ``symbol``, ``heavy`` without."""
    return lambda params: light if params.get("symbol") else heavy


def _rate(value: Decimal) -> str:
    return fixed(value, 8)


class PublicApi:
    def __init__(self, core: AsterCore) -> None:
        self.core = core
        self.engine = core.engine

    def _listings(self, call: Call) -> tuple[list[Listing], bool]:
        symbol = call.get("symbol")
        if symbol is not None:
            return [self.core.listing(symbol)], True
        return list(self.core.listings.values()), False

    def ping(self, call: Call) -> dict[str, Any]:
        return {}

    def time(self, call: Call) -> dict[str, Any]:
        return {"serverTime": self.core.wall_ms()}

    def exchange_info(self, call: Call) -> dict[str, Any]:
        return {
            "timezone": "UTC", "serverTime": self.core.wall_ms(), "futuresType": "U_MARGINED",
            "rateLimits": [dict(r, limit=self._limit(r)) for r in RATE_LIMITS], "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
            "symbols": [symbol_json(lst, self.core.market(lst)) for lst in self.core.listings.values()],
        }

    def _limit(self, rule: Mapping[str, Any]) -> int:
        limits = self.core.limits
        if rule["rateLimitType"] == "REQUEST_WEIGHT":
            return limits.weight_limit
        return limits.orders_per_minute if rule["interval"] == "MINUTE" else limits.orders_per_10s

    def depth(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        limit = int_param(call, "limit", 500)
        if limit not in DEPTH_LIMITS:
            raise AsterError(-4021, f"'{call.get('limit')}' is not valid depth limit.")
        book = self.engine.book(listing.market_id, limit)
        now = self.core.wall_ms()
        return {"lastUpdateId": book.seq, "E": now, "T": book.ts_ms,
                "bids": [[listing.price_str(lv.price), listing.qty_str(lv.size)] for lv in book.bids],
                "asks": [[listing.price_str(lv.price), listing.qty_str(lv.size)] for lv in book.asks]}

    # -- funding -----------------------------------------------------------------------------------
    def _premium(self, listing: Listing, stats: MarketStatsView, now: int) -> dict[str, Any]:
        return {"symbol": listing.symbol, "markPrice": money(stats.mark_price),
                "indexPrice": money(stats.index_price), "estimatedSettlePrice": money(stats.index_price),
                "lastFundingRate": _rate(stats.funding_rate),
                "interestRate": _rate(_INTEREST_8H * stats.funding_interval_hours / 8),
                "nextFundingTime": stats.next_funding_ms, "time": now}

    def premium_index(self, call: Call) -> Any:
        listings, single = self._listings(call)
        now = self.core.wall_ms()
        rows = [self._premium(lst, self.engine.market_stats(lst.market_id), now) for lst in listings]
        return rows[0] if single else rows

    def funding_rate(self, call: Call) -> list[dict[str, Any]]:
        listings, _ = self._listings(call)
        start, end = int_param(call, "startTime"), int_param(call, "endTime")
        limit = min(max(int_param(call, "limit", 100) or 100, 1), 1000)
        records: list[tuple[Listing, FundingRecord]] = [
            (lst, r) for lst in listings for r in self.engine.funding_history(lst.market_id, start)
            if end is None or r.market_ms <= end]
        records.sort(key=lambda item: item[1].market_ms)
        # "If startTime and endTime are not sent, the most recent limit datas are returned"
        chosen = records[:limit] if start is not None else records[-limit:]
        return [{"symbol": lst.symbol, "fundingRate": _rate(r.rate), "fundingTime": r.market_ms}
                for lst, r in chosen]

    def funding_info(self, call: Call) -> list[dict[str, Any]]:
        listings, _ = self._listings(call)
        now = self.core.wall_ms()
        out = []
        for lst in listings:
            spec = self.core.market(lst).spec
            hours = spec.funding_interval_hours
            out.append({"symbol": lst.symbol, "interestRate": _rate(_INTEREST_8H * hours / 8), "time": now,
                        "fundingIntervalHours": int(hours), "fundingFeeCap": float(spec.funding_cap),
                        "fundingFeeFloor": -float(spec.funding_cap)})
        return out

    # -- tickers -------------------------------------------------------------------------------------
    def _ticker24(self, listing: Listing, now: int) -> dict[str, Any]:
        m = self.core.market(listing)
        stats = self.engine.market_stats(m.id)
        window = self.core.stats.window(m.id, stats.market_ms)
        last = stats.last_price or stats.mark_price
        open_ = m.price(window.open_ticks) if window.open_ticks else last
        high = max(m.price(window.high_ticks), last) if window.high_ticks else last
        low = min(m.price(window.low_ticks), last) if window.low_ticks else last
        volume = (stats.volume_24h_usd / stats.mark_price).quantize(listing.step) if stats.mark_price else _Z
        change = last - open_
        return {
            "symbol": listing.symbol, "priceChange": listing.price_str(change),
            "priceChangePercent": fixed(change / open_ * 100 if open_ else _Z, 3),
            "weightedAvgPrice": listing.price_str(stats.volume_24h_usd / volume if volume else last),
            "lastPrice": listing.price_str(last), "lastQty": listing.qty_str(m.size(window.last_lots)),
            "openPrice": listing.price_str(open_), "highPrice": listing.price_str(high),
            "lowPrice": listing.price_str(low), "volume": listing.qty_str(volume),
            "quoteVolume": fixed(stats.volume_24h_usd, 2), "openTime": window.open_ms,
            "closeTime": stats.market_ms,
            "firstId": window.first_trade, "lastId": window.last_trade, "count": window.trades,
        }

    def ticker_24hr(self, call: Call) -> Any:
        listings, single = self._listings(call)
        now = self.core.wall_ms()
        rows = [self._ticker24(lst, now) for lst in listings]
        return rows[0] if single else rows

    def ticker_price(self, call: Call) -> Any:
        listings, single = self._listings(call)
        now = self.core.wall_ms()
        rows = []
        for lst in listings:
            stats = self.engine.market_stats(lst.market_id)
            rows.append({"symbol": lst.symbol, "price": lst.price_str(stats.last_price or stats.mark_price),
                         "time": now})
        return rows[0] if single else rows

    def book_ticker(self, call: Call) -> Any:
        listings, single = self._listings(call)
        now = self.core.wall_ms()
        rows = []
        for lst in listings:
            book = self.engine.book(lst.market_id, 1)
            bid, ask = (book.bids[0] if book.bids else None), (book.asks[0] if book.asks else None)
            rows.append({"symbol": lst.symbol,
                         "bidPrice": lst.price_str(bid.price) if bid else "0",
                         "bidQty": lst.qty_str(bid.size) if bid else "0",
                         "askPrice": lst.price_str(ask.price) if ask else "0",
                         "askQty": lst.qty_str(ask.size) if ask else "0",
                         "time": now, "lastUpdateId": book.seq})
        return rows[0] if single else rows

    def open_interest(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        stats = self.engine.market_stats(listing.market_id)
        mark = stats.mark_price
        contracts = (stats.open_interest_usd / mark).quantize(listing.step) if mark else _Z
        return {"openInterest": listing.qty_str(contracts), "symbol": listing.symbol,
                "time": self.core.wall_ms()}
