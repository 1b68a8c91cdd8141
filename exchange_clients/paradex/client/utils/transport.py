"""How Paradex requests are signed and sent: paradex-py's account and order-signing pieces,
our own aiohttp session (``common.http.HttpClient``).

paradex-py's REST client is synchronous (httpx), and so is its ``Paradex()`` constructor
(system config, auth, onboarding over HTTP); neither is used. What is used are its CPU-only
parts: ``SystemConfigSchema`` (the strict system-config model), ``ParadexAccount`` (Stark key
derivation from the L1 key, the account address, the onboarding and auth signatures) and the
``Order`` model with ``ParadexAccount.sign_order`` (the SNIP-12 typed-data order signature).
They are imported on first use, at ``connect()``: importing paradex-py costs ~1.7 s, which the
funding adapter and the public market-data manager never need to pay.

Auth: ``POST /auth/{public_key}`` with a signed ``Request`` message returns a 5-minute JWT,
renewed before expiry by ``caching.JwtCache``; the first ``/auth`` of an account that never
onboarded answers ``NOT_ONBOARDED``, and the account is onboarded (``POST /onboarding``) and
authenticated again. A private call refused with ``INVALID_TOKEN`` (the token expired or was
revoked under us) re-authenticates and is sent once more: a 401 means the venue did not act on
the request, so this is safe even for an order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from exchange_clients.common.http import HttpClient, HttpResponse
from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    RateLimitError,
)
from exchange_clients.paradex.client.utils.caching import JwtCache
from exchange_clients.paradex.client.utils.errors import (
    INVALID_TOKEN,
    NOT_ONBOARDED,
    error_from_response,
)
from helpers.decimal import decimal_str
from helpers.unified_logger import get_logger, register_secret
from helpers.venue_config import ParadexConfig, RateLimitTier, VenueConfig

__all__ = ["ParadexSigner", "ParadexTransport", "derive_l2_private_key", "limiters_for", "load_paradex_py",
           "SigningAccelerator"]

VENUE = "paradex"


def derive_l2_private_key(l1_private_key: str, l1_chain_id: int) -> str:
    """The Stark key of an L1 key, as paradex-py derives it (sign its STARK-key typed message
    with the L1 key, grind r), but signing with the key as 32 bytes: paradex-py hands
    eth-account the key as an int, which becomes 31 bytes — and is refused — for the one key in
    256 whose top byte is zero."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data
    from paradex_py.account.utils import _get_private_key_from_eth_signature
    from paradex_py.message.stark_key import build_stark_key_message

    key = bytes.fromhex(l1_private_key.removeprefix("0x").rjust(64, "0"))
    message = build_stark_key_message(l1_chain_id)
    signed = Account.sign_message(encode_typed_data(full_message=message), key)
    return hex(_get_private_key_from_eth_signature("0x" + bytes(signed.signature).hex()))


def load_paradex_py() -> dict[str, Any]:
    """paradex-py's pieces, imported on first use (``ConfigurationError`` if not installed)."""
    try:
        from paradex_py.account.account import ParadexAccount
        from paradex_py.api.models import SystemConfigSchema
        from paradex_py.common.order import Order, OrderSide, OrderType
    except ImportError as exc:
        raise ConfigurationError(VENUE, f"paradex-py is not available ({exc}); install it with "
                                 "pip install 'perpdex[paradex]'", code="NOT_INSTALLED") from None
    return {"ParadexAccount": ParadexAccount, "SystemConfigSchema": SystemConfigSchema,
            "Order": Order, "OrderSide": OrderSide, "OrderType": OrderType}


