"""Rolling 24 h statistics for ``ticker/24hr``: hourly mark-price candles and trade counts.

The engine reports 24 h volume; open/high/low and the trade count are kept here from its
``MarketTick`` (one per market per price step, market time) and ``TradeEvent`` streams, in hour
buckets — O(1) per event, 25 buckets per market.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from simulator.engine.engine import Engine
from simulator.engine.events import MarketTick, TradeEvent

__all__ = ["TickerStats", "Window"]

_HOUR_MS = 3_600_000


@dataclass
class _Bucket:
    hour: int
    open: int            # ticks
    high: int
    low: int
    trades: int = 0
    first_trade: int = 0
    last_trade: int = 0
    last_lots: int = 0


@dataclass(frozen=True)
class Window:
    """The last 24 h of one market: prices in ticks (0 when nothing was seen yet)."""

    open_ticks: int
    high_ticks: int
    low_ticks: int
    open_ms: int
    trades: int
    first_trade: int
    last_trade: int
    last_lots: int


class TickerStats:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._buckets: dict[int, deque[_Bucket]] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    def start(self) -> None:
        self._unsubscribe = [self.engine.bus.subscribe(MarketTick, self._on_tick),
                             self.engine.bus.subscribe(TradeEvent, self._on_trade)]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def _bucket(self, market_id: int, market_ms: int, ticks: int) -> _Bucket:
        hour = market_ms // _HOUR_MS
        buckets = self._buckets.get(market_id)
        if buckets is None:
            buckets = self._buckets[market_id] = deque(maxlen=25)
        if not buckets or buckets[-1].hour != hour:
            buckets.append(_Bucket(hour, ticks, ticks, ticks))
        return buckets[-1]

    def _on_tick(self, tick: MarketTick) -> None:
        bucket = self._bucket(tick.market.id, tick.market_ms, tick.mark_ticks)
        bucket.high = max(bucket.high, tick.mark_ticks)
        bucket.low = min(bucket.low, tick.mark_ticks)

    def _on_trade(self, trade: TradeEvent) -> None:
        bucket = self._bucket(trade.market.id, self.engine.now_ms, trade.price_ticks)
        bucket.high = max(bucket.high, trade.price_ticks)
        bucket.low = min(bucket.low, trade.price_ticks)
        bucket.trades += 1
        bucket.first_trade = bucket.first_trade or trade.trade_id
        bucket.last_trade = trade.trade_id
        bucket.last_lots = trade.lots

    def window(self, market_id: int, market_ms: int) -> Window:
        hour = market_ms // _HOUR_MS
        live = [b for b in self._buckets.get(market_id, ()) if b.hour > hour - 24]
        if not live:
            return Window(0, 0, 0, market_ms - 24 * _HOUR_MS, 0, 0, 0, 0)
        traded = [b for b in live if b.trades]
        return Window(open_ticks=live[0].open, high_ticks=max(b.high for b in live),
                      low_ticks=min(b.low for b in live), open_ms=market_ms - 24 * _HOUR_MS,
                      trades=sum(b.trades for b in live),
                      first_trade=traded[0].first_trade if traded else 0,
                      last_trade=traded[-1].last_trade if traded else 0,
                      last_lots=traded[-1].last_lots if traded else 0)
