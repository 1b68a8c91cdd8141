"""Backpack's JSON shapes for orders, fills, positions and funding payments (REST), and the small
formatting rules: decimals as strings, REST numbers canonical (``"86786"``), WebSocket book
levels padded to the tick/step (``"86786.0"``), order ``createdAt`` in ms on ``/order(s)`` but naive
ISO strings on ``/wapi`` history, order ids as digit strings, client ids as uint32 integers (strings
in fill history)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from helpers.decimal import decimal_str
from simulator.engine.accounts import Account, FundingPayment, Position
from simulator.engine.market import Market
from simulator.engine.orders import CloseReason, Fill, Order, OrderStatus, OrderType, TimeInForce
from simulator.engine.units import FRACTION_SCALE, cash_to_decimal
from simulator.venues.backpack.listing import QUOTE, imf_function, mmf_function

__all__ = ["now_us", "iso_ms", "iso_s", "order_id_str", "parse_order_id", "side_str", "status_str",
           "tif_str", "order_tif", "expiry_reason", "order_json", "history_order_json", "fill_json",
           "funding_json", "position_json", "tick_str", "step_str", "DEFAULT_STP"]

#: order ids look like Backpack's (digit strings of ~10 digits)
ORDER_ID_BASE = 6_000_000_000
DEFAULT_STP = "RejectTaker"

_STATUS = {OrderStatus.OPEN: "New", OrderStatus.PARTIALLY_FILLED: "PartiallyFilled",
           OrderStatus.FILLED: "Filled", OrderStatus.CANCELLED: "Cancelled", OrderStatus.EXPIRED: "Expired"}


def now_us() -> int:
    return time.time_ns() // 1000


def iso_ms(ms: int) -> str:
    """Naive UTC ISO with milliseconds: ``2025-07-27T17:39:00.092``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def iso_s(ms: int) -> str:
    """Naive UTC ISO to the second: ``2025-08-01T16:00:00`` (funding interval ends)."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def order_id_str(order_id: int) -> str:
    return str(ORDER_ID_BASE + order_id)


def parse_order_id(text: Any) -> int | None:
    value = str(text)
    if not value.isdigit():
        return None
    order_id = int(value) - ORDER_ID_BASE
    return order_id if order_id > 0 else None


def side_str(side: int) -> str:
    return "Bid" if side > 0 else "Ask"


def status_str(status: OrderStatus) -> str:
    return _STATUS[status]


def tif_str(tif: TimeInForce) -> str:
    return "GTC" if tif is TimeInForce.POST_ONLY else tif.value.upper()


def expiry_reason(order: Order) -> str | None:
    if order.status is not OrderStatus.EXPIRED:
        return None
    reason = order.reason
    if reason is CloseReason.FOK_UNFILLED:
        return "FillOrKill"
    if reason is CloseReason.SELF_TRADE:
        return "SelfTradePrevention"
    if reason is CloseReason.REDUCE_ONLY:
        return "ReduceOnlyNotReduced"
    if reason is CloseReason.LIQUIDATION:
        return "Liquidation"
    if reason in (CloseReason.IOC_REMAINDER, CloseReason.NO_LIQUIDITY):
        return "InsufficientLiquidity" if order.type is OrderType.MARKET else "ImmediateOrCancel"
    return "Unknown"


def tick_str(m: Market, price: Decimal) -> str:
    """A price padded to the market's tick, as the WebSocket writes it."""
    return str(price.quantize(m.tick))


def step_str(m: Market, size: Decimal) -> str:
    """A quantity padded to the market's step (``"0.00000"`` deletes a level on the WebSocket)."""
    return str(size.quantize(m.step)) if m.step < 1 else decimal_str(size)


def order_tif(order: Order) -> str:
    """The time in force as requested (a market order sent as GTC reads GTC, as on the venue)."""
    requested = (order.meta or {}).get("tif")
    return str(requested) if requested else tif_str(order.tif)


def _stp(order: Order) -> str:
    return str((order.meta or {}).get("stp", DEFAULT_STP))


def _common(order: Order) -> dict[str, Any]:
    m = order.market
    limit = order.type is OrderType.LIMIT
    body: dict[str, Any] = {
        "id": order_id_str(order.id), "clientId": order.client_id, "symbol": m.venue_symbol,
        "side": side_str(order.side), "orderType": "Limit" if limit else "Market",
        "quantity": decimal_str(order.size),
        "executedQuantity": decimal_str(order.filled), "executedQuoteQuantity": decimal_str(
            cash_to_decimal(order.filled_cost)),
        "status": status_str(order.status), "timeInForce": order_tif(order),
        "selfTradePrevention": _stp(order), "reduceOnly": order.reduce_only or None,
        "relatedOrderId": None, "strategyId": None, "triggerBy": None, "triggerPrice": None,
        "triggerQuantity": None, "triggeredAt": None, "stopLossLimitPrice": None, "stopLossTriggerBy": None,
        "stopLossTriggerPrice": None, "takeProfitLimitPrice": None, "takeProfitTriggerBy": None,
        "takeProfitTriggerPrice": None,
    }
    if limit:
        body["price"] = decimal_str(m.price(order.price_ticks))
        body["postOnly"] = order.tif is TimeInForce.POST_ONLY
    else:
        body["quoteQuantity"] = (order.meta or {}).get("quote_quantity")
        if body["quoteQuantity"] is not None:      # a reverse market order has no base quantity
            body["quantity"] = None
        body["slippageTolerance"] = None
        body["slippageToleranceType"] = None
    return body