class ParadexSigner:
    """The account's Stark key and every signature the venue asks for.

    Built from ``/system/config`` (chain ids and the account contract hashes enter the key
    derivation and the address) and the configured key: the L2 (Stark) key when given, else
    derived from the L1 key exactly as paradex-py derives it. CPU only, no network."""

    def __init__(self, system_config: Mapping[str, Any], config: ParadexConfig) -> None:
        sdk = load_paradex_py()
        self._order_cls = sdk["Order"]
        self._side = sdk["OrderSide"]
        self._type = sdk["OrderType"]
        try:
            parsed = sdk["SystemConfigSchema"]().load(dict(system_config), unknown="exclude")
        except ValueError as exc:  # marshmallow.ValidationError is a ValueError
            raise ExchangeError(VENUE, f"/system/config is not what paradex-py expects: {exc}",
                                code="BAD_SYSTEM_CONFIG") from None
        l2 = config.l2_private_key.get_secret_value() if config.l2_private_key else None
        try:
            if l2 is None and config.l1_private_key is not None:
                l2 = derive_l2_private_key(config.l1_private_key.get_secret_value(),
                                           int(parsed.l1_chain_id))
                register_secret(l2)
            self.account = sdk["ParadexAccount"](
                config=parsed, l1_address=config.l1_address, l1_private_key=None, l2_private_key=l2)
        except ValueError as exc:
            raise ConfigurationError(VENUE, f"could not build the Paradex account: {exc}",
                                     code="BAD_KEY") from None
        self.address = hex(self.account.l2_address)
        self.public_key = hex(self.account.l2_public_key)
        self.signed = 0
        self.sign_seconds = 0.0

    def auth_headers(self) -> dict[str, str]:
        """``PARADEX-STARKNET-ACCOUNT/-SIGNATURE``, ``PARADEX-TIMESTAMP`` (s) and
        ``PARADEX-SIGNATURE-EXPIRATION`` (s, 24 h later as paradex-py sends it)."""
        return dict(self.account.auth_headers())

    def onboarding_headers(self) -> dict[str, str]:
        return dict(self.account.onboarding_headers())

    def order_body(self, venue_symbol: str, side: str, size: Decimal, price: Decimal | None,
                   instruction: str, reduce_only: bool, client_id: str) -> dict[str, Any]:
        """A signed ``POST /orders`` body: a LIMIT order when ``price`` is given, else MARKET
        (signed with price 0, sent without one). Sizes and prices are written plainly
        (``"0.00001"``, never ``"1E-5"``); the venue re-derives the signed integers from them."""
        started = time.perf_counter()
        order = self._order_cls(
            market=venue_symbol, order_type=self._type.Limit if price is not None
            else self._type.Market, order_side=self._side.Buy if side == "BUY"
            else self._side.Sell, size=size, limit_price=price if price is not None
            else Decimal(0), client_id=client_id, instruction=instruction,
            reduce_only=reduce_only)
        order.signature = self.account.sign_order(order)
        body: dict[str, Any] = order.dump_to_dict()
        body["size"] = decimal_str(size)
        if price is not None:
            body["price"] = decimal_str(price)
        self.sign_seconds += time.perf_counter() - started
        self.signed += 1
        return body


def limiters_for(tier: RateLimitTier) -> dict[str, RateLimiter] | None:
    """Paradex's published limits (docs rate-limits/api): public 1500/min per IP; ``/auth`` and
    ``/onboarding`` 600/min; order entry (POST/DELETE/PUT ``/orders``) 800/s and 17 250/min
    per account; private GETs 120/s and 600/min per account. ``unlimited`` (the simulator,
    benchmarks) disables client-side limiting."""
    if tier is RateLimitTier.UNLIMITED:
        return None
    return {"public": RateLimiter(VENUE, [(1500, 60.0)]),
            "auth": RateLimiter(VENUE, [(600, 60.0)]),
            "orders": RateLimiter(VENUE, [(800, 1.0), (17_250, 60.0)]),
            "private": RateLimiter(VENUE, [(120, 1.0), (600, 60.0)])}


