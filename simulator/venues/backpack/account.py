"""Backpack's signed account endpoints: positions, balances, collateral, account settings
(``PATCH leverageLimit``), the maximum order size, and the ``/wapi/v1/history`` fills, funding and
orders (newest first unless ``sortDirection=Asc``)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aiohttp import web

from helpers.decimal import decimal_str
from simulator.engine.accounts import Account
from simulator.engine.orders import EngineError, OrderRejected, RejectReason
from simulator.engine.units import FRACTION_SCALE
from simulator.venues.backpack.errors import json_response, param_error, payload_error, reject_error
from simulator.venues.backpack.formats import (
    exposure_lots,
    fill_json,
    funding_json,
    history_order_json,
    parse_order_id,
    position_json,
)
from simulator.venues.backpack.listing import QUOTE
from simulator.venues.backpack.request import (
    guarded,
    market_or_error,
    page,
    query_decimal,
    query_enum,
    query_int,
    require_symbol,
    signed,
)

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["AccountApi", "DEFAULT_LEVERAGE_LIMIT", "MAX_LEVERAGE_LIMIT", "apply_leverage_limit"]

DEFAULT_LEVERAGE_LIMIT = 10
MAX_LEVERAGE_LIMIT = 100
_FILL_TYPES = ("User", "BookLiquidation", "Adl", "Backstop", "Liquidation", "AllLiquidation",
               "CollateralConversion", "CollateralConversionAndSpotLiquidation")
_Q = Decimal("0.00000001")


def apply_leverage_limit(venue: BackpackVenue, account_id: int, limit: int) -> None:
    """The account's leverage limit caps every market (IMF = max(market IMF, 1/limit)); refused
    (and rolled back) when the account would be short of initial margin."""
    engine = venue.engine
    acct = engine.account(account_id)
    previous = dict(acct.leverage)
    try:
        for m in engine.markets.values():
            engine.set_leverage(account_id, m.id, min(limit, int(m.max_leverage)))
    except EngineError:
        for m in engine.markets.values():       # raising the leverage back never needs margin
            engine.set_leverage(account_id, m.id, previous.get(m.id, int(m.max_leverage)))
        raise
    acct.meta["leverage_limit"] = limit


def _ratio(a: Decimal, b: Decimal) -> str:
    return decimal_str((a / b).quantize(_Q)) if b else "0"


class AccountApi:
    def __init__(self, venue: BackpackVenue) -> None:
        self.venue = venue
        self.engine = venue.engine

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v1/position", guarded(self.positions))
        app.router.add_get("/api/v1/capital", guarded(self.capital))
        app.router.add_get("/api/v1/capital/collateral", guarded(self.collateral))
        app.router.add_get("/api/v1/account", guarded(self.account))
        app.router.add_patch("/api/v1/account", guarded(self.update_account))
        app.router.add_get("/api/v1/account/limits/order", guarded(self.max_order_quantity))
        app.router.add_get("/wapi/v1/history/fills", guarded(self.fills))
        app.router.add_get("/wapi/v1/history/funding", guarded(self.funding))
        app.router.add_get("/wapi/v1/history/orders", guarded(self.orders))

    # -- positions and balances --------------------------------------------------------------------
    async def positions(self, request: web.Request) -> web.Response:
        """Open positions; ``[]`` when flat (with or without ``symbol``)."""
        req = await signed(self.venue, request, "positionQuery", "")
        symbol = req.query.get("symbol")
        mid = market_or_error(self.venue, symbol).id if symbol is not None else None
        kind = req.query.get("marketType")
        acct = self.engine.account(req.account_id)
        view = {p.market_id: p.liquidation_price for p in self.engine.account_state(acct.id).positions}
        rows = []
        if kind is None or kind == "PERP":
            for pos in acct.positions.values():
                if pos.size and (mid is None or pos.market.id == mid):
                    pid = str(self.venue.tracker.position_id(acct.id, pos.market.id))
                    rows.append(position_json(acct, pos, pid, view.get(pos.market.id)))
        return json_response(rows)

    def _balances(self, acct: Account) -> tuple[Decimal, Decimal]:
        """(collateral, margin locked by open orders) in USDC."""
        state = self.engine.account_state(acct.id)
        positions_im = sum((p.market.size(abs(p.size)) * p.market.price(p.market.mark_ticks)
                            * p.imf_num / FRACTION_SCALE for p in acct.positions.values()), Decimal(0))
        return state.collateral, max(Decimal(0), state.initial_margin - positions_im)

    async def capital(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "balanceQuery", "")
        collateral, locked = self._balances(self.engine.account(req.account_id))
        locked = locked.quantize(_Q)
        return json_response({QUOTE: {"available": decimal_str(collateral - locked),
                                      "locked": decimal_str(locked), "staked": "0"}})

    async def collateral(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "collateralQuery", "")
        acct = self.engine.account(req.account_id)
        state = self.engine.account_state(acct.id)
        exposure = sum((p.market.size(exposure_lots(p)) * p.market.price(p.market.mark_ticks)
                        for p in acct.positions.values()), Decimal(0))
        notional = sum((p.notional for p in state.positions), Decimal(0))
        default_imf = Decimal(1) / acct.meta.get("leverage_limit", DEFAULT_LEVERAGE_LIMIT)
        c = decimal_str(state.collateral)
        return json_response({
            "assetsValue": c, "borrowLiability": "0", "liabilitiesValue": "0", "unsettledEquity": "0",
            "netEquity": decimal_str(state.equity), "pnlUnrealized": decimal_str(state.unrealized_pnl),
            "netEquityLocked": decimal_str(state.initial_margin),
            "netEquityAvailable": decimal_str(max(Decimal(0), state.available)),
            "netExposureFutures": decimal_str(exposure),
            "imf": _ratio(state.initial_margin, exposure) if exposure else decimal_str(default_imf),
            "mmf": _ratio(state.maintenance_margin, notional) if notional else decimal_str(default_imf / 2),
            "marginFraction": _ratio(state.equity, exposure) if exposure else None,
            "collateral": [{"symbol": QUOTE, "assetMarkPrice": "1", "totalQuantity": c, "balanceNotional": c,
                            "collateralWeight": "1", "collateralValue": c, "openOrderQuantity": "0",
                            "lendQuantity": "0", "availableQuantity": c}]})

    # -- account settings ----------------------------------------------------------------------------
    async def account(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "accountQuery", "")
        acct = self.engine.account(req.account_id)
        m = next(iter(self.engine.markets.values()), None)
        maker = decimal_str(m.spec.maker_fee * 10_000) if m is not None else "0"
        taker = decimal_str(m.spec.taker_fee * 10_000) if m is not None else "0"
        return json_response({
            "autoBorrowSettlements": acct.meta.get("autoBorrowSettlements", True),
            "autoLend": acct.meta.get("autoLend", True), "autoRealizePnl": True,
            "autoRepayBorrows": acct.meta.get("autoRepayBorrows", True), "borrowLimit": "0",
            "futuresMakerFee": maker, "futuresTakerFee": taker, "spotMakerFee": maker, "spotTakerFee": taker,
            "leverageLimit": str(acct.meta.get("leverage_limit", DEFAULT_LEVERAGE_LIMIT)),
            "limitOrders": len(acct.open_orders), "triggerOrders": 0, "liquidating": False,
            "positionLimit": "1000000"})

    async def update_account(self, request: web.Request) -> web.Response:
        """``leverageLimit`` (a decimal string, whole 1..100) and the auto-* flags; 200, empty body."""
        payload = "UpdateAccountSettingsRequest"
        req = await signed(self.venue, request, "accountUpdate", payload)
        body = req.body if isinstance(req.body, dict) else {}
        flags = {}
        for name in ("autoBorrowSettlements", "autoLend", "autoRepayBorrows"):
            value = body.get(name)
            if value is not None and not isinstance(value, bool):
                raise payload_error(payload, f"invalid type for `{name}`: expected a boolean")
            if value is not None:
                flags[name] = value
        limit = body.get("leverageLimit")
        if limit is not None:
            try:
                number = Decimal(limit) if isinstance(limit, str) else Decimal("NaN")
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite() or number != number.to_integral_value() \
                    or not 1 <= number <= MAX_LEVERAGE_LIMIT:
                raise reject_error(OrderRejected(RejectReason.INVALID_LEVERAGE, str(limit)))
            apply_leverage_limit(self.venue, req.account_id, int(number))
        self.engine.account(req.account_id).meta.update(flags)
        return web.Response(status=200)

    async def max_order_quantity(self, request: web.Request) -> web.Response:
        """How much can be traded on one side now: available margin over the IMF (at ``price`` or
        the mark), or the position for a reduce-only order."""
        req = await signed(self.venue, request, "maxOrderQuantity", "")
        m = market_or_error(self.venue, require_symbol(req.query))
        side = query_enum(req.query, "side", ("Bid", "Ask"), type_name="Side")
        if not side:
            raise param_error("side", 'Type "Side" expects an input, but not found')
        price = query_decimal(req.query, "price")
        reduce_only = req.query.get("reduceOnly") == "true"
        acct = self.engine.account(req.account_id)
        pos = acct.positions.get(m.id)
        sign = 1 if side == "Bid" else -1
        if reduce_only:
            held = pos.size if pos is not None else 0
            qty = m.size(abs(held)) if held * sign < 0 else Decimal(0)
        else:
            state = self.engine.account_state(acct.id)
            ref = price or m.price(m.mark_ticks)
            imf = Decimal(pos.imf_num if pos is not None else m.imf_num) / FRACTION_SCALE
            per_unit = ref * (imf + m.spec.taker_fee)
            qty = (max(Decimal(0), state.available) / per_unit) if per_unit else Decimal(0)
            qty = (qty / m.step).to_integral_value(rounding=ROUND_FLOOR) * m.step
        body: dict[str, Any] = {"symbol": m.venue_symbol, "side": side, "maxOrderQuantity": decimal_str(qty),
                                "reduceOnly": reduce_only}
        if price is not None:
            body["price"] = decimal_str(price)
        return json_response(body)

    # -- history (/wapi) -------------------------------------------------------------------------------
    @staticmethod
    def _sorted(rows: list[Any], query: dict[str, str]) -> list[Any]:
        direction = query_enum(query, "sortDirection", ("Asc", "Desc"), "Desc", type_name="SortDirection")
        return rows if direction == "Asc" else rows[::-1]

    async def fills(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "fillHistoryQueryAll", "")
        q = req.query
        symbol = q.get("symbol")
        mid = market_or_error(self.venue, symbol).id if symbol is not None else None
        order_id = parse_order_id(q["orderId"]) if "orderId" in q else None
        start, end = query_int(q, "from", 0), query_int(q, "to", 2**62)
        kind = query_enum(q, "fillType", _FILL_TYPES, type_name="FillType")
        if kind in ("", "User"):
            liquidation: bool | None = None if not kind else False
        elif kind in ("Liquidation", "AllLiquidation", "BookLiquidation"):
            liquidation = True
        else:
            return json_response([])
        rows = [f for f in self.engine.fills(req.account_id)
                if (mid is None or f.market.id == mid) and ("orderId" not in q or f.order_id == order_id)
                and start <= f.ts_ms < end and (liquidation is None or f.liquidation == liquidation)]
        chunk, headers = page(self._sorted(rows, q), q)
        return json_response([fill_json(f) for f in chunk], headers=headers)

    async def funding(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "fundingHistoryQueryAll", "")
        symbol = req.query.get("symbol")
        m = market_or_error(self.venue, symbol) if symbol is not None else None
        rows = self.engine.funding_payments(req.account_id, m.id if m is not None else None)
        chunk, headers = page(self._sorted(rows, req.query), req.query)
        return json_response([funding_json(p) for p in chunk], headers=headers)

    async def orders(self, request: web.Request) -> web.Response:
        req = await signed(self.venue, request, "orderHistoryQueryAll", "")
        q = req.query
        symbol = q.get("symbol")
        mid = market_or_error(self.venue, symbol).id if symbol is not None else None
        wanted = parse_order_id(q["orderId"]) if "orderId" in q else None
        ids = self.venue.tracker.history.get(req.account_id, ())
        rows = [o for oid in ids if (o := self.engine.orders.get(oid)) is not None
                and (mid is None or o.market.id == mid) and ("orderId" not in q or oid == wanted)]
        chunk, headers = page(self._sorted(rows, q), q)
        return json_response([history_order_json(o) for o in chunk], headers=headers)
