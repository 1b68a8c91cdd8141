"""State shared by Aster's REST and WebSocket handlers, and the route wrapper.

Every REST route goes through ``AsterCore.route``: it charges the endpoint's weight to the
caller's IP (429/418, ``X-MBX-USED-WEIGHT-1M`` on every answer), authenticates (public, V3
EIP-712, V1 HMAC, or V1 API key only), runs the handler with a ``Call`` and turns an
``AsterError`` into Aster's ``{"code", "msg"}`` body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from simulator.engine.engine import Engine
from simulator.engine.market import Market
from simulator.engine.orders import Order
from simulator.venues.aster.auth import AsterAuth
from simulator.venues.aster.errors import AsterError, body, mandatory
from simulator.venues.aster.limits import RateLimits
from simulator.venues.aster.listing import Listing, listing_for
from simulator.venues.aster.stats import TickerStats
from simulator.venues.base import VenueContext
from simulator.venues.hub import dumps

__all__ = ["Auth", "Call", "AsterCore", "Handler", "Weight", "PostOnlyMode"]


class Auth(StrEnum):
    PUBLIC = "public"
    V3 = "v3"            # EIP-712 signed (TRADE, USER_DATA, USER_STREAM on /fapi/v3)
    V1 = "v1"            # HMAC signed (TRADE, USER_DATA on /fapi/v1, v2, v4)
    V1_KEY = "v1_key"    # API-key header only (USER_STREAM on /fapi/v1)


class PostOnlyMode(StrEnum):
    EXPIRE = "expire"    # accept, then EXPIRED at once (order recorded, NEW + EXPIRED pushed)
    REJECT = "reject"    # -5022, nothing recorded


@dataclass
class Call:
    request: web.Request
    params: Mapping[str, str]
    account_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        value = self.params.get(name)
        if not value:
            raise mandatory(name)
        return value


Handler = Callable[[Call], Any | Awaitable[Any]]
Weight = int | Callable[[Mapping[str, str]], int]


class AsterCore:
    def __init__(self, ctx: VenueContext) -> None:
        self.ctx = ctx
        self.engine: Engine = ctx.engine
        self.auth = AsterAuth(ctx)
        self.limits = RateLimits()
        self.stats = TickerStats(ctx.engine)
        self.post_only_mode = PostOnlyMode.EXPIRE
        self.listings: dict[str, Listing] = {}
        self.by_market: dict[int, Listing] = {}
        for m in self.engine.markets.values():
            path = self.engine.paths.get(m.symbol)
            start = path.level * m.multiplier if path is not None else float(m.price(m.mark_ticks))
            listing = listing_for(m, start)
            self.listings[listing.symbol] = listing
            self.by_market[m.id] = listing
        #: post-only orders accepted then expired (PostOnlyMode.EXPIRE): kept for lookups
        self.phantoms: dict[int, Order] = {}
        self.phantom_cids: dict[tuple[int, str], Order] = {}
        self._next_phantom = 9_000_000_000_000

    # -- lookups ------------------------------------------------------------------------------
    def listing(self, symbol: str | None) -> Listing:
        if not symbol:
            raise mandatory("symbol")
        listing = self.listings.get(symbol)
        if listing is None:
            raise AsterError(-1121, "Invalid symbol.")
        return listing

    def market(self, listing: Listing) -> Market:
        return self.engine.markets[listing.market_id]

    def wall_ms(self) -> int:
        return self.ctx.wall_ms()

    # -- phantom (expired post-only) orders ---------------------------------------------------
    def add_phantom(self, order: Order) -> None:
        self.phantoms[order.id] = order
        self.phantom_cids[(order.account.id, str(order.client_id))] = order
        while len(self.phantoms) > 10_000:
            old = self.phantoms.pop(next(iter(self.phantoms)))
            key = (old.account.id, str(old.client_id))
            if self.phantom_cids.get(key) is old:
                del self.phantom_cids[key]

    def next_phantom_id(self) -> int:
        self._next_phantom += 1
        return self._next_phantom

    # -- routing ------------------------------------------------------------------------------
    def route(self, handler: Handler, weight: Weight,
              auth: Auth) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def wrapped(request: web.Request) -> web.Response:
            now = self.wall_ms()
            ip = request.remote or "unknown"
            call = Call(request, request.query)
            status = 200
            try:
                cost = weight if isinstance(weight, int) else weight(await self._raw_params(request))
                self.limits.charge(ip, cost, now)
                if auth is not Auth.PUBLIC:
                    caller = await (self.auth.v3(request) if auth is Auth.V3
                                    else self.auth.v1(request, signed=auth is Auth.V1))
                    call.params, call.account_id = caller.params, caller.account_id
                result = handler(call)
                payload = await result if isinstance(result, Awaitable) else result
            except AsterError as exc:
                payload, status = body(exc.code, exc.msg), exc.status
                call.headers.update(exc.headers)
            call.headers["X-MBX-USED-WEIGHT-1M"] = str(self.limits.used(ip, now))
            return web.Response(text=dumps(payload), status=status, content_type="application/json",
                                headers=call.headers)

        return wrapped

    @staticmethod
    async def _raw_params(request: web.Request) -> dict[str, str]:
        params = dict(request.query)
        if request.can_read_body:
            params.update(parse_qsl(await request.text(), keep_blank_values=True))
        return params


def decimal_param(call: Call, name: str, *, required: bool = True) -> Decimal | None:
    """A decimal parameter (-1102 when missing or not a finite number)."""
    text = call.get(name)
    if text is None:
        if required:
            raise mandatory(name)
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise mandatory(name) from None
    if not value.is_finite():
        raise mandatory(name)
    return value


def int_param(call: Call, name: str, default: int | None = None) -> int | None:
    text = call.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise mandatory(name) from None
