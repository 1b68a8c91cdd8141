"""Accounts as Lighter reports them: ``DetailedAccount`` (``/api/v1/account``), positions,
funding payments (``positionFunding``, ``account_all.funding_histories``) and trades.

``Activity`` records every trade when its taker fill happens (``TradeRecord``: both orders,
both accounts, positions before) — the last ones per market for ``recentTrades``/``trade/{m}``
and per client account for ``account_all``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from simulator.engine.accounts import Account, FundingPayment, Position
from simulator.engine.engine import Engine
from simulator.engine.market import HOUR_MS
from simulator.engine.orders import Fill, Order
from simulator.engine.units import FRACTION_SCALE, cash_to_decimal
from simulator.engine.views import position_view
from simulator.venues.lighter.formats import (
    USDC_ASSET_ID,
    MarketFmt,
    TradeRecord,
    fixed,
    percent,
    tx_hash,
    usd,
)
from simulator.venues.lighter.listing import MarketData

__all__ = ["Activity", "account_json", "position_json", "funding_row", "l1_address", "short_account",
           "volume_stats", "assets_json"]

D = Decimal
_RECENT_PER_MARKET = 100
_TRADES_PER_ACCOUNT = 1_000


def l1_address(account: int) -> str:
    """A stable, made-up Ethereum address for an account (Lighter accounts belong to one)."""
    return "0x" + hashlib.sha256(f"lighter-l1:{account}".encode()).hexdigest()[:40]


def position_json(engine: Engine, acct: Account, pos: Position, fmt: MarketFmt,
                  open_orders: int) -> dict[str, Any]:
    view = position_view(engine, acct, pos)
    liquidation = fmt.price_dec(view.liquidation_price) if view.liquidation_price is not None else "0"
    return {
        "market_id": pos.market.id, "symbol": pos.market.venue_symbol,
        "initial_margin_fraction": fixed(D(pos.imf_num) * 100 / FRACTION_SCALE, 2),
        "open_order_count": open_orders, "pending_order_count": 0, "position_tied_order_count": 0,
        "sign": -1 if pos.size < 0 else 1, "position": fmt.size(abs(pos.size)),
        "avg_entry_price": fmt.price_dec(view.entry_price), "position_value": fixed(view.notional, 6),
        "unrealized_pnl": fixed(view.unrealized_pnl, 6), "realized_pnl": fixed(view.realized_pnl, 6),
        "liquidation_price": liquidation, "total_funding_paid_out": fixed(-view.funding, 6),
        "margin_mode": 0, "allocated_margin": "0.000000", "total_discount": "0.000000", "margin_set_flag": 0,
    }


def positions_json(engine: Engine, acct: Account, data: MarketData, counts: dict[int, int],
                   markets: set[int] | None = None) -> dict[int, dict[str, Any]]:
    """Every market the account holds a position or an order in (or ``markets``), by id."""
    out = {}
    for mid, pos in sorted(acct.positions.items()):
        if markets is None or mid in markets:
            out[mid] = position_json(engine, acct, pos, data.fmt(mid), counts.get(mid, 0))
    # a position that just closed, or a market whose leverage the account set while flat: Lighter
    # lists it as a flat position carrying the account's initial margin fraction
    flat = set(markets or ()) | (set(acct.leverage) if markets is None else set())
    for mid in sorted(flat):
        if mid not in out:
            m = engine.markets[mid]
            out[mid] = position_json(engine, acct, Position(m, acct.id, engine._imf_for(acct, m)),
                                     data.fmt(mid), 0)
    return out


def assets_json(collateral: Decimal) -> dict[str, Any]:
    return {"symbol": "USDC", "asset_id": USDC_ASSET_ID, "balance": fixed(collateral, 6),
            "locked_balance": "0.000000"}


def short_account(engine: Engine, acct: Account, pending: int = 0) -> dict[str, Any]:
    """The ``Account`` model (``accountsByL1Address``)."""
    view = engine.account_state(acct.id)
    return {"code": 0, "account_type": 0, "account_trading_mode": 0, "index": acct.id,
            "l1_address": acct.meta.get("l1_address", l1_address(acct.id)),
            "cancel_all_time": acct.meta.get("cancel_all_time", 0),
            "total_order_count": len(acct.open_orders),
            "total_isolated_order_count": 0, "pending_order_count": pending,
            "available_balance": fixed(max(view.available, D(0)), 6), "status": 1,
            "collateral": fixed(view.collateral, 6), "transaction_time": engine.wall_ms() * 1000}


def account_json(engine: Engine, acct: Account, data: MarketData, counts: dict[int, int]) -> dict[str, Any]:
    """The ``DetailedAccount`` model."""
    view = engine.account_state(acct.id)
    positions = positions_json(engine, acct, data, counts)
    return {
        **short_account(engine, acct), "account_index": acct.id, "name": acct.label or "", "description": "",
        "can_invite": True, "referral_points_percentage": "",
        "positions": list(positions.values()),
        "assets": [{**assets_json(view.collateral), "margin_balance": fixed(view.collateral, 6),
                    "margin_mode": "enabled", "multiplier": "1"}],
        "total_asset_value": fixed(view.equity, 6), "cross_asset_value": fixed(view.equity, 6),
        "pool_info": {"status": 0, "operator_fee": "0", "min_operator_share_rate": "0", "total_shares": 0,
                      "operator_shares": 0, "annual_percentage_yield": 0, "daily_returns": [],
                      "share_prices": [], "sharpe_ratio": 0, "strategies": []},
        "shares": [], "created_at": acct.created_ms, "pending_unlocks": [], "approved_integrators": [],
        "can_rfq": False, "cross_initial_margin_requirement": fixed(view.initial_margin, 6),
        "cross_maintenance_margin_requirement": fixed(view.maintenance_margin, 6), "can_rfq_market_ids": [],
        "metadata": {"color": ""}, "agent_enabled": False, "bo_positions": [],
    }


def funding_row(p: FundingPayment, fmt: MarketFmt, *, discount: bool = True) -> dict[str, Any]:
    """A ``PositionFunding`` (``change`` + received / − paid; ``rate`` percent per hour, + longs pay)."""
    row = {"timestamp": p.market_ms // 1000, "market_id": p.market.id, "funding_id": p.market_ms // HOUR_MS,
           "change": usd(p.amount_cash), "rate": percent(p.rate_num),
           "position_size": fmt.size(abs(p.size_lots)),
           "position_side": "long" if p.size_lots > 0 else "short"}
    if discount:
        row["discount"] = "0.000000"
    return row


def volume_stats(fills: deque[Fill] | list[Fill], now_ms: int) -> dict[str, Any]:
    """``daily_/weekly_/monthly_/total_`` trade counts and USD volumes of an account's fills."""
    out: dict[str, Any] = {}
    for name, days in (("daily", 1), ("weekly", 7), ("monthly", 30), ("total", None)):
        since = now_ms - days * 86_400_000 if days else 0
        chosen = [f for f in fills if f.ts_ms >= since]
        out[f"{name}_trades_count"] = len(chosen)
        out[f"{name}_volume"] = float(sum((cash_to_decimal(f.price_ticks * f.lots * f.market.unit)
                                           for f in chosen), D(0)))
    return out


