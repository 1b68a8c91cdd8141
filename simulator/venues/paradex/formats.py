"""Paradex JSON shapes built from engine state: markets, summaries, BBO, books, funding data,
trades, orders, fills, positions, balance and the account summary.

Numbers are decimal strings (plain, never exponents), times integer milliseconds; funding
fields carry market time (the funding clock), everything else wall time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from helpers.decimal import decimal_str
from simulator.engine.accounts import Account, Position
from simulator.engine.market import Market, MarketStatus
from simulator.engine.units import RATE_SCALE, cash_to_decimal
from simulator.engine.views import MarketStatsView, PositionView

if TYPE_CHECKING:
    from simulator.engine.engine import Engine
    from simulator.engine.orders import Order

__all__ = ["num", "px", "hours", "OPEN_AT_MS", "market_row", "summary_row", "bbo_row", "top_of_book",
           "book_levels", "funding_row", "PdxOrder", "order_resp", "position_row", "account_summary",
           "balance_of", "pending_funding", "base_currency", "market_open", "funding_index"]

D = Decimal
_Q8 = D("1e-8")
#: the simulated markets "opened" at this time (2023-10-31, like Paradex's first perps)
OPEN_AT_MS = 1_698_756_879_745


def num(value: Decimal) -> str:
    return decimal_str(value)


def px(value: Decimal | None) -> str:
    """A derived price (average, entry) rounded to 8 decimals like Paradex; "" when absent."""
    return "" if value is None else decimal_str(value.quantize(_Q8))


def hours(value: Decimal) -> int | float:
    """``funding_period_hours`` is a JSON number: 8, or 0.5 for a fractional period."""
    return int(value) if value == value.to_integral_value() else float(value)


def base_currency(m: Market) -> str:
    return m.venue_symbol.split("-", 1)[0]


def market_row(m: Market, max_order_size: Decimal) -> dict[str, Any]:
    spec = m.spec
    maker, taker = num(spec.maker_fee), num(spec.taker_fee)
    fee = {"maker_fee": {"fee": maker, "fee_cap": "", "fee_floor": ""},
           "taker_fee": {"fee": taker, "fee_cap": "", "fee_floor": ""}}
    return {
        "symbol": m.venue_symbol, "base_currency": base_currency(m), "quote_currency": "USD",
        "settlement_currency": "USDC", "asset_kind": "PERP", "market_kind": "cross",
        "order_size_increment": num(m.step), "price_tick_size": num(m.tick),
        "min_notional": num(spec.min_notional), "max_order_size": num(max_order_size),
        "position_limit": num(max_order_size * 10), "max_open_orders": 100,
        "open_at": OPEN_AT_MS, "expiry_at": 0, "price_bands_width": "0.05", "max_slippage": "0.05",
        "max_tob_spread": "0.2", "clamp_rate": "0.0005", "interest_rate": "0.0001",
        "max_funding_rate": num(spec.funding_cap), "max_funding_rate_change": "0.0005",
        "funding_period_hours": hours(spec.funding_interval_hours), "funding_multiplier": 1,
        "oracle_ewma_factor": "0.2", "price_feed_id": f"SIM-{m.venue_symbol}", "iv_bands_width": "",
        "option_type": "", "strike_price": "", "tags": [], "trading_mode": "STANDARD",
        "delta1_cross_margin_params": {"imf_base": num(spec.imf), "imf_factor": "0", "imf_shift": "0",
                                       "mmf_factor": num(spec.mmf / spec.imf)},
        "option_cross_margin_params": None,
        "fee_config": {"api_fee": fee, "interactive_fee": fee, "rpi_fee": fee},
    }


def top_of_book(engine: Engine, m: Market) -> tuple[int | None, int, int | None, int]:
    """(bid ticks, bid lots, ask ticks, ask lots) without re-quoting a market nobody watches:
    a stale market's top is the market makers' ladder top."""
    maker = engine.maker
    if m.quotes_stale and maker is not None:
        bid, ask = maker.top(m)
        first = maker.sizes_cash[0]
        bid_lots = max(m.min_lots, first // (bid * m.unit)) if bid else 0
        ask_lots = max(m.min_lots, first // (ask * m.unit)) if ask else 0
        return bid, bid_lots, ask, ask_lots
    bid, ask = m.bids.best(), m.asks.best()
    return (bid, m.bids.lots_at(bid) if bid is not None else 0,
            ask, m.asks.lots_at(ask) if ask is not None else 0)


def bbo_row(m: Market, top: tuple[int | None, int, int | None, int], ts_ms: int) -> dict[str, Any]:
    bid, bid_lots, ask, ask_lots = top
    return {"market": m.venue_symbol, "seq_no": m.seq,
            "bid": num(m.price(bid)) if bid else "", "bid_size": num(m.size(bid_lots)) if bid else "",
            "ask": num(m.price(ask)) if ask else "", "ask_size": num(m.size(ask_lots)) if ask else "",
            "last_updated_at": ts_ms}


def book_levels(m: Market, side: int, depth: int | None,
                tick: Decimal | None) -> list[tuple[Decimal, Decimal]]:
    """Levels of one side, best first, optionally grouped to a coarser ``tick`` (bids down,
    asks up, like Paradex's price_tick grouping)."""
    book = m.bids if side > 0 else m.asks
    if tick is None or tick <= m.tick:
        return [(m.price(lv.price), m.size(lv.lots)) for lv in book.iter_levels(depth)]
    rounding = ROUND_FLOOR if side > 0 else ROUND_CEILING
    grouped: dict[Decimal, int] = {}
    for lv in book.iter_levels():
        price = (m.price(lv.price) / tick).to_integral_value(rounding) * tick
        if price not in grouped and depth is not None and len(grouped) >= depth:
            break
        grouped[price] = grouped.get(price, 0) + lv.lots
    return [(p, m.size(lots)) for p, lots in grouped.items()]


def funding_row(m: Market, stats: MarketStatsView) -> dict[str, Any]:
    period = stats.funding_interval_hours
    rate = stats.funding_rate
    return {"market": m.venue_symbol, "funding_index": num(stats.funding_index),
            "funding_premium": num(rate * stats.index_price), "funding_rate": num(rate),
            "funding_rate_8h": num(rate * 8 / period), "funding_period_hours": hours(period),
            "created_at": stats.market_ms}


def summary_row(m: Market, stats: MarketStatsView, top: tuple[int | None, int, int | None, int],
                total_volume: Decimal, price_24h_ago: Decimal | None, now_ms: int) -> dict[str, Any]:
    bid, bid_lots, ask, ask_lots = top
    mark = stats.mark_price
    oi = (stats.open_interest_usd / mark).quantize(m.step, ROUND_FLOOR) if mark else stats.open_interest
    last = stats.last_price or mark
    change = (last / price_24h_ago - 1).quantize(D("1e-6")) if price_24h_ago else D(0)
    return {
        "symbol": m.venue_symbol, "mark_price": num(mark), "last_traded_price": num(last),
        "bid": num(m.price(bid)) if bid else "", "bid_size": num(m.size(bid_lots)) if bid else "",
        "ask": num(m.price(ask)) if ask else "", "ask_size": num(m.size(ask_lots)) if ask else "",
        "volume_24h": num(stats.volume_24h_usd.quantize(_Q8)),
        "total_volume": num(total_volume.quantize(_Q8)),
        "created_at": now_ms, "underlying_price": num(stats.index_price), "open_interest": num(oi),
        "funding_rate": num(stats.funding_rate), "future_funding_rate": num(stats.funding_rate),
        "price_change_rate_24h": num(change), "greeks": {"delta": "1", "gamma": "0", "vega": "0"},
        "delta": "1", "external_fair_price": num(stats.index_price),
    }


# -- orders -----------------------------------------------------------------------------------------
@dataclass(slots=True)
class PdxOrder:
    """A Paradex order as the venue sees it: accepted (NEW) before the engine has it, then
    tracking the engine's order (``engine``) until CLOSED."""

    id: str
    account_id: int
    account: str              # hex address
    market: Market
    side: str                 # BUY / SELL
    type: str                 # LIMIT / MARKET
    size: Decimal
    price: Decimal | None
    instruction: str
    flags: list[str]
    client_id: str
    stp: str
    signature_timestamp: int
    created_at: int
    lots: int = 0
    price_ticks: int = 0
    reduce_only: bool = False
    status: str = "NEW"
    cancel_reason: str = ""
    updated_at: int = 0
    engine: Order | None = None
    filled_lots: int = 0      # accumulated from fills (remaining_size of each fill)
    seq_no: int = 0           # of the last update (REST and WS show the same until the next one)

    @property
    def is_open(self) -> bool:
        return self.status != "CLOSED"


def order_resp(rec: PdxOrder, seq_no: int, remaining: Decimal | None = None) -> dict[str, Any]:
    o = rec.engine
    if remaining is None:
        remaining = o.remaining if o is not None else rec.size
        if o is not None and o.lots < rec.size and o.filled_lots == o.lots:
            remaining = D(0)      # a reduce-only order trimmed to the position and filled
    return {
        "id": rec.id, "account": rec.account, "market": rec.market.venue_symbol, "side": rec.side,
        "type": rec.type, "size": num(rec.size), "remaining_size": num(remaining),
        "price": num(rec.price) if rec.price is not None else "0", "status": rec.status,
        "instruction": rec.instruction, "flags": list(rec.flags), "client_id": rec.client_id,
        "cancel_reason": rec.cancel_reason,
        "avg_fill_price": px(o.average_price) if o is not None else "", "stp": rec.stp,
        "trigger_price": "0", "created_at": rec.created_at,
        "last_updated_at": rec.updated_at or rec.created_at,
        "timestamp": rec.signature_timestamp, "received_at": rec.created_at,
        "published_at": rec.updated_at or rec.created_at, "seq_no": seq_no,
    }


# -- account state ----------------------------------------------------------------------------------
def pending_funding(acct: Account) -> int:
    """Funding accrued on open positions and not yet recorded as a payment (cash units)."""
    return sum(p.funding_pending for p in acct.positions.values())


def balance_of(acct: Account) -> Decimal:
    """The USDC balance: deposits + realised PnL − fees + funding payments booked so far."""
    return cash_to_decimal(acct.collateral() - pending_funding(acct))


def position_row(m: Market, pos: Position, view: PositionView, address: str, funding_index: Decimal,
                 last_fill_id: str, seq_no: int) -> dict[str, Any]:
    pending = cash_to_decimal(pos.funding_pending)
    size = view.size
    cached = funding_index + pending / size if size else funding_index
    entry = px(view.entry_price) or "0"
    cost = num(cash_to_decimal(pos.cost))
    return {
        "id": f"{address}-{m.venue_symbol}", "account": address, "market": m.venue_symbol,
        "status": "OPEN" if size else "CLOSED", "side": "SHORT" if size < 0 else "LONG",
        "size": num(size), "average_entry_price": entry, "average_entry_price_usd": entry,
        "average_exit_price": "0", "cost": cost, "cost_usd": cost,
        "unrealized_pnl": num(view.unrealized_pnl + pending), "unrealized_funding_pnl": num(pending),
        "realized_positional_pnl": num(view.realized_pnl - view.fees),
        "realized_positional_funding_pnl": num(view.funding - pending),
        "cached_funding_index": num(cached), "liquidation_price": num(view.liquidation_price)
        if view.liquidation_price is not None else "", "leverage": str(view.leverage),
        "last_fill_id": last_fill_id, "created_at": pos.opened_ms, "last_updated_at": pos.updated_ms,
        "closed_at": 0 if size else pos.updated_ms, "seq_no": seq_no,
    }


def account_summary(engine: Engine, acct: Account, address: str, now_ms: int, seq_no: int) -> dict[str, Any]:
    view = engine.account_state(acct.id)
    balance = balance_of(acct)
    value = view.equity
    status = "LIQUIDATION" if view.maintenance_margin and value < view.maintenance_margin else "ACTIVE"
    return {
        "account": address, "account_value": num(value), "total_collateral": num(balance),
        "free_collateral": num(min(value - view.initial_margin, balance)),
        "initial_margin_requirement": num(view.initial_margin),
        "maintenance_margin_requirement": num(view.maintenance_margin),
        "margin_cushion": num(value - view.maintenance_margin), "settlement_asset": "USDC",
        "status": status, "updated_at": now_ms, "seq_no": seq_no, "last_seen_notification": 0,
    }


def market_open(m: Market) -> bool:
    return m.status is MarketStatus.OPEN


def funding_index(m: Market) -> Decimal:
    """Cumulative funding per contract (USDC), the same number as ``funding_data.funding_index``."""
    return cash_to_decimal(m.funding_index) / RATE_SCALE / m.step if m.funding_index else D(0)
