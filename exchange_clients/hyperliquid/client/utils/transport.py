"""How Hyperliquid requests are signed and sent: L1-action signing (msgpack + keccak + the
EIP-712 "phantom agent") with the API wallet's key, on ``common.http.HttpClient``.

Signing (SDK ``utils/signing.py`` ``sign_l1_action``; checked against its published vectors)::

    connectionId = keccak(msgpack(action) ‖ nonce:u64be ‖ (0x00 | 0x01 ‖ vault:20B)
                          [‖ 0x00 ‖ expiresAfter:u64be])
    digest = EIP-712(domain {name "Exchange", version "1", chainId 1337, verifyingContract 0},
                     Agent {source: "a" mainnet | "b" otherwise, connectionId})
    signature = secp256k1(digest) → {"r": hex, "s": hex, "v": 27|28}

* ``msgpack`` packs the action dict in insertion order: key order is part of the signature,
  so actions are built in the SDK's field order (``converters`` / ``order_manager``).
* **Network.** Source ``"a"`` only when the REST URL *is* the mainnet URL — exactly the
  official SDK's rule, so the real testnet and a local simulator (both ``"b"``) work.
* **Agents.** The key that signs is an API wallet approved by the master ``address``; the
  venue recovers the agent from the signature and acts for its master. Queries (``/info``,
  user WebSocket channels) name the master (or the vault), never the agent.
* **Nonces** are millisecond timestamps, unique per *signer*: one ``TimestampNonces`` per agent
  address for the whole process (two clients sharing an API wallet share its counter), taken
  synchronously right before signing, so concurrent submissions can never reuse one.

Every ``/exchange`` request is sent once (``idempotent=False``): an unknown outcome is resolved
by the order manager by cloid. ``/info`` requests are read-only and retried by ``HttpClient``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import msgpack
from eth_hash.auto import keccak
from eth_keys.datatypes import PrivateKey
from eth_utils.exceptions import ValidationError

try:  # libsecp256k1: ~20 µs a signature; eth-keys' pure-Python fallback takes ~2.5 ms
    from coincurve import PrivateKey as FastPrivateKey
except ImportError:  # pragma: no cover - the hyperliquid extra installs it
    FastPrivateKey = None  # type: ignore[assignment,misc]

from exchange_clients.common.http import HttpClient
from exchange_clients.common.nonce import TimestampNonces
from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import ConfigurationError, ExchangeError
from exchange_clients.hyperliquid.client.utils.errors import error_from_response
from helpers.unified_logger import register_secret
from helpers.venue_config import RateLimitTier, VenueConfig

__all__ = ["MAINNET_API_URL", "is_mainnet_url", "action_hash", "agent_digest", "AgentSigner",
           "nonces_for", "HyperliquidTransport", "limiter_for", "info_weight", "exchange_weight"]

VENUE = "hyperliquid"
MAINNET_API_URL = "https://api.hyperliquid.xyz"

_DOMAIN_SEPARATOR = keccak(
    keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    + keccak(b"Exchange") + keccak(b"1") + (1337).to_bytes(32, "big") + bytes(32))
_AGENT_TYPEHASH = keccak(b"Agent(string source,bytes32 connectionId)")
_SOURCE_HASH = {True: keccak(b"a"), False: keccak(b"b")}

#: /info request types of weight 2 (docs "Rate limits"); userRole weighs 60, the others 20
_LIGHT_INFO = frozenset({"l2Book", "allMids", "clearinghouseState", "orderStatus",
                         "spotClearinghouseState", "exchangeStatus"})


def is_mainnet_url(rest_url: str) -> bool:
    """The official SDK signs mainnet-style only for exactly this URL (config URLs have their
    trailing slash stripped already)."""
    return rest_url.rstrip("/") == MAINNET_API_URL


def action_hash(action: dict[str, Any], vault_address: str | None, nonce: int,
                expires_after: int | None) -> bytes:
    """The ``connectionId`` of an L1 action."""
    data = msgpack.packb(action)
    data += nonce.to_bytes(8, "big")
    if vault_address is None:
        data += b"\x00"
    else:
        data += b"\x01" + bytes.fromhex(vault_address.removeprefix("0x"))
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return bytes(keccak(data))


def agent_digest(connection_id: bytes, mainnet: bool) -> bytes:
    """The EIP-712 digest of the phantom agent ``{source, connectionId}``."""
    struct_hash = keccak(_AGENT_TYPEHASH + _SOURCE_HASH[mainnet] + connection_id)
    return bytes(keccak(b"\x19\x01" + _DOMAIN_SEPARATOR + struct_hash))


class AgentSigner:
    """Signs L1 actions with an API wallet (or the master's own) private key.

    The key is parsed once. Signatures come from libsecp256k1 (``coincurve``, part of the
    ``hyperliquid`` extra) when installed, else from eth-keys; both are RFC 6979 deterministic
    with low ``s``, so both give the SDK's exact bytes (``fast=False`` forces eth-keys)."""

    def __init__(self, private_key: str, *, mainnet: bool, fast: bool = True) -> None:
        register_secret(private_key)
        try:
            raw = bytes.fromhex(private_key.removeprefix("0x"))
            self._key = PrivateKey(raw)
        except (ValueError, ValidationError) as exc:
            raise ConfigurationError(VENUE, f"agent_private_key is not a secp256k1 key: "
                                     f"{type(exc).__name__}", code="BAD_KEY") from None
        self._fast = FastPrivateKey(raw) if fast and FastPrivateKey is not None else None
        self.address: str = self._key.public_key.to_checksum_address().lower()
        self.mainnet = mainnet
        self.signed = 0
        self.sign_seconds = 0.0

    def _sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        if self._fast is not None:
            raw = self._fast.sign_recoverable(digest, hasher=None)
            return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64] + 27
        signature = self._key.sign_msg_hash(digest)
        return signature.r, signature.s, signature.v + 27

    def sign(self, action: dict[str, Any], nonce: int, vault_address: str | None = None,
             expires_after: int | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        digest = agent_digest(action_hash(action, vault_address, nonce, expires_after),
                              self.mainnet)
        r, s, v = self._sign_digest(digest)
        self.sign_seconds += time.perf_counter() - started
        self.signed += 1
        # the SDK's eth_utils.to_hex(int): 0x + hex without leading zeros; v is 27 or 28
        return {"r": hex(r), "s": hex(s), "v": v}


_NONCES: dict[str, TimestampNonces] = {}
_NONCES_LOCK = threading.Lock()


def nonces_for(signer_address: str) -> TimestampNonces:
    """The process-wide nonce source of one signer (the venue tracks nonces per signer)."""
    key = signer_address.lower()
    with _NONCES_LOCK:
        nonces = _NONCES.get(key)
        if nonces is None:
            nonces = _NONCES[key] = TimestampNonces(unit=1000)
        return nonces


def limiter_for(tier: RateLimitTier) -> RateLimiter | None:
    """1200 weight per minute per IP (REST, shared); no premium tier exists. ``unlimited``
    (the simulator, benchmarks) disables client-side limiting."""
    if tier is RateLimitTier.UNLIMITED:
        return None
    return RateLimiter(VENUE, [(1200, 60.0)])


def info_weight(request_type: str) -> float:
    if request_type in _LIGHT_INFO:
        return 2.0
    return 60.0 if request_type == "userRole" else 20.0


def exchange_weight(batch_length: int) -> float:
    """``1 + floor(batch_length / 40)``."""
    return float(1 + batch_length // 40)


class HyperliquidTransport:
    """``POST /info`` (public, retried) and signed ``POST /exchange`` (sent once)."""

    def __init__(self, config: VenueConfig, signer: AgentSigner | None = None, *,
                 vault_address: str | None = None) -> None:
        self.config = config
        self.base_url = config.resolved_rest_url()
        self.mainnet = is_mainnet_url(self.base_url)
        self.signer = signer
        self.vault_address = vault_address.lower() if vault_address else None
        self.nonces = nonces_for(signer.address) if signer is not None else None
        self.http = HttpClient(VENUE, self.base_url, timeout=config.request_timeout,
                               connect_timeout=config.connect_timeout,
                               limiter=limiter_for(config.rate_limit_tier),
                               error_mapper=error_from_response)
        self.actions_sent = 0

    async def start(self) -> None:
        await self.http.start()

    async def close(self) -> None:
        await self.http.close()

    async def info(self, payload: dict[str, Any]) -> Any:
        """One ``/info`` query; returns the decoded body."""
        return await self.http.post("/info", json=payload, weight=info_weight(payload["type"]),
                                    idempotent=True)

    def signed_body(self, action: dict[str, Any]) -> dict[str, Any]:
        """The ``/exchange`` body of ``action`` with a fresh nonce (synchronous: nonce taken and
        signed with no await in between)."""
        if self.signer is None or self.nonces is None:
            raise ConfigurationError(VENUE, "this call needs agent credentials",
                                     code="NO_CREDENTIALS")
        nonce = self.nonces.next()
        signature = self.signer.sign(action, nonce, self.vault_address)
        # key order as the SDK sends it; the venue accepts null for both optional fields
        return {"action": action, "nonce": nonce, "signature": signature,
                "vaultAddress": self.vault_address, "expiresAfter": None}

    async def exchange(self, action: dict[str, Any], *, batch_length: int = 1) -> Any:
        """Sign and send one action; return ``response`` of an ``{"status": "ok"}`` answer.
        A top-level ``"err"`` raises its typed error (``HttpClient``'s error mapper)."""
        body = self.signed_body(action)
        self.actions_sent += 1
        answer = await self.http.request("POST", "/exchange", json=body,
                                         weight=exchange_weight(batch_length), idempotent=False)
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            raise ExchangeError(VENUE, f"unexpected /exchange answer: {str(answer)[:200]}",
                                code="BODY")
        return answer.get("response")
