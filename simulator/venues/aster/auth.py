"""Aster's two authentication schemes, verified.

**V3** (``/fapi/v3``, the current scheme): the request carries ``nonce`` (µs), ``signer`` (an API
wallet), optionally ``user`` (its owner), and last ``signature`` — an EIP-712 signature
(domain ``AsterSignTransaction``/``1``/``chainId``/zero contract, ``Message(string msg)``) of
the exact parameter string as sent, without ``&signature=…``. The parameters are taken from the
one place that carries ``signature``: the form body if it does, else the query string. The
signature is accepted if it recovers to ``signer`` for the raw string or for its percent-decoded
form (official clients disagree on which they sign; both agree on the order). Checks, in order:
``signature`` present and last (-1102 / -1022), ``nonce`` and ``signer`` present (-1102), signer
registered (-2015), ``user`` its owner when sent (-1002), signature (-1022), then the nonce:
within ±``nonce_window_ms`` of the server's clock, unused, and not below the smallest of a full
window of the user's last ``nonce_keep`` nonces (-4225 "Nonce Expired" in every case). A
``reject_nonce`` fault (match: the request path) is answered -4225 as well. No
``timestamp``/``recvWindow`` checks: V3 removed them (they are ordinary signed parameters).

**V1** (``/fapi/v1``, ``/fapi/v2``, ``/fapi/v4``, legacy): header ``X-MBX-APIKEY`` (-2014 missing,
-2015 unknown); signed endpoints add ``timestamp`` (ms), optional ``recvWindow`` (default 5000,
at most 60000) and ``signature`` = hex HMAC-SHA256(secret, query string + request body) at the end
of the query or the body; ``timestamp < server + 1000`` and ``server − timestamp <= recvWindow``
or -1021. USER_STREAM endpoints need the header only. Query parameters win over body ones.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, unquote, unquote_plus

from aiohttp import web
from eth_hash.auto import keccak
from eth_keys import keys  # type: ignore[attr-defined]  # eth_keys re-exports without __all__
from eth_keys.exceptions import BadSignature, ValidationError  # type: ignore[attr-defined]

from simulator.engine.faults import FaultKind
from simulator.venues.aster.errors import (
    BAD_API_KEY_FORMAT,
    BAD_SIGNATURE,
    NONCE_EXPIRED,
    UNAUTHORIZED,
    UNKNOWN_SIGNER,
    AsterError,
    invalid_param,
    mandatory,
)
from simulator.venues.base import VenueContext

__all__ = ["Caller", "AsterAuth", "eip712_digest", "recover_signer"]

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_DOMAIN_TYPE = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_MESSAGE_TYPE = keccak(b"Message(string msg)")
_DOMAIN_SEPARATORS: dict[int, bytes] = {}


def eip712_digest(msg: str, chain_id: int) -> bytes:
    """The EIP-712 digest Aster's V3 signature signs, for ``msg`` on ``chain_id``."""
    separator = _DOMAIN_SEPARATORS.get(chain_id)
    if separator is None:
        separator = keccak(_DOMAIN_TYPE + keccak(b"AsterSignTransaction") + keccak(b"1")
                           + chain_id.to_bytes(32, "big") + bytes(32))
        _DOMAIN_SEPARATORS[chain_id] = separator
    struct = keccak(_MESSAGE_TYPE + keccak(msg.encode()))
    return keccak(b"\x19\x01" + separator + struct)


def recover_signer(msg: str, signature: bytes, chain_id: int) -> str | None:
    """The lower-case address that signed ``msg`` (65-byte r‖s‖v), or None if unrecoverable."""
    if len(signature) != 65:
        return None
    v = signature[64] - 27 if signature[64] >= 27 else signature[64]
    if v not in (0, 1):
        return None
    try:
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
        sig = keys.Signature(vrs=(v, r, s))
        public = sig.recover_public_key_from_msg_hash(eip712_digest(msg, chain_id))
    except (BadSignature, ValidationError, ValueError):
        return None
    return str(public.to_address()).lower()


@dataclass
class Caller:
    """An authenticated request: whose it is and its parameters (decoded)."""

    account_id: int
    params: dict[str, str]
    scheme: Literal["v3", "v1"]


@dataclass
class _Signer:
    account_id: int
    user: str        # lower case


@dataclass
class _Nonces:
    heap: list[int] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)


def _pairs(raw: str) -> list[tuple[str, str]]:
    out = []
    for pair in raw.split("&"):
        key, _, value = pair.partition("=")
        out.append((key, value))
    return out


def _strip_signature(raw: str) -> tuple[str, str] | None:
    """``raw`` without a trailing ``signature=…`` pair, and the signature; None if not last."""
    if raw.startswith("signature="):
        rest, sig = "", raw[len("signature="):]
    else:
        idx = raw.rfind("&signature=")
        if idx < 0:
            return None
        rest, sig = raw[:idx], raw[idx + len("&signature="):]
    return (rest, sig) if "&" not in sig else None


