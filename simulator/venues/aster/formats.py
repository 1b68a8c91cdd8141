"""Aster's JSON shapes: orders, trades, positions, balances, and the user-stream events.

Numbers follow the venue: prices and quantities are strings at the symbol's
``pricePrecision``/``quantityPrecision`` (``"0.010"``, ``"60000.0"``), zero quantities ``"0"``,
average prices ``"0.00000"``-style (at least five decimals), money eight decimals; ids and times
are JSON integers (ms, wall clock — funding times are market time).
"""

from __future__ import annotations

import hashlib
import secrets
import string
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from simulator.engine.orders import CloseReason, Fill, Order, OrderStatus, OrderType, TimeInForce
from simulator.engine.units import cash_to_decimal
from simulator.engine.views import AccountView, PositionView
from simulator.venues.aster.listing import Listing

__all__ = ["fixed", "money", "status_of", "order_json", "trade_json", "position_row", "balance_row",
           "account_alias", "new_client_order_id", "client_order_id", "order_update", "account_update",
           "ZERO_AVG"]

_Z = Decimal(0)
ZERO_AVG = "0.00000"
_ALPHABET = string.ascii_letters + string.digits

_STATUS = {OrderStatus.OPEN: "NEW", OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
           OrderStatus.FILLED: "FILLED", OrderStatus.CANCELLED: "CANCELED", OrderStatus.EXPIRED: "EXPIRED"}
#: orders the venue ends on its own (self-trade prevention, reduce-only trims) are EXPIRED on
#: Aster/Binance; a user's (or a liquidation's) cancel is CANCELED
_EXPIRING = (CloseReason.SELF_TRADE, CloseReason.REDUCE_ONLY)
_TIF = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK", TimeInForce.POST_ONLY: "GTX"}


def fixed(value: Decimal, places: int) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN):.{places}f}"


def money(value: Decimal) -> str:
    return fixed(value, 8)