class ParadexTransport:
    """Public and JWT-authenticated REST calls on one aiohttp session."""

    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self.signer: ParadexSigner | None = None
        self.limiters = limiters_for(config.rate_limit_tier)
        self.http = HttpClient(VENUE, config.resolved_rest_url(), timeout=config.request_timeout,
                               connect_timeout=config.connect_timeout,
                               error_mapper=error_from_response, retries=2)
        self.jwt = JwtCache(self._authenticate)
        self.onboardings = 0
        self.token_retries = 0
        self._log = get_logger("transport", VENUE)

    async def start(self) -> None:
        await self.http.start()

    async def close(self) -> None:
        await self.http.close()

    def _signer(self) -> ParadexSigner:
        if self.signer is None:
            raise ConfigurationError(VENUE, "this call needs credentials (connect() first)",
                                     code="NO_CREDENTIALS")
        return self.signer

    async def _send(self, category: str, method: str, path: str, *,
                    params: Mapping[str, Any] | None = None, json: Any = None,
                    headers: Mapping[str, str] | None = None) -> HttpResponse:
        limiter = self.limiters.get(category) if self.limiters else None
        if limiter is not None:
            await limiter.acquire()
        query = {k: str(v) for k, v in params.items() if v is not None} if params else None
        try:
            return await self.http.request_full(method, path, params=query, json=json,
                                                headers=headers)
        except RateLimitError as exc:
            if limiter is not None:
                exc.retry_after = limiter.penalize(exc.retry_after)
            raise

    # ---- public ---------------------------------------------------------------------------

    async def public(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """An unauthenticated GET (retried by ``HttpClient`` on transport errors, 5xx, 429)."""
        return (await self._send("public", "GET", path, params=params)).body

    async def system_config(self) -> dict[str, Any]:
        body = await self.public("/system/config")
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, "unexpected /system/config body", code="BAD_SYSTEM_CONFIG")
        return body

    # ---- auth -----------------------------------------------------------------------------

    async def _authenticate(self) -> str:
        """A new JWT; onboards the account first if the venue has never seen it."""
        try:
            return await self._auth_once()
        except AuthenticationError as exc:
            if exc.code != NOT_ONBOARDED:
                raise
        self._log.info("account %s is not onboarded: onboarding it", self._signer().address)
        await self.onboard()
        return await self._auth_once()

    async def _auth_once(self) -> str:
        signer = self._signer()
        response = await self._send("auth", "POST", f"/auth/{signer.public_key}",
                                    headers=signer.auth_headers())
        body = response.body
        token = body.get("jwt_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthenticationError(VENUE, "POST /auth answered without a jwt_token",
                                      code="NO_TOKEN")
        return token

    async def onboard(self) -> None:
        """``POST /onboarding`` (idempotent on the venue): registers the Stark key."""
        signer = self._signer()
        await self._send("auth", "POST", "/onboarding", headers=signer.onboarding_headers(),
                         json={"public_key": signer.public_key})
        self.onboardings += 1

    # ---- private --------------------------------------------------------------------------

    async def private(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      json: Any = None) -> HttpResponse:
        """A JWT-authenticated call. GETs are retried by ``HttpClient`` on transport errors,
        5xx and 429; POST/DELETE never (the caller resolves unknown outcomes). A refused token
        is renewed and the call sent once more."""
        method = method.upper()
        # every private write (orders, cancels, margin) counts against the order budget
        category = "private" if method == "GET" else "orders"
        token = await self.jwt.get()
        try:
            return await self._send(category, method, path, params=params, json=json,
                                    headers={"Authorization": f"Bearer {token}"})
        except AuthenticationError as exc:
            if exc.code != INVALID_TOKEN:
                raise
            self._log.info("%s %s: token refused (%s); re-authenticating", method, path, exc.message)
            self.jwt.invalidate(token)
            self.token_retries += 1
        token = await self.jwt.get()
        return await self._send(category, method, path, params=params, json=json,
                                headers={"Authorization": f"Bearer {token}"})


class SigningAccelerator:
    """``starknet_crypto_py_compat.accelerate_starknet_py()`` while Paradex clients are
    connected.

    paradex-py signs through starknet-py, whose typed-data hashing (18 Pedersen hashes over a
    ctypes binding, marshmallow parsing) makes an order signature cost ~3–4 ms; the compat
    package's accelerator swaps in a fast Pedersen with memoised hash chains and a direct
    typed-data builder — identical signatures, ~0.5 ms. It patches starknet-py process-wide, so
    it is reference-counted: switched on by the first client that connects and restored when
    the last one disconnects — unless it was already on (someone else's choice, left alone)."""

    _users = 0
    _ours = False

    @classmethod
    def acquire(cls) -> bool:
        """Switch it on (idempotent); ``False`` when this environment cannot accelerate."""
        try:
            import starknet_crypto_py_compat as compat
        except ImportError:
            return False
        if cls._users == 0:
            cls._ours = not compat.is_accelerated()
            if not compat.accelerate_starknet_py():
                return False
        cls._users += 1
        return True

    @classmethod
    def release(cls) -> None:
        if cls._users == 0:
            return
        cls._users -= 1
        if cls._users == 0 and cls._ours:
            import starknet_crypto_py_compat as compat

            compat.restore_starknet_py()
            cls._ours = False
