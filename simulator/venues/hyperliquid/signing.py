"""Hyperliquid request parsing and signature checks.

L1 actions (order, cancel, updateLeverage, ...) are signed as an EIP-712 ``Agent`` ("phantom
agent") whose ``connectionId`` is keccak256 of the msgpack of the action, the nonce, the vault
address and ``expiresAfter``. The venue parses the action into typed structs and re-serialises
it, so the hash is taken over a *canonical* rebuild (the SDK's field order, numbers without
trailing zeros, lowercase hex), not over the bytes received: a client that signs ``"p":"100.0"``
recovers another address, as on the venue. ``approveAgent`` is a user-signed action (EIP-712
``HyperliquidTransaction:ApproveAgent``). A body that does not deserialise raises
``Unprocessable`` (HTTP 422 text/plain, as the venue answers).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import msgpack
from eth_keys.datatypes import Signature
from eth_keys.exceptions import BadSignature
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError

__all__ = ["Unprocessable", "SignedRequest", "parse_request", "l1_digest", "agent_digest",
           "recover", "NonceBook", "DESERIALIZE_ERROR"]

DESERIALIZE_ERROR = "Failed to deserialize the JSON body into the target type"

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_CLOID = re.compile(r"^0x[0-9a-fA-F]{32}$")
_HEX = re.compile(r"^0x[0-9a-fA-F]{1,64}$")
_TIFS = ("Alo", "Ioc", "Gtc")
_GROUPINGS = ("na", "normalTpsl", "positionTpsl")
_U64 = (1 << 64) - 1


class Unprocessable(Exception):
    """The request does not deserialise into the venue's types: HTTP 422, plain text."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or DESERIALIZE_ERROR)
        self.detail = detail


# -- typed field readers -----------------------------------------------------------------------

def _get(obj: Any, key: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise Unprocessable(f"missing field {key!r}")
    return obj[key]


def _uint(value: Any, bits: int = 64) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << bits):
        raise Unprocessable(f"{value!r} is not an unsigned integer")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Unprocessable(f"{value!r} is not a boolean")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise Unprocessable(f"{value!r} is not a string")
    return value


