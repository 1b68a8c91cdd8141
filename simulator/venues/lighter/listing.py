"""Lighter's listings and public market data: ``orderBookDetails``, ``orderBooks``,
``exchangeStats``, ``funding-rates``, ``fundings`` and the ``market_stats`` WS object.

Markets are the catalog's (ETH 0, BTC 1, SOL 2, 1000PEPE 4 as on mainnet; generated ones after)
made Lighter-shaped: tick and step are powers of ten no coarser than 1 (``price_decimals`` /
``size_decimals`` >= 0), maintenance margin is 60 % of the initial margin (ETH: 200 -> 120 in
1/10000 units, as listed). Funding: hourly, positive = longs pay; ``funding-rates`` quotes the
8h-equivalent fraction, ``fundings`` the percent per hour with the paying side.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from simulator.engine.catalog import default_markets
from simulator.engine.engine import Engine
from simulator.engine.events import MarketTick
from simulator.engine.market import HOUR_MS, FundingRecord, Market, MarketSpec, MarketStatus
from simulator.engine.units import CASH_SCALE, FRACTION_SCALE, RATE_SCALE
from simulator.engine.views import MarketStatsView
from simulator.venues.lighter.formats import USDC_ASSET_ID, MarketFmt, fixed, percent

__all__ = ["lighter_markets", "MarketData", "DAY_MS"]

D = Decimal
DAY_MS = 24 * HOUR_MS
_ASSET_IDS = {"ETH": 1}
_CREATED_MS = 1_717_200_000_000        # listing dates: 2024-06-01 + one day per market id
#: other venues' 8h rates quoted beside Lighter's in ``funding-rates`` (informational rows)
_OTHER_EXCHANGES = ("binance", "bybit", "hyperliquid")


def lighter_markets(venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
    """The catalog's listings, made Lighter-shaped (see the module docstring)."""
    out = []
    for spec in default_markets(venue, count, symbols):
        step = min(spec.step_size, D(1))
        min_size = spec.min_lot_size
        if min_size % step:
            min_size = step
        mmf = (spec.imf * D("0.6")).quantize(D("0.0001"))
        out.append(MarketSpec.model_validate({**spec.model_dump(), "step_size": step, "min_size": min_size,
                                              "maintenance_margin_fraction": mmf}))
    return out


@dataclass(slots=True)
class _Hour:
    hour: int
    open: int
    low: int
    high: int
    trades: int


