"""How Aster requests are signed and sent, on ``common.http.HttpClient`` (one aiohttp session
per client), with weight-based rate limiting from exchangeInfo.

**V3 (default)** — asterdex/api-docs V3 "Pro API-KEY Signature": the business parameters in
the order they are sent, then ``nonce`` (µs), ``user`` and ``signer``; that exact string is the
``msg`` of an EIP-712 ``Message(string msg)`` in domain ``AsterSignTransaction``/``1``/chainId
(1666 mainnet, 714 testnet)/zero contract, signed by the API wallet; the request carries the
same string with ``&signature=0x…`` appended last — GET in the query string, POST/PUT/DELETE as
the ``application/x-www-form-urlencoded`` body. Every value we send is made of
``[A-Za-z0-9._-]`` (symbols, decimals, enums, integers, ``0x`` addresses, our client order ids),
so percent-encoding is the identity and the signed string is byte for byte the sent one.
The digest's domain separator is computed once; eth-account signs the digest.

**V1 (legacy HMAC, for existing keys)** — ``X-MBX-APIKEY`` header, ``timestamp`` (ms, our clock
plus the measured offset) and ``recvWindow``, ``signature`` = hex HMAC-SHA256 of the parameter
string, last. USER_STREAM calls (listen keys) carry the header only.

**Nonces** — ``TimestampNonces(unit=1_000_000)`` on our clock plus the offset measured from
``GET time``: unique and strictly increasing under concurrency. Aster keeps each user's last 100
nonces and refuses a reused, too old or ±10 s-skewed one with -4225 (``NonceError``) *before*
executing anything; such a request is re-signed with a fresh nonce after re-measuring the
clock (orders: by the order manager, which first checks the order is absent).

**Rate limits** — ``REQUEST_WEIGHT`` and ``ORDERS`` windows are built from exchangeInfo
``rateLimits`` (until then: the documented 2400/min and 1200/min + 300/10 s); each request takes
its documented weight, each new order one ORDERS token; ``X-MBX-USED-WEIGHT-<n><unit>`` and
``X-MBX-ORDER-COUNT-<n><unit>`` answers reconcile the windows of the same length
(``RateLimiter.observe_used``); a 429/418 blocks every request until ``Retry-After``.

**Retries** — signed requests are never replayed by ``HttpClient`` (a replay would reuse the
nonce): GETs and other idempotent calls are re-signed and re-sent here on network errors, 5xx
and 429 (after ``Retry-After``, if it is short); writes are not — the order manager resolves an
unknown outcome by client order id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eth_account import Account
from eth_hash.auto import keccak

from exchange_clients.aster.client.utils.converters import rate_limit_windows
from exchange_clients.aster.client.utils.errors import error_from_response
from exchange_clients.common.http import HttpClient, HttpResponse
from exchange_clients.common.nonce import TimestampNonces
from exchange_clients.common.rate_limit import RateLimiter, Window
from exchange_clients.errors import (
    ConfigurationError,
    ExchangeError,
    ExchangeUnavailableError,
    NetworkError,
    NonceError,
    RateLimitError,
)
from helpers.unified_logger import get_logger, register_secret
from helpers.venue_config import AsterConfig, Environment, RateLimitTier, VenueConfig

__all__ = ["AsterTransport", "V3Signer", "V1Signer", "Signer", "Params", "CHAIN_IDS", "weight_of",
           "eip712_digest", "DEFAULT_WEIGHT_WINDOWS", "DEFAULT_ORDER_WINDOWS", "signer_for"]

VENUE = "aster"
Params = Sequence[tuple[str, str]]
CHAIN_IDS = {Environment.MAINNET: 1666, Environment.TESTNET: 714}
DEFAULT_WEIGHT_WINDOWS = [(2400.0, 60.0)]
DEFAULT_ORDER_WINDOWS = [(1200.0, 60.0), (300.0, 10.0)]
DEFAULT_RECV_WINDOW_MS = 5000
#: V1 paths that are not ``/fapi/v1/<name>`` (documented V1 versions of these endpoints)
_V1_PATHS = {"balance": "/fapi/v2/balance", "positionRisk": "/fapi/v2/positionRisk",
             "account": "/fapi/v4/account"}
#: public endpoints only documented under /fapi/v1
_V1_ONLY_PUBLIC = frozenset({"openInterest"})
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_RETRYABLE = (NetworkError, ExchangeUnavailableError, RateLimitError)
_LIMIT_HEADER = re.compile(r"^x-mbx-(used-weight|order-count)-(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DOMAIN_TYPE = keccak(b"EIP712Domain(string name,string version,uint256 chainId,"
                      b"address verifyingContract)")
_MESSAGE_TYPE = keccak(b"Message(string msg)")


def _by_symbol(light: int, heavy: int) -> Callable[[Mapping[str, str]], int]:
    return lambda params: light if params.get("symbol") else heavy


def _depth_weight(params: Mapping[str, str]) -> int:
    limit = int(params.get("limit", "500"))
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


#: documented request weights (asterdex/api-docs V3); unknown endpoints weigh 1
WEIGHTS: dict[str, int | Callable[[Mapping[str, str]], int]] = {
    "depth": _depth_weight, "premiumIndex": _by_symbol(1, 10), "ticker/24hr": _by_symbol(1, 40),
    "ticker/price": _by_symbol(1, 2), "ticker/bookTicker": _by_symbol(1, 2),
    "openOrders": _by_symbol(1, 40), "allOrders": 5, "balance": 5, "account": 5,
    "accountWithJoinMargin": 5, "positionRisk": 5, "userTrades": 5, "income": 30,
    "commissionRate": 20, "positionSide/dual": 30,
}


def weight_of(name: str, params: Mapping[str, str] | None) -> int:
    rule = WEIGHTS.get(name, 1)
    return rule if isinstance(rule, int) else rule(params or {})


def _join(pairs: Params) -> str:
    return "&".join(f"{key}={value}" for key, value in pairs)


def eip712_digest(msg: str, separator: bytes) -> bytes:
    """EIP-712 digest of ``Message(string msg)`` under a precomputed domain separator."""
    return keccak(b"\x19\x01" + separator + keccak(_MESSAGE_TYPE + keccak(msg.encode())))


def domain_separator(chain_id: int) -> bytes:
    return keccak(_DOMAIN_TYPE + keccak(b"AsterSignTransaction") + keccak(b"1")
                  + chain_id.to_bytes(32, "big") + bytes(32))


class V3Signer:
    """An API wallet (``signer``) trading for ``user``'s account."""

    scheme = "v3"

    def __init__(self, user: str, signer: str, private_key: str, chain_id: int) -> None:
        register_secret(private_key)
        try:
            self._account = Account.from_key(private_key)
        except ValueError:
            raise ConfigurationError(VENUE, "signer_private_key is not a valid key",
                                     code="BAD_KEY") from None
        if self._account.address.lower() != signer.lower():
            raise ConfigurationError(VENUE, "signer_private_key does not derive signer",
                                     code="BAD_KEY")
        self.user = user
        self.signer = signer
        self.chain_id = chain_id
        self._separator = domain_separator(chain_id)
        self.signed = 0
        self.sign_seconds = 0.0

    def signature(self, msg: str) -> str:
        started = time.perf_counter()
        signed = self._account.unsafe_sign_hash(eip712_digest(msg, self._separator))
        self.sign_seconds += time.perf_counter() - started
        self.signed += 1
        return "0x" + bytes(signed.signature).hex()

    def sign(self, pairs: Params, nonce: int) -> str:
        """The request's parameter string: ``pairs``, nonce/user/signer, signature last."""
        msg = _join([*pairs, ("nonce", str(nonce)), ("user", self.user), ("signer", self.signer)])
        return f"{msg}&signature={self.signature(msg)}"

    def headers(self) -> dict[str, str]:
        return {}


