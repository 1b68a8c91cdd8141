"""The venue's JSON shapes built from engine state (``/info`` answers and WebSocket payloads).

Key order follows live captures of the venue; numbers are strings (``rules.num``/``usd``),
timestamps and ids are integers. Funding times are market time, everything else wall time.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from eth_utils.crypto import keccak

from simulator.engine.accounts import FundingPayment
from simulator.engine.engine import Engine
from simulator.engine.market import FundingRecord, Market
from simulator.engine.orders import CloseReason, Fill, Order, OrderStatus, TimeInForce
from simulator.engine.units import cash_to_decimal, int_to_rate
from simulator.engine.views import BookLevel, MarketStatsView
from simulator.venues.hyperliquid.rules import num, rate, sz_decimals, usd

__all__ = ["asset_meta", "meta", "asset_ctx", "level", "order_basic", "order_frontend", "order_status",
           "fill_rows", "funding_row", "user_funding_row", "funding_history_row", "tx_hash", "status_of",
           "aggregate", "INTEREST_HOURLY"]

D = Decimal
_TIF = {TimeInForce.GTC: "Gtc", TimeInForce.IOC: "Ioc", TimeInForce.POST_ONLY: "Alo", TimeInForce.FOK: "Ioc"}
#: the interest component of the funding formula, per hour (0.01 % per 8h)
INTEREST_HOURLY = D("0.0000125")
_PREMIUM_CLAMP_8H = D("0.0005")


def tx_hash(*parts: object) -> str:
    """A deterministic 32-byte hash standing in for the L1 transaction hash."""
    return "0x" + bytes(keccak(":".join(str(p) for p in parts).encode())).hex()


# -- listing ---------------------------------------------------------------------------------------

def asset_meta(m: Market) -> dict[str, Any]:
    out: dict[str, Any] = {"szDecimals": sz_decimals(m), "name": m.venue_symbol,
                           "maxLeverage": int(m.max_leverage), "marginTableId": int(m.max_leverage)}
    if m.status.value == "delisted":
        out["isDelisted"] = True
    return out


def meta(markets: list[Market]) -> dict[str, Any]:
    tables = sorted({int(m.max_leverage) for m in markets})
    margin_tables = [[t, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": t}]}]
                     for t in tables]
    return {"universe": [asset_meta(m) for m in markets], "marginTables": margin_tables, "collateralToken": 0}


def _prev_day_px(m: Market, now_ms: int) -> Decimal:
    """Mark 24 market hours ago, from the hourly funding records (the oldest one if younger)."""
    target = now_ms - 24 * 3_600_000
    record = None
    for record in reversed(m.funding_history):     # newest first: ~24 steps
        if record.market_ms <= target:
            break
    return m.price(record.mark_ticks if record is not None else m.mark_ticks)


def asset_ctx(m: Market, stats: MarketStatsView) -> dict[str, Any]:
    szd = sz_decimals(m)
    mark = stats.mark_price
    bid, ask = stats.best_bid, stats.best_ask
    mid = (bid + ask) / 2 if bid is not None and ask is not None else None
    oracle = stats.index_price
    premium = ((mark - oracle) / oracle).quantize(D("1e-10")) if oracle else D(0)
    base_oi = (stats.open_interest_usd / mark).quantize(m.step) if mark else stats.open_interest
    return {"funding": rate(stats.funding_rate), "openInterest": num(base_oi),
            "prevDayPx": num(_prev_day_px(m, stats.market_ms)), "dayNtlVlm": usd(stats.volume_24h_usd),
            "premium": rate(premium) if mid is not None else None, "oraclePx": num(oracle),
            "markPx": num(mark), "midPx": num(mid) if mid is not None else None,
            "impactPxs": [num(bid), num(ask)] if bid is not None and ask is not None else None,
            "dayBaseVlm": num((stats.volume_24h_usd / mark).quantize(D(1).scaleb(-szd))) if mark else "0.0"}


# -- books -----------------------------------------------------------------------------------------

def level(lv: BookLevel) -> dict[str, Any]:
    return {"px": num(lv.price), "sz": num(lv.size), "n": lv.orders}


def aggregate(levels: tuple[BookLevel, ...], side: int, n_sig_figs: int, mantissa: int | None,
              depth: int) -> list[dict[str, Any]]:
    """Levels bucketed to ``n_sig_figs`` significant figures (bids down, asks up)."""
    out: list[dict[str, Any]] = []
    current: tuple[Decimal, Decimal, int] | None = None
    for lv in levels:
        bucket = D(1).scaleb(lv.price.adjusted() - n_sig_figs + 1) * (mantissa or 1)
        if n_sig_figs >= 5 and lv.price.adjusted() >= 5:
            bucket = max(bucket, D(1))
        units = lv.price / bucket
        px = (units.to_integral_value(rounding="ROUND_FLOOR" if side > 0 else "ROUND_CEILING")) * bucket
        if current is not None and current[0] == px:
            current = (px, current[1] + lv.size, current[2] + lv.orders)
            continue
        if current is not None:
            out.append({"px": num(current[0]), "sz": num(current[1]), "n": current[2]})
            if len(out) >= depth:
                return out
        current = (px, lv.size, lv.orders)
    if current is not None and len(out) < depth:
        out.append({"px": num(current[0]), "sz": num(current[1]), "n": current[2]})
    return out


# -- orders ----------------------------------------------------------------------------------------

def status_of(status: OrderStatus, reason: CloseReason | None) -> str:
    """The venue's order status for an engine status (and close reason)."""
    if status is OrderStatus.OPEN or status is OrderStatus.PARTIALLY_FILLED:
        return "open"
    if status is OrderStatus.FILLED:
        return "filled"
    return {CloseReason.SELF_TRADE: "selfTradeCanceled", CloseReason.REDUCE_ONLY: "reduceOnlyCanceled",
            CloseReason.LIQUIDATION: "liquidatedCanceled", CloseReason.MARKET_CLOSED: "delistedCanceled",
            CloseReason.NO_LIQUIDITY: "iocCancelRejected",
            CloseReason.FOK_UNFILLED: "iocCancelRejected"}.get(reason or CloseReason.USER, "canceled")


