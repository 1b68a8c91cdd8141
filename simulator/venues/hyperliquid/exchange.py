"""``POST /exchange``: authenticate a signed action, then run it on the engine.

Order of checks, as on the venue: deserialise (422) → recover the signer → resolve it to a user
(agent → its master) → vault → nonce (per *signer*) → ``expiresAfter`` → the action. Every
business outcome is HTTP 200 with ``{"status": "ok"|"err", ...}``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from simulator.engine.faults import FaultKind
from simulator.engine.market import Market, MarketStatus
from simulator.engine.orders import EngineError, Order, RejectReason, TimeInForce
from simulator.venues.hyperliquid.errors import REJECT_TEXT, Texts, ok, order_error, top_error
from simulator.venues.hyperliquid.rules import MIN_ORDER_USD, num, price_error, sz_decimals
from simulator.venues.hyperliquid.signing import (
    USER_SIGNED,
    SignedRequest,
    agent_digest,
    l1_digest,
    parse_request,
    recover,
)

if TYPE_CHECKING:
    from simulator.venues.hyperliquid.venue import HyperliquidVenue

__all__ = ["Exchange"]

D = Decimal
_TIF = {"Gtc": TimeInForce.GTC, "Ioc": TimeInForce.IOC, "Alo": TimeInForce.POST_ONLY}
_BAND = D("0.8")
_MAX_CANCELS = 200
_AVG_PX = D("1e-8")


class Exchange:
    def __init__(self, hl: HyperliquidVenue) -> None:
        self.hl = hl
        self.engine = hl.engine

    # -- entry ------------------------------------------------------------------------------------
    def handle(self, body: Any) -> dict[str, Any]:
        """The answer to one request body; raises ``Unprocessable`` for a malformed one."""
        req = parse_request(body)
        hl = self.hl
        now = hl.ctx.wall_ms()
        if req.type in USER_SIGNED:
            return self._approve_agent(req, now)
        signer = recover(l1_digest(req, hl.mainnet), req)
        if signer is None:
            return top_error(Texts.NO_SIGNER)
        user = hl.wallets.resolve(signer, now)
        if user is None:
            if signer in hl.wallets.retired:
                return top_error(Texts.NO_DEPOSIT.format(address=signer))
            return top_error(Texts.UNKNOWN_USER.format(address=signer))
        account_id = hl.wallets.users[user]
        if not self.engine.account(account_id).deposits:
            return top_error(Texts.NO_DEPOSIT.format(address=user))
        if req.vault is not None:
            return top_error(Texts.VAULT.format(address=req.vault))
        refused = self._nonce(signer, req.nonce, now)
        if refused is not None:
            return top_error(refused)
        if req.expires_after is not None and req.expires_after < now:
            return top_error(Texts.EXPIRED)
        hl.count_request(user, req)
        return self._dispatch(req, account_id)

    def _nonce(self, signer: str, nonce: int, now: int) -> str | None:
        if self.hl.ctx.faults.take(FaultKind.REJECT_NONCE, "/exchange") is not None:
            return f"Invalid nonce: duplicate nonce {nonce}"
        return self.hl.nonces.use(signer, nonce, now)

    def _dispatch(self, req: SignedRequest, account_id: int) -> dict[str, Any]:
        action = req.action
        kind = req.type
        if kind == "order":
            if not action["orders"]:
                return top_error(Texts.EMPTY_BATCH)
            return ok({"type": "order", "data": {"statuses": [self.place(account_id, w)
                                                              for w in action["orders"]]}})
        if kind in ("cancel", "cancelByCloid"):
            if not action["cancels"]:
                return top_error(Texts.EMPTY_BATCH)
            if len(action["cancels"]) > _MAX_CANCELS:
                return top_error(Texts.OVER_WEIGHT)
            return ok({"type": "cancel", "data": {"statuses": [self.cancel(account_id, c)
                                                               for c in action["cancels"]]}})
        if kind == "batchModify":
            if not action["modifies"]:
                return top_error(Texts.EMPTY_BATCH)
            return ok({"type": "order", "data": {"statuses": [self.modify(account_id, m["oid"], m["order"])
                                                              for m in action["modifies"]]}})
        if kind == "modify":
            status = self.modify(account_id, action["oid"], action["order"])
            return top_error(status["error"]) if "error" in status else ok({"type": "default"})
        if kind == "updateLeverage":
            return self._leverage(account_id, action)
        if kind == "scheduleCancel":
            return self.hl.schedule_cancel(account_id, action.get("time"))
        return ok({"type": "default"})      # noop: its nonce is now used

    # -- orders -----------------------------------------------------------------------------------
    def _market(self, asset: int) -> Market | None:
        universe = self.hl.universe
        return universe[asset] if 0 <= asset < len(universe) else None

    def _check_wire(self, account_id: int, m: Market, wire: dict[str, Any]) -> str | None:
        """The venue's own order checks, before the engine's (size, price grid, band, $10)."""
        if "trigger" in wire["t"]:
            return Texts.TRIGGER
        if m.status is not MarketStatus.OPEN:
            return Texts.HALTED
        try:
            size, price = D(wire["s"]), D(wire["p"])
        except InvalidOperation:
            return Texts.INVALID_SIZE
        if size == 0:
            return Texts.ZERO_SIZE
        if size < 0 or size % m.step:
            return Texts.INVALID_SIZE
        error = price_error(price, sz_decimals(m))
        if error is not None:
            return error
        mark = m.price(m.mark_ticks)
        if mark and abs(price - mark) > _BAND * mark:
            return Texts.PRICE_BAND
        pos = self.engine.account(account_id).positions.get(m.id)
        held = m.size(pos.size) if pos is not None else D(0)
        side = 1 if wire["b"] else -1
        reducing = held * side < 0 and size <= abs(held)
        if not wire["r"] and not reducing and price * size < MIN_ORDER_USD:
            return Texts.MIN_VALUE
        return None

    def place(self, account_id: int, wire: dict[str, Any]) -> dict[str, Any]:
        """One order of an ``order`` action -> its status entry."""
        asset = wire["a"]
        m = self._market(asset)
        if m is None:
            return order_error(Texts.UNKNOWN_ASSET, asset)
        error = self._check_wire(account_id, m, wire)
        if error is not None:
            return order_error(error, asset)
        tif = _TIF[wire["t"]["limit"]["tif"]]
        try:
            sub = self.engine.submit_order(account_id, m.id, 1 if wire["b"] else -1, D(wire["s"]),
                                           D(wire["p"]), tif=tif, reduce_only=wire["r"],
                                           client_id=wire.get("c"))
        except EngineError as exc:
            return self._rejected(exc, m, asset)
        return self._outcome(sub.order, asset)

    def _rejected(self, exc: EngineError, m: Market, asset: int) -> dict[str, Any]:
        text = REJECT_TEXT.get(exc.reason, Texts.INVALID_SIZE)
        if exc.reason is RejectReason.POST_ONLY_WOULD_CROSS:
            bid, ask = m.bids.best(), m.asks.best()
            text = text.format(bid=num(m.price(bid)).removesuffix(".0") if bid else "0",
                               ask=num(m.price(ask)).removesuffix(".0") if ask else "0")
        return order_error(text, asset)

    @staticmethod
    def _outcome(order: Order, asset: int) -> dict[str, Any]:
        if order.is_open:
            resting: dict[str, Any] = {"oid": order.id}
            if order.client_id is not None:
                resting["cloid"] = order.client_id
            return {"resting": resting}
        if order.filled_lots:
            avg = (order.average_price or D(0)).quantize(_AVG_PX).normalize()
            filled: dict[str, Any] = {"totalSz": num(order.filled), "avgPx": num(avg), "oid": order.id}
            if order.client_id is not None:
                filled["cloid"] = order.client_id
            return {"filled": filled}
        if order.tif is TimeInForce.IOC:
            return order_error(Texts.IOC_NO_MATCH, asset)
        return order_error(Texts.CANCEL_MISSING, asset)    # cancelled at once (e.g. self-trade)

    # -- cancels and modifies -------------------------------------------------------------------------
    def _own_live(self, account_id: int, m: Market, ref: int | str) -> Order | None:
        if isinstance(ref, str):
            acct = self.engine.account(account_id)
            order = acct.client_ids.get(ref)
        else:
            order = self.engine.orders.get(ref)
        if order is None or order.account.id != account_id or order.market is not m or not order.live:
            return None
        return order

    def cancel(self, account_id: int, entry: dict[str, Any]) -> Any:
        asset = entry["a"] if "a" in entry else entry["asset"]
        ref: int | str = entry["o"] if "o" in entry else entry["cloid"]
        m = self._market(asset)
        order = self._own_live(account_id, m, ref) if m is not None else None
        if order is None:
            return order_error(Texts.CANCEL_MISSING, asset)
        self.engine.cancel_order(account_id, order.id)
        return "success"

    def modify(self, account_id: int, ref: int | str, wire: dict[str, Any]) -> dict[str, Any]:
        """Change a resting order: same market, side, tif, reduce-only and cloid keep the order
        (size/price changed in the engine, same oid); anything else cancels it and places the new one."""
        asset = wire["a"]
        m = self._market(asset)
        order = None
        if m is not None:
            order = self._own_live(account_id, m, ref)
        if order is None:
            return {"error": Texts.MODIFY_CLOSED}
        assert m is not None
        error = self._check_wire(account_id, m, wire)
        if error is not None:
            return order_error(error, asset)
        tif = _TIF[wire["t"]["limit"]["tif"]]
        same = (order.side == (1 if wire["b"] else -1) and order.tif is tif and order.reduce_only == wire["r"]
                and order.client_id == wire.get("c", order.client_id))
        if not same:
            self.engine.cancel_order(account_id, order.id)
            return self.place(account_id, wire)
        try:
            sub = self.engine.modify_order(account_id, order.id, lots=m.size_to_lots(D(wire["s"])),
                                           price_ticks=m.price_to_ticks(D(wire["p"])))
        except EngineError as exc:
            return self._rejected(exc, m, asset)
        return self._outcome(sub.order, asset)

    # -- leverage ----------------------------------------------------------------------------------------
    def _leverage(self, account_id: int, action: dict[str, Any]) -> dict[str, Any]:
        m = self._market(action["asset"])
        if m is None:
            return top_error(Texts.UNKNOWN_ASSET)
        leverage = action["leverage"]
        if not 1 <= leverage <= int(m.max_leverage):
            return top_error(Texts.LEVERAGE)
        cross = action["isCross"]
        acct = self.engine.account(account_id)
        pos = acct.positions.get(m.id)
        was_cross = self.hl.is_cross(account_id, m.id)
        if cross != was_cross and pos is not None and pos.size:
            return top_error(Texts.SWITCH_MARGIN_MODE)
        try:
            self.engine.set_leverage(account_id, m.id, leverage)
        except EngineError as exc:
            text = Texts.LEVERAGE_MARGIN if exc.reason is RejectReason.INSUFFICIENT_MARGIN else Texts.LEVERAGE
            return top_error(text)
        self.hl.set_cross(account_id, m.id, cross)
        return ok({"type": "default"})

    # -- user-signed ---------------------------------------------------------------------------------------
    def _approve_agent(self, req: SignedRequest, now: int) -> dict[str, Any]:
        hl = self.hl
        action = req.action
        if action["nonce"] != req.nonce:
            return top_error(Texts.NO_SIGNER)
        expected = "Mainnet" if hl.mainnet else "Testnet"
        if action["hyperliquidChain"] != expected:
            return top_error(Texts.CHAIN.format(chain=action["hyperliquidChain"]))
        signer = recover(agent_digest(action), req)
        if signer is None:
            return top_error(Texts.NO_SIGNER)
        if signer not in hl.wallets.users:
            known = signer in hl.wallets.agents or signer in hl.wallets.retired
            return top_error((Texts.NO_DEPOSIT if known else Texts.UNKNOWN_USER).format(address=signer))
        refused = self._nonce(signer, req.nonce, now)
        if refused is not None:
            return top_error(refused)
        error = hl.wallets.approve(signer, action["agentAddress"], action["agentName"])
        return top_error(error) if error is not None else ok({"type": "default"})