class V1Signer:
    """A legacy API key pair (HMAC-SHA256)."""

    scheme = "v1"

    def __init__(self, api_key: str, secret_key: str, recv_window_ms: int = DEFAULT_RECV_WINDOW_MS) -> None:
        register_secret(api_key)
        register_secret(secret_key)
        self._api_key = api_key
        self._secret = secret_key.encode()
        self.recv_window_ms = recv_window_ms
        self.signed = 0
        self.sign_seconds = 0.0

    def sign(self, pairs: Params, timestamp_ms: int) -> str:
        msg = _join([*pairs, ("recvWindow", str(self.recv_window_ms)),
                     ("timestamp", str(timestamp_ms))])
        started = time.perf_counter()
        digest = hmac.new(self._secret, msg.encode(), hashlib.sha256).hexdigest()
        self.sign_seconds += time.perf_counter() - started
        self.signed += 1
        return f"{msg}&signature={digest}"

    def headers(self) -> dict[str, str]:
        return {"X-MBX-APIKEY": self._api_key}


Signer = V3Signer | V1Signer


def signer_for(config: AsterConfig) -> Signer:
    """The signer of the configured auth scheme (V3 unless ``auth="v1"``)."""
    if config.auth == "v1":
        if config.api_key is None or config.secret_key is None:
            raise ConfigurationError(VENUE, "auth v1 needs api_key and secret_key", code="NO_CREDENTIALS")
        return V1Signer(config.api_key.get_secret_value(), config.secret_key.get_secret_value())
    if config.user is None or config.signer is None or config.signer_private_key is None:
        raise ConfigurationError(VENUE, "auth v3 needs user, signer and signer_private_key",
                                 code="NO_CREDENTIALS")
    return V3Signer(config.user, config.signer, config.signer_private_key.get_secret_value(),
                    CHAIN_IDS[config.environment])