class Activity:
    """Trade records from the engine's fills (engine ``Fill`` events, taker side)."""

    def __init__(self, engine: Engine, on_trade: Callable[[TradeRecord], None],
                 meta_of: Callable[[Order], dict[str, Any]]) -> None:
        self.engine = engine
        self.on_trade = on_trade
        self.meta_of = meta_of
        self.recent: dict[int, deque[TradeRecord]] = {mid: deque(maxlen=_RECENT_PER_MARKET)
                                                      for mid in engine.markets}
        self.by_account: dict[int, deque[TradeRecord]] = {}
        self._sizes: dict[tuple[int, int], int] = {}      # (account, market) -> lots, clients only
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self.engine.bus.subscribe(Fill, self._on_fill)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _before(self, account: int, market: int, delta: int) -> int:
        acct = self.engine.accounts.get(account)
        if acct is None or acct.agent:
            return 0
        key = (account, market)
        before = self._sizes.get(key, 0)
        self._sizes[key] = before + delta
        return before

    def _on_fill(self, fill: Fill) -> None:
        if fill.is_maker:
            return
        m = fill.market
        maker_order = self.engine.orders.get(fill.other_order_id)
        maker_cid = maker_order.client_id if maker_order is not None else None
        taker_order = self.engine.orders.get(fill.order_id)
        meta = self.meta_of(taker_order) if taker_order is not None else {}
        record = TradeRecord(
            fill=fill, maker_client_id=maker_cid if isinstance(maker_cid, int) else 0,
            taker_before_lots=self._before(fill.account_id, m.id, fill.side * fill.lots),
            maker_before_lots=self._before(fill.other_account_id, m.id, -fill.side * fill.lots),
            tx_hash=meta.get("tx_hash") or tx_hash(f"trade:{m.id}:{fill.trade_id}"),
            height=meta.get("height", 0))
        self.recent[m.id].append(record)
        for account in (fill.account_id, fill.other_account_id):
            acct = self.engine.accounts.get(account)
            if acct is not None and not acct.agent:
                self.by_account.setdefault(account, deque(maxlen=_TRADES_PER_ACCOUNT)).append(record)
        self.on_trade(record)