def new_client_order_id() -> str:
    """What Aster generates when ``newClientOrderId`` is not sent (22 letters and digits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(22))


def client_order_id(order: Order) -> str:
    if order.client_id is not None:
        return str(order.client_id)
    return f"autoclose-{order.id}" if order.liquidation else f"sim-{order.id}"


def account_alias(account_id: int) -> str:
    digest = hashlib.sha256(f"aster-alias:{account_id}".encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])


def status_of(order: Order) -> str:
    if order.status is OrderStatus.CANCELLED and order.reason in _EXPIRING:
        return "EXPIRED"
    return _STATUS[order.status]


def _qty(listing: Listing, value: Decimal) -> str:
    return listing.qty_str(value) if value else "0"


def _avg(listing: Listing, value: Decimal | None) -> str:
    return fixed(value, max(5, listing.price_precision)) if value else ZERO_AVG


def _quote(listing: Listing, cash: int) -> str:
    return fixed(cash_to_decimal(cash), listing.price_precision + listing.qty_precision) if cash else "0"


def _wire_type(order: Order) -> tuple[str, str]:
    """(type, timeInForce): a market order is shown with GTC, as Aster does."""
    if order.type is OrderType.MARKET:
        return "MARKET", "GTC"
    return "LIMIT", _TIF[order.tif]


def order_json(order: Order, listing: Listing, *, ack: bool = False, with_time: bool = True,
               cum_qty: bool = False) -> dict[str, Any]:
    """An order object. ``ack``: as accepted, before matching (``newOrderRespType=ACK``)."""
    kind, tif = _wire_type(order)
    filled = _Z if ack else order.filled
    out: dict[str, Any] = {
        "orderId": order.id, "symbol": listing.symbol, "status": "NEW" if ack else status_of(order),
        "clientOrderId": client_order_id(order),
        "price": listing.price_str(order.price) if kind == "LIMIT" and order.price else "0",
        "avgPrice": ZERO_AVG if ack else _avg(listing, order.average_price),
        "origQty": listing.qty_str(order.size), "executedQty": _qty(listing, filled),
    }
    if cum_qty:
        out["cumQty"] = out["executedQty"]
    out.update({
        "cumQuote": "0" if ack else _quote(listing, order.filled_cost),
        "timeInForce": tif, "type": kind, "reduceOnly": order.reduce_only, "closePosition": False,
        "side": "BUY" if order.side > 0 else "SELL", "positionSide": "BOTH", "stopPrice": "0",
        "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": kind,
    })
    if with_time:
        out["time"] = order.created_ms
    out["updateTime"] = order.created_ms if ack else order.updated_ms
    return out


def trade_json(fill: Fill, listing: Listing) -> dict[str, Any]:
    return {
        "symbol": listing.symbol, "id": fill.trade_id, "orderId": fill.order_id,
        "side": "BUY" if fill.side > 0 else "SELL", "price": listing.price_str(fill.price),
        "qty": listing.qty_str(fill.size), "quoteQty": money(fill.notional), "commission": money(fill.fee),
        "commissionAsset": "USDT", "realizedPnl": money(fill.realized_pnl), "marginAsset": "USDT",
        "positionSide": "BOTH", "buyer": fill.side > 0, "maker": fill.is_maker, "time": fill.ts_ms,
    }


def position_row(pos: PositionView, listing: Listing, max_notional: str, updated_ms: int) -> dict[str, Any]:
    return {
        "symbol": listing.symbol, "positionAmt": listing.qty_str(pos.size),
        "entryPrice": money(pos.entry_price or _Z), "markPrice": money(pos.mark_price),
        "unRealizedProfit": money(pos.unrealized_pnl),
        "liquidationPrice": listing.price_str(pos.liquidation_price) if pos.liquidation_price else "0",
        "leverage": str(pos.leverage), "maxNotionalValue": max_notional, "marginType": "cross",
        "isolatedMargin": money(_Z), "isAutoAddMargin": "false", "positionSide": "BOTH",
        "notional": money(pos.size * pos.mark_price), "isolatedWallet": "0", "updateTime": updated_ms,
    }


def balance_row(view: AccountView, now_ms: int) -> dict[str, Any]:
    available = view.available
    return {
        "accountAlias": account_alias(view.account_id), "asset": "USDT", "balance": money(view.collateral),
        "crossWalletBalance": money(view.collateral), "crossUnPnl": money(view.unrealized_pnl),
        "availableBalance": money(available),
        "maxWithdrawAmount": money(max(_Z, min(available, view.collateral))),
        "marginAvailable": True, "updateTime": now_ms,
    }


def order_update(order: Order, listing: Listing, now_ms: int, *, execution: str, status: str,
                 fill: Fill | None = None, cum_lots: int = 0, cum_cost: int = 0,
                 open_notional: tuple[Decimal, Decimal] = (_Z, _Z)) -> dict[str, Any]:
    """An ``ORDER_TRADE_UPDATE`` event; ``cum_*`` are the order's totals up to ``fill``."""
    kind, tif = _wire_type(order)
    m = order.market
    avg = cash_to_decimal(cum_cost) / m.size(cum_lots) if cum_lots else None
    event_time = fill.ts_ms if fill is not None else now_ms
    o: dict[str, Any] = {
        "s": listing.symbol, "c": client_order_id(order), "S": "BUY" if order.side > 0 else "SELL",
        "o": kind, "f": tif, "q": listing.qty_str(order.size),
        "p": listing.price_str(order.price) if kind == "LIMIT" and order.price else "0",
        "ap": _avg(listing, avg), "sp": "0", "x": execution, "X": status, "i": order.id,
        "l": _qty(listing, fill.size if fill is not None else _Z), "z": _qty(listing, m.size(cum_lots)),
        "L": listing.price_str(fill.price) if fill is not None else "0",
    }
    if fill is not None:
        o.update({"N": "USDT", "n": money(fill.fee)})
    o.update({
        "T": event_time, "t": fill.trade_id if fill is not None else 0,
        "b": fixed(open_notional[0], 5), "a": fixed(open_notional[1], 5),
        "m": fill.is_maker if fill is not None else False, "R": order.reduce_only, "wt": "CONTRACT_PRICE",
        "ot": kind, "ps": "BOTH", "cp": False, "rp": money(fill.realized_pnl if fill is not None else _Z),
    })
    return {"e": "ORDER_TRADE_UPDATE", "E": now_ms, "T": event_time, "o": o}


def account_update(reason: str, view: AccountView, now_ms: int, event_ms: int, *, change: Decimal = _Z,
                   positions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An ``ACCOUNT_UPDATE`` event (``positions``: the ``P`` rows, omitted for funding fees)."""
    data: dict[str, Any] = {"m": reason, "B": [{"a": "USDT", "wb": money(view.collateral),
                                                "cw": money(view.collateral), "bc": money(change)}]}
    if positions is not None:
        data["P"] = positions
    return {"e": "ACCOUNT_UPDATE", "E": now_ms, "T": event_ms, "a": data}
