"""Paradex identity and signatures, server side: the system config the SDK loads, the Stark key
derived from an L1 key, the L2 account address, the SNIP-12 (revision 0) typed data of onboarding,
auth and orders, their verification, and the short-lived JWTs ``/auth`` issues.

Everything follows paradex-py 0.8.2 and the official docs (see /work/notes/paradex_protocol.md
§1): an EIP-712 "STARK Key" signature of the L1 key, ground into a Stark private key; the account
address is the proxy deployment address of that key; every L2 signature is the JSON string
``'["r","s"]'`` (decimal) of a Stark ECDSA signature over the Pedersen typed-data hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data
from starknet_py.constants import EC_ORDER
from starknet_py.hash.address import compute_address
from starknet_py.hash.selector import get_selector_from_name
from starknet_py.hash.utils import private_to_stark_key, verify_message_signature
from starknet_py.utils.typed_data import TypedData

__all__ = [
    "STARKNET_CHAIN", "L2_CHAIN_ID", "L1_CHAIN_ID", "PARACLEAR_DECIMALS", "system_config",
    "derive_l2_private_key", "l2_public_key", "l2_address", "onboarding_typed_data",
    "auth_typed_data", "order_typed_data", "verify_signature", "JwtError", "JwtIssuer",
]

#: one of the four chain names paradex-py accepts (it maps the name to its CustomStarknetChainId)
STARKNET_CHAIN = "PRIVATE_SN_PARACLEAR_MAINNET"
L2_CHAIN_ID = int.from_bytes(STARKNET_CHAIN.encode(), "big")
#: EIP-712 chainId of the "STARK Key" message: the L2 key derivation depends on it
L1_CHAIN_ID = "1"
PARACLEAR_DECIMALS = 8
_PROXY_HASH = "0x3530cc4759d78042f1b543bf797f5f3d647cde0388c33734cf91b7f7b9314a9"
_ACCOUNT_HASH = "0x41cb0280ebadaa75f996d8d92c6f265f6d040bb3ba442e5f86a554f1765244e"
_INITIALIZE = get_selector_from_name("initialize")
_SHA256_LIMIT = 2**256 - (2**256 % EC_ORDER)


def system_config(base_url: str) -> dict[str, Any]:
    """``GET /v1/system/config``: every field paradex-py's strict schema requires (mainnet
    contract values; the RPC/explorer URLs point at the simulator and are never contacted)."""
    return {
        "starknet_gateway_url": "",
        "starknet_fullnode_rpc_url": f"{base_url}/rpc/v0_9",
        "starknet_fullnode_rpc_base_url": base_url,
        "starknet_chain_id": STARKNET_CHAIN,
        "block_explorer_url": f"{base_url}/explorer/",
        "paraclear_address": "0x286003f7c7bfc3f94e8f0af48b48302e7aee2fb13c23b141479ba00832ef2c6",
        "paraclear_decimals": PARACLEAR_DECIMALS,
        "paraclear_account_proxy_hash": _PROXY_HASH,
        "paraclear_account_hash": _ACCOUNT_HASH,
        "paraclear_evm_account_hash": None,
        "oracle_address": "0x2c6a867917ef858d6b193a0ff9e62b46d0dc760366920d631715d58baeaca1f",
        "bridged_tokens": [{
            "name": "USDC", "symbol": "USDC", "decimals": 6,
            "l1_token_address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
            "l1_bridge_address": "0x8586e05adc0C35aa11609023d4Ae6075Cb813b4C",
            "l2_token_address": "0x6f373b346561036d98ea10fb3e60d2f459c872b1933b50b21fe6ef4fda3b75e",
            "l2_bridge_address": "0x46e9237f5408b5f899e72125dd69bd55485a287aaf24663d3ebe00d237fc7ef",
        }],
        "l1_core_contract_address": "0x582CC5d9b509391232cd544cDF9da036e55833Af",
        "l1_operator_address": "0x11bACdFbBcd3Febe5e8CEAa75E0Ef6444d9B45FB",
        "l1_chain_id": L1_CHAIN_ID,
        "liquidation_fee": "0.2",
        "environment": "local",
        "partial_liquidation_buffer": "0.2",
        "partial_liquidation_share_increment": "0.05",
        "universal_deployer_address": "0x41a78e741e5af2fec34b695679bc6891742439f7afb8484ecd7766661ad02bf",
        "assets_limit_per_account": 10,
    }


# -- keys and addresses -------------------------------------------------------------------------
def _padded_hex(x: int) -> str:
    digits = format(x, "x")
    return digits if len(digits) % 2 == 0 else "0" + digits


def derive_l2_private_key(l1_private_key: str) -> int:
    """The Stark key a Paradex client derives from an L1 key: EIP-712 sign the constant
    "STARK Key" message, take r, grind sha256(r || i) below the largest multiple of the curve
    order, reduce mod the order."""
    message = {
        "domain": {"name": "Paradex", "chainId": int(L1_CHAIN_ID), "version": "1"},
        "primaryType": "Constant",
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}],
            "Constant": [{"name": "action", "type": "string"}],
        },
        "message": {"action": "STARK Key"},
    }
    signature = EthAccount.sign_message(encode_typed_data(full_message=message), l1_private_key).signature
    r = int.from_bytes(bytes(signature[:32]), "big")
    index = 0
    while True:
        key = int(hashlib.sha256(bytes.fromhex(_padded_hex(r) + _padded_hex(index))).hexdigest(), 16)
        if key < _SHA256_LIMIT:
            return key % int(EC_ORDER)
        index += 1


def l2_public_key(private_key: int) -> int:
    key: int = private_to_stark_key(private_key)
    return key


def l2_address(public_key: int) -> int:
    """The Paraclear account address of a Stark public key (proxy deployment, salt = key)."""
    return int(compute_address(
        class_hash=int(_PROXY_HASH, 16),
        constructor_calldata=[int(_ACCOUNT_HASH, 16), _INITIALIZE, 2, public_key, 0],
        salt=public_key))


# -- typed data -----------------------------------------------------------------------------------
_DOMAIN_TYPE = [{"name": "name", "type": "felt"}, {"name": "chainId", "type": "felt"},
                {"name": "version", "type": "felt"}]
_DOMAIN = {"name": "Paradex", "chainId": hex(L2_CHAIN_ID), "version": "1"}


def _typed(primary: str, fields: list[str], message: dict[str, Any]) -> dict[str, Any]:
    return {"domain": _DOMAIN, "primaryType": primary, "message": message,
            "types": {"StarkNetDomain": _DOMAIN_TYPE,
                      primary: [{"name": f, "type": "felt"} for f in fields]}}


def onboarding_typed_data() -> dict[str, Any]:
    return _typed("Constant", ["action"], {"action": "Onboarding"})


def auth_typed_data(timestamp: int, expiration: int) -> dict[str, Any]:
    """The path is the constant "/v1/auth" whatever URL the client called."""
    return _typed("Request", ["method", "path", "body", "timestamp", "expiration"],
                  {"method": "POST", "path": "/v1/auth", "body": "", "timestamp": timestamp,
                   "expiration": expiration})


def _chain_units(value: str) -> str:
    """A decimal string scaled by 10^8 and truncated toward zero, as the client signs it."""
    try:
        return str(int(Decimal(value).scaleb(PARACLEAR_DECIMALS)))
    except (InvalidOperation, ValueError, TypeError, ArithmeticError) as exc:
        raise ValueError(f"{value!r} is not a decimal number") from exc


def order_typed_data(body: dict[str, Any]) -> dict[str, Any]:
    """The Order message a client signed, rebuilt from the POST /orders body. The price is
    signed as 0 only for type MARKET (which has no price in the body)."""
    order_type = str(body["type"])
    price = "0" if order_type == "MARKET" else _chain_units(str(body["price"]))
    return _typed("Order", ["timestamp", "market", "side", "orderType", "size", "price"], {
        "timestamp": str(int(body["signature_timestamp"])), "market": str(body["market"]),
        "side": "1" if body["side"] == "BUY" else "2", "orderType": order_type,
        "size": _chain_units(str(body["size"])), "price": price})


def _parse_signature(signature: str) -> tuple[int, int] | None:
    try:
        parts = json.loads(signature)
    except (TypeError, ValueError):
        return None
    if not isinstance(parts, list) or len(parts) != 2:
        return None
    try:
        r, s = (int(str(p), 0) for p in parts)
    except ValueError:
        return None
    return r, s


def verify_signature(typed: dict[str, Any], account: int, signature: str, public_key: int) -> bool:
    """True when ``signature`` (``'["r","s"]'``) signs ``typed`` for ``account`` with ``public_key``."""
    parsed = _parse_signature(signature)
    if parsed is None:
        return False
    r, s = parsed
    if not (0 < r < 2**251 and 0 < s < EC_ORDER):
        return False
    try:
        msg_hash = TypedData.from_dict(typed).message_hash(account)   # type: ignore[arg-type]
        return bool(verify_message_signature(msg_hash, [r, s], public_key))
    except (ValueError, TypeError, KeyError, AssertionError):   # malformed felts or key off the curve
        return False


# -- JWT ------------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class JwtError(Exception):
    """``expired`` distinguishes an expired token from a malformed or forged one."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class JwtIssuer:
    """HS256 tokens shaped like Paradex's (``typ at+JWT``, ``iat``, ``exp``, ``iss``, ``sub`` =
    account address). Clients never verify them; they read ``exp`` to refresh."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._header = _b64(b'{"alg":"HS256","typ":"JWT"}')

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._secret, signing_input.encode(), hashlib.sha256).digest())

    def issue(self, subject: str, now_s: float, lifetime_s: float) -> str:
        claims = {"typ": "at+JWT", "exp": math.floor(now_s + lifetime_s), "iat": math.floor(now_s),
                  "iss": "Paradex sim", "sub": subject}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{self._header}.{body}.{self._sign(f'{self._header}.{body}')}"

    def subject(self, token: str, now_s: float) -> str:
        """The token's subject; raises ``JwtError`` if it is malformed, forged or expired."""
        parts = token.split(".")
        if len(parts) != 3:
            raise JwtError("invalid bearer jwt: token is malformed")
        head, body, sig = parts
        if not hmac.compare_digest(sig, self._sign(f"{head}.{body}")):
            raise JwtError("invalid bearer jwt: signature is invalid")
        try:
            claims = json.loads(_unb64(body))
            exp, sub = float(claims["exp"]), str(claims["sub"])
        except (ValueError, KeyError, TypeError) as exc:
            raise JwtError("invalid bearer jwt: token is malformed") from exc
        if now_s >= exp:
            raise JwtError("invalid bearer jwt: token is expired", expired=True)
        return sub