class AsterAuth:
    def __init__(self, ctx: VenueContext, chain_id: int = 1666) -> None:
        self.ctx = ctx
        self.chain_id = chain_id
        self.nonce_window_ms = 10_000
        self.nonce_keep = 100
        self.signers: dict[str, _Signer] = {}
        self.users: dict[str, int] = {}
        self.api_keys: dict[str, tuple[int, bytes]] = {}
        self._nonces: dict[str, _Nonces] = {}

    # -- registration ---------------------------------------------------------------------------
    def register_v3(self, account_id: int, user: str, signer: str) -> None:
        self.users[user.lower()] = account_id
        self.signers[signer.lower()] = _Signer(account_id, user.lower())

    def register_v1(self, account_id: int, api_key: str, secret: str) -> None:
        self.api_keys[api_key] = (account_id, secret.encode())

    # -- V3 ---------------------------------------------------------------------------------------
    async def v3(self, request: web.Request) -> Caller:
        body = await request.text() if request.can_read_body else ""
        in_body = any(p.startswith("signature=") for p in body.split("&")) if body else False
        raw = body if in_body else request.rel_url.raw_query_string
        if not any(p.startswith("signature=") for p in raw.split("&")):
            raise mandatory("signature")
        stripped = _strip_signature(raw)
        if stripped is None:                     # signature present but not the last parameter
            raise AsterError(*BAD_SIGNATURE)
        signed, sig_text = stripped
        decoded = [(unquote_plus(k), unquote_plus(v)) for k, v in _pairs(signed)] if signed else []
        params = dict(decoded)
        if len(params) != len(decoded):
            raise AsterError(-1101, "Duplicate values for a parameter detected.")
        nonce_text = params.get("nonce", "")
        if not nonce_text.isdigit():
            raise mandatory("nonce")
        signer_address = params.get("signer", "")
        if not _ADDRESS.match(signer_address):
            raise mandatory("signer")
        signer = self.signers.get(signer_address.lower())
        if signer is None:
            raise AsterError(*UNKNOWN_SIGNER, status=401)
        user = params.get("user")
        if user and user.lower() != signer.user:
            raise AsterError(*UNAUTHORIZED, status=401)
        self._check_signature(signed, "&".join(f"{k}={v}" for k, v in decoded), unquote(sig_text),
                              signer_address.lower())
        self._check_nonce(signer.user, int(nonce_text), request.path)
        return Caller(signer.account_id, params, "v3")

    def _check_signature(self, raw: str, decoded: str, sig_text: str, signer: str) -> None:
        try:
            signature = bytes.fromhex(sig_text.removeprefix("0x"))
        except ValueError:
            raise AsterError(*BAD_SIGNATURE) from None
        for msg in dict.fromkeys((raw, decoded)):
            if recover_signer(msg, signature, self.chain_id) == signer:
                return
        raise AsterError(*BAD_SIGNATURE)

    def _check_nonce(self, user: str, nonce: int, path: str) -> None:
        now_us = self.ctx.wall_ms() * 1000
        if abs(nonce - now_us) > self.nonce_window_ms * 1000:
            raise AsterError(*NONCE_EXPIRED)
        if self.ctx.faults.take(FaultKind.REJECT_NONCE, path) is not None:
            raise AsterError(*NONCE_EXPIRED)
        state = self._nonces.setdefault(user, _Nonces())
        if nonce in state.seen or (len(state.heap) >= self.nonce_keep and nonce < state.heap[0]):
            raise AsterError(*NONCE_EXPIRED)
        heapq.heappush(state.heap, nonce)
        state.seen.add(nonce)
        while len(state.heap) > self.nonce_keep:
            state.seen.discard(heapq.heappop(state.heap))

    # -- V1 ---------------------------------------------------------------------------------------
    async def v1(self, request: web.Request, *, signed: bool = True) -> Caller:
        api_key = request.headers.get("X-MBX-APIKEY", "")
        if not api_key:
            raise AsterError(*BAD_API_KEY_FORMAT, status=401)
        entry = self.api_keys.get(api_key)
        if entry is None:
            raise AsterError(*UNKNOWN_SIGNER, status=401)
        account_id, secret = entry
        query = request.rel_url.raw_query_string
        body = await request.text() if request.can_read_body else ""
        params = dict(parse_qsl(body, keep_blank_values=True))
        params.update(parse_qsl(query, keep_blank_values=True))   # the query string wins
        params.pop("signature", None)
        if not signed:
            return Caller(account_id, params, "v1")
        in_query, in_body = _strip_signature(query), _strip_signature(body)
        if in_query is not None:
            total, sig = in_query[0] + body, in_query[1]
        elif in_body is not None:
            total, sig = query + in_body[0], in_body[1]
        else:
            raise mandatory("signature")
        expected = hmac.new(secret, total.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, unquote(sig).lower()):
            raise AsterError(*BAD_SIGNATURE)
        self._check_timestamp(params, request.path)
        return Caller(account_id, params, "v1")

    def _check_timestamp(self, params: dict[str, str], path: str) -> None:
        timestamp, window = params.get("timestamp", ""), params.get("recvWindow", "5000")
        if not timestamp.isdigit():
            raise mandatory("timestamp")
        if not window.isdigit() or not 0 < int(window) <= 60_000:
            raise invalid_param("recvWindow")
        now = self.ctx.wall_ms()
        if int(timestamp) >= now + 1000:
            raise AsterError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now - int(timestamp) > int(window) or self.ctx.faults.take(FaultKind.REJECT_NONCE, path):
            raise AsterError(-1021, "Timestamp for this request is outside of the recvWindow.")
