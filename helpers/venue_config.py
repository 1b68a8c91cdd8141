"""Per-venue configuration models.

They live in ``helpers`` (not ``exchange_clients``) so that both the clients and the
credential store (``database``, which may import only ``helpers``) can build and validate
them. Secrets are ``SecretStr``: their repr and ``str`` never show the value, and
``model_dump()`` keeps them wrapped unless a caller explicitly unwraps them.

A config says *where* a venue is (``environment`` or explicit ``rest_url``/``ws_url``, which is
how the simulator is reached) and *who* trades (credentials, in the venue's native form).
The base ``VenueConfig`` without credentials is enough for public data (funding adapters).
"""

from __future__ import annotations

import base64
import binascii
import re
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "Environment", "RateLimitTier", "VenueConfig", "LighterConfig", "ParadexConfig",
    "AsterConfig", "BackpackConfig", "HyperliquidConfig", "VENUE_CONFIGS", "config_class_for",
    "PUBLIC_CONFIGS", "LighterPublicConfig", "ParadexPublicConfig", "AsterPublicConfig",
    "BackpackPublicConfig", "HyperliquidPublicConfig",
]

_HEX = re.compile(r"^(0x)?[0-9a-fA-F]+$")
_ETH_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_API_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
_SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_STARK_ORDER = 0x0800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F


class Environment(StrEnum):
    MAINNET = "mainnet"
    TESTNET = "testnet"


class RateLimitTier(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"
    #: no client-side limiting; for the simulator and benchmarks (the venue still answers 429)
    UNLIMITED = "unlimited"


class VenueConfig(BaseModel):
    """Endpoints, timeouts and rate-limit tier of one venue; no credentials."""

    # hide_input_in_errors: a ValidationError's str() would otherwise echo the offending value,
    # and for a model-level error the whole input mapping, secrets included.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True,
                              hide_input_in_errors=True)

    venue: ClassVar[str] = ""
    #: environment -> (rest base url, ws url); filled by each venue subclass
    DEFAULT_URLS: ClassVar[dict[Environment, tuple[str, str]]] = {}

    environment: Environment = Environment.MAINNET
    rest_url: str | None = Field(default=None, description="Override REST base URL (simulator).")
    ws_url: str | None = Field(default=None, description="Override WebSocket URL (simulator).")
    rate_limit_tier: RateLimitTier = RateLimitTier.STANDARD
    request_timeout: float = Field(default=10.0, gt=0, le=300)
    connect_timeout: float = Field(default=5.0, gt=0, le=120)
    ws_stale_after: float = Field(
        default=30.0, gt=0, description="Seconds without data before a feed is considered dead."
    )

    @field_validator("rest_url", "ws_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^(https?|wss?)://", value):
            raise ValueError(f"{value!r} is not an http(s):// or ws(s):// URL")
        return value.rstrip("/")

    def resolved_rest_url(self) -> str:
        if self.rest_url:
            return self.rest_url
        return self._defaults()[0]

    def resolved_ws_url(self) -> str:
        if self.ws_url:
            return self.ws_url
        return self._defaults()[1]

    def _defaults(self) -> tuple[str, str]:
        try:
            return self.DEFAULT_URLS[self.environment]
        except KeyError:
            raise ValueError(f"{self.venue or 'venue'}: no default URL for {self.environment}") from None

    @property
    def is_local(self) -> bool:
        """True when the REST URL points at loopback (the simulator)."""
        url = self.resolved_rest_url() if (self.rest_url or self.DEFAULT_URLS) else ""
        return "://127.0.0.1" in url or "://localhost" in url


def _check_hex(value: str, *, nbytes: int | tuple[int, ...], field: str) -> str:
    if not _HEX.match(value):
        raise ValueError(f"{field} must be hex")
    digits = value[2:] if value.startswith("0x") else value
    allowed = (nbytes,) if isinstance(nbytes, int) else nbytes
    if len(digits) not in tuple(2 * n for n in allowed):
        raise ValueError(f"{field} must be {' or '.join(str(n) for n in allowed)} bytes of hex "
                         f"(got {len(digits)} hex digits)")
    return value


def _check_secret_hex(secret: SecretStr | None, *, nbytes: int | tuple[int, ...],
                      field: str) -> SecretStr | None:
    if secret is not None:
        _check_hex(secret.get_secret_value(), nbytes=nbytes, field=field)
    return secret


def _check_address(value: str | None, field: str) -> str | None:
    if value is not None and not _ETH_ADDRESS.match(value):
        raise ValueError(f"{field} must be a 0x-prefixed 20-byte hex address")
    return value


def _check_secp256k1(secret: SecretStr | None, field: str) -> SecretStr | None:
    """A secp256k1 private key must be a scalar in [1, n-1]; 32 bytes of hex is not enough."""
    if secret is not None:
        raw = secret.get_secret_value()
        _check_hex(raw, nbytes=32, field=field)
        if not 0 < int(raw.removeprefix("0x"), 16) < _SECP256K1_ORDER:
            raise ValueError(f"{field} is not a valid secp256k1 private key (out of range)")
    return secret


