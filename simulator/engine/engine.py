"""``Engine``: one venue's exchange — matching, accounts, prices, funding, liquidation, agents.

Everything is synchronous and single-threaded (one asyncio loop): every public method runs to
completion and leaves the engine consistent, then delivers its events. Market time moves only
through ``advance_to``/``advance`` (the simulation driver calls it with the clock's market
time; tests call it explicitly, which makes runs deterministic).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from simulator.engine.accounts import FundingPayment
from simulator.engine.agents import MarketMaker, Takers
from simulator.engine.core import EngineConfig, _wall_ms
from simulator.engine.events import MarketStatusEvent, MarketTick
from simulator.engine.funding import (
    RateModel,
    accrue_continuous,
    per_interval,
    record_continuous,
    settle_interval,
)
from simulator.engine.liquidation import find_underwater, liquidate
from simulator.engine.market import FundingRecord, FundingStyle, Market, MarketSpec, MarketStatus
from simulator.engine.order_ops import OrderOps
from simulator.engine.orders import CloseReason, Fill, OrderStatus
from simulator.engine.params import EngineParams
from simulator.engine.prices import PricePath, median3
from simulator.engine.units import RATE_SCALE, div_round, rate_to_int
from simulator.engine.views import (
    AccountView,
    BookView,
    MarketStatsView,
    account_view,
    book_view,
    market_stats_view,
)

__all__ = ["Engine"]


class Engine(OrderOps):
    def __init__(self, venue: str, markets: Iterable[MarketSpec], params: EngineParams | None = None,
                 config: EngineConfig | None = None, *, wall_ms: Callable[[], int] = _wall_ms) -> None:
        super().__init__(venue, (), config, wall_ms=wall_ms)
        self.params = params = params or EngineParams()
        self.start_ms = params.start_ms if params.start_ms is not None else wall_ms()
        self.now_ms = self.start_ms
        self.step_ms = max(1, int(params.price_step_seconds * 1000))
        self._next_step_ms = self.start_ms + self.step_ms
        self._next_funding_ms = 1 << 62
        self.paths: dict[str, PricePath] = {}
        self.rate_models: dict[int, RateModel] = {}
        self._shocks = sorted(
            (self.start_ms + int(s.at * 1000), s.symbol, 1.0 + float(s.move_pct) / 100.0)
            for s in params.shocks if s.venues is None or venue in s.venues)
        self.backstop = self.create_account(label="backstop", agent=True)
        self.maker: MarketMaker | None = None
        if params.liquidity.enabled:
            mm = self.create_account(params.liquidity.deposit_usd, label="market-maker", agent=True)
            self.maker = MarketMaker(self, params.liquidity, mm)
        self.takers: Takers | None = None
        if params.takers.orders_per_minute > 0:
            acct = self.create_account(params.takers.deposit_usd, label="takers", agent=True)
            self.takers = Takers(self, params.takers, acct, params.seed)
        for spec in markets:
            self.add_market(spec)

    # -- markets --------------------------------------------------------------------------
    def add_market(self, spec: MarketSpec) -> Market:
        price = self.params.prices.get(spec.symbol)
        if price is None:
            raise ValueError(f"{self.venue}: no price model for {spec.symbol} (scenario 'prices')")
        m = super().add_market(spec)
        path = self.paths.get(spec.symbol)
        if path is None:
            path = self.paths[spec.symbol] = PricePath(spec.symbol, price, self.params.seed)
        model = RateModel(self.params.funding_for(spec.symbol), self.params.seed, self.venue,
                          spec.symbol, self.start_ms)
        self.rate_models[m.id] = model
        m.rate_8h_num = model.step(self.now_ms, 0)
        m.next_funding_ms = (self.now_ms // m.interval_ms + 1) * m.interval_ms
        self._next_funding_ms = min(self._next_funding_ms, m.next_funding_ms)
        self._reprice(m, path.level)
        self.mark_epoch += 1
        return m

    def _reprice(self, m: Market, level: float) -> None:
        """Index, quoted funding rate, fair and mark of one market (quotes refreshed if watched)."""
        m.index_ticks = max(1, round(level * m.model_scale))
        m.rate_num = per_interval(m, m.rate_8h_num)
        m.fair_ticks = max(1, m.index_ticks + div_round(m.index_ticks * m.rate_8h_num, RATE_SCALE))
        if self.maker is not None:
            if m.watchers or m.client_resting:
                self.maker.refresh(m)
            else:
                m.quotes_stale = True
        if m.quotes_stale:
            m.mark_ticks = m.fair_ticks
        else:
            bid, ask = m.bids.best(), m.asks.best()
            m.mark_ticks = median3(bid, ask, m.fair_ticks) if bid and ask else m.fair_ticks

    def _refresh_quotes(self, m: Market) -> None:
        if self.maker is not None:
            self.maker.refresh(m)
            self._flush()
        else:
            m.quotes_stale = False

    def watch(self, market: int | str, on: bool = True) -> None:
        """A venue module streams this market's book: keep its quotes fresh at every step."""
        m = self.market(market)
        m.watchers = max(0, m.watchers + (1 if on else -1))
        if on and m.quotes_stale:
            self._refresh_quotes(m)

    # -- time -------------------------------------------------------------------------------
    def advance(self, seconds: float) -> int:
        return self.advance_to(self.now_ms + int(seconds * 1000))

    def advance_to(self, target_ms: int) -> int:
        """Process every price step and funding boundary up to market time ``target_ms``.
        Returns the number of price steps taken. A jump longer than
        ``params.max_steps_per_advance`` steps is walked in that many coarser steps."""
        if target_ms <= self.now_ms:
            return 0
        pending = (target_ms - self._next_step_ms) // self.step_ms + 1
        stride = max(1, -(-pending // self.params.max_steps_per_advance))
        step_ms = self.step_ms * stride
        steps = 0
        while True:
            t_step, t_fund = self._next_step_ms, self._next_funding_ms
            t = t_step if t_step < t_fund else t_fund
            if t > target_ms:
                break
            self._accrue(t)
            if t == t_step:     # a step at a funding boundary belongs to the interval it ends
                self._step(t, step_ms)
                self._next_step_ms += step_ms
                steps += 1
            if t == t_fund:
                self._settle_funding(t)
        self._accrue(target_ms)
        return steps

    def _accrue(self, t: int) -> None:
        dt = t - self.now_ms
        if dt > 0:
            for m in self.markets.values():
                m.accum += m.rate_num * dt
                m.accum_ms += dt
        self.now_ms = max(self.now_ms, t)

    def _settle_funding(self, t: int) -> None:
        for m in self.markets.values():
            if m.next_funding_ms <= t:
                if m.funding_style is FundingStyle.INTERVAL:
                    settle_interval(self, m, t)
                else:
                    record_continuous(self, m, t)
                m.next_funding_ms += m.interval_ms
        self._next_funding_ms = min((m.next_funding_ms for m in self.markets.values()), default=1 << 62)
        self._flush()

    def _step(self, t: int, dt_ms: int) -> None:
        dt_s = dt_ms / 1000.0
        for path in self.paths.values():
            path.step(dt_s)
        while self._shocks and self._shocks[0][0] <= t:
            _, symbol, factor = heapq.heappop(self._shocks)
            if symbol in self.paths:
                self.paths[symbol].jump(factor)
        for m in self.markets.values():
            m.rate_8h_num = self.rate_models[m.id].step(t, dt_ms)
            self._reprice(m, self.paths[m.symbol].level)
        self.mark_epoch += 1
        self._after_prices(dt_ms)

    def _after_prices(self, dt_ms: int) -> None:
        for m in self.markets.values():
            if m.funding_style is FundingStyle.CONTINUOUS and dt_ms:
                accrue_continuous(self, m, dt_ms)
        for acct in find_underwater(self):
            liquidate(self, acct)
        if self.takers is not None and dt_ms:
            self.takers.act(dt_ms)
        self._expire_orders()
        if self.bus.listeners(MarketTick):
            now = self.wall_ms()
            self._pending.extend(MarketTick(m, self.now_ms, now) for m in self.markets.values())
        self._flush()

    def _expire_orders(self) -> None:
        now = self.wall_ms()
        heap = self._expiries
        while heap and heap[0][0] <= now:
            _, order_id = heapq.heappop(heap)
            order = self.orders.get(order_id)
            if order is not None and order.live and order.expires_ms is not None and order.expires_ms <= now:
                self._cancel_live(order, CloseReason.EXPIRED, now, OrderStatus.EXPIRED)

    # -- control ------------------------------------------------------------------------------
    def set_index(self, symbol: str, price: Decimal) -> None:
        """Move an underlying's index to ``price`` (per underlying unit); the path continues from it."""
        path = self.paths.get(symbol) or self.paths.get(self.market(symbol).symbol)
        if path is None or price <= 0:
            raise ValueError(f"cannot set the index of {symbol!r} to {price}")
        path.level = float(price)
        self._reprice_symbol(path.symbol)

    def move_index(self, symbol: str, pct: Decimal) -> None:
        path = self.paths.get(symbol) or self.paths.get(self.market(symbol).symbol)
        if path is None:
            raise ValueError(f"no index for {symbol!r}")
        path.jump(1.0 + float(pct) / 100.0)
        self._reprice_symbol(path.symbol)

    def set_funding_rate(self, symbol: str, rate_8h: Decimal | None) -> None:
        """Pin a market's 8h-equivalent funding rate (None: back to the scenario's model)."""
        m = self.market(symbol)
        model = self.rate_models[m.id]
        model.override = rate_to_int(rate_8h) if rate_8h is not None else None
        m.rate_8h_num = model.step(self.now_ms, 0)
        self._reprice_symbol(m.symbol)

    def _reprice_symbol(self, symbol: str) -> None:
        for m in self.markets.values():
            if m.symbol == symbol:
                self._reprice(m, self.paths[symbol].level)
        self.mark_epoch += 1
        self._after_prices(0)

    def set_market_status(self, market: int | str, status: MarketStatus) -> None:
        """Open, pause (no new orders) or delist (every resting order cancelled) a market."""
        m = self.market(market)
        m.status = status
        if status is MarketStatus.DELISTED:
            now = self.wall_ms()
            for acct in self.accounts.values():
                for order in [o for o in acct.open_orders.values() if o.market is m]:
                    self._cancel_live(order, CloseReason.MARKET_CLOSED, now)
            if self.maker is not None:
                self.maker.quotes.pop(m.id, None)
        elif status is MarketStatus.OPEN:
            m.quotes_stale = True
            if m.watchers:
                self._refresh_quotes(m)
        if self.bus.listeners(MarketStatusEvent):
            self._pending.append(MarketStatusEvent(m, status, self.wall_ms()))
        self._flush()

    # -- views --------------------------------------------------------------------------------
    def book(self, market: int | str, depth: int | None = None) -> BookView:
        m = self.market(market)
        if m.quotes_stale:
            self._refresh_quotes(m)
        return book_view(m, depth, self.wall_ms())

    def market_stats(self, market: int | str) -> MarketStatsView:
        """Mark, index, funding, open interest, volume and best prices of a market. Cheap: a
        market whose quotes are stale holds no client order, so its best prices are the ladder's
        top, computed without re-quoting."""
        m = self.market(market)
        if m.quotes_stale and self.maker is not None:
            return market_stats_view(m, self.now_ms, self.maker.top(m))
        return market_stats_view(m, self.now_ms, (m.bids.best(), m.asks.best()))

    def account_state(self, account_id: int) -> AccountView:
        return account_view(self, self.account(account_id))

    def funding_history(self, market: int | str, since_ms: int | None = None) -> list[FundingRecord]:
        records = self.market(market).funding_history
        return [r for r in records if since_ms is None or r.market_ms >= since_ms]

    def funding_payments(self, account_id: int, market: int | str | None = None,
                         since_ms: int | None = None) -> list[FundingPayment]:
        mid = self.market(market).id if market is not None else None
        return [p for p in self.account(account_id).funding_payments
                if (mid is None or p.market.id == mid) and (since_ms is None or p.market_ms >= since_ms)]

    def fills(self, account_id: int, market: int | str | None = None,
              since_ms: int | None = None) -> list[Fill]:
        mid = self.market(market).id if market is not None else None
        return [f for f in self.account(account_id).fills
                if (mid is None or f.market.id == mid) and (since_ms is None or f.ts_ms >= since_ms)]

    def state(self) -> dict[str, Any]:
        """A JSON-able summary (control API)."""
        ledger = self.ledger()
        return {
            "venue": self.venue, "market_ms": self.now_ms, "step_ms": self.step_ms,
            "mark_epoch": self.mark_epoch, "accounts": len(self.accounts), "orders_indexed": len(self.orders),
            "markets": [m.describe() for m in self.markets.values()],
            "ledger": {k: str(v) for k, v in ledger.model_dump(exclude={"net_positions"}).items()},
            "net_positions": {k: str(v) for k, v in ledger.net_positions.items()},
            "listener_errors": self.bus.errors,
        }
