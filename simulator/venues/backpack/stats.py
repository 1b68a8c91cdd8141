"""Rolling trade statistics for ``/api/v1/ticker(s)`` (``1d``/``1w``), kept in market-hour buckets.

Every public trade updates its market's current bucket (first/high/low/last price, trade count,
base and quote volume). A ticker aggregates the buckets of the last 24 or 168 market hours; the
scenario's baseline volume ("the rest of the market") is added so volume filters see realistic
figures. A market without a trade in the window reports its mark price with zero trades.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from helpers.decimal import decimal_str
from simulator.engine.engine import Engine
from simulator.engine.events import TradeEvent
from simulator.engine.market import HOUR_MS, Market
from simulator.engine.units import cash_to_decimal

__all__ = ["TickerStats", "INTERVAL_HOURS"]

INTERVAL_HOURS = {"1d": 24, "1w": 168}


class _Bucket:
    __slots__ = ("hour", "first", "high", "low", "last", "trades", "lots", "cash")

    def __init__(self, hour: int, price: int) -> None:
        self.hour = hour
        self.first = self.high = self.low = self.last = price
        self.trades = 0
        self.lots = 0
        self.cash = 0


class TickerStats:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._buckets: dict[int, deque[_Bucket]] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self.engine.bus.subscribe(TradeEvent, self._on_trade)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_trade(self, trade: TradeEvent) -> None:
        m = trade.market
        hour = self.engine.now_ms // HOUR_MS
        buckets = self._buckets.setdefault(m.id, deque())
        if not buckets or buckets[-1].hour != hour:
            buckets.append(_Bucket(hour, trade.price_ticks))
            while buckets[0].hour <= hour - INTERVAL_HOURS["1w"]:
                buckets.popleft()
        b = buckets[-1]
        px = trade.price_ticks
        b.high = max(b.high, px)
        b.low = min(b.low, px)
        b.last = px
        b.trades += 1
        b.lots += trade.lots
        b.cash += px * trade.lots * m.unit

    def ticker(self, m: Market, interval: str) -> dict[str, Any]:
        hours = INTERVAL_HOURS[interval]
        since = self.engine.now_ms // HOUR_MS - hours
        window = [b for b in self._buckets.get(m.id, ()) if b.hour > since]
        mark = self.engine.market_stats(m.id).mark_price
        baseline = cash_to_decimal(m.baseline_volume_cash) * hours / 24
        lots = sum(b.lots for b in window)
        quote = cash_to_decimal(sum(b.cash for b in window)) + baseline
        volume = m.size(lots) + (baseline / mark).quantize(m.step) if mark else m.size(lots)
        if window:
            first, last = m.price(window[0].first), m.price(window[-1].last)
            high, low = m.price(max(b.high for b in window)), m.price(min(b.low for b in window))
        else:
            first = last = high = low = mark
        change = last - first
        percent = (change / first).quantize(Decimal("0.000001")) if first else Decimal(0)
        return {"symbol": m.venue_symbol, "firstPrice": decimal_str(first), "lastPrice": decimal_str(last),
                "priceChange": decimal_str(change), "priceChangePercent": decimal_str(percent),
                "high": decimal_str(high), "low": decimal_str(low), "volume": decimal_str(volume),
                "quoteVolume": decimal_str(quote.quantize(Decimal("0.000001"))),
                "trades": str(sum(b.trades for b in window))}
