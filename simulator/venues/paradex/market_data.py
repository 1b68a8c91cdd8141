"""Public market data of the Paradex venue, shared by REST and WebSocket: listings, summaries,
BBO, book snapshots, funding data (the live point plus hourly history) and recent trades."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from simulator.engine.engine import Engine
from simulator.engine.events import FundingEvent, TradeEvent
from simulator.engine.market import Market
from simulator.engine.units import cash_to_decimal
from simulator.venues.paradex.errors import ApiError
from simulator.venues.paradex.formats import (
    bbo_row,
    book_levels,
    funding_index,
    funding_row,
    hours,
    market_row,
    num,
    summary_row,
    top_of_book,
)

__all__ = ["MarketData", "MAX_ORDER_USD"]

D = Decimal
#: max_order_size of a listing: this many USD at the market's opening price, on the step
MAX_ORDER_USD = D(10_000_000)
_TRADES_KEPT = 1_000
_FUNDING_KEPT = 5_000


class MarketData:
    def __init__(self, engine: Engine, wall_ms: Callable[[], int]) -> None:
        self.engine = engine
        self.wall_ms = wall_ms
        self.max_order_size: dict[int, Decimal] = {}
        self.trades: dict[int, deque[dict[str, Any]]] = {}
        self.funding: dict[int, deque[dict[str, Any]]] = {}
        self.total_volume_cash: dict[int, int] = {}
        self._unsubscribe: list[Callable[[], None]] = []
        for m in engine.markets.values():
            # fixed at listing time from the opening index, like a real listing's parameter
            usd_per_lot = m.price(m.index_ticks) * m.step
            lots = int(MAX_ORDER_USD / usd_per_lot) if usd_per_lot else 10**9
            self.max_order_size[m.id] = m.size(max(lots, m.min_lots))

    def start(self) -> None:
        bus = self.engine.bus
        self._unsubscribe = [bus.subscribe(TradeEvent, self._on_trade),
                             bus.subscribe(FundingEvent, self._on_funding)]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    # -- lookups ------------------------------------------------------------------------------------
    def market(self, symbol: str | None) -> Market:
        m = self.engine.by_venue_symbol.get(symbol or "")
        if m is None:
            raise ApiError(400, "MARKET_NOT_FOUND", f"market {symbol!r} not found")
        return m

    def markets(self, symbol: str | None = None) -> list[Market]:
        """One market, or every market when ``symbol`` is None or ALL."""
        if symbol is None or symbol == "ALL":
            return list(self.engine.markets.values())
        return [self.market(symbol)]

    # -- shapes -------------------------------------------------------------------------------------
    def listing(self, m: Market) -> dict[str, Any]:
        return market_row(m, self.max_order_size[m.id])

    def summary(self, m: Market) -> dict[str, Any]:
        stats = self.engine.market_stats(m.id)
        total = cash_to_decimal(self.total_volume_cash.get(m.id, 0)) + 365 * m.spec.baseline_volume_24h_usd
        return summary_row(m, stats, top_of_book(self.engine, m), total, self._price_24h_ago(m),
                           self.wall_ms())

    def _price_24h_ago(self, m: Market) -> Decimal | None:
        history = m.funding_history
        if not history:
            return None
        index = max(0, len(history) - 24)
        return m.price(history[index].mark_ticks)

    def bbo(self, m: Market) -> dict[str, Any]:
        if m.quotes_stale:
            self.engine.book(m.id, 1)     # re-quote a market nobody watched
        return bbo_row(m, top_of_book(self.engine, m), self.wall_ms())

    def orderbook(self, m: Market, depth: int, tick: Decimal | None) -> dict[str, Any]:
        book = self.engine.book(m.id, 1)      # refreshes stale quotes; the levels are read below
        bids = [[num(p), num(s)] for p, s in book_levels(m, 1, depth, tick)]
        asks = [[num(p), num(s)] for p, s in book_levels(m, -1, depth, tick)]
        return {"market": m.venue_symbol, "seq_no": book.seq, "last_updated_at": book.ts_ms,
                "asks": asks, "bids": bids,
                "best_ask_api": asks[0] if asks else [], "best_bid_api": bids[0] if bids else [],
                "best_ask_interactive": asks[0] if asks else [],
                "best_bid_interactive": bids[0] if bids else []}

    def funding_now(self, m: Market) -> dict[str, Any]:
        return funding_row(m, self.engine.market_stats(m.id))

    def funding_history(self, m: Market) -> list[dict[str, Any]]:
        """The live point, then the hourly records, newest first."""
        return [self.funding_now(m), *reversed(self.funding.get(m.id, ()))]

    def recent_trades(self, m: Market) -> list[dict[str, Any]]:
        return list(reversed(self.trades.get(m.id, ())))

    # -- engine events ------------------------------------------------------------------------------
    def trade_row(self, ev: TradeEvent) -> dict[str, Any]:
        m = ev.market
        return {"id": f"{ev.ts_ms:013d}{ev.trade_id:015d}", "market": m.venue_symbol,
                "side": "BUY" if ev.taker_side > 0 else "SELL", "size": num(m.size(ev.lots)),
                "price": num(m.price(ev.price_ticks)), "created_at": ev.ts_ms,
                "trade_type": "LIQUIDATION" if ev.liquidation else "FILL"}

    def _on_trade(self, ev: TradeEvent) -> None:
        m = ev.market
        self.total_volume_cash[m.id] = self.total_volume_cash.get(m.id, 0) + ev.price_ticks * ev.lots * m.unit
        kept = self.trades.get(m.id)
        if kept is None:
            kept = self.trades[m.id] = deque(maxlen=_TRADES_KEPT)
        kept.append(self.trade_row(ev))

    def _on_funding(self, ev: FundingEvent) -> None:
        record = ev.record
        m = record.market
        period = D(m.period_ms) / 3_600_000
        rate = record.rate
        row = {"market": m.venue_symbol, "funding_index": num(funding_index(m)),
               "funding_premium": num(rate * record.mark_price),
               "funding_rate": num(rate), "funding_rate_8h": num(rate * 8 / period),
               "funding_period_hours": hours(period), "created_at": record.market_ms}
        kept = self.funding.get(m.id)
        if kept is None:
            kept = self.funding[m.id] = deque(maxlen=_FUNDING_KEPT)
        kept.append(row)