class MarketData:
    """Formatters and 24h statistics of every market, and the public market-data JSON."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.fmts = {mid: MarketFmt(m) for mid, m in engine.markets.items()}
        self._hours: dict[int, deque[_Hour]] = {mid: deque() for mid in engine.markets}
        self._unsubscribe = engine.bus.subscribe(MarketTick, self._on_tick)

    def close(self) -> None:
        self._unsubscribe()

    def fmt(self, market_id: int) -> MarketFmt:
        return self.fmts[market_id]

    # -- 24h statistics ---------------------------------------------------------------------------
    def _bucket(self, m: Market, ticks: int) -> _Hour:
        hours = self._hours[m.id]
        hour = self.engine.now_ms // HOUR_MS
        if not hours or hours[-1].hour != hour:
            hours.append(_Hour(hour, ticks, ticks, ticks, 0))
            while hours[0].hour <= hour - 24:
                hours.popleft()
        return hours[-1]

    def _on_tick(self, tick: MarketTick) -> None:
        b = self._bucket(tick.market, tick.mark_ticks)
        b.low = min(b.low, tick.mark_ticks)
        b.high = max(b.high, tick.mark_ticks)

    def on_trade(self, m: Market, price_ticks: int) -> None:
        b = self._bucket(m, price_ticks)
        b.low = min(b.low, price_ticks)
        b.high = max(b.high, price_ticks)
        b.trades += 1

    def daily(self, m: Market, stats: MarketStatsView) -> dict[str, Any]:
        last = stats.last_price or stats.mark_price
        hours = [h for h in self._hours[m.id] if h.hour > self.engine.now_ms // HOUR_MS - 24]
        low = m.price(min(h.low for h in hours)) if hours else last
        high = m.price(max(h.high for h in hours)) if hours else last
        first = m.price(hours[0].open) if hours else last
        mark = stats.mark_price or D(1)
        baseline_trades = m.baseline_volume_cash // (2000 * CASH_SCALE)
        return {
            "last_trade_price": float(last),
            "daily_trades_count": sum(h.trades for h in hours) + baseline_trades,
            "daily_base_token_volume": float((stats.volume_24h_usd / mark).quantize(D("0.0001"))),
            "daily_quote_token_volume": float(stats.volume_24h_usd.quantize(D("0.01"))),
            "daily_price_low": float(min(low, last)), "daily_price_high": float(max(high, last)),
            "daily_price_change": float(((last - first) / first * 100).quantize(D("0.01"))) if first else 0.0,
        }

    # -- listings ------------------------------------------------------------------------------------
    def markets_for(self, market_id: int | None) -> list[Market]:
        markets = sorted(self.engine.markets.values(), key=lambda m: m.id)
        return [m for m in markets if market_id is None or m.id == market_id]

    def _common(self, m: Market) -> dict[str, Any]:
        fmt = self.fmts[m.id]
        spec = m.spec
        return {
            "symbol": m.venue_symbol, "market_id": m.id, "market_type": "perp",
            "base_asset_id": _ASSET_IDS.get(m.symbol, 100 + m.id), "quote_asset_id": USDC_ASSET_ID,
            "status": "active" if m.status is MarketStatus.OPEN else "inactive",
            "taker_fee": fixed(spec.taker_fee * 100, 4), "maker_fee": fixed(spec.maker_fee * 100, 4),
            "liquidation_fee": "1.0000", "min_base_amount": fmt.size(m.min_lots),
            "min_quote_amount": fixed(spec.min_notional, 6), "supported_size_decimals": fmt.sd,
            "supported_price_decimals": fmt.pd, "supported_quote_decimals": 6,
            "order_quote_limit": "281474976.710655",
        }

    def _tail(self, m: Market) -> dict[str, Any]:
        return {
            "is_maker_fee_enabled": True, "is_taker_fee_enabled": True,
            "created_at": str(_CREATED_MS + m.id * DAY_MS), "multiplier": "1.000000000000000000",
            "start_timestamp": 0, "end_timestamp": 0, "settlement_type": 0, "settlement_price": 0,
            "settlement_cap": 0, "outcome": 0, "default_price": 0, "operator_account_index": 0,
            "is_frozen": False,
        }

    def order_book(self, m: Market) -> dict[str, Any]:
        stats = self.engine.market_stats(m.id)
        return {**self._common(m), **self._tail(m),
                "open_interest": self.fmts[m.id].size_dec(self._open_interest(m, stats))}

    def detail(self, m: Market) -> dict[str, Any]:
        stats = self.engine.market_stats(m.id)
        fmt = self.fmts[m.id]
        imf = m.imf_num * 10_000 // FRACTION_SCALE
        mmf = m.mmf_num * 10_000 // FRACTION_SCALE
        return {
            **self._common(m),
            "size_decimals": fmt.sd, "price_decimals": fmt.pd, "quote_multiplier": 1,
            # the engine opens positions at the market's maximum leverage: default == min IMF
            "default_initial_margin_fraction": imf, "min_initial_margin_fraction": imf,
            "maintenance_margin_fraction": mmf, "closeout_margin_fraction": mmf * 2 // 3,
            **self.daily(m, stats),
            "open_interest": float(self._open_interest(m, stats)), "daily_chart": {},
            "market_config": {"market_margin_mode": 0, "insurance_fund_account_index": 281474976710655,
                              "liquidation_mode": 0, "force_reduce_only": False,
                              "funding_fee_discounts_enabled": False, "trading_hours": "", "hidden": False,
                              "rfq_enabled": False},
            "strategy_index": 0,
            "funding_clamp_small": "0.0500", "funding_clamp_big": fixed(m.spec.funding_cap * 100, 4),
            "base_interest_rate": "0.0100",
            "mark_price": fmt.price_dec(stats.mark_price), "index_price": fmt.price_dec(stats.index_price),
            "market_flags": 0, "funding_premium_multiplier": 100,
            **self._tail(m),
        }

    def _open_interest(self, m: Market, stats: MarketStatsView) -> Decimal:
        """Open interest in base units, the scenario's baseline ("the rest of the market") included."""
        if not stats.mark_price:
            return stats.open_interest
        return (stats.open_interest_usd / stats.mark_price).quantize(m.step)

    def exchange_stats(self) -> dict[str, Any]:
        rows = []
        for m in self.markets_for(None):
            daily = self.daily(m, self.engine.market_stats(m.id))
            rows.append({"symbol": m.venue_symbol, "last_trade_price": daily["last_trade_price"],
                         "daily_trades_count": daily["daily_trades_count"],
                         "daily_base_token_volume": daily["daily_base_token_volume"],
                         "daily_quote_token_volume": daily["daily_quote_token_volume"],
                         "daily_price_change": daily["daily_price_change"]})
        return {"code": 200, "total": len(rows), "order_book_stats": rows,
                "daily_usd_volume": float(sum(D(str(r["daily_quote_token_volume"])) for r in rows)),
                "daily_trades_count": sum(int(r["daily_trades_count"]) for r in rows)}

    # -- funding ------------------------------------------------------------------------------------
    def funding_rates(self) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        for m in self.markets_for(None):
            rate_8h = D(m.rate_num * 8) / RATE_SCALE       # hourly quoted (capped) rate x 8
            rows.append({"market_id": m.id, "exchange": "lighter", "symbol": m.venue_symbol,
                         "rate": float(rate_8h)})
            for exchange in _OTHER_EXCHANGES:
                rows.append({"market_id": m.id, "exchange": exchange, "symbol": m.venue_symbol,
                             "rate": _other_rate(exchange, m.symbol)})
        return {"code": 200, "funding_rates": rows}

    def fundings(self, m: Market, resolution: str, start_ms: int, end_ms: int,
                 count_back: int) -> list[dict[str, Any]]:
        records = [r for r in self.engine.funding_history(m.id) if start_ms <= r.market_ms <= end_ms]
        if resolution == "1d":
            rows = _daily_rows(m, records)
        else:
            rows = [_funding_row(r.market_ms, r.rate_num, abs(r.rate_num) * r.mark_ticks, m) for r in records]
        return rows[-count_back:] if count_back > 0 else []

    def market_stats(self, m: Market) -> dict[str, Any]:
        stats = self.engine.market_stats(m.id)
        fmt = self.fmts[m.id]
        last_record = m.funding_history[-1] if m.funding_history else None
        bid, ask = stats.best_bid, stats.best_ask
        mid = (bid + ask) / 2 if bid is not None and ask is not None else stats.mark_price
        daily = self.daily(m, stats)
        return {
            "symbol": m.venue_symbol, "market_id": m.id, "index_price": fmt.price_dec(stats.index_price),
            "mark_price": fmt.price_dec(stats.mark_price), "mid_price": fmt.price_dec(mid.quantize(m.tick)),
            "open_interest": fmt.size_dec(self._open_interest(m, stats)),
            "open_interest_limit": fmt.size_dec(D(10**12).quantize(m.step)),
            "funding_clamp_small": "0.0500", "funding_clamp_big": fixed(m.spec.funding_cap * 100, 4),
            "last_trade_price": fmt.price_dec(stats.last_price or stats.mark_price),
            "current_funding_rate": percent(m.rate_num),
            "funding_rate": percent(last_record.rate_num) if last_record is not None else percent(0),
            "funding_timestamp": stats.next_funding_ms,
            **{k: daily[k] for k in ("daily_base_token_volume", "daily_quote_token_volume", "daily_price_low",
                                     "daily_price_high", "daily_price_change")},
        }