def order_json(order: Order) -> dict[str, Any]:
    """The ``OrderType`` object of ``/api/v1/order(s)``: ``createdAt`` in ms."""
    body = _common(order)
    body["createdAt"] = order.created_ms
    return body


def history_order_json(order: Order) -> dict[str, Any]:
    """An ``Order`` row of ``/wapi/v1/history/orders``: ISO ``createdAt`` and ``expiryReason``."""
    body = _common(order)
    body["createdAt"] = iso_ms(order.created_ms)
    body["expiryReason"] = expiry_reason(order)
    body["systemOrderType"] = "LiquidatePositionOnBook" if order.liquidation else None
    body["postOnly"] = order.tif is TimeInForce.POST_ONLY
    return body


def fill_json(f: Fill) -> dict[str, Any]:
    return {
        "clientId": str(f.client_id) if f.client_id is not None else None,
        "fee": decimal_str(f.fee), "feeSymbol": QUOTE, "isMaker": f.is_maker,
        "orderId": order_id_str(f.order_id), "price": decimal_str(f.price), "quantity": decimal_str(f.size),
        "side": side_str(f.side), "symbol": f.market.venue_symbol,
        "systemOrderType": "LiquidatePositionOnBook" if f.liquidation else None,
        "timestamp": iso_ms(f.ts_ms), "tradeId": f.trade_id,
    }


def funding_json(p: FundingPayment) -> dict[str, Any]:
    """Payment ``quantity``: positive if received, negative if paid (rate per interval)."""
    return {"userId": p.account_id, "subaccountId": 0, "symbol": p.market.venue_symbol,
            "quantity": decimal_str(cash_to_decimal(p.amount_cash)),
            "intervalEndTimestamp": iso_s(p.market_ms),
            "fundingRate": decimal_str(Decimal(p.rate_num).scaleb(-12))}


def _fraction(num: int) -> str:
    return decimal_str(Decimal(num) / FRACTION_SCALE)


def exposure_lots(pos: Position) -> int:
    """Position plus the worst case of its open orders, in lots."""
    return max(abs(pos.size + pos.open_buy), abs(pos.size - pos.open_sell))


def break_even(pos: Position) -> Decimal:
    """Price at which closing the position nets zero after its fees and funding."""
    m = pos.market
    return (cash_to_decimal(pos.cost + pos.fees - pos.funding) / m.size(pos.size)).quantize(Decimal("1e-12"))


def position_json(acct: Account, pos: Position, position_id: str,
                  liquidation: Decimal | None) -> dict[str, Any]:
    """One ``FuturePositionWithMargin`` of ``/api/v1/position`` (every number a decimal string)."""
    m = pos.market
    mark = m.price(m.mark_ticks)
    size = m.size(pos.size)
    value = cash_to_decimal(pos.size * m.mark_ticks * m.unit)
    exposure = m.size(exposure_lots(pos))
    entry = cash_to_decimal(pos.cost) / size
    return {
        "symbol": m.venue_symbol, "positionId": position_id, "userId": acct.id, "subaccountId": None,
        "netQuantity": decimal_str(size), "netCost": decimal_str(cash_to_decimal(pos.cost)),
        "netExposureQuantity": decimal_str(exposure), "netExposureNotional": decimal_str(exposure * mark),
        "entryPrice": decimal_str(entry.quantize(Decimal("1e-12"))),
        "breakEvenPrice": decimal_str(break_even(pos)), "markPrice": decimal_str(mark),
        "estLiquidationPrice": decimal_str(liquidation) if liquidation is not None else "0",
        "pnlRealized": decimal_str(cash_to_decimal(pos.realized)),
        "pnlUnrealized": decimal_str(value - cash_to_decimal(pos.cost)),
        "cumulativeFundingPayment": decimal_str(cash_to_decimal(pos.funding)), "cumulativeInterest": "0",
        "imf": _fraction(pos.imf_num), "mmf": _fraction(m.mmf_num),
        "imfFunction": imf_function(m), "mmfFunction": mmf_function(m),
    }
