"""``POST /info``: public and per-user queries (always HTTP 200; an unknown user is an empty user).

A body that does not name a known ``type`` with the right field types raises ``Unprocessable``
(HTTP 422, plain text). Extra fields the official SDK adds (``"dex": ""``, ``"endTime": null``,
``"aggregateByTime": false``) are accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from simulator.engine.units import cash_to_decimal
from simulator.engine.views import AccountView
from simulator.venues.hyperliquid.rules import num, rate, usd
from simulator.venues.hyperliquid.signing import Unprocessable
from simulator.venues.hyperliquid.views import (
    aggregate,
    asset_ctx,
    fill_rows,
    funding_history_row,
    level,
    meta,
    order_basic,
    order_frontend,
    order_status,
    user_funding_row,
)

if TYPE_CHECKING:
    from simulator.venues.hyperliquid.venue import HyperliquidVenue

__all__ = ["Info", "SPOT_META", "valid_aggregation"]

D = Decimal
_FILLS_LIMIT = 2000
_FUNDING_LIMIT = 500
_BOOK_DEPTH = 20
_MARGIN_FLOOR = D("0.1")
_PX = D("1e-8")
#: a minimal valid spotMeta (the SDK loads it at start-up): USDC only, no spot pairs
SPOT_META: dict[str, Any] = {"universe": [], "tokens": [
    {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
     "tokenId": "0xeb62eee3685fc4c43992febcd9e75443", "isCanonical": True, "evmContract": None,
     "fullName": None, "deployerTradingFeeShare": "0.0"}]}
_ZERO_SUMMARY = {"accountValue": "0.0", "totalNtlPos": "0.0", "totalRawUsd": "0.0", "totalMarginUsed": "0.0"}


def _field(body: dict[str, Any], key: str, kind: type | tuple[type, ...], optional: bool = False) -> Any:
    value = body.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise Unprocessable(f"field {key!r} has the wrong type")
    return value


def _user(body: dict[str, Any]) -> str:
    user: str = _field(body, "user", str)
    if len(user) != 42 or not user.startswith("0x"):
        raise Unprocessable("user is not an address")
    return user.lower()


def valid_aggregation(n_sig_figs: Any, mantissa: Any) -> bool:
    """l2Book ``nSigFigs`` ∈ {2,3,4,5,null}; ``mantissa`` ∈ {1,2,5} only with nSigFigs 5."""
    if n_sig_figs is None:
        return mantissa is None
    if isinstance(n_sig_figs, bool) or n_sig_figs not in (2, 3, 4, 5):
        return False
    return mantissa is None or (n_sig_figs == 5 and not isinstance(mantissa, bool) and mantissa in (1, 2, 5))


class Info:
    def __init__(self, hl: HyperliquidVenue) -> None:
        self.hl = hl
        self.engine = hl.engine
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "meta": lambda b: meta(self.hl.universe), "spotMeta": lambda b: SPOT_META,
            "metaAndAssetCtxs": self.meta_and_ctxs, "allMids": lambda b: self.hl.all_mids(),
            "l2Book": self.l2_book, "clearinghouseState": self.clearinghouse, "openOrders": self.open_orders,
            "frontendOpenOrders": self.frontend_open_orders, "orderStatus": self.order_status,
            "userFills": self.user_fills, "userFillsByTime": self.user_fills_by_time,
            "fundingHistory": self.funding_history, "userFunding": self.user_funding,
            "userRateLimit": self.user_rate_limit, "predictedFundings": self.predicted_fundings,
            "userRole": self.user_role, "extraAgents": self.extra_agents, "perpDexs": lambda b: [None]}

    def handle(self, body: Any) -> Any:
        kind = body.get("type") if isinstance(body, dict) else None
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise Unprocessable(f"unknown info type {kind!r}")
        return handler(body)

    # -- market data ------------------------------------------------------------------------------
    def meta_and_ctxs(self, body: dict[str, Any]) -> Any:
        universe = self.hl.universe
        return [meta(universe), [asset_ctx(m, self.engine.market_stats(m.id)) for m in universe]]

    def l2_book(self, body: dict[str, Any]) -> Any:
        m = self.hl.coin(_field(body, "coin", str))
        if m is None:
            return None
        n_sig_figs, mantissa = _field(body, "nSigFigs", int, True), _field(body, "mantissa", int, True)
        return self.hl.book_snapshot(m, n_sig_figs, mantissa)

    def book_levels(self, m: Any, n_sig_figs: int | None, mantissa: int | None) -> list[list[dict[str, Any]]]:
        if n_sig_figs is None:
            book = self.engine.book(m.id, _BOOK_DEPTH)
            return [[level(lv) for lv in book.bids], [level(lv) for lv in book.asks]]
        if not valid_aggregation(n_sig_figs, mantissa):
            raise Unprocessable("bad nSigFigs/mantissa")
        book = self.engine.book(m.id)
        return [aggregate(book.bids, 1, n_sig_figs, mantissa, _BOOK_DEPTH),
                aggregate(book.asks, -1, n_sig_figs, mantissa, _BOOK_DEPTH)]

    def funding_history(self, body: dict[str, Any]) -> Any:
        m = self.hl.coin(_field(body, "coin", str))
        start = _field(body, "startTime", int)
        end = _field(body, "endTime", int, True)
        if m is None:
            return []
        rows = [r for r in m.funding_history if r.market_ms >= start and (end is None or r.market_ms <= end)]
        return [funding_history_row(r) for r in rows[:_FUNDING_LIMIT]]

    def predicted_fundings(self, body: dict[str, Any]) -> Any:
        out = []
        for m in self.hl.universe:
            stats = self.engine.market_stats(m.id)
            out.append([m.venue_symbol, [["HlPerp", {"fundingRate": rate(stats.funding_rate),
                                                     "nextFundingTime": stats.next_funding_ms}]]])
        return out

    # -- users ------------------------------------------------------------------------------------
    def _account(self, body: dict[str, Any]) -> int | None:
        return self.hl.wallets.users.get(_user(body))

    def clearinghouse(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        now = self.hl.ctx.wall_ms()
        if account_id is None:
            return {"marginSummary": dict(_ZERO_SUMMARY), "crossMarginSummary": dict(_ZERO_SUMMARY),
                    "crossMaintenanceMarginUsed": "0.0", "withdrawable": "0.0", "assetPositions": [],
                    "time": now}
        view = self.engine.account_state(account_id)
        positions, ntl, used, exposure = self._positions(account_id, view)
        summary = {"accountValue": usd(view.equity), "totalNtlPos": usd(ntl),
                   "totalRawUsd": usd(view.equity - exposure), "totalMarginUsed": usd(used)}
        withdrawable = max(D(0), min(view.available, view.equity - max(used, _MARGIN_FLOOR * ntl)))
        return {"marginSummary": summary, "crossMarginSummary": dict(summary),
                "crossMaintenanceMarginUsed": usd(view.maintenance_margin), "withdrawable": usd(withdrawable),
                "assetPositions": positions, "time": now}

    def _positions(self, account_id: int, view: AccountView) -> tuple[list[dict[str, Any]], D, D, D]:
        """(assetPositions, Σ|notional|, Σ margin used, Σ signed size × mark)."""
        acct = self.engine.account(account_id)
        out, ntl, used, signed = [], D(0), D(0), D(0)
        for p in view.positions:
            if not p.size:
                continue
            m = self.engine.markets[p.market_id]
            leverage = p.leverage
            margin = p.notional / leverage
            entry = p.entry_price or D(0)
            basis = abs(p.size) * entry / leverage
            changed_ms = acct.positions[m.id].updated_ms
            payments = [f for f in acct.funding_payments if f.market is m]
            paid_all = -sum((cash_to_decimal(f.amount_cash) for f in payments), D(0))
            paid_change = -sum((cash_to_decimal(f.amount_cash) for f in payments if f.ts_ms >= changed_ms),
                               D(0))
            cum_funding = {"allTime": usd(paid_all), "sinceOpen": usd(-p.funding),
                           "sinceChange": usd(paid_change)}
            lev: dict[str, Any] = {"type": "cross" if self.hl.is_cross(account_id, m.id) else "isolated",
                                   "value": leverage}
            if lev["type"] == "isolated":
                lev["rawUsd"] = usd(margin - p.size * entry)
            out.append({"type": "oneWay", "position": {
                "coin": m.venue_symbol, "szi": num(p.size), "leverage": lev,
                "entryPx": num(entry.quantize(_PX)),
                "positionValue": usd(p.notional), "unrealizedPnl": usd(p.unrealized_pnl),
                "returnOnEquity": rate((p.unrealized_pnl / basis).quantize(D("1e-10"))) if basis else "0.0",
                "liquidationPx": num(p.liquidation_price) if p.liquidation_price is not None else None,
                "marginUsed": usd(margin), "maxLeverage": int(m.max_leverage),
                "cumFunding": cum_funding}})
            ntl += p.notional
            used += margin
            signed += p.size * p.mark_price
        return out, ntl, used, signed

    def open_orders(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        if account_id is None:
            return []
        orders = sorted(self.engine.open_orders(account_id), key=lambda o: (o.created_ms, o.id), reverse=True)
        return [order_basic(o) for o in orders]

    def frontend_open_orders(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        if account_id is None:
            return []
        orders = sorted(self.engine.open_orders(account_id), key=lambda o: (o.created_ms, o.id), reverse=True)
        return [order_frontend(o) for o in orders]

    def order_status(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        ref = body.get("oid")
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            raise Unprocessable("oid must be an integer or a cloid")
        if account_id is None:
            return {"status": "unknownOid"}
        if isinstance(ref, str):
            order = self.engine.account(account_id).client_ids.get(ref.lower())
        else:
            order = self.engine.orders.get(ref)
        if order is None or order.account.id != account_id:
            return {"status": "unknownOid"}
        return order_status(order)

    def user_fills(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        if account_id is None:
            return []
        fills = list(self.engine.account(account_id).fills)[-_FILLS_LIMIT:]
        return fill_rows(self.engine, account_id, fills[::-1], self.hl.name)

    def user_fills_by_time(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        start = _field(body, "startTime", int)
        end = _field(body, "endTime", int, True)
        if account_id is None:
            return []
        fills = [f for f in self.engine.account(account_id).fills
                 if f.ts_ms >= start and (end is None or f.ts_ms <= end)]
        return fill_rows(self.engine, account_id, fills[:_FILLS_LIMIT], self.hl.name)

    def user_funding(self, body: dict[str, Any]) -> Any:
        account_id = self._account(body)
        start = _field(body, "startTime", int)
        end = _field(body, "endTime", int, True)
        if account_id is None:
            return []
        rows = [p for p in self.engine.account(account_id).funding_payments
                if p.market_ms >= start and (end is None or p.market_ms <= end)]
        return [user_funding_row(p, self.hl.name) for p in rows[:_FUNDING_LIMIT]]

    def user_rate_limit(self, body: dict[str, Any]) -> Any:
        user = _user(body)
        account_id = self.hl.wallets.users.get(user)
        volume = D(0)
        if account_id is not None:
            volume = sum((f.notional for f in self.engine.account(account_id).fills), D(0))
        return {"cumVlm": usd(volume), "nRequestsUsed": self.hl.requests_used.get(user, 0),
                "nRequestsCap": 10_000 + int(volume), "nRequestsSurplus": 0}

    def user_role(self, body: dict[str, Any]) -> Any:
        user = _user(body)
        wallets = self.hl.wallets
        if user in wallets.users:
            return {"role": "user"}
        agent = wallets.agents.get(user)
        if agent is not None:
            return {"role": "agent", "data": {"user": agent.master}}
        return {"role": "missing"}

    def extra_agents(self, body: dict[str, Any]) -> Any:
        return [{"name": a.name, "address": a.address, "validUntil": a.valid_until}
                for a in self.hl.wallets.extra_agents(_user(body))]
