"""``sendTx`` / ``sendTxBatch`` (REST and ``jsonapi/sendtx`` over WS): Lighter's signed L2
transactions, checked structurally and applied to the engine.

Checks, in order, each answered with Lighter's code (HTTP 400, nonce not consumed): known and
supported tx type (21505), ``tx_info`` a JSON object with every key of the type and int values
(21501), account exists (21100), api key index valid (21110) and registered (21109), ``Sig`` the
base64 of 80 bytes (21120), ``ExpiredAt`` in the future (21711), ``Nonce`` == the key's next nonce
(21104; 21105 inside a batch), then the type's own field rules (ranges, expiry rules, price band)
and the engine's answer mapped through ``errors.REJECTS``. An accepted tx consumes the nonce even
if its order then ends ``canceled-*`` (post-only would cross, reduce-only would increase, taker
short of margin, IOC/market without liquidity or beyond its worst price).
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from simulator.engine.faults import FaultKind
from simulator.engine.market import Market
from simulator.engine.orders import EngineError, Order, OrderType, RejectReason, TimeInForce
from simulator.venues.lighter.errors import Code, LighterError, bad_param, reject_error
from simulator.venues.lighter.formats import ORDER_BASE, tx_hash
from simulator.venues.lighter.keys import ApiKey
from simulator.venues.lighter.orders import TIF_NAMES

if TYPE_CHECKING:
    from simulator.venues.lighter.venue import LighterVenue

__all__ = ["TxProcessor", "TX_KEYS", "KNOWN_TX_TYPES", "PRICE_BAND", "MAX_BATCH"]

D = Decimal
_COMMON = ("ExpiredAt", "Nonce", "Sig", "L2TxAttributes")
#: tx type -> the keys its tx_info must carry (Go struct order, as the bundled signer writes them)
TX_KEYS: dict[int, tuple[str, ...]] = {
    13: ("FromAccountIndex", "ApiKeyIndex", "AssetIndex", "RouteType", "Amount", *_COMMON),
    14: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "ClientOrderIndex", "BaseAmount", "Price", "IsAsk",
         "Type", "TimeInForce", "ReduceOnly", "TriggerPrice", "OrderExpiry", *_COMMON),
    15: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "Index", *_COMMON),
    16: ("AccountIndex", "ApiKeyIndex", "TimeInForce", "Time", *_COMMON),
    17: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "Index", "BaseAmount", "Price", "TriggerPrice",
         *_COMMON),
    20: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "InitialMarginFraction", "MarginMode", *_COMMON),
    29: ("AccountIndex", "ApiKeyIndex", "MarketIndex", "USDCAmount", "Direction", *_COMMON),
}
#: every L2 tx type Lighter defines (go: types/txtypes/constants.go); the others are unknown
KNOWN_TX_TYPES = frozenset({8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 28, 29, 35, 36, 41, 42, 45})
#: a limit order may not cross the mark by more than this fraction (21734) [?]
PRICE_BAND = D("0.2")
MAX_BATCH = 50
_MAX_48 = (1 << 48) - 1
_MAX_PRICE = (1 << 32) - 1
_MIN_EXPIRY_MS = 5 * 60_000 - 5_000          # now + 5 min (a few seconds of clock skew allowed)
_MAX_EXPIRY_MS = 30 * 86_400_000 + 5_000
_MIN_CANCEL_ALL_MS = 5 * 60_000 - 5_000
_MAX_CANCEL_ALL_MS = 15 * 86_400_000 + 5_000
_NIL_MARKET = 255
_TIF = {0: TimeInForce.IOC, 1: TimeInForce.GTC, 2: TimeInForce.POST_ONLY}
_ACCEPTED_THEN_CANCELED = {RejectReason.POST_ONLY_WOULD_CROSS: "canceled-post-only",
                           RejectReason.REDUCE_ONLY_WOULD_INCREASE: "canceled-reduce-only"}


@dataclass(slots=True)
class Tx:
    type: int
    info: dict[str, Any]
    key: ApiKey = field(repr=False)

    @property
    def account(self) -> int:
        return self.key.account

    def int(self, name: str) -> int:
        value: int = self.info[name]
        return value


def _parse_info(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str | bytes):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise LighterError(Code.INVALID_TX_INFO, ": tx_info is not JSON") from None
    if not isinstance(raw, dict):
        raise LighterError(Code.INVALID_TX_INFO, ": tx_info is not an object")
    return raw


def _check_shape(tx_type: int, info: dict[str, Any]) -> None:
    for name in TX_KEYS[tx_type]:
        if name not in info:
            raise LighterError(Code.INVALID_TX_INFO, f": missing {name}")
        value = info[name]
        if name == "Sig":
            if not isinstance(value, str):
                raise LighterError(Code.INVALID_SIGNATURE)
        elif name == "L2TxAttributes":
            if value is not None and not (isinstance(value, dict) and all(
                    isinstance(k, str) and k.isdigit() and type(v) is int for k, v in value.items())):
                raise LighterError(Code.INVALID_TX_INFO, ": L2TxAttributes")
        elif type(value) is not int or value < 0:
            raise LighterError(Code.INVALID_TX_INFO, f": {name} must be a non-negative integer")


def _check_sig(sig: str) -> None:
    try:
        raw = base64.b64decode(sig, validate=True)
    except (binascii.Error, ValueError):
        raise LighterError(Code.INVALID_SIGNATURE) from None
    if len(raw) != 80:
        raise LighterError(Code.INVALID_SIGNATURE)


class TxProcessor:
    def __init__(self, venue: LighterVenue) -> None:
        self.venue = venue
        self.engine = venue.engine
        self.height = 100_000_000            # "block height" of the last accepted tx
        self._seq = itertools.count(1)

    # -- entry points ---------------------------------------------------------------------------------
    def send(self, tx_type_raw: Any, tx_info_raw: Any, fault_key: str) -> dict[str, Any]:
        """One tx: the ``RespSendTx`` body, or ``LighterError``."""
        tx = self._check(tx_type_raw, tx_info_raw)
        self._check_nonce(tx, tx.key.nonce, fault_key, Code.INVALID_NONCE)
        return self._response(self._apply(tx))

    def send_batch(self, types_raw: Any, infos_raw: Any, fault_key: str) -> dict[str, Any]:
        """Up to 50 txs, all checked (structure, keys, consecutive nonces) before any is applied;
        then applied in order — an engine refusal stops the batch (earlier txs stay applied)."""
        types, infos = _json_list(types_raw, "tx_types"), _json_list(infos_raw, "tx_infos")
        if not types or len(types) != len(infos) or len(types) > MAX_BATCH:
            raise bad_param("tx_types and tx_infos must be non-empty lists of equal length <= 50")
        txs = [self._check(t, i) for t, i in zip(types, infos, strict=True)]
        expected: dict[tuple[int, int], int] = {}
        for tx in txs:
            ident = (tx.account, tx.key.index)
            first = ident not in expected
            nonce = tx.key.nonce if first else expected[ident]
            code = Code.INVALID_NONCE if first else Code.NONCE_NOT_CONSECUTIVE
            self._check_nonce(tx, nonce, fault_key, code)
            expected[ident] = nonce + 1
        hashes = [self._apply(tx) for tx in txs]
        body = self._response(hashes[-1])
        body["tx_hash"] = hashes
        return body

    def _response(self, hash_: str) -> dict[str, Any]:
        return {"code": 200, "message": '{"ratelimit": "didn\'t use volume quota"}', "tx_hash": hash_,
                "predicted_execution_time_ms": self.venue.ctx.wall_ms() + 200, "volume_quota_remaining": 0}

    # -- checks ---------------------------------------------------------------------------------------
    def _check(self, tx_type_raw: Any, tx_info_raw: Any) -> Tx:
        try:
            tx_type = int(tx_type_raw)
        except (TypeError, ValueError):
            raise bad_param("tx_type") from None
        if tx_type not in KNOWN_TX_TYPES or tx_type not in TX_KEYS:
            raise LighterError(Code.UNSUPPORTED_TX_TYPE)
        info = _parse_info(tx_info_raw)
        _check_shape(tx_type, info)
        account = info["FromAccountIndex" if tx_type == 13 else "AccountIndex"]
        acct = self.engine.accounts.get(account)
        if account < 1 or acct is None or acct.agent:
            raise LighterError(Code.ACCOUNT_NOT_FOUND)
        key = self.venue.keys.key_for_tx(account, info["ApiKeyIndex"])
        _check_sig(info["Sig"])
        expired_at = info["ExpiredAt"]
        if expired_at > _MAX_48:
            raise LighterError(Code.INVALID_TX_INFO, ": ExpiredAt")
        if expired_at <= self.venue.ctx.wall_ms():
            raise LighterError(Code.INVALID_EXPIRY)
        return Tx(tx_type, info, key)

    def _check_nonce(self, tx: Tx, expected: int, fault_key: str, code: tuple[int, str]) -> None:
        if self.venue.ctx.faults.take(FaultKind.REJECT_NONCE, fault_key) is not None:
            raise LighterError(Code.INVALID_NONCE)
        if tx.int("Nonce") != expected:
            raise LighterError(code)

    # -- application ----------------------------------------------------------------------------------
    def _apply(self, tx: Tx) -> str:
        height = self.height + 1
        hash_ = tx_hash(f"lighter:{tx.account}:{tx.key.index}:{tx.int('Nonce')}:{next(self._seq)}")
        handlers: dict[int, Callable[[Tx, int, str], None]] = {
            13: self._withdraw, 14: self._create_order, 15: self._cancel_order, 16: self._cancel_all,
            17: self._modify_order, 20: self._update_leverage, 29: self._update_margin}
        handlers[tx.type](tx, height, hash_)
        tx.key.nonce += 1
        self.height = height
        return hash_

    def _market(self, index: int) -> Market:
        market = self.engine.markets.get(index)
        if market is None:
            raise LighterError(Code.INVALID_MARKET)
        return market

    def _check_band(self, m: Market, is_ask: bool, price: int) -> None:
        mark = m.mark_ticks
        if mark and ((not is_ask and price > mark * (1 + PRICE_BAND))
                     or (is_ask and price < mark * (1 - PRICE_BAND))):
            raise LighterError(Code.PRICE_TOO_FAR)

    def _create_order(self, tx: Tx, height: int, hash_: str) -> None:
        m = self._market(tx.int("MarketIndex"))
        coi, lots, price = tx.int("ClientOrderIndex"), tx.int("BaseAmount"), tx.int("Price")
        is_ask, kind, tif_code = tx.int("IsAsk"), tx.int("Type"), tx.int("TimeInForce")
        reduce_only, trigger, expiry = tx.int("ReduceOnly"), tx.int("TriggerPrice"), tx.int("OrderExpiry")
        if coi > _MAX_48:
            raise LighterError(Code.INVALID_CLIENT_ORDER_INDEX)
        if not 1 <= lots <= _MAX_48:
            raise LighterError(Code.INVALID_BASE_AMOUNT)
        if not 1 <= price <= _MAX_PRICE:
            raise LighterError(Code.INVALID_PRICE)
        if is_ask > 1:
            raise LighterError(Code.INVALID_IS_ASK)
        if kind > 1:      # stop-loss / take-profit / TWAP: no trigger orders in the engine (deviation)
            raise LighterError(Code.INVALID_ORDER_TYPE)
        if tif_code not in _TIF:
            raise LighterError(Code.INVALID_TIME_IN_FORCE)
        if reduce_only > 1:
            raise LighterError(Code.INVALID_REDUCE_ONLY)
        if trigger:
            raise LighterError(Code.INVALID_TRIGGER_PRICE)
        tif = _TIF[tif_code]
        now = self.venue.ctx.wall_ms()
        if kind == 1 and tif is not TimeInForce.IOC:
            raise LighterError(Code.INVALID_TIME_IN_FORCE)
        if tif is TimeInForce.IOC:
            if expiry:
                raise LighterError(Code.INVALID_EXPIRY)
        elif not now + _MIN_EXPIRY_MS <= expiry <= now + _MAX_EXPIRY_MS:
            raise LighterError(Code.INVALID_EXPIRY)
        if kind == 0:
            self._check_band(m, bool(is_ask), price)
        meta = {"coi": coi, "nonce": tx.int("Nonce"), "type": "market" if kind == 1 else "limit",
                "expiry": expiry, "height": height, "tx_hash": hash_}
        client_id = coi or None
        store = self.venue.orders
        store.expect(tx.account, client_id, meta)
        try:
            sub = self.engine.submit(
                tx.account, m.id, -1 if is_ask else 1, lots, price,
                order_type=OrderType.MARKET if kind == 1 else OrderType.LIMIT, tif=tif,
                reduce_only=bool(reduce_only), client_id=client_id, expires_ms=expiry or None)
            store.settle(sub.order)
        except EngineError as exc:
            status = _ACCEPTED_THEN_CANCELED.get(exc.reason)
            if exc.reason is RejectReason.INSUFFICIENT_MARGIN and tif is TimeInForce.IOC:
                status = "canceled-margin-not-allowed"
            if status is None:
                raise reject_error(exc.reason) from exc
            store.ghost(tx.account, m.id, meta, lots, price, bool(is_ask), TIF_NAMES[tif], bool(reduce_only),
                        status, now)
        finally:
            store.settle(None)          # the expectation never outlives its submission

    def _find_order(self, tx: Tx, m: Market) -> Order:
        index = tx.int("Index")
        if index >= ORDER_BASE:
            order = self.engine.orders.get(index - ORDER_BASE)
        else:
            order = self.engine.accounts[tx.account].client_ids.get(index) if index else None
        if order is None or order.account.id != tx.account or not order.live or order.market.id != m.id:
            raise LighterError(Code.NOT_ACTIVE_ORDER)
        return order

    def _cancel_order(self, tx: Tx, height: int, hash_: str) -> None:
        order = self._find_order(tx, self._market(tx.int("MarketIndex")))
        self.engine.cancel_order(tx.account, order.id)

    def _cancel_all(self, tx: Tx, height: int, hash_: str) -> None:
        tif, when = tx.int("TimeInForce"), tx.int("Time")
        attrs = tx.info["L2TxAttributes"] or {}
        now = self.venue.ctx.wall_ms()
        if tif == 0:                        # immediate, optionally one market
            if when:
                raise LighterError(Code.INVALID_CANCEL_ALL_TIME)
            market = attrs.get("5", _NIL_MARKET)
            self.engine.cancel_all(tx.account, None if market == _NIL_MARKET else self._market(market).id)
        elif tif == 1:                      # scheduled
            if not now + _MIN_CANCEL_ALL_MS <= when <= now + _MAX_CANCEL_ALL_MS:
                raise LighterError(Code.INVALID_CANCEL_ALL_TIME)
            self.venue.schedule_cancel_all(tx.account, when)
        elif tif == 2:                      # abort the scheduled one
            if when:
                raise LighterError(Code.INVALID_CANCEL_ALL_TIME)
            self.venue.schedule_cancel_all(tx.account, 0)
        else:
            raise LighterError(Code.INVALID_CANCEL_ALL_TIF)

    def _modify_order(self, tx: Tx, height: int, hash_: str) -> None:
        m = self._market(tx.int("MarketIndex"))
        order = self._find_order(tx, m)
        lots, price = tx.int("BaseAmount"), tx.int("Price")
        if not 1 <= lots <= _MAX_48:
            raise LighterError(Code.INVALID_BASE_AMOUNT)
        if not 1 <= price <= _MAX_PRICE:
            raise LighterError(Code.INVALID_PRICE)
        if tx.int("TriggerPrice"):
            raise LighterError(Code.INVALID_TRIGGER_PRICE)
        self._check_band(m, order.side < 0, price)
        try:
            self.engine.modify_order(tx.account, order.id, lots=lots, price_ticks=price)
        except EngineError as exc:
            if exc.reason is not RejectReason.POST_ONLY_WOULD_CROSS:
                raise reject_error(exc.reason) from exc
            # the venue takes the modify and cancels the post-only order it would have crossed
            (order.meta or {})["cancel_status"] = "canceled-post-only"
            self.engine.cancel_order(tx.account, order.id)

    def _update_leverage(self, tx: Tx, height: int, hash_: str) -> None:
        m = self._market(tx.int("MarketIndex"))
        imf, mode = tx.int("InitialMarginFraction"), tx.int("MarginMode")
        if not 1 <= imf <= 10_000 or mode > 1:
            raise LighterError(Code.INVALID_TX_INFO, ": InitialMarginFraction/MarginMode")
        if mode == 1:       # isolated margin: the engine has cross margin only (deviation)
            raise LighterError(Code.INVALID_TX_INFO, ": isolated margin is not supported")
        try:
            # the engine keeps whole leverages: 3334 bps (what a client sends for 3x, 2.9994x on
            # the venue) is 3x, not 2x as a floor would make it
            self.engine.set_leverage(tx.account, m.id, max(1, (10_000 + imf // 2) // imf))
        except EngineError as exc:
            raise reject_error(exc.reason) from exc

    def _update_margin(self, tx: Tx, height: int, hash_: str) -> None:
        self._market(tx.int("MarketIndex"))
        if tx.int("Direction") > 1:
            raise LighterError(Code.INVALID_TX_INFO, ": Direction")
        raise LighterError(Code.NO_POSITION)     # only isolated positions take margin; none exist

    def _withdraw(self, tx: Tx, height: int, hash_: str) -> None:
        if tx.int("AssetIndex") != 3 or tx.int("RouteType") != 0 or tx.int("Amount") < 1:
            raise LighterError(Code.INVALID_TX_INFO, ": AssetIndex/RouteType/Amount")
        try:
            self.engine.withdraw(tx.account, D(tx.int("Amount")).scaleb(-6))
        except EngineError as exc:
            raise reject_error(exc.reason) from exc


def _json_list(raw: Any, name: str) -> list[Any]:
    if isinstance(raw, str | bytes):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise bad_param(name) from None
    if not isinstance(raw, list):
        raise bad_param(name)
    return raw