def _check_derives_address(secret: SecretStr | None, address: str | None, *, key_field: str,
                           address_field: str) -> None:
    """The EVM address of ``secret`` must be ``address`` (catches a key pasted for the wrong
    wallet, which would otherwise fail only at the first signed request)."""
    if secret is None or address is None:
        return
    from eth_account import Account  # deferred: eth-account takes ~0.4 s to import

    derived = Account.from_key(secret.get_secret_value()).address
    if derived.lower() != address.lower():
        raise ValueError(f"{key_field} does not derive {address_field} (it belongs to another "
                         "address)")


class LighterPublicConfig(VenueConfig):
    """Lighter endpoints only: enough for public data."""

    venue: ClassVar[str] = "lighter"
    DEFAULT_URLS: ClassVar[dict[Environment, tuple[str, str]]] = {
        Environment.MAINNET: ("https://mainnet.zklighter.elliot.ai",
                              "wss://mainnet.zklighter.elliot.ai/stream"),
        Environment.TESTNET: ("https://testnet.zklighter.elliot.ai",
                              "wss://testnet.zklighter.elliot.ai/stream"),
    }


class LighterConfig(LighterPublicConfig):
    """Lighter endpoints and trading credentials."""

    account_index: int = Field(ge=0)
    api_key_index: int = Field(ge=0, le=254)
    api_private_key: SecretStr
    chain_id: int | None = Field(default=None, description="304 mainnet, 300 testnet; "
                                 "required by lighter-sdk when the URL is not a known host.")

    @field_validator("api_private_key")
    @classmethod
    def _key(cls, v: SecretStr) -> SecretStr:
        _check_secret_hex(v, nbytes=40, field="api_private_key")
        return v

    def resolved_chain_id(self) -> int:
        if self.chain_id is not None:
            return self.chain_id
        return 304 if self.environment is Environment.MAINNET else 300


class ParadexPublicConfig(VenueConfig):
    """Paradex endpoints only: enough for public data."""

    venue: ClassVar[str] = "paradex"
    DEFAULT_URLS: ClassVar[dict[Environment, tuple[str, str]]] = {
        Environment.MAINNET: ("https://api.prod.paradex.trade/v1",
                              "wss://ws.api.prod.paradex.trade/v1"),
        Environment.TESTNET: ("https://api.testnet.paradex.trade/v1",
                              "wss://ws.api.testnet.paradex.trade/v1"),
    }


