"""API keys, nonces and auth tokens of the Lighter venue.

A key is registered per ``(account_index, api_key_index)`` with its public key (80 lower-case hex
digits, no ``0x`` — the Go signer compares ``hexutil.Encode(pubkey)`` minus ``0x`` with it) and
the nonce the next tx signed with it must carry. Key pairs come from lighter-sdk's own
``create_api_key()`` (imported on first use). Lighter's Schnorr signatures (ECgFp5/Poseidon2)
cannot be verified offline, so a signature is checked structurally: a tx's ``Sig`` must be the
base64 of 80 bytes, an auth token's signature 160 hex digits.

Auth token: ``"{deadline_s}:{account}:{api_key_index}:{sig_hex}"``, valid while
``now < deadline <= now + 8 h``, for a registered key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.venues.lighter.errors import Code, LighterError, auth_error

__all__ = ["ApiKey", "KeyRing", "generate_key_pair", "MAX_TOKEN_LIFETIME_S"]

MAX_TOKEN_LIFETIME_S = 8 * 3600
_TOKEN_SKEW_S = 60             # a client's clock may run a little ahead of ours
_SIG_HEX = re.compile(r"^[0-9a-f]{160}$")
_PUBKEY_HEX = re.compile(r"^[0-9a-f]{80}$")


@dataclass(slots=True)
class ApiKey:
    account: int
    index: int
    public_key: str
    nonce: int = 0             # what the next tx signed with this key must carry

    def json(self) -> dict[str, object]:
        return {"account_index": self.account, "api_key_index": self.index, "nonce": self.nonce,
                "public_key": self.public_key, "transaction_time": 0}


def generate_key_pair() -> tuple[str, str]:
    """``(private, public)`` hex without ``0x``: 40-byte keys from lighter-sdk's signer."""
    from lighter.signer_client import create_api_key

    private, public, err = create_api_key()
    if err:
        raise RuntimeError(f"lighter-sdk could not generate an API key: {err}")
    return str(private).removeprefix("0x").lower(), str(public).removeprefix("0x").lower()


class KeyRing:
    def __init__(self) -> None:
        self._keys: dict[int, dict[int, ApiKey]] = {}

    def register(self, account: int, index: int, public_key: str) -> ApiKey:
        public_key = public_key.removeprefix("0x").lower()
        if not _PUBKEY_HEX.match(public_key):
            raise ValueError("a Lighter API public key is 40 bytes of hex")
        if not 0 <= index <= 254:
            raise ValueError(f"api key index {index} is outside 0..254")
        key = ApiKey(account, index, public_key)
        self._keys.setdefault(account, {})[index] = key
        return key

    def free_index(self, account: int, first: int = 3) -> int:
        """The first unused user key index (0..2 belong to Lighter's own apps)."""
        used = self._keys.get(account, {})
        for index in range(first, 255):
            if index not in used:
                return index
        raise ValueError(f"account {account} has no free API key index")

    def get(self, account: int, index: int) -> ApiKey | None:
        return self._keys.get(account, {}).get(index)

    def of(self, account: int) -> list[ApiKey]:
        return sorted(self._keys.get(account, {}).values(), key=lambda k: k.index)

    def has_account(self, account: int) -> bool:
        return account in self._keys

    def key_for_tx(self, account: int, index: int) -> ApiKey:
        """The key a tx names, or the venue's error (21110 bad index, 21109 unknown key)."""
        if not 0 <= index <= 254:
            raise LighterError(Code.INVALID_API_KEY_INDEX)
        key = self.get(account, index)
        if key is None:
            raise LighterError(Code.API_KEY_NOT_FOUND)
        return key

    def check_token(self, token: str | None, now_s: int) -> ApiKey:
        """The key an auth token was made with; 401 ``invalid auth: ...`` otherwise."""
        if not token:
            raise LighterError(Code.INVALID_PARAM, ": auth query param and Authorization header are empty")
        parts = token.strip().split(":")
        if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]) or not _SIG_HEX.match(parts[3]):
            raise auth_error("invalid auth string")
        deadline, account, index = int(parts[0]), int(parts[1]), int(parts[2])
        if deadline <= now_s:
            raise auth_error("expired token")
        if deadline > now_s + MAX_TOKEN_LIFETIME_S + _TOKEN_SKEW_S:
            raise auth_error("invalid deadline")
        key = self.get(account, index)
        if key is None:
            raise auth_error("api key not found")
        return key