def _side(side: int) -> str:
    return "B" if side > 0 else "A"


def order_basic(order: Order, remaining_lots: int | None = None) -> dict[str, Any]:
    """openOrders / orderUpdates shape: reduceOnly and cloid only when set."""
    m = order.market
    left = order.remaining_lots if remaining_lots is None else remaining_lots
    out: dict[str, Any] = {"coin": m.venue_symbol, "side": _side(order.side),
                           "limitPx": num(order.price or D(0)), "sz": num(m.size(left)), "oid": order.id,
                           "timestamp": order.created_ms, "origSz": num(m.size(order.lots))}
    if order.reduce_only:
        out["reduceOnly"] = True
    if order.client_id is not None:
        out["cloid"] = order.client_id
    return out


def order_frontend(order: Order) -> dict[str, Any]:
    m = order.market
    return {"coin": m.venue_symbol, "side": _side(order.side), "limitPx": num(order.price or D(0)),
            # remaining size: 0 once filled; a cancelled order keeps its unfilled remainder
            "sz": num(m.size(order.remaining_lots)), "oid": order.id,
            "timestamp": order.created_ms, "triggerCondition": "N/A", "isTrigger": False, "triggerPx": "0.0",
            "children": [], "isPositionTpsl": False, "reduceOnly": order.reduce_only, "orderType": "Limit",
            "origSz": num(m.size(order.lots)), "tif": _TIF.get(order.tif, "Gtc"), "cloid": order.client_id}


def order_status(order: Order) -> dict[str, Any]:
    return {"status": "order", "order": {
        "order": order_frontend(order),
        "status": status_of(order.status, order.reason),
        "statusTimestamp": order.updated_ms}}


# -- fills and funding --------------------------------------------------------------------------------

def _direction(start: int, side: int, lots: int) -> str:
    if start == 0 or (start > 0) == (side > 0):
        return "Open Long" if side > 0 else "Open Short"
    if lots <= abs(start):
        return "Close Short" if side > 0 else "Close Long"
    return "Short > Long" if side > 0 else "Long > Short"


def fill_rows(engine: Engine, account_id: int, fills: list[Fill], venue: str) -> list[dict[str, Any]]:
    """userFills rows for ``fills`` (of this account), in the order given. ``startPosition`` is
    found by undoing the account's fills, newest first, from its current position: every
    position change is a fill."""
    acct = engine.accounts.get(account_id)
    if acct is None or not fills:
        return []
    position = {mid: pos.size for mid, pos in acct.positions.items()}
    wanted = {id(f) for f in fills}
    starts: dict[int, int] = {}
    for f in reversed(acct.fills):
        before = position.get(f.market.id, 0) - f.lots * f.side
        position[f.market.id] = before
        if id(f) in wanted:
            starts[id(f)] = before
            if len(starts) == len(wanted):
                break
    rows = []
    for f in fills:
        m = f.market
        start = starts.get(id(f), 0)
        row: dict[str, Any] = {
            "coin": m.venue_symbol, "px": num(f.price), "sz": num(f.size), "side": _side(f.side),
            "time": f.ts_ms, "startPosition": num(m.size(start)), "dir": _direction(start, f.side, f.lots),
            "closedPnl": usd(f.realized_pnl), "hash": tx_hash(venue, "trade", f.trade_id), "oid": f.order_id,
            "crossed": not f.is_maker, "fee": usd(f.fee), "tid": f.trade_id, "feeToken": "USDC",
            "twapId": None}
        if f.client_id is not None:
            row["cloid"] = f.client_id
        if f.liquidation:
            row["liquidation"] = {"markPx": num(m.price(m.mark_ticks)), "method": "market"}
        rows.append(row)
    return rows


def funding_row(p: FundingPayment) -> dict[str, Any]:
    """A userFundings (WebSocket) entry."""
    m = p.market
    return {"time": p.market_ms, "coin": m.venue_symbol, "usdc": usd(cash_to_decimal(p.amount_cash)),
            "szi": num(m.size(p.size_lots)), "fundingRate": rate(int_to_rate(p.rate_num)), "nSamples": None}


def user_funding_row(p: FundingPayment, venue: str) -> dict[str, Any]:
    """A userFunding (info) entry: ``usdc`` is from the user's view (negative = paid)."""
    row = funding_row(p)
    time = row.pop("time")
    return {"delta": {"type": "funding", **row},
            "hash": tx_hash(venue, "funding", p.account_id, p.market.id, time), "time": time}


def funding_history_row(r: FundingRecord) -> dict[str, Any]:
    """``premium`` is the premium index that gives this rate under the venue's formula
    F(8h) = P + clamp(interest − P, ±0.0005): P = F ∓ 0.0005 when F differs from the interest."""
    f8 = r.rate * 8
    interest = INTEREST_HOURLY * 8
    if f8 == interest:
        premium = interest
    else:
        premium = f8 - _PREMIUM_CLAMP_8H if f8 > interest else f8 + _PREMIUM_CLAMP_8H
    return {"coin": r.market.venue_symbol, "fundingRate": rate(r.rate),
            "premium": rate(premium.quantize(D("1e-12"), rounding=ROUND_HALF_EVEN)), "time": r.market_ms}