def _limiter(name: str, windows: Sequence[tuple[float, float]]) -> RateLimiter:
    return RateLimiter(VENUE, [Window(c, p, name=f"{name}/{p:g}s") for c, p in windows])


class AsterTransport:
    """Public and signed REST calls, nonces, clock offset and the rate-limit windows."""

    def __init__(self, config: VenueConfig, signer: Signer | None = None, *,
                 clock: Callable[[], float] = time.time, retries: int = 2,
                 max_retry_wait: float = 15.0) -> None:
        self.config = config
        self.signer = signer
        self._clock = clock
        self.offset_ms = 0
        self.nonces = TimestampNonces(unit=1_000_000, clock=self._now)
        self._retries = retries
        self._max_retry_wait = max_retry_wait
        self._limited = config.rate_limit_tier is not RateLimitTier.UNLIMITED
        self._weight_windows: list[tuple[float, float]] = list(DEFAULT_WEIGHT_WINDOWS)
        self._order_windows: list[tuple[float, float]] = list(DEFAULT_ORDER_WINDOWS)
        self.order_limiter = _limiter("orders", self._order_windows) if self._limited else None
        self._log = get_logger("transport", VENUE)
        self.nonce_retries = 0
        self.clock_syncs = 0
        self.http = HttpClient(
            VENUE, config.resolved_rest_url(), timeout=config.request_timeout,
            connect_timeout=config.connect_timeout,
            limiter=_limiter("weight", self._weight_windows) if self._limited else None,
            error_mapper=error_from_response, retries=retries, on_response=self._observe)

    async def start(self) -> None:
        await self.http.start()

    async def close(self) -> None:
        await self.http.close()

    # ---- time -----------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock() + self.offset_ms / 1000

    def timestamp_ms(self) -> int:
        return int(self._now() * 1000)

    async def sync_clock(self) -> int:
        """Measure our offset to the venue's clock (``GET time``)."""
        before = self._clock()
        body = await self.public("time")
        after = self._clock()
        server = body.get("serverTime") if isinstance(body, dict) else None
        if not isinstance(server, int):
            raise ExchangeError(VENUE, f"unexpected time body {str(body)[:60]!r}", code="BAD_TIME")
        self.offset_ms = server - int((before + after) * 500)
        self.clock_syncs += 1
        return self.offset_ms

    # ---- rate limits ----------------------------------------------------------------------

    def apply_rate_limits(self, rate_limits: Any) -> None:
        """Build the windows from exchangeInfo ``rateLimits`` (kept if unchanged, so that a
        catalogue refresh does not forget usage or a 429 penalty)."""
        if not self._limited or not isinstance(rate_limits, list):
            return
        weight, orders = rate_limit_windows(rate_limits)
        if weight and weight != self._weight_windows:
            self._weight_windows = weight
            self.http.limiter = _limiter("weight", weight)
        if orders and orders != self._order_windows:
            self._order_windows = orders
            self.order_limiter = _limiter("orders", orders)

    def _observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Reconcile our windows with the venue's own counts (``X-MBX-USED-WEIGHT-1M`` …)."""
        for key, value in headers.items():
            match = _LIMIT_HEADER.match(key.lower())
            if match is None or not value.isdigit():
                continue
            period = float(int(match.group(2)) * _UNIT_SECONDS[match.group(3)])
            if match.group(1) == "used-weight":
                limiter, windows = self.http.limiter, self._weight_windows
            else:
                limiter, windows = self.order_limiter, self._order_windows
            if limiter is None:
                continue
            for index, (_, window_period) in enumerate(windows):
                if window_period == period:
                    limiter.observe_used(float(value), index)

    # ---- requests -------------------------------------------------------------------------

    @staticmethod
    def public_path(name: str) -> str:
        return f"/fapi/v1/{name}" if name in _V1_ONLY_PUBLIC else f"/fapi/v3/{name}"

    def private_path(self, name: str) -> str:
        if isinstance(self.signer, V1Signer):
            return _V1_PATHS.get(name, f"/fapi/v1/{name}")
        return f"/fapi/v3/{name}"

    async def public(self, name: str, params: Mapping[str, str | int] | None = None) -> Any:
        """An unsigned GET (retried by ``HttpClient`` on network errors, 5xx and 429)."""
        query = {k: str(v) for k, v in params.items()} if params else None
        return await self.http.get(self.public_path(name), params=query,
                                   weight=weight_of(name, query))

    def _signed(self, signer: Signer, pairs: Params) -> str:
        if isinstance(signer, V3Signer):
            return signer.sign(pairs, self.nonces.next())
        return signer.sign(pairs, self.timestamp_ms())

    async def private(self, method: str, name: str, params: Params | None = None, *,
                      retry: bool | None = None, nonce_retry: bool = True,
                      new_order: bool = False) -> Any:
        """A signed request; returns the decoded body.

        ``retry`` (default: GET only): re-sign and resend on network errors, 5xx and 429.
        ``nonce_retry``: re-sign with a fresh nonce (after re-measuring the clock) when the
        venue refused the nonce; callers whose request must not be sent twice check first.
        ``new_order``: takes an ORDERS token as well as the request weight."""
        signer = self.signer
        if signer is None:
            raise ConfigurationError(VENUE, "this call needs API credentials", code="NO_CREDENTIALS")
        method = method.upper()
        retry = method == "GET" if retry is None else retry
        pairs = list(params or ())
        weight = weight_of(name, dict(pairs))
        path = self.private_path(name)
        attempt = 0
        nonce_left = 1 if nonce_retry else 0
        while True:
            signed = self._signed(signer, pairs)
            try:
                if new_order and self.order_limiter is not None:
                    await self.order_limiter.acquire(1)
                return (await self._send(method, path, signed, signer.headers(), weight)).body
            except NonceError:
                if nonce_left <= 0:
                    raise
                nonce_left -= 1
                self.nonce_retries += 1
                self._log.warning("%s %s: nonce refused; re-measuring the clock and re-signing",
                                  method, name)
                await self.resync_clock()
            except _RETRYABLE as exc:
                if isinstance(exc, RateLimitError) and exc.code == "-1015" \
                        and self.order_limiter is not None:
                    self.order_limiter.penalize(exc.retry_after)
                attempt += 1
                delay = self._delay(attempt, exc)
                if not retry or attempt > self._retries or delay > self._max_retry_wait:
                    raise
                self._log.info("%s %s: %s; retrying in %.2fs", method, name, type(exc).__name__,
                               delay)
                await asyncio.sleep(delay)

    async def resync_clock(self) -> None:
        """Re-measure the clock offset; a failure is logged, not raised."""
        try:
            await self.sync_clock()
        except ExchangeError as exc:
            self._log.warning("clock re-measure failed (%s); re-signing with our clock", exc)

    async def _send(self, method: str, path: str, signed: str, headers: Mapping[str, str],
                    weight: int) -> HttpResponse:
        if method == "GET":
            return await self.http.request_full(method, f"{path}?{signed}", headers=headers,
                                                weight=weight, idempotent=False)
        return await self.http.request_full(method, path, data=signed.encode(),
                                            headers={**headers, **_FORM}, weight=weight,
                                            idempotent=False)

    async def user_stream(self, method: str, listen_key: str | None = None) -> Any:
        """``listenKey`` POST (create or return the active one), PUT (keepalive), DELETE.
        V3: signed (the official demo adds ``listenKey`` on PUT); V1: the API-key header only."""
        signer = self.signer
        if isinstance(signer, V1Signer):
            response = await self.http.request_full(method.upper(), "/fapi/v1/listenKey",
                                                    headers=signer.headers(), idempotent=True)
            return response.body
        params = [("listenKey", listen_key)] if listen_key and method.upper() != "POST" else None
        return await self.private(method, "listenKey", params, retry=True)

    @staticmethod
    def _delay(attempt: int, exc: ExchangeError) -> float:
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return float(exc.retry_after)
        return float(0.2 * 2 ** (attempt - 1) * (0.5 + random.random()))
