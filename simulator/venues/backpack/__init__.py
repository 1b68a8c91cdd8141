"""The Backpack perpetuals venue of the simulator: Backpack's real REST paths (``/api/v1``,
``/wapi/v1``), ED25519-signed requests verified as the venue defines them, its JSON shapes and
error bodies, and its WebSocket streams. See docs/venues/backpack.md ("Simulator").

REST is served at the host root (``rest_url`` = ``http://127.0.0.1:PORT``, like
``https://api.backpack.exchange``) and the WebSocket at the root path (``ws://127.0.0.1:PORT``,
like ``wss://ws.backpack.exchange``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from aiohttp import web

from simulator.engine.accounts import Account
from simulator.engine.core import EngineConfig
from simulator.engine.market import MarketSpec
from simulator.engine.orders import EngineError, ReduceOnlyPolicy, SelfTradePolicy
from simulator.venues import register_venue
from simulator.venues.backpack.account import (
    DEFAULT_LEVERAGE_LIMIT,
    MAX_LEVERAGE_LIMIT,
    AccountApi,
    apply_leverage_limit,
)
from simulator.venues.backpack.auth import Authenticator, new_key_pair
from simulator.venues.backpack.errors import json_response
from simulator.venues.backpack.listing import backpack_markets
from simulator.venues.backpack.private import OrderApi
from simulator.venues.backpack.public import PublicApi
from simulator.venues.backpack.stats import TickerStats
from simulator.venues.backpack.tracker import OrderTracker
from simulator.venues.backpack.ws import BackpackStreams
from simulator.venues.base import ErrorKind, VenueContext, VenueModule

__all__ = ["BackpackVenue"]

_FAULT_BODIES = {
    ErrorKind.RATE_LIMIT: ("TOO_MANY_REQUESTS", "Too many requests"),
    ErrorKind.MAINTENANCE: ("MAINTENANCE", "System under maintenance"),
    ErrorKind.SERVER_ERROR: ("SERVER_ERROR", "Internal server error"),
}


@register_venue
class BackpackVenue(VenueModule):
    name = "backpack"
    rest_prefix = ""
    ws_path = ""
    #: the venue pings every 60 s and expects a pong (aiohttp answers client pings itself)
    ws_heartbeat: ClassVar[float | None] = 60.0

    def __init__(self, ctx: VenueContext) -> None:
        super().__init__(ctx)
        self.auth = Authenticator()
        self.stats = TickerStats(self.engine)
        self.tracker = OrderTracker(self)
        self.streams = BackpackStreams(self)
        self.public = PublicApi(self)
        self.orders = OrderApi(self)
        self.account_api = AccountApi(self)

    # -- listing and policies ----------------------------------------------------------------------
    @classmethod
    def markets(cls, venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
        return backpack_markets(venue, count, symbols)

    @classmethod
    def engine_config(cls) -> EngineConfig:
        """Self-trade: RejectTaker (the default); a reduce-only order larger than the position is
        refused ("Reduce only order not reduced"), not trimmed."""
        return EngineConfig(self_trade=SelfTradePolicy.CANCEL_TAKER, reduce_only=ReduceOnlyPolicy.REJECT)

    # -- accounts -----------------------------------------------------------------------------------
    def issue_credentials(self, account: Account) -> dict[str, Any]:
        """A fresh ED25519 API key: ``public_key`` (X-API-Key) and ``secret_key`` (the base64 seed),
        the field names of ``BackpackConfig``. The account gets the default leverage limit."""
        public_key, secret_key = new_key_pair()
        self.auth.register(public_key, account.id)
        account.meta.setdefault("backpack_keys", []).append(public_key)
        if "leverage_limit" not in account.meta:
            try:
                apply_leverage_limit(self, account.id, DEFAULT_LEVERAGE_LIMIT)
            except EngineError as exc:      # an account already leveraged beyond it keeps its leverage
                self.ctx.log.warning("account %s keeps its leverage: %s", account.id, exc)
                account.meta["leverage_limit"] = MAX_LEVERAGE_LIMIT
        return {"public_key": public_key, "secret_key": secret_key}

    # -- serving ------------------------------------------------------------------------------------
    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.streams.serve)
        self.public.routes(app)
        self.orders.routes(app)
        self.account_api.routes(app)
        # any other path (but the simulator's control API) is Backpack's plain-text 404
        app.router.add_route("*", r"/{tail:(?!_sim(?:/|$)).*}", self.public.not_found)

    def error_response(self, kind: ErrorKind, status: int, message: str,
                       retry_after: float | None = None) -> web.Response:
        code, text = _FAULT_BODIES[kind]
        return json_response({"code": code, "message": text}, status)

    async def start(self) -> None:
        self.stats.start()
        self.tracker.start()
        await self.streams.start()

    async def stop(self) -> None:
        await self.streams.stop()
        self.tracker.stop()
        self.stats.stop()