class ParadexConfig(ParadexPublicConfig):
    """Paradex endpoints and trading credentials."""

    l1_address: str
    l1_private_key: SecretStr | None = None
    l2_private_key: SecretStr | None = None

    @field_validator("l1_address")
    @classmethod
    def _addr(cls, v: str) -> str:
        _check_address(v, "l1_address")
        return v

    @field_validator("l1_private_key")
    @classmethod
    def _l1(cls, v: SecretStr | None) -> SecretStr | None:
        return _check_secp256k1(v, "l1_private_key")

    @field_validator("l2_private_key")
    @classmethod
    def _l2(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            raw = v.get_secret_value()
            if not _HEX.match(raw) or not 1 <= len(raw.removeprefix("0x")) <= 64:
                raise ValueError("l2_private_key must be a Stark private key in hex (≤ 32 bytes)")
            if not 0 < int(raw.removeprefix("0x"), 16) < _STARK_ORDER:
                raise ValueError("l2_private_key is not a valid Stark private key (out of range)")
        return v

    @model_validator(mode="after")
    def _one_key(self) -> ParadexConfig:
        if self.l1_private_key is None and self.l2_private_key is None:
            raise ValueError("one of l1_private_key or l2_private_key is required")
        _check_derives_address(self.l1_private_key, self.l1_address, key_field="l1_private_key",
                               address_field="l1_address")
        return self


class AsterPublicConfig(VenueConfig):
    """Aster endpoints only: enough for public data."""

    venue: ClassVar[str] = "aster"
    DEFAULT_URLS: ClassVar[dict[Environment, tuple[str, str]]] = {
        Environment.MAINNET: ("https://fapi.asterdex.com", "wss://fstream.asterdex.com"),
        Environment.TESTNET: ("https://fapi.asterdex-testnet.com",
                              "wss://fstream.asterdex-testnet.com"),
    }


class AsterConfig(AsterPublicConfig):
    """Aster endpoints and trading credentials."""

    auth: Literal["v3", "v1"] = "v3"
    user: str | None = None
    signer: str | None = None
    signer_private_key: SecretStr | None = None
    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None

    @field_validator("user", "signer")
    @classmethod
    def _addr(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _check_address(v, info.field_name or "address")

    @field_validator("signer_private_key")
    @classmethod
    def _pk(cls, v: SecretStr | None) -> SecretStr | None:
        return _check_secp256k1(v, "signer_private_key")

    @field_validator("api_key", "secret_key")
    @classmethod
    def _v1_token(cls, v: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if v is not None and not _API_TOKEN.match(v.get_secret_value()):
            raise ValueError(f"{info.field_name} must be 16-256 letters, digits, '-' or '_'")
        return v

    @model_validator(mode="after")
    def _complete(self) -> AsterConfig:
        if self.auth == "v3":
            missing = [n for n in ("user", "signer", "signer_private_key") if getattr(self, n) is None]
        else:
            missing = [n for n in ("api_key", "secret_key") if getattr(self, n) is None]
        if missing:
            raise ValueError(f"auth {self.auth} requires {', '.join(missing)}")
        _check_derives_address(self.signer_private_key, self.signer, key_field="signer_private_key",
                               address_field="signer")
        return self


class BackpackPublicConfig(VenueConfig):
    """Backpack endpoints only: enough for public data."""

    venue: ClassVar[str] = "backpack"
    DEFAULT_URLS: ClassVar[dict[Environment, tuple[str, str]]] = {
        Environment.MAINNET: ("https://api.backpack.exchange", "wss://ws.backpack.exchange"),
    }


class BackpackConfig(BackpackPublicConfig):
    """Backpack endpoints and trading credentials."""

    public_key: str
    secret_key: SecretStr
    window_ms: int = Field(default=5000, ge=1, le=60000)

    @field_validator("public_key")
    @classmethod
    def _pub(cls, v: str) -> str:
        _check_b64_32(v, "public_key")
        return v

    @field_validator("secret_key")
    @classmethod
    def _sec(cls, v: SecretStr) -> SecretStr:
        _check_b64_seed(v.get_secret_value(), "secret_key")
        return v

    @model_validator(mode="after")
    def _pair(self) -> BackpackConfig:
        """The secret key is the ED25519 seed (or seed‖public key, 64 bytes, as some tools
        export it); its public key must be ``public_key``."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = _check_b64_seed(self.secret_key.get_secret_value(), "secret_key")
        derived = Ed25519PrivateKey.from_private_bytes(raw[:32]).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
        public = base64.b64decode(self.public_key)
        if derived != public or (len(raw) == 64 and raw[32:] != public):
            raise ValueError("secret_key does not derive public_key (they are not one key pair)")
        return self


def _check_b64_seed(value: str, field: str) -> bytes:
    """An ED25519 secret: the 32-byte seed, or the 64-byte seed‖public key."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{field} must be base64") from None
    if len(raw) not in (32, 64):
        raise ValueError(f"{field} must decode to a 32-byte ED25519 seed (or 64 bytes seed‖public "
                         f"key), got {len(raw)}")
    return raw


def _check_b64_32(value: str, field: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{field} must be base64") from None
    if len(raw) != 32:
        raise ValueError(f"{field} must decode to 32 bytes (ED25519), got {len(raw)}")
    return raw


class HyperliquidPublicConfig(VenueConfig):
    """Hyperliquid endpoints only: enough for public data."""

    venue: ClassVar[str] = "hyperliquid"
    DEFAULT_URLS: ClassVar[dict[Environment, tuple[str, str]]] = {
        Environment.MAINNET: ("https://api.hyperliquid.xyz", "wss://api.hyperliquid.xyz/ws"),
        Environment.TESTNET: ("https://api.hyperliquid-testnet.xyz",
                              "wss://api.hyperliquid-testnet.xyz/ws"),
    }


class HyperliquidConfig(HyperliquidPublicConfig):
    """Hyperliquid endpoints and trading credentials."""

    address: str
    agent_private_key: SecretStr
    vault_address: str | None = None

    @field_validator("address")
    @classmethod
    def _addr(cls, v: str) -> str:
        _check_address(v, "address")
        return v

    @field_validator("vault_address")
    @classmethod
    def _vault(cls, v: str | None) -> str | None:
        return _check_address(v, "vault_address")

    @field_validator("agent_private_key")
    @classmethod
    def _pk(cls, v: SecretStr) -> SecretStr:
        _check_secp256k1(v, "agent_private_key")
        return v


VENUE_CONFIGS: dict[str, type[VenueConfig]] = {
    cls.venue: cls
    for cls in (LighterConfig, ParadexConfig, AsterConfig, BackpackConfig, HyperliquidConfig)
}
PUBLIC_CONFIGS: dict[str, type[VenueConfig]] = {
    cls.venue: cls
    for cls in (LighterPublicConfig, ParadexPublicConfig, AsterPublicConfig,
                BackpackPublicConfig, HyperliquidPublicConfig)
}


def config_class_for(venue: str) -> type[VenueConfig]:
    try:
        return VENUE_CONFIGS[venue.lower()]
    except KeyError:
        raise ValueError(f"unknown venue {venue!r}; known: {', '.join(sorted(VENUE_CONFIGS))}") from None
