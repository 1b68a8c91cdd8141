"""Engine state shared by matching and the market lifecycle: markets, accounts, order index,
house ledgers, event collection. ``Engine`` (engine.py) is the class to use."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from simulator.engine.accounts import Account, Position
from simulator.engine.events import (
    AccountEvent,
    BookDelta,
    EventBus,
    OrderEvent,
    PositionEvent,
    TradeEvent,
)
from simulator.engine.market import Market, MarketSpec
from simulator.engine.orders import (
    CloseReason,
    Fill,
    NotFoundError,
    Order,
    OrderRejected,
    OrderStatus,
    ReduceOnlyPolicy,
    RejectReason,
    SelfTradePolicy,
)
from simulator.engine.units import FRACTION_SCALE, cash_to_decimal, decimal_to_cash

__all__ = ["EngineConfig", "EngineCore", "Ledger"]


class EngineConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    self_trade: SelfTradePolicy = SelfTradePolicy.CANCEL_MAKER
    reduce_only: ReduceOnlyPolicy = ReduceOnlyPolicy.TRIM
    order_retention: int = Field(default=100_000, ge=100, description="Closed orders kept for lookups.")
    account_history: int = Field(default=10_000, ge=10,
                                 description="Fills/funding payments kept per account.")
    funding_history: int = Field(default=5_000, ge=10, description="Funding records kept per market.")


class Ledger(BaseModel):
    """Conservation check, all in USD: ``accounts_cash + fees + funding + insurance == deposits``."""

    model_config = ConfigDict(frozen=True)

    deposits: Decimal
    accounts_cash: Decimal
    house_fees: Decimal
    house_funding: Decimal
    insurance_fund: Decimal
    imbalance: Decimal
    net_positions: dict[str, Decimal]

    @property
    def balanced(self) -> bool:
        return self.imbalance == 0 and not any(self.net_positions.values())


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


def _changes(m: Market) -> tuple[tuple[int, int, int], ...]:
    """The changed levels of a market with their new total size, sorted by (side, price)."""
    bids, asks = m.bids.levels, m.asks.levels
    if len(m.dirty) == 1:
        ((side, px),) = m.dirty
        level = (bids if side > 0 else asks).get(px)
        return ((side, px, level.lots if level is not None else 0),)
    out = []
    for side, px in m.dirty:
        level = (bids if side > 0 else asks).get(px)
        out.append((side, px, level.lots if level is not None else 0))
    out.sort()
    return tuple(out)


class EngineCore:
    def __init__(self, venue: str, markets: Iterable[MarketSpec], config: EngineConfig | None = None,
                 *, wall_ms: Callable[[], int] = _wall_ms) -> None:
        self.venue = venue
        self.config = config or EngineConfig()
        self.wall_ms = wall_ms
        self.markets: dict[int, Market] = {}
        self.by_symbol: dict[str, Market] = {}
        self.by_venue_symbol: dict[str, Market] = {}
        self.accounts: dict[int, Account] = {}
        self.orders: dict[int, Order] = {}
        self._closed: deque[Order] = deque()
        self._next_account_id = 1
        self._next_order_id = 1
        self._next_trade_id = 1
        self.house_fees = 0
        self.house_funding = 0
        self.insurance_fund = 0
        self.mark_epoch = 0
        self.now_ms = 0               # market time of the last processed step
        self._stp = self.config.self_trade
        self.bus = EventBus()
        self._pending: list[Any] = []
        self._dirty_markets: list[Market] = []
        self._dirty_positions: dict[tuple[int, int], Position] = {}
        self._ro_pending: list[Position] = []
        self._expiries: list[tuple[int, int]] = []   # heap of (expires wall ms, order id)
        self._l_book = self.bus.listeners(BookDelta)
        self._l_order = self.bus.listeners(OrderEvent)
        self._l_fill = self.bus.listeners(Fill)
        self._l_trade = self.bus.listeners(TradeEvent)
        self._l_position = self.bus.listeners(PositionEvent)
        for spec in markets:
            self.add_market(spec)

    # -- markets --------------------------------------------------------------------------
    def add_market(self, spec: MarketSpec) -> Market:
        if spec.market_id in self.markets:
            raise ValueError(f"{self.venue}: duplicate market id {spec.market_id}")
        if spec.symbol in self.by_symbol:
            raise ValueError(f"{self.venue}: duplicate market symbol {spec.symbol}")
        market = Market(spec, history=self.config.funding_history)
        self.markets[market.id] = market
        self.by_symbol[market.symbol] = market
        self.by_venue_symbol[market.venue_symbol] = market
        return market

    def market(self, key: int | str) -> Market:
        """A market by id, normalised symbol ('BTC') or venue symbol ('BTC-USD-PERP')."""
        found = (self.markets.get(key) if isinstance(key, int)
                 else self.by_symbol.get(key) or self.by_venue_symbol.get(key))
        if found is None:
            raise NotFoundError(RejectReason.UNKNOWN_MARKET, f"{self.venue}: no market {key!r}")
        return found

    # -- accounts -------------------------------------------------------------------------
    def create_account(self, deposit: Decimal = Decimal(0), *, label: str | None = None,
                       account_id: int | None = None, agent: bool = False,
                       exempt: bool = False) -> Account:
        """A new cross-margin account, optionally funded. ``account_id`` lets a venue choose ids."""
        if account_id is None:
            account_id = self._next_account_id
        if account_id in self.accounts:
            raise OrderRejected(RejectReason.INVALID_REQUEST, f"account {account_id} exists")
        self._next_account_id = max(self._next_account_id, account_id + 1)
        acct = Account(account_id, label=label, agent=agent, exempt=exempt or agent,
                       history=self.config.account_history, created_ms=self.wall_ms())
        self.accounts[account_id] = acct
        if deposit:
            self.deposit(account_id, deposit)
        return acct

    def account(self, account_id: int) -> Account:
        acct = self.accounts.get(account_id)
        if acct is None:
            raise NotFoundError(RejectReason.UNKNOWN_ACCOUNT, f"{self.venue}: no account {account_id}")
        return acct

    def deposit(self, account_id: int, amount: Decimal) -> None:
        if amount <= 0:
            raise OrderRejected(RejectReason.INVALID_REQUEST, f"deposit {amount} must be > 0")
        acct = self.account(account_id)
        cash = decimal_to_cash(amount)
        acct.cash += cash
        acct.deposits += cash
        self._account_event(acct, "deposit", cash)

    def withdraw(self, account_id: int, amount: Decimal) -> None:
        """Take collateral out; refused beyond what is available (equity − initial margin)."""
        if amount <= 0:
            raise OrderRejected(RejectReason.INVALID_REQUEST, f"withdrawal {amount} must be > 0")
        acct = self.account(account_id)
        cash = decimal_to_cash(amount)
        if cash > self.available_cash(acct):
            raise OrderRejected(RejectReason.INSUFFICIENT_BALANCE, f"withdrawal {amount} exceeds available")
        acct.cash -= cash
        acct.deposits -= cash
        self._account_event(acct, "withdraw", -cash)

    def available_cash(self, acct: Account) -> int:
        return acct.equity(self.mark_epoch) - acct.im_sum

    def _account_event(self, acct: Account, kind: str, cash: int, market: Market | None = None,
                       leverage: int | None = None) -> None:
        if self.bus.listeners(AccountEvent):
            self._pending.append(AccountEvent(acct.id, kind, cash, self.wall_ms(), market, leverage))
        self._flush()

    def _imf_for(self, acct: Account, market: Market) -> int:
        lev = acct.leverage.get(market.id)
        if lev is None:
            return market.imf_num
        return max(market.imf_num, -(-FRACTION_SCALE // lev))

    def _position(self, acct: Account, market: Market) -> Position:
        pos = acct.positions.get(market.id)
        if pos is None:
            pos = acct.positions[market.id] = Position(market, acct.id, self._imf_for(acct, market))
        return pos

    def set_leverage(self, account_id: int, market_id: int | str, leverage: int) -> None:
        """Choose the leverage (IMF = max(market IMF, 1/leverage)); refused if it leaves the
        account short of initial margin."""
        acct = self.account(account_id)
        market = self.market(market_id)
        if not 1 <= leverage <= market.max_leverage:
            raise OrderRejected(RejectReason.INVALID_LEVERAGE,
                                f"leverage {leverage} outside 1..{market.max_leverage}")
        previous = acct.leverage.get(market.id)
        acct.leverage[market.id] = leverage
        pos = acct.positions.get(market.id)
        if pos is not None:
            old_imf = pos.imf_num
            pos.imf_num = self._imf_for(acct, market)
            acct.update_position_cache(pos, self.mark_epoch)
            if pos.imf_num > old_imf and not acct.exempt and self.available_cash(acct) < 0:
                pos.imf_num = old_imf
                if previous is None:
                    del acct.leverage[market.id]
                else:
                    acct.leverage[market.id] = previous
                acct.update_position_cache(pos, self.mark_epoch)
                raise OrderRejected(RejectReason.INSUFFICIENT_MARGIN,
                                    f"leverage {leverage} needs more margin")
        self._account_event(acct, "leverage", 0, market, leverage)

    def leverage_of(self, account_id: int, market_id: int | str) -> int:
        acct = self.account(account_id)
        market = self.market(market_id)
        return acct.leverage.get(market.id, int(market.max_leverage))

    # -- orders: lookups --------------------------------------------------------------------
    def get_order(self, order_id: int, account_id: int | None = None) -> Order:
        """An open or recently closed order (``config.order_retention`` closed orders are kept)."""
        order = self.orders.get(order_id)
        if order is None or (account_id is not None and order.account.id != account_id):
            raise NotFoundError(RejectReason.ORDER_NOT_FOUND, f"no order {order_id}")
        return order

    def get_order_by_client_id(self, account_id: int, client_id: Any) -> Order:
        order = self.account(account_id).client_ids.get(client_id)
        if order is None:
            raise NotFoundError(RejectReason.ORDER_NOT_FOUND, f"no order with client id {client_id!r}")
        return order

    def open_orders(self, account_id: int, market_id: int | None = None) -> list[Order]:
        orders = self.account(account_id).open_orders.values()
        return [o for o in orders if market_id is None or o.market.id == market_id]

    def _register(self, order: Order) -> None:
        if not order.agent:
            self.orders[order.id] = order
            if order.client_id is not None:
                order.account.client_ids[order.client_id] = order

    def _close(self, order: Order, status: OrderStatus, reason: CloseReason | None, now: int) -> None:
        order.status = status
        order.reason = reason
        order.updated_ms = now
        if order.agent:      # agents' private streams are seen by no client
            return
        if self._l_order:
            self._pending.append(OrderEvent(order, status, order.filled_lots, order.remaining_lots,
                                            reason, now))
        closed = self._closed
        closed.append(order)
        if len(closed) > self.config.order_retention:
            old = closed.popleft()
            self.orders.pop(old.id, None)
            ids = old.account.client_ids
            if old.client_id is not None and ids.get(old.client_id) is old:
                del ids[old.client_id]

    # -- events ---------------------------------------------------------------------------
    def _mark_dirty(self, market: Market, side: int, price: int) -> None:
        if not market.dirty:
            self._dirty_markets.append(market)
        market.dirty.add((side, price))

    def _flush(self) -> None:
        """End of an operation: book deltas and position updates, then deliver all events."""
        now = 0
        if self._dirty_markets:
            if self._l_book:
                now = self.wall_ms()
                for m in self._dirty_markets:
                    m.seq += 1
                    self._pending.append(BookDelta(m, m.seq, _changes(m), now))
                    m.dirty.clear()
            else:
                for m in self._dirty_markets:
                    m.seq += 1
                    m.dirty.clear()
            self._dirty_markets.clear()
        if self._dirty_positions:
            now = now or self.wall_ms()
            for (acct_id, _), pos in self._dirty_positions.items():
                self._pending.append(PositionEvent(acct_id, pos.market, pos.size, pos.cost,
                                                   pos.realized, pos.funding, now))
            self._dirty_positions.clear()
        if self._pending:
            events, self._pending = self._pending, []
            self.bus.deliver(events)

    # -- conservation -----------------------------------------------------------------------
    def ledger(self) -> Ledger:
        c = cash_to_decimal
        deposits = sum(a.deposits for a in self.accounts.values())
        cash = sum(a.cash for a in self.accounts.values())
        imbalance = cash + self.house_fees + self.house_funding + self.insurance_fund - deposits
        net = {m.symbol: m.size(sum(a.positions[m.id].size for a in self.accounts.values()
                                    if m.id in a.positions)) for m in self.markets.values()}
        return Ledger(deposits=c(deposits), accounts_cash=c(cash), house_fees=c(self.house_fees),
                      house_funding=c(self.house_funding), insurance_fund=c(self.insurance_fund),
                      imbalance=c(imbalance), net_positions=net)
