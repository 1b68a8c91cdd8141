"""Backpack order entry: ``POST /api/v1/order`` (and the batch ``/orders``), cancels, and open-order
queries, on the engine.

Parsing follows ``OrderExecutePayload``: a structurally bad body (missing field, wrong type, unknown
enum value or market symbol) is a ``400`` plain-text parse error; semantic problems are JSON errors
from ``errors.REJECTS`` or Backpack's own messages ("Price decimal too long", "Price is too far from
the last active price", ...). Execution is synchronous: the response is the order after matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from simulator.engine.market import Market, MarketStatus
from simulator.engine.orders import (
    EngineError,
    NotFoundError,
    Order,
    OrderRejected,
    OrderType,
    RejectReason,
    TimeInForce,
)
from simulator.venues.backpack.auth import Num
from simulator.venues.backpack.errors import ApiError, payload_error, reject_error, symbol_payload_error
from simulator.venues.backpack.formats import parse_order_id
from simulator.venues.backpack.listing import PRICE_BAND

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["OrderRequest", "parse_order", "OrderDesk", "STP_VALUES"]

EXECUTE = "OrderExecutePayload"
STP_VALUES = ("RejectTaker", "RejectMaker", "RejectBoth", "Allow")
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_UINT32 = 2**32 - 1
#: market orders trade at most this far through the best opposite price (maxImpactMultiplier)
_IMPACT = Decimal("0.01")
_UNSUPPORTED = ("triggerBy", "stopLossTriggerPrice", "stopLossLimitPrice", "stopLossTriggerBy",
                "takeProfitTriggerPrice", "takeProfitLimitPrice", "takeProfitTriggerBy")


@dataclass
class OrderRequest:
    market: Market
    side: int
    limit: bool
    quantity: Decimal | None
    price: Decimal | None
    quote_quantity: Decimal | None
    tif: str = "GTC"
    post_only: bool = False
    reduce_only: bool = False
    client_id: int | None = None
    stp: str = "RejectTaker"


def _field(body: dict[str, Any], name: str, payload: str) -> Any:
    if name not in body or body[name] is None:
        raise payload_error(payload, f"missing field `{name}`")
    return body[name]


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], payload: str, default: str) -> str:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, str) or isinstance(value, Num) or value not in allowed:
        raise payload_error(payload, f"unknown variant `{value}` for `{name}`, "
                                     f"expected one of {list(allowed)}")
    return value


def _bool(body: dict[str, Any], name: str, payload: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise payload_error(payload, f"invalid type for `{name}`: expected a boolean")
    return value


def decimal_field(body: dict[str, Any], name: str, payload: str) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str):
            raise InvalidOperation
        number = Decimal(value)
    except InvalidOperation:
        raise payload_error(payload, f'failed to parse "Decimal" for `{name}`: {value!r}') from None
    if not number.is_finite():
        raise payload_error(payload, f'failed to parse "Decimal" for `{name}`: {value!r}')
    return number


def client_id_field(body: dict[str, Any], payload: str) -> int | None:
    value = body.get("clientId")
    if value is None:
        return None
    if not isinstance(value, Num) or not str(value).isdigit() or int(value) > _UINT32:
        raise payload_error(payload, f"invalid type for `clientId`: expected u32, got {value!r}")
    return int(value)


def market_field(venue: BackpackVenue, body: dict[str, Any], payload: str) -> Market:
    symbol = _field(body, "symbol", payload)
    m = venue.engine.by_venue_symbol.get(symbol) if isinstance(symbol, str) else None
    if m is None:
        raise symbol_payload_error(payload)
    return m


def parse_order(venue: BackpackVenue, body: Any) -> OrderRequest:
    """An ``OrderExecutePayload`` (structural errors are plain-text 400s)."""
    if not isinstance(body, dict):
        raise payload_error(EXECUTE, "invalid type: expected an object")
    m = market_field(venue, body, EXECUTE)
    side = _enum(body, "side", ("Bid", "Ask"), EXECUTE, "")
    kind = _enum(body, "orderType", ("Limit", "Market"), EXECUTE, "")
    if not side:
        raise payload_error(EXECUTE, "missing field `side`")
    if not kind:
        raise payload_error(EXECUTE, "missing field `orderType`")
    req = OrderRequest(
        market=m, side=1 if side == "Bid" else -1, limit=kind == "Limit",
        quantity=decimal_field(body, "quantity", EXECUTE), price=decimal_field(body, "price", EXECUTE),
        quote_quantity=decimal_field(body, "quoteQuantity", EXECUTE),
        tif=_enum(body, "timeInForce", tuple(_TIF), EXECUTE, "GTC"),
        post_only=_bool(body, "postOnly", EXECUTE), reduce_only=_bool(body, "reduceOnly", EXECUTE),
        client_id=client_id_field(body, EXECUTE),
        stp=_enum(body, "selfTradePrevention", STP_VALUES, EXECUTE, "RejectTaker"))
    trigger, trigger_qty = body.get("triggerPrice"), body.get("triggerQuantity")
    if (trigger is None) != (trigger_qty is None):
        raise ApiError(400, "INVALID_CLIENT_REQUEST",
                       "Must specify both `triggerPrice` and `triggerQuantity` or neither")
    if trigger is not None or any(body.get(k) is not None for k in _UNSUPPORTED):
        raise ApiError(400, "NOT_IMPLEMENTED", "Trigger, stop loss and take profit orders are not supported")
    return req


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


class OrderDesk:
    """Validates and executes orders for one venue (shared by the REST handlers)."""

    def __init__(self, venue: BackpackVenue) -> None:
        self.venue = venue
        self.engine = venue.engine

    def place(self, account_id: int, req: OrderRequest) -> Order:
        m = req.market
        if m.status is not MarketStatus.OPEN:
            raise reject_error(OrderRejected(RejectReason.MARKET_NOT_OPEN, m.venue_symbol))
        if req.post_only and (not req.limit or req.tif != "GTC"):
            raise ApiError(400, "INVALID_ORDER", "Invalid order")
        if req.quantity is not None and _places(req.quantity) > _places(m.step):
            raise ApiError(400, "INVALID_CLIENT_REQUEST", "Quantity decimal too long")
        if req.price is not None and req.limit and _places(req.price) > _places(m.tick):
            raise ApiError(400, "INVALID_CLIENT_REQUEST", "Price decimal too long")
        tif = TimeInForce.POST_ONLY if req.post_only else _TIF[req.tif]
        if req.limit:
            if req.quantity is None or req.price is None:
                raise ApiError(400, "INVALID_ORDER", "Invalid order")
            self._check_band(m, req.price)
            lots, ticks = m.size_to_lots(req.quantity), m.price_to_ticks(req.price)
            kind = OrderType.LIMIT
        else:
            ticks = self._impact_bound(m, req.side)
            lots = self._market_lots(m, req, ticks)
            kind = OrderType.MARKET
        meta = {"stp": req.stp, "tif": req.tif}
        if req.quote_quantity is not None and not req.limit:
            meta["quote_quantity"] = str(req.quote_quantity)
        tracker = self.venue.tracker
        tracker.pending_meta = meta
        try:
            sub = self.engine.submit(account_id, m.id, req.side, lots, ticks, order_type=kind, tif=tif,
                                     reduce_only=req.reduce_only, client_id=req.client_id)
        finally:
            tracker.pending_meta = None
        if sub.order.meta is None:
            sub.order.meta = meta
        return sub.order

    def _check_band(self, m: Market, price: Decimal) -> None:
        mark = m.price(m.mark_ticks)
        if mark and not PRICE_BAND[0] * mark <= price <= PRICE_BAND[1] * mark:
            raise ApiError(400, "INVALID_PRICE", "Price is too far from the last active price")

    def _impact_bound(self, m: Market, side: int) -> int:
        """Worst price of a market order: 1 % through the best opposite price (0: empty book)."""
        if m.quotes_stale:
            self.engine.book(m.id, 1)       # re-quote a lazily quoted market before reading its top
        best = (m.asks if side > 0 else m.bids).best()
        if best is None:
            return 0
        bound = Decimal(best) * (1 + _IMPACT * side)
        return int(bound.to_integral_value(ROUND_FLOOR if side > 0 else ROUND_CEILING))

    def _market_lots(self, m: Market, req: OrderRequest, bound: int) -> int:
        if req.quantity is not None:
            return m.size_to_lots(req.quantity)
        if req.quote_quantity is None or req.quote_quantity <= 0:
            raise ApiError(400, "INVALID_ORDER", "Invalid order")
        budget = req.quote_quantity
        lots = 0
        for level in (m.asks if req.side > 0 else m.bids).iter_levels():
            if bound and (level.price - bound) * req.side > 0:
                break
            price = m.price(level.price)
            take = min(level.lots, int(budget / (price * m.step)))
            lots += take
            budget -= price * m.size(take)
            if take < level.lots:
                break
        if lots <= 0:
            raise ApiError(400, "INVALID_QUANTITY", "Quantity is below the minimum allowed")
        return lots

    # -- lookups and cancels ----------------------------------------------------------------------
    def find(self, account_id: int, m: Market, order_id: Any, client_id: int | None) -> Order:
        """A resting order of the account on ``m`` by id or client id (exactly one of them)."""
        if (order_id is None) == (client_id is None):
            raise ApiError(400, "INVALID_CLIENT_REQUEST",
                           "Must specify exactly one of `orderId` or `clientId`")
        if order_id is not None:
            oid = parse_order_id(order_id)
            order = self.engine.orders.get(oid) if oid is not None else None
        else:
            order = self.engine.account(account_id).client_ids.get(client_id)
        if order is None or order.account.id != account_id or order.market is not m or not order.live:
            raise reject_error(NotFoundError(RejectReason.ORDER_NOT_FOUND, "order"))
        return order

    def cancel(self, account_id: int, order: Order) -> Order:
        try:
            return self.engine.cancel_order(account_id, order.id)
        except EngineError as exc:
            raise reject_error(exc) from None