def _decimal_str(value: Any) -> str:
    """A decimal string, re-serialised without trailing zeros or exponent."""
    text = _str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Unprocessable(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise Unprocessable(f"{text!r} is not a number")
    out = f"{number.normalize():f}"
    return "0" if out == "-0" else out


def _address(value: Any) -> str:
    text = _str(value)
    if not _ADDRESS.match(text):
        raise Unprocessable(f"{text!r} is not an address")
    return text.lower()


def _cloid(value: Any) -> str:
    text = _str(value)
    if not _CLOID.match(text):
        raise Unprocessable(f"{text!r} is not a 16-byte cloid")
    return text.lower()


def _optional(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


# -- canonical actions ---------------------------------------------------------------------------

def _order_type(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict) and set(raw) == {"limit"}:
        tif = _str(_get(raw["limit"], "tif"))
        if tif not in _TIFS:
            raise Unprocessable(f"unknown tif {tif!r}")
        return {"limit": {"tif": tif}}
    if isinstance(raw, dict) and set(raw) == {"trigger"}:
        trig = raw["trigger"]
        tpsl = _str(_get(trig, "tpsl"))
        if tpsl not in ("tp", "sl"):
            raise Unprocessable(f"unknown tpsl {tpsl!r}")
        return {"trigger": {"isMarket": _bool(_get(trig, "isMarket")),
                            "triggerPx": _decimal_str(_get(trig, "triggerPx")), "tpsl": tpsl}}
    raise Unprocessable("unknown order type")


def order_wire(raw: Any) -> dict[str, Any]:
    wire = {"a": _uint(_get(raw, "a"), 32), "b": _bool(_get(raw, "b")), "p": _decimal_str(_get(raw, "p")),
            "s": _decimal_str(_get(raw, "s")), "r": _bool(_get(raw, "r")), "t": _order_type(_get(raw, "t"))}
    cloid = _optional(raw, "c")
    if cloid is not None:
        wire["c"] = _cloid(cloid)
    return wire


def _list(raw: Any, key: str) -> list[Any]:
    value = _get(raw, key)
    if not isinstance(value, list):
        raise Unprocessable(f"{key!r} is not a list")
    return value


def _flag(raw: dict[str, Any], key: str, out: dict[str, Any]) -> None:
    """Optional boolean flags are hashed only when true (the venue rejects a hashed false)."""
    if _optional(raw, key) is not None and _bool(raw[key]):
        out[key] = True


def _oid_or_cloid(value: Any) -> int | str:
    return _cloid(value) if isinstance(value, str) else _uint(value)


def _order_action(raw: dict[str, Any]) -> dict[str, Any]:
    grouping = _str(_get(raw, "grouping"))
    if grouping not in _GROUPINGS:
        raise Unprocessable(f"unknown grouping {grouping!r}")
    out: dict[str, Any] = {"type": "order", "orders": [order_wire(o) for o in _list(raw, "orders")],
                           "grouping": grouping}
    builder = _optional(raw, "builder")
    if builder is not None:
        out["builder"] = {"b": _address(_get(builder, "b")), "f": _uint(_get(builder, "f"))}
    return out


def _cancel_action(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "cancel", "cancels": [
        {"a": _uint(_get(c, "a"), 32), "o": _uint(_get(c, "o"))} for c in _list(raw, "cancels")]}
    _flag(raw, "f", out)
    return out


def _cancel_cloid_action(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "cancelByCloid", "cancels": [
        {"asset": _uint(_get(c, "asset"), 32), "cloid": _cloid(_get(c, "cloid"))}
        for c in _list(raw, "cancels")]}
    _flag(raw, "f", out)
    return out


def _modify_action(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "modify", "oid": _oid_or_cloid(_get(raw, "oid")),
                           "order": order_wire(_get(raw, "order"))}
    _flag(raw, "a", out)
    return out


def _batch_modify_action(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "batchModify", "modifies": [
        {"oid": _oid_or_cloid(_get(m, "oid")), "order": order_wire(_get(m, "order"))}
        for m in _list(raw, "modifies")]}
    _flag(raw, "a", out)
    return out


def _leverage_action(raw: dict[str, Any]) -> dict[str, Any]:
    return {"type": "updateLeverage", "asset": _uint(_get(raw, "asset"), 32),
            "isCross": _bool(_get(raw, "isCross")), "leverage": _uint(_get(raw, "leverage"), 32)}


def _schedule_cancel_action(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "scheduleCancel"}
    if _optional(raw, "time") is not None:
        out["time"] = _uint(raw["time"])
    return out


def _noop_action(raw: dict[str, Any]) -> dict[str, Any]:
    return {"type": "noop"}


def _approve_agent_action(raw: dict[str, Any]) -> dict[str, Any]:
    chain_id = _str(_get(raw, "signatureChainId"))
    if not _HEX.match(chain_id):
        raise Unprocessable(f"{chain_id!r} is not a chain id")
    name = _optional(raw, "agentName")
    return {"type": "approveAgent", "signatureChainId": chain_id,
            "hyperliquidChain": _str(_get(raw, "hyperliquidChain")),
            "agentAddress": _address(_get(raw, "agentAddress")),
            "agentName": "" if name is None else _str(name), "nonce": _uint(_get(raw, "nonce"))}


_ACTIONS = {"order": _order_action, "cancel": _cancel_action, "cancelByCloid": _cancel_cloid_action,
            "modify": _modify_action, "batchModify": _batch_modify_action,
            "updateLeverage": _leverage_action, "scheduleCancel": _schedule_cancel_action,
            "noop": _noop_action, "approveAgent": _approve_agent_action}
#: actions signed by the user's own wallet (EIP-712 typed data), not as a phantom agent
USER_SIGNED = frozenset({"approveAgent"})


@dataclass(frozen=True, slots=True)
class SignedRequest:
    action: dict[str, Any]          # canonical
    nonce: int
    r: int
    s: int
    v: int
    vault: str | None
    expires_after: int | None

    @property
    def type(self) -> str:
        return str(self.action["type"])


def _sig_int(value: Any) -> int:
    text = _str(value)
    if not _HEX.match(text):
        raise Unprocessable(f"{text!r} is not a 32-byte hex number")
    return int(text, 16)


def parse_request(body: Any) -> SignedRequest:
    """A ``POST /exchange`` body (``vaultAddress``/``expiresAfter`` may be absent or null)."""
    raw_action = _get(body, "action")
    kind = _get(raw_action, "type")
    build = _ACTIONS.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise Unprocessable(f"unknown action type {kind!r}")
    signature = _get(body, "signature")
    v = _uint(_get(signature, "v"), 8)
    vault = body.get("vaultAddress")
    expires = body.get("expiresAfter")
    return SignedRequest(build(raw_action), _uint(_get(body, "nonce")), _sig_int(_get(signature, "r")),
                         _sig_int(_get(signature, "s")), v,
                         None if vault is None else _address(vault),
                         None if expires is None else _uint(expires))


# -- digests and recovery --------------------------------------------------------------------------

def _pad(value: bytes) -> bytes:
    return value.rjust(32, b"\x00")


def _domain(name: bytes, chain_id: int) -> bytes:
    type_hash = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    return keccak(type_hash + keccak(name) + keccak(b"1") + chain_id.to_bytes(32, "big") + _pad(b""))


_EXCHANGE_DOMAIN = _domain(b"Exchange", 1337)
_AGENT_TYPE = keccak(b"Agent(string source,bytes32 connectionId)")
_APPROVE_TYPE = keccak(b"HyperliquidTransaction:ApproveAgent(string hyperliquidChain,address agentAddress,"
                       b"string agentName,uint64 nonce)")


def action_hash(action: dict[str, Any], vault: str | None, nonce: int, expires_after: int | None) -> bytes:
    data = msgpack.packb(action) + nonce.to_bytes(8, "big")
    data += b"\x00" if vault is None else b"\x01" + bytes.fromhex(vault[2:])
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return bytes(keccak(data))


def l1_digest(req: SignedRequest, mainnet: bool) -> bytes:
    """EIP-712 digest of the phantom agent of an L1 action (source "a" mainnet, "b" testnet)."""
    connection_id = action_hash(req.action, req.vault, req.nonce, req.expires_after)
    struct = keccak(_AGENT_TYPE + keccak(b"a" if mainnet else b"b") + connection_id)
    return bytes(keccak(b"\x19\x01" + _EXCHANGE_DOMAIN + struct))


def agent_digest(action: dict[str, Any]) -> bytes:
    """EIP-712 digest of a user-signed ``approveAgent``."""
    chain_id = int(action["signatureChainId"], 16)
    struct = keccak(_APPROVE_TYPE + keccak(action["hyperliquidChain"].encode())
                    + _pad(bytes.fromhex(action["agentAddress"][2:]))
                    + keccak(action["agentName"].encode()) + action["nonce"].to_bytes(32, "big"))
    return bytes(keccak(b"\x19\x01" + _domain(b"HyperliquidSignTransaction", chain_id) + struct))


def recover(digest: bytes, req: SignedRequest) -> str | None:
    """The signer's lowercase address, or None if no address can be recovered."""
    if req.v not in (27, 28) or not (0 < req.r < 1 << 256 and 0 < req.s < 1 << 256):
        return None
    try:
        signature = Signature(vrs=(req.v - 27, req.r, req.s))
        return str(signature.recover_public_key_from_msg_hash(digest).to_address()).lower()
    except (BadSignature, ValidationError, ValueError):
        return None


# -- nonces -------------------------------------------------------------------------------------------

DAY_MS = 86_400_000


class NonceBook:
    """Per-signer nonces: the 100 highest are kept; a new nonce must exceed the smallest of them,
    be unused, and lie within (T − 2 days, T + 1 day) of the wall clock T."""

    def __init__(self, keep: int = 100) -> None:
        self.keep = keep
        self._heaps: dict[str, list[int]] = {}
        self._sets: dict[str, set[int]] = {}

    def use(self, signer: str, nonce: int, now_ms: int) -> str | None:
        """Record ``nonce`` for ``signer``; returns the venue's error text if it is refused."""
        if nonce <= now_ms - 2 * DAY_MS:
            return f"Invalid nonce: nonce too low {nonce} < {now_ms - 2 * DAY_MS}"
        if nonce >= now_ms + DAY_MS:
            return f"Invalid nonce: nonce too high {nonce} > {now_ms + DAY_MS}"
        used = self._sets.setdefault(signer, set())
        heap = self._heaps.setdefault(signer, [])
        if nonce in used:
            return f"Invalid nonce: duplicate nonce {nonce}"
        if len(heap) >= self.keep and nonce <= heap[0]:
            return f"Invalid nonce: nonce too low {nonce} < {heap[0]}"
        heapq.heappush(heap, nonce)
        used.add(nonce)
        if len(heap) > self.keep:
            used.discard(heapq.heappop(heap))
        return None
