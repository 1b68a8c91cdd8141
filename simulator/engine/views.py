"""Decimal views of engine state for venue modules and the control API (read-only copies)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from simulator.engine.accounts import Account, Position
from simulator.engine.market import Market
from simulator.engine.units import FRACTION_SCALE, RATE_SCALE, cash_to_decimal, int_to_rate

if TYPE_CHECKING:
    from simulator.engine.core import EngineCore

__all__ = ["BookLevel", "BookView", "PositionView", "AccountView", "MarketStatsView",
           "book_view", "position_view", "account_view", "market_stats_view"]

_Z = Decimal(0)


@dataclass(frozen=True, slots=True)
class BookLevel:
    price: Decimal
    size: Decimal
    orders: int
    price_ticks: int
    lots: int


@dataclass(frozen=True, slots=True)
class BookView:
    """A consistent book snapshot: ``seq`` is the market's book sequence at that moment."""

    symbol: str
    seq: int
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    ts_ms: int


@dataclass(frozen=True, slots=True)
class PositionView:
    symbol: str
    market_id: int
    size: Decimal                 # signed, + long
    entry_price: Decimal | None
    mark_price: Decimal
    notional: Decimal             # |size| * mark
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    funding: Decimal              # received (+) / paid (−) since the position was opened
    fees: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    leverage: int
    liquidation_price: Decimal | None
    open_buy: Decimal
    open_sell: Decimal


@dataclass(frozen=True, slots=True)
class AccountView:
    account_id: int
    label: str | None
    deposits: Decimal
    collateral: Decimal           # deposits + realised − fees + funding (+ insurance)
    equity: Decimal               # collateral + unrealised
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal
    funding: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    available: Decimal            # equity − initial margin (may be negative)
    positions: tuple[PositionView, ...]
    open_orders: int
    liquidations: int


@dataclass(frozen=True, slots=True)
class MarketStatsView:
    symbol: str
    venue_symbol: str
    market_id: int
    status: str
    index_price: Decimal
    mark_price: Decimal
    last_price: Decimal | None
    best_bid: Decimal | None
    best_ask: Decimal | None
    funding_rate: Decimal         # current, per interval (per period when continuous)
    funding_rate_8h: Decimal
    funding_interval_hours: Decimal
    funding_style: str
    next_funding_ms: int
    funding_index: Decimal        # continuous: cumulative funding per unit of size, USD
    open_interest: Decimal        # contracts (long side), incl. none of the baseline
    open_interest_usd: Decimal    # incl. the scenario baseline
    volume_24h: Decimal           # contracts traded in the simulation
    volume_24h_usd: Decimal       # incl. the scenario baseline
    book_seq: int
    market_ms: int


def _levels(m: Market, side: int, depth: int | None) -> tuple[BookLevel, ...]:
    book = m.bids if side > 0 else m.asks
    return tuple(BookLevel(m.price(lv.price), m.size(lv.lots), lv.count, lv.price, lv.lots)
                 for lv in book.iter_levels(depth))


def book_view(m: Market, depth: int | None, ts_ms: int) -> BookView:
    return BookView(m.symbol, m.seq, _levels(m, 1, depth), _levels(m, -1, depth), ts_ms)


def _liquidation_price(engine: EngineCore, acct: Account, pos: Position) -> Decimal | None:
    """Mark at which equity meets maintenance margin, other positions' prices held fixed."""
    if not pos.size or acct.exempt:
        return None
    m = pos.market
    size = m.size(pos.size)
    mmf = Decimal(m.mmf_num) / FRACTION_SCALE
    equity = cash_to_decimal(acct.equity(engine.mark_epoch))
    mm_other = cash_to_decimal(sum(p.maintenance() for p in acct.positions.values() if p is not pos))
    mark = m.price(m.mark_ticks)
    denominator = size - abs(size) * mmf
    if not denominator:
        return None
    price = (mm_other - equity + size * mark) / denominator
    return price.quantize(m.tick) if price > 0 else None


def position_view(engine: EngineCore, acct: Account, pos: Position) -> PositionView:
    m = pos.market
    value = pos.size * m.mark_ticks * m.unit
    return PositionView(
        symbol=m.symbol, market_id=m.id, size=m.size(pos.size),
        entry_price=(cash_to_decimal(pos.cost) / m.size(pos.size)) if pos.size else None,
        mark_price=m.price(m.mark_ticks), notional=cash_to_decimal(abs(value)),
        unrealized_pnl=cash_to_decimal(value - pos.cost), realized_pnl=cash_to_decimal(pos.realized),
        funding=cash_to_decimal(pos.funding), fees=cash_to_decimal(pos.fees),
        initial_margin=cash_to_decimal(pos.contribution()[1]),
        maintenance_margin=cash_to_decimal(pos.maintenance()),
        leverage=acct.leverage.get(m.id, int(m.max_leverage)),
        liquidation_price=_liquidation_price(engine, acct, pos),
        open_buy=m.size(pos.open_buy), open_sell=m.size(pos.open_sell))


def account_view(engine: EngineCore, acct: Account) -> AccountView:
    epoch = engine.mark_epoch
    equity = acct.equity(epoch)
    collateral = acct.collateral()
    return AccountView(
        account_id=acct.id, label=acct.label, deposits=cash_to_decimal(acct.deposits),
        collateral=cash_to_decimal(collateral), equity=cash_to_decimal(equity),
        unrealized_pnl=cash_to_decimal(equity - collateral), realized_pnl=cash_to_decimal(acct.realized),
        fees_paid=cash_to_decimal(acct.fees_paid), funding=cash_to_decimal(acct.funding_cash),
        initial_margin=cash_to_decimal(acct.im_sum), maintenance_margin=cash_to_decimal(acct.maintenance()),
        available=cash_to_decimal(equity - acct.im_sum),
        positions=tuple(position_view(engine, acct, p) for p in acct.positions.values() if p.size),
        open_orders=len(acct.open_orders), liquidations=acct.liquidations)


def market_stats_view(m: Market, market_ms: int, best: tuple[int | None, int | None]) -> MarketStatsView:
    vol_lots, vol_cash = m.volume_24h(market_ms)
    bid, ask = best
    return MarketStatsView(
        symbol=m.symbol, venue_symbol=m.venue_symbol, market_id=m.id, status=m.status.value,
        index_price=m.price(m.index_ticks), mark_price=m.price(m.mark_ticks),
        last_price=m.price(m.last_trade_ticks) if m.last_trade_ticks else None,
        best_bid=m.price(bid) if bid is not None else None,
        best_ask=m.price(ask) if ask is not None else None,
        funding_rate=int_to_rate(m.rate_num), funding_rate_8h=int_to_rate(m.rate_8h_num),
        funding_interval_hours=Decimal(m.period_ms) / 3_600_000, funding_style=m.funding_style.value,
        next_funding_ms=m.next_funding_ms,
        funding_index=cash_to_decimal(m.funding_index) / RATE_SCALE / m.step if m.funding_index else _Z,
        open_interest=m.size(m.oi_lots),
        open_interest_usd=cash_to_decimal(m.open_interest_cash() + m.baseline_oi_cash),
        volume_24h=m.size(vol_lots), volume_24h_usd=cash_to_decimal(vol_cash + m.baseline_volume_cash),
        book_seq=m.seq, market_ms=market_ms)
