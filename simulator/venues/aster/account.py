"""Aster's account endpoints: balance, account (``accountWithJoinMargin``/``account``, V1
``/fapi/v4/account``), positionRisk, leverage, userTrades, income, commissionRate,
leverageBracket, positionSide/dual, marginType, noop.

One-way, cross-margin accounts only (the engine's model): ``positionSide/dual`` is false,
``marginType`` is ``cross``. No position limits: one leverage bracket per symbol and
``maxNotionalValue`` 1 000 000 000. positionRisk lists the symbols with a position (a flat
symbol is absent, as the live testnet answers). Funding fees are ``income`` rows
``FUNDING_FEE`` timed at the settlement (market time, the ``fundingTime`` of ``fundingRate``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from simulator.engine.orders import EngineError, RejectReason
from simulator.engine.units import cash_to_decimal
from simulator.engine.views import AccountView
from simulator.venues.aster.core import AsterCore, Call, int_param
from simulator.venues.aster.errors import UNSUPPORTED, AsterError, from_engine, mandatory
from simulator.venues.aster.formats import balance_row, money, position_row, trade_json
from simulator.venues.aster.listing import Listing
from simulator.venues.aster.userdata import UserStreams

__all__ = ["AccountApi", "MAX_NOTIONAL"]

MAX_NOTIONAL = "1000000000"
_Z = Decimal(0)
_INCOME_TYPES = ("TRANSFER", "WELCOME_BONUS", "REALIZED_PNL", "FUNDING_FEE", "COMMISSION", "INSURANCE_CLEAR",
                 "MARKET_MERCHANT_RETURN_REWARD")


class AccountApi:
    def __init__(self, core: AsterCore, user: UserStreams) -> None:
        self.core = core
        self.engine = core.engine
        self.user = user

    def _positions(self, view: AccountView, listing: Listing | None) -> list[dict[str, Any]]:
        acct = self.engine.account(view.account_id)
        rows = []
        for pos in view.positions:
            if listing is not None and pos.market_id != listing.market_id:
                continue
            raw = acct.positions.get(pos.market_id)
            rows.append(position_row(pos, self.core.by_market[pos.market_id], MAX_NOTIONAL,
                                     raw.updated_ms if raw is not None else 0))
        return rows

    def balance(self, call: Call) -> list[dict[str, Any]]:
        return [balance_row(self.engine.account_state(call.account_id), self.core.wall_ms())]

    def position_risk(self, call: Call) -> list[dict[str, Any]]:
        symbol = call.get("symbol")
        listing = self.core.listing(symbol) if symbol else None
        return self._positions(self.engine.account_state(call.account_id), listing)

    def account(self, call: Call) -> dict[str, Any]:
        view = self.engine.account_state(call.account_id)
        now = self.core.wall_ms()
        wallet, upnl, im = money(view.collateral), money(view.unrealized_pnl), money(view.initial_margin)
        avail = money(view.available)
        withdraw = money(max(_Z, min(view.available, view.collateral)))
        positions = [{"symbol": row["symbol"], "initialMargin": money(p.initial_margin),
                      "maintMargin": money(p.maintenance_margin), "unrealizedProfit": row["unRealizedProfit"],
                      "positionInitialMargin": money(p.initial_margin), "openOrderInitialMargin": money(_Z),
                      "leverage": row["leverage"], "isolated": False, "entryPrice": row["entryPrice"],
                      "maxNotional": MAX_NOTIONAL, "positionSide": "BOTH", "positionAmt": row["positionAmt"],
                      "updateTime": row["updateTime"]}
                     for p, row in zip(view.positions, self._positions(view, None), strict=True)]
        return {
            "feeTier": 0, "canTrade": True, "canDeposit": True, "canWithdraw": True, "updateTime": 0,
            "totalInitialMargin": im, "totalMaintMargin": money(view.maintenance_margin),
            "totalWalletBalance": wallet, "totalUnrealizedProfit": upnl,
            "totalMarginBalance": money(view.equity),
            "totalPositionInitialMargin": im, "totalOpenOrderInitialMargin": money(_Z),
            "totalCrossWalletBalance": wallet, "totalCrossUnPnl": upnl, "availableBalance": avail,
            "maxWithdrawAmount": withdraw,
            "assets": [{"asset": "USDT", "walletBalance": wallet, "unrealizedProfit": upnl,
                        "marginBalance": money(view.equity), "maintMargin": money(view.maintenance_margin),
                        "initialMargin": im, "positionInitialMargin": im, "openOrderInitialMargin": money(_Z),
                        "crossWalletBalance": wallet, "crossUnPnl": upnl, "availableBalance": avail,
                        "maxWithdrawAmount": withdraw, "marginAvailable": True, "updateTime": now}],
            "positions": positions,
        }

    def leverage(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        text = call.require("leverage")
        if not text.isdigit() or not 1 <= int(text) <= 125:
            raise AsterError(-4028, f"Leverage {text} is not valid")
        try:
            self.engine.set_leverage(call.account_id, listing.market_id, int(text))
        except EngineError as exc:
            raise from_engine(exc, text, override={RejectReason.INSUFFICIENT_MARGIN: (
                -2028, "Leverage is smaller than permitted: insufficient margin balance.")}) from None
        return {"leverage": int(text), "maxNotionalValue": MAX_NOTIONAL, "symbol": listing.symbol}

    def user_trades(self, call: Call) -> list[dict[str, Any]]:
        listing = self.core.listing(call.get("symbol"))
        from_id, start = int_param(call, "fromId"), int_param(call, "startTime")
        end = int_param(call, "endTime")
        limit = min(max(int_param(call, "limit", 500) or 500, 1), 1000)
        fills = [f for f in self.engine.fills(call.account_id, listing.market_id)
                 if (from_id is None or f.trade_id >= from_id) and (start is None or f.ts_ms >= start)
                 and (end is None or f.ts_ms <= end)]
        chosen = fills[:limit] if from_id is not None or start is not None else fills[-limit:]
        return [trade_json(f, listing) for f in chosen]

    def income(self, call: Call) -> list[dict[str, Any]]:
        symbol, kind = call.get("symbol"), call.get("incomeType")
        listing = self.core.listing(symbol) if symbol else None
        if kind is not None and kind not in _INCOME_TYPES:
            raise AsterError(-1130, "Data sent for parameter 'incomeType' is not valid.")
        start, end = int_param(call, "startTime"), int_param(call, "endTime")
        limit = min(max(int_param(call, "limit", 100) or 100, 1), 1000)
        rows = [r for r in self._income_rows(call.account_id, listing)
                if (kind is None or r["incomeType"] == kind) and (start is None or r["time"] >= start)
                and (end is None or r["time"] <= end)]
        rows.sort(key=lambda r: (r["time"], r["tranId"]))
        return rows[:limit] if start is not None else rows[-limit:]

    def _income_rows(self, account_id: int, listing: Listing | None) -> list[dict[str, Any]]:
        market = listing.market_id if listing is not None else None
        rows = []
        for p in self.engine.funding_payments(account_id, market):
            rows.append(_income(self.core.by_market[p.market.id].symbol, "FUNDING_FEE",
                                money(cash_to_decimal(p.amount_cash)), "FUNDING_FEE", p.market_ms,
                                f"{p.market_ms}{p.market.id:05d}", ""))
        for f in self.engine.fills(account_id, market):
            symbol = self.core.by_market[f.market.id].symbol
            if f.realized_cash:
                rows.append(_income(symbol, "REALIZED_PNL", money(f.realized_pnl), "", f.ts_ms,
                                    f"{f.trade_id}1", str(f.trade_id)))
            if f.fee_cash:
                rows.append(_income(symbol, "COMMISSION", money(-f.fee), "", f.ts_ms, f"{f.trade_id}2",
                                    str(f.trade_id)))
        if listing is None:
            rows.extend(_income("", "TRANSFER", money(t.amount), "TRANSFER", t.time_ms, t.tran_id, "")
                        for t in self.user.transfers.get(account_id, ()))
        return rows

    def commission_rate(self, call: Call) -> dict[str, Any]:
        listing = self.core.listing(call.get("symbol"))
        spec = self.core.market(listing).spec
        return {"symbol": listing.symbol, "makerCommissionRate": format(spec.maker_fee, "f"),
                "takerCommissionRate": format(spec.taker_fee, "f")}

    def leverage_bracket(self, call: Call) -> Any:
        symbol = call.get("symbol")
        listings = [self.core.listing(symbol)] if symbol else list(self.core.listings.values())
        rows = []
        for lst in listings:
            spec = self.core.market(lst).spec
            rows.append({"symbol": lst.symbol, "brackets": [
                {"bracket": 1, "initialLeverage": int(spec.max_leverage), "notionalCap": int(MAX_NOTIONAL),
                 "notionalFloor": 0, "maintMarginRatio": float(spec.mmf), "cum": 0}]})
        return rows[0] if symbol else rows

    def dual_side(self, call: Call) -> dict[str, Any]:
        return {"dualSidePosition": False}

    def set_dual_side(self, call: Call) -> dict[str, Any]:
        value = call.require("dualSidePosition").lower()
        if value == "true":
            raise AsterError(*UNSUPPORTED)
        if value != "false":
            raise mandatory("dualSidePosition")
        raise AsterError(-4059, "No need to change position side.")

    def margin_type(self, call: Call) -> dict[str, Any]:
        self.core.listing(call.get("symbol"))
        value = call.require("marginType")
        if value == "ISOLATED":
            raise AsterError(*UNSUPPORTED)
        if value != "CROSSED":
            raise AsterError(-1130, "Data sent for parameter 'marginType' is not valid.")
        raise AsterError(-4046, "No need to change margin type.")

    def noop(self, call: Call) -> dict[str, Any]:
        return {"code": 200, "msg": "success"}


def _income(symbol: str, kind: str, amount: str, info: str, time_ms: int, tran_id: str,
            trade_id: str) -> dict[str, Any]:
    return {"symbol": symbol, "incomeType": kind, "income": amount, "asset": "USDT", "info": info,
            "time": time_ms, "tranId": tran_id, "tradeId": trade_id}
