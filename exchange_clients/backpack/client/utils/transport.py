"""How Backpack requests are signed and sent: ED25519 over the venue's signing string, on
``common.http.HttpClient`` (one aiohttp session per client).

Signing string (docs "Signature Generation"; bpx-api-client ``build_signee_query``)::

    instruction=<instruction>[&<k>=<v>... sorted by key]&timestamp=<X-Timestamp>&window=<X-Window>

* the parameters are the query pairs (GET) or the JSON body's keys (POST/DELETE/PATCH), in
  byte order, values as raw text: strings without quotes, integers as written, booleans
  ``true``/``false``. We send decimals as strings, never ``null``, and only characters that
  percent-encode to themselves (symbols, decimals, enums, integers), so what is signed is
  exactly what the server decodes;
* a batch body (a JSON array) signs one ``instruction=…&<params>`` segment per element;
* the instruction is always present, even with no parameters;
* ``X-Window`` is always sent and signed (default 5000 ms, at most 60000).

Time: ``X-Timestamp`` is our clock plus an offset measured from ``GET /api/v1/time``. A
request refused with "Request has expired" was not executed, so it is re-signed and sent
once more after re-measuring the offset. Signed requests are never retried by
``HttpClient`` (its retry would replay the old signature): idempotent GETs are retried
here, with a fresh signature each time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange_clients.backpack.client.utils.errors import error_from_response, is_expired
from exchange_clients.common.http import HttpClient, HttpResponse
from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    ExchangeUnavailableError,
    NetworkError,
    RateLimitError,
)
from helpers.unified_logger import get_logger
from helpers.venue_config import RateLimitTier, VenueConfig

__all__ = ["BackpackSigner", "BackpackTransport", "signing_string", "canonical", "limiter_for",
           "Params", "DEFAULT_WINDOW_MS", "MAX_WINDOW_MS"]

VENUE = "backpack"
DEFAULT_WINDOW_MS = 5000
MAX_WINDOW_MS = 60000
Params = Mapping[str, str | int | bool]
_RETRYABLE = (NetworkError, ExchangeUnavailableError, RateLimitError)


def canonical(value: str | int | bool) -> str:
    """One value as written in the signing string (Rust ``Value::to_string`` minus quotes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(f"cannot sign a {type(value).__name__}: send decimals as strings")


def _segment(params: Params) -> str:
    return "&".join(f"{key}={canonical(params[key])}" for key in sorted(params))


def signing_string(instruction: str, params: Params | Sequence[Params] | None, timestamp: int,
                   window: int) -> str:
    """The exact string Backpack signs for one request (a sequence is a batch body)."""
    tail = f"timestamp={timestamp}&window={window}"
    if params is None or isinstance(params, Mapping):
        seg = _segment(params) if params else ""
        return f"instruction={instruction}&" + (f"{seg}&" if seg else "") + tail
    parts = []
    for item in params:
        seg = _segment(item)
        parts.append(f"instruction={instruction}" + (f"&{seg}" if seg else ""))
    return "&".join([*parts, tail])


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(VENUE, f"{field} is not base64", code="BAD_KEY") from None


class BackpackSigner:
    """The API key pair. ``secret_key`` is the base64 of the 32-byte ED25519 seed (a 64-byte
    seed‖public key is accepted too); ``public_key`` (the ``X-API-Key``) must derive from it."""

    def __init__(self, secret_key: str, public_key: str) -> None:
        raw = _b64(secret_key, "secret_key")
        if len(raw) not in (32, 64):
            raise ConfigurationError(VENUE, "secret_key must be a 32-byte ED25519 seed",
                                     code="BAD_KEY")
        self._key = Ed25519PrivateKey.from_private_bytes(raw[:32])
        derived = base64.b64encode(self._key.public_key().public_bytes_raw()).decode()
        if derived != public_key:
            raise ConfigurationError(VENUE, "secret_key does not derive public_key",
                                     code="BAD_KEY")
        self.public_key = public_key
        self.signed = 0
        self.sign_seconds = 0.0

    def sign(self, message: str) -> str:
        started = time.perf_counter()
        signature = base64.b64encode(self._key.sign(message.encode())).decode()
        self.sign_seconds += time.perf_counter() - started
        self.signed += 1
        return signature

    def headers(self, instruction: str, params: Params | Sequence[Params] | None, timestamp: int,
                window: int) -> dict[str, str]:
        signature = self.sign(signing_string(instruction, params, timestamp, window))
        return {"X-API-Key": self.public_key, "X-Signature": signature,
                "X-Timestamp": str(timestamp), "X-Window": str(window)}

    def ws_signature(self, timestamp: int, window: int) -> list[str]:
        """The private-subscribe ``signature`` array: ``[key, signature, timestamp, window]``."""
        message = f"instruction=subscribe&timestamp={timestamp}&window={window}"
        return [self.public_key, self.sign(message), str(timestamp), str(window)]


def limiter_for(tier: RateLimitTier) -> RateLimiter | None:
    """2000 requests per minute per subaccount across REST (support FAQ); no published
    premium tier. ``unlimited`` (the simulator, benchmarks) disables client-side limiting."""
    if tier is RateLimitTier.UNLIMITED:
        return None
    return RateLimiter(VENUE, [(2000, 60.0)])


class BackpackTransport:
    """Public and signed REST calls with the clock offset and the signature window."""

    def __init__(self, config: VenueConfig, signer: BackpackSigner | None = None, *,
                 window_ms: int = DEFAULT_WINDOW_MS, clock: Callable[[], float] = time.time,
                 retries: int = 2) -> None:
        if not 1 <= window_ms <= MAX_WINDOW_MS:
            raise ConfigurationError(VENUE, f"window_ms must be in 1..{MAX_WINDOW_MS}",
                                     code="BAD_CONFIG")
        self.config = config
        self.signer = signer
        self.window_ms = window_ms
        self.clock = clock
        self.offset_ms = 0
        self.clock_syncs = 0
        self.expired_retries = 0
        self._retries = retries
        self._sync_lock = asyncio.Lock()
        self._log = get_logger("transport", VENUE)
        self.http = HttpClient(VENUE, config.resolved_rest_url(), timeout=config.request_timeout,
                               connect_timeout=config.connect_timeout,
                               limiter=limiter_for(config.rate_limit_tier),
                               error_mapper=error_from_response, retries=retries)

    async def start(self) -> None:
        await self.http.start()

    async def close(self) -> None:
        await self.http.close()

    # ---- time -----------------------------------------------------------------------------

    def timestamp_ms(self) -> int:
        return int(self.clock() * 1000) + self.offset_ms

    async def sync_clock(self) -> int:
        """Measure the offset to the venue's clock (``GET /api/v1/time``, ms as text)."""
        async with self._sync_lock:
            before = self.clock()
            body = await self.http.get("/api/v1/time")
            after = self.clock()
            try:
                server_ms = int(str(body).strip())
            except ValueError:
                raise ExchangeError(VENUE, f"unexpected /api/v1/time body {str(body)[:40]!r}",
                                    code="BAD_TIME") from None
            self.offset_ms = server_ms - int((before + after) * 500)
            self.clock_syncs += 1
            return self.offset_ms

    # ---- requests -------------------------------------------------------------------------

    async def public(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """An unsigned GET (retried by ``HttpClient`` on transport errors, 5xx and 429)."""
        query = {k: str(v) for k, v in params.items()} if params else None
        return await self.http.get(path, params=query)

    async def private(self, method: str, path: str, instruction: str, *,
                      params: Params | None = None, body: Params | Sequence[Params] | None = None,
                      retry: bool | None = None) -> HttpResponse:
        """A signed request. GETs (or ``retry=True``) are retried with a fresh signature on
        transport errors, 5xx and 429; any request refused as expired is re-signed once after
        re-measuring the clock offset. Other failures raise the typed error."""
        if self.signer is None:
            raise ConfigurationError(VENUE, "this call needs API credentials", code="NO_CREDENTIALS")
        method = method.upper()
        retry = method == "GET" if retry is None else retry
        query = {k: canonical(v) for k, v in params.items()} if params else None
        attempts = 1 + (self._retries if retry else 0)
        expired_retry_left = True
        attempt = 0
        while True:
            signed = body if body is not None else params
            headers = self.signer.headers(instruction, signed, self.timestamp_ms(), self.window_ms)
            try:
                return await self.http.request_full(method, path, params=query, json=body,
                                                    headers=headers, idempotent=False)
            except AuthenticationError as exc:
                if not (is_expired(exc) and expired_retry_left):
                    raise
                expired_retry_left = False
                self.expired_retries += 1
                self._log.warning("%s %s: request expired (window %d ms); re-measuring the clock",
                                  method, path, self.window_ms)
                await self.sync_clock()
            except _RETRYABLE as exc:
                attempt += 1
                if attempt >= attempts:
                    raise
                await asyncio.sleep(self._delay(attempt, exc))

    @staticmethod
    def _delay(attempt: int, exc: ExchangeError) -> float:
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return float(exc.retry_after)
        return float(0.2 * 2 ** (attempt - 1) * (0.5 + random.random()))
