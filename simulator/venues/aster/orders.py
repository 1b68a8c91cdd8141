"""Aster's order endpoints: ``order`` (POST/GET/DELETE), ``openOrder``, ``openOrders``,
``allOrders``, ``allOpenOrders`` (V3 under ``/fapi/v3``, V1 under ``/fapi/v1``).

New orders are checked the way Aster's filters check them, in Aster's order — parameters
(-1102/-1117/-1116/-1115/-4061/-4015), quantity (-4003, -1111 precision, -4004/-4005, -4023 step),
price (-4001, -1111, -4013/-4002, -4014 tick, PERCENT_PRICE -4016/-4024 against the mark),
MAX_NUM_ORDERS (-2025), MIN_NOTIONAL (-4164 unless reduce-only) — then go to the engine, whose
refusals map through ``errors.REJECTS``. LIMIT (GTC, IOC, FOK, GTX = post-only) and MARKET only;
a MARKET order trades no further than ``marketTakeBound`` from the mark (remainder EXPIRED).
A GTX order that would cross is accepted and EXPIRED at once (``PostOnlyMode.EXPIRE``, the
default) or refused with -5022 (``PostOnlyMode.REJECT``).
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from simulator.engine.market import MarketStatus
from simulator.engine.orders import (
    EngineError,
    NotFoundError,
    Order,
    OrderRejected,
    OrderStatus,
    OrderType,
    RejectReason,
    TimeInForce,
)
from simulator.venues.aster.core import AsterCore, Call, PostOnlyMode, decimal_param, int_param
from simulator.venues.aster.errors import (
    NO_SUCH_ORDER,
    POST_ONLY_REJECTED,
    UNKNOWN_ORDER_SENT,
    UNSUPPORTED,
    AsterError,
    from_engine,
    invalid_param,
)
from simulator.venues.aster.formats import new_client_order_id, order_json
from simulator.venues.aster.listing import Listing
from simulator.venues.aster.userdata import UserStreams

__all__ = ["OrderApi"]

_CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
_TIFS = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK, "GTX": TimeInForce.POST_ONLY}
_CONDITIONAL = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
_MAX_OPEN = 200
_CANCEL_OVERRIDE = {RejectReason.ORDER_NOT_FOUND: UNKNOWN_ORDER_SENT,
                    RejectReason.ORDER_CLOSED: UNKNOWN_ORDER_SENT}


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _bool_param(call: Call, name: str) -> bool:
    text = (call.get(name) or "false").lower()
    if text not in ("true", "false"):
        raise invalid_param(name)
    return text == "true"


class OrderApi:
    def __init__(self, core: AsterCore, streams: UserStreams) -> None:
        self.core = core
        self.engine = core.engine
        self.streams = streams

    # -- new order --------------------------------------------------------------------------------
    def new_order(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        side_text, kind = call.require("side"), call.require("type")
        if side_text not in ("BUY", "SELL"):
            raise AsterError(-1117, "Invalid side.")
        if kind in _CONDITIONAL:
            raise AsterError(*UNSUPPORTED)
        if kind not in ("LIMIT", "MARKET"):
            raise AsterError(-1116, "Invalid orderType.")
        side = 1 if side_text == "BUY" else -1
        if (call.get("positionSide") or "BOTH") != "BOTH":
            raise AsterError(-4061, "Order's position side does not match user's setting.")
        tif = TimeInForce.IOC
        if kind == "LIMIT":
            tif_text = call.require("timeInForce")
            if tif_text not in _TIFS:
                raise AsterError(*UNSUPPORTED) if tif_text in ("HIDDEN", "RPI") else AsterError(
                    -1115, "Invalid timeInForce.")
            tif = _TIFS[tif_text]
        reduce_only = _bool_param(call, "reduceOnly")
        if _bool_param(call, "closePosition"):
            raise invalid_param("closePosition")
        client_id = call.get("newClientOrderId") or new_client_order_id()
        if not _CLIENT_ID.match(client_id):
            raise AsterError(-4015, "Client order id is not valid.")
        resp_type = call.get("newOrderRespType") or "ACK"
        if resp_type not in ("ACK", "RESULT"):
            raise AsterError(-1136, "Invalid newOrderRespType.")
        m = self.core.market(listing)
        if m.status is MarketStatus.DELISTED:
            raise AsterError(-4141, "Symbol is closed")
        qty = self._check_quantity(call, listing, market_order=kind == "MARKET")
        mark = m.price(m.mark_ticks)
        price = self._check_price(call, listing, side, mark) if kind == "LIMIT" else self._market_bound(
            listing, side, mark)
        if len(self.engine.open_orders(call.account_id, m.id)) >= _MAX_OPEN:
            raise AsterError(-2025, "Reach max open order limit.")
        notional = qty * (price if kind == "LIMIT" else mark)
        if not reduce_only and notional < listing.min_notional:
            raise from_engine(OrderRejected(RejectReason.BELOW_MIN_NOTIONAL, ""), listing.min_notional)
        call.headers.update(self.core.limits.count_order(call.account_id, self.core.wall_ms()))
        order = self._submit(call.account_id, listing, side, qty, price, kind, tif, reduce_only, client_id)
        if order.meta is None:
            order.meta = {}
        return order_json(order, listing, ack=resp_type == "ACK", with_time=False, cum_qty=True)

    def _check_quantity(self, call: Call, listing: Listing, *, market_order: bool) -> Decimal:
        qty = decimal_param(call, "quantity")
        assert qty is not None
        if qty <= 0:
            raise AsterError(-4003, "Quantity less than zero.")
        if _decimals(qty) > listing.qty_precision:
            raise AsterError(-1111, "Precision is over the maximum defined for this asset.")
        if qty < listing.min_qty:
            raise AsterError(-4004, "Quantity less than min quantity.")
        if qty > (listing.market_max_qty if market_order else listing.max_qty):
            raise AsterError(-4005, "Quantity greater than max quantity.")
        if (qty - listing.min_qty) % listing.step:
            raise AsterError(-4023, "Qty not increased by step size.")
        return qty

    def _check_price(self, call: Call, listing: Listing, side: int, mark: Decimal) -> Decimal:
        price = decimal_param(call, "price")
        assert price is not None
        if price <= 0:
            raise AsterError(-4001, "Price less than 0.")
        if _decimals(price) > listing.price_precision:
            raise AsterError(-1111, "Precision is over the maximum defined for this asset.")
        if price < listing.min_price:
            raise AsterError(-4013, "Price less than min price.")
        if price > listing.max_price:
            raise AsterError(-4002, "Price greater than max price.")
        if (price - listing.min_price) % listing.tick:
            raise AsterError(-4014, "Price not increased by tick size.")
        if side > 0 and price > mark * listing.mult_up:
            raise AsterError(-4016, "Price is higher than mark price multiplier cap.")
        if side < 0 and price < mark * listing.mult_down:
            raise AsterError(-4024, "Price is lower than mark price multiplier floor.")
        return price

    @staticmethod
    def _market_bound(listing: Listing, side: int, mark: Decimal) -> Decimal:
        """The worst price a MARKET order may trade at: ``marketTakeBound`` from the mark."""
        bound = mark * (1 + side * listing.take_bound)
        ticks = (bound / listing.tick).to_integral_value(ROUND_FLOOR if side > 0 else ROUND_CEILING)
        return max(ticks, Decimal(1)) * listing.tick

    def _submit(self, account_id: int, listing: Listing, side: int, qty: Decimal, price: Decimal,
                kind: str, tif: TimeInForce, reduce_only: bool, client_id: str) -> Order:
        order_type = OrderType.LIMIT if kind == "LIMIT" else OrderType.MARKET
        try:
            sub = self.engine.submit_order(account_id, listing.market_id, side, qty, price,
                                           order_type=order_type, tif=tif, reduce_only=reduce_only,
                                           client_id=client_id)
        except OrderRejected as exc:
            if exc.reason is RejectReason.POST_ONLY_WOULD_CROSS:
                if self.core.post_only_mode is PostOnlyMode.REJECT:
                    raise AsterError(*POST_ONLY_REJECTED) from None
                return self._expire_post_only(account_id, listing, side, qty, price, reduce_only, client_id)
            raise from_engine(exc, listing.min_notional) from None
        except EngineError as exc:
            raise from_engine(exc, listing.min_notional) from None
        self.core.phantom_cids.pop((account_id, client_id), None)
        return sub.order

    def _expire_post_only(self, account_id: int, listing: Listing, side: int, qty: Decimal, price: Decimal,
                          reduce_only: bool, client_id: str) -> Order:
        """Aster accepts a crossing GTX order and expires it at once; the engine refuses it, so
        the order is recorded here (lookups, allOrders) and its NEW/EXPIRED pushed here."""
        m = self.core.market(listing)
        now = self.core.wall_ms()
        order = Order(self.core.next_phantom_id(), self.engine.account(account_id), m, side, OrderType.LIMIT,
                      TimeInForce.POST_ONLY, m.price_to_ticks(price), m.size_to_lots(qty), reduce_only,
                      client_id, now, None)
        order.status = OrderStatus.EXPIRED
        order.meta = {}
        self.core.add_phantom(order)
        self.streams.push_expired_post_only(order)
        return order

    # -- lookups -----------------------------------------------------------------------------------
    def _find(self, call: Call, listing: Listing) -> Order:
        order_id, client_id = int_param(call, "orderId"), call.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise AsterError(-1102, "Param 'orderId' or 'origClientOrderId' must be sent, but both were "
                                    "empty/null!")
        account = call.account_id
        order: Order | None
        if order_id is not None:
            order = self.core.phantoms.get(order_id)
            if order is None or order.account.id != account:
                order = self._engine_order(lambda: self.engine.get_order(order_id, account))
        else:
            assert client_id is not None
            order = self.core.phantom_cids.get((account, client_id)) or self._engine_order(
                lambda: self.engine.get_order_by_client_id(account, client_id))
        if order is None or order.market.id != listing.market_id:
            raise AsterError(*NO_SUCH_ORDER)
        return order

    @staticmethod
    def _engine_order(lookup: Any) -> Order | None:
        try:
            found: Order = lookup()
        except NotFoundError:
            return None
        return found

    def get_order(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        return order_json(self._find(call, listing), listing)

    def get_open_order(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        order = self._find(call, listing)
        if not order.is_open or not order.live:
            raise AsterError(-2013, "Order does not exist.")
        return order_json(order, listing)

    def cancel_order(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        try:
            order = self._find(call, listing)
        except AsterError as exc:
            if exc.code == NO_SUCH_ORDER[0]:
                raise AsterError(*UNKNOWN_ORDER_SENT) from None
            raise
        if not order.live:
            raise AsterError(*UNKNOWN_ORDER_SENT)
        try:
            self.engine.cancel_order(call.account_id, order.id)
        except EngineError as exc:
            raise from_engine(exc, override=_CANCEL_OVERRIDE) from None
        return order_json(order, listing, with_time=False, cum_qty=True)

    def cancel_all(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        self.engine.cancel_all(call.account_id, listing.market_id)
        return {"code": "200", "msg": "The operation of cancel all open order is done."}

    def open_orders(self, call: Call) -> list[dict[str, Any]]:
        symbol = call.get("symbol")
        listing = self.core.listing(symbol) if symbol else None
        orders = self.engine.open_orders(call.account_id, listing.market_id if listing else None)
        return [order_json(o, self.core.by_market[o.market.id]) for o in sorted(orders, key=lambda o: o.id)]

    def all_orders(self, call: Call) -> list[dict[str, Any]]:
        listing = self.core.listing(call.get("symbol"))
        from_id, start = int_param(call, "orderId"), int_param(call, "startTime")
        end = int_param(call, "endTime")
        limit = min(max(int_param(call, "limit", 500) or 500, 1), 1000)
        account = call.account_id
        orders = [o for o in (*self.engine.orders.values(), *self.core.phantoms.values())
                  if o.account.id == account and o.market.id == listing.market_id
                  and (from_id is None or o.id >= from_id) and (start is None or o.created_ms >= start)
                  and (end is None or o.created_ms <= end)]
        orders.sort(key=lambda o: (o.created_ms, o.id))
        chosen = orders[:limit] if from_id is not None else orders[-limit:]
        return [order_json(o, listing) for o in chosen]

