"""Backpack request signing, verified exactly as the venue defines it.

Signed string (docs "Signature Generation"; bpx-api-client ``build_signee_query*``)::

    instruction=<name>[&<k>=<v> ... sorted by key]&timestamp=<X-Timestamp>&window=<X-Window>

* the parameters are the query pairs (GET) or the JSON body's keys (POST/DELETE/PATCH), sorted by
  byte order, values as raw text: JSON strings without quotes, numbers as written (``0.10`` stays
  ``0.10``), booleans ``true``/``false``, ``null`` as ``null``, nested values as compact JSON;
* a JSON array body (batch orders) gives one ``instruction=<name>&<sorted params>`` segment per
  element, joined with ``&``;
* query and body together: the query's pairs first, then the body's (as the Rust client does);
* the window defaults to 5000 when ``X-Window`` is absent; it may not exceed 60000.

The signature is ED25519 over the UTF-8 bytes, checked against ``X-API-Key`` (base64 of the 32-byte
public key). A request is valid until ``X-Timestamp + X-Window`` (and, our choice, not earlier than
``X-Timestamp − X-Window``). The instruction comes from the endpoint, so a signature made for
another instruction simply does not verify.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from simulator.venues.backpack.errors import ApiError, auth_error, payload_error

__all__ = ["Num", "parse_json", "canonical_text", "signing_string", "Authenticator", "new_key_pair",
           "DEFAULT_WINDOW_MS", "MAX_WINDOW_MS"]

DEFAULT_WINDOW_MS = 5000
MAX_WINDOW_MS = 60000


class Num(str):
    """A JSON number token, kept as written (so ``0.10``/``1e-7`` sign exactly as sent)."""

    __slots__ = ()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def parse_json(body: bytes, payload: str) -> Any:
    """Parse a request body keeping number tokens as ``Num``; a bad body is a 400 text error."""
    try:
        return json.loads(body, parse_int=Num, parse_float=Num, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise payload_error(payload, f"invalid JSON: {exc}") from None


def canonical_text(value: Any) -> str:
    """The text of one value in the signed string (Rust's ``Value::to_string`` minus quotes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):      # includes Num
        return str(value)
    if value is None:
        return "null"
    return _compact(value)


def _compact(value: Any) -> str:
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    return json.dumps(value, separators=(",", ":"))


def _segment(pairs: Iterable[tuple[str, Any]]) -> str:
    return "&".join(f"{k}={canonical_text(v)}" for k, v in sorted(pairs, key=lambda kv: kv[0]))


def signing_string(instruction: str, query: Mapping[str, str] | None, body: Any,
                   timestamp: int, window: int) -> str:
    """The exact string Backpack signs for one request."""
    tail = f"timestamp={timestamp}&window={window}"
    if isinstance(body, list):
        parts = []
        for item in body:
            seg = _segment(item.items()) if isinstance(item, dict) else ""
            parts.append(f"instruction={instruction}" + (f"&{seg}" if seg else ""))
        return "&".join([*parts, tail])
    parts = [f"instruction={instruction}"]
    if query:
        parts.append(_segment(query.items()))
    if isinstance(body, dict) and body:
        parts.append(_segment(body.items()))
    return "&".join([*(p for p in parts if p), tail])


def new_key_pair() -> tuple[str, str]:
    """A fresh ED25519 key pair as (public key base64, secret seed base64)."""
    key = Ed25519PrivateKey.generate()
    return (base64.b64encode(key.public_key().public_bytes_raw()).decode(),
            base64.b64encode(key.private_bytes_raw()).decode())


def _b64(value: str, size: int) -> bytes | None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


class Authenticator:
    """The API keys issued by the simulator and the checks of Backpack's signed requests."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[int, Ed25519PublicKey]] = {}

    def register(self, public_key_b64: str, account_id: int) -> None:
        raw = _b64(public_key_b64, 32)
        if raw is None:
            raise ValueError("an API key is the base64 of a 32-byte ED25519 public key")
        self._keys[public_key_b64] = (account_id, Ed25519PublicKey.from_public_bytes(raw))

    def account_of(self, public_key_b64: str) -> int | None:
        entry = self._keys.get(public_key_b64)
        return entry[0] if entry is not None else None

    def verify_request(self, headers: Mapping[str, str], instruction: str, query: Mapping[str, str],
                       body: Any, now_ms: int) -> int:
        """The account of a correctly signed, unexpired request; raises ``ApiError`` otherwise.
        ``headers`` must look names up case-insensitively (aiohttp's request headers do)."""
        api_key = _header(headers, "X-API-Key")
        signature = _header(headers, "X-Signature")
        ts_text = _header(headers, "X-Timestamp")
        window_text = headers.get("X-Window")
        try:
            timestamp = int(ts_text)
        except ValueError:
            raise auth_error("Invalid X-Timestamp header") from None
        window = DEFAULT_WINDOW_MS
        if window_text is not None:
            try:
                window = int(window_text)
            except ValueError:
                window = 0
            if not 0 < window <= MAX_WINDOW_MS:
                raise ApiError(400, "INVALID_CLIENT_REQUEST", "Invalid X-Window header")
        message = signing_string(instruction, query, body, timestamp, window)
        return self._check(api_key, signature, message, timestamp, window, now_ms)

    def verify_subscribe(self, signature: Any, now_ms: int) -> int:
        """A WebSocket private subscription: ``[verifying key, signature, timestamp, window]``."""
        if not isinstance(signature, list) or len(signature) != 4:
            raise auth_error("Invalid signature")
        key, sig, ts, window = signature
        try:
            timestamp, window_ms = int(ts), int(window)
        except (TypeError, ValueError):
            raise auth_error("Invalid signature") from None
        if not isinstance(key, str) or not isinstance(sig, str) or not 0 < window_ms <= MAX_WINDOW_MS:
            raise auth_error("Invalid signature")
        message = f"instruction=subscribe&timestamp={timestamp}&window={window_ms}"
        return self._check(key, sig, message, timestamp, window_ms, now_ms)

    def _check(self, api_key: str, signature: str, message: str, timestamp: int, window: int,
               now_ms: int) -> int:
        entry = self._keys.get(api_key)
        if entry is None:
            raise auth_error("Invalid X-API-Key header")
        sig = _b64(signature, 64)
        if sig is None:
            raise auth_error("Invalid X-Signature header")
        account_id, public_key = entry
        try:
            public_key.verify(sig, message.encode())
        except InvalidSignature:
            raise auth_error("Invalid signature") from None
        if now_ms > timestamp + window or timestamp > now_ms + window:
            raise auth_error("Request has expired")
        return account_id


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        raise auth_error(f"Missing {name} header")
    return value