def _funding_row(market_ms: int, rate_num: int, value_scaled: int, m: Market) -> dict[str, Any]:
    """One ``Funding``: seconds, USDC paid per unit of base, percent per hour, the side that paid."""
    value = m.price(1) * value_scaled / RATE_SCALE
    return {"timestamp": market_ms // 1000, "value": fixed(value, 8), "rate": percent(abs(rate_num)),
            "direction": "long" if rate_num >= 0 else "short"}


def _daily_rows(m: Market, records: list[FundingRecord]) -> list[dict[str, Any]]:
    days: dict[int, list[FundingRecord]] = {}
    for r in records:
        days.setdefault((r.market_ms - 1) // DAY_MS, []).append(r)
    rows = []
    for day, recs in sorted(days.items()):
        rate = sum(r.rate_num for r in recs)
        value = sum(r.rate_num * r.mark_ticks for r in recs)
        rows.append(_funding_row((day + 1) * DAY_MS, rate, abs(value), m))
    return rows


def _other_rate(exchange: str, symbol: str) -> float:
    """A plausible, deterministic 8h rate for a competitor venue (0.0001 ± 0.00005)."""
    jitter = int(hashlib.sha256(f"{exchange}:{symbol}".encode()).hexdigest()[:4], 16) % 101 - 50
    return float(D("0.0001") + D(jitter) * D("0.000001"))
