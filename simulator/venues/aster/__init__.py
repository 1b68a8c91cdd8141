"""The Aster (asterdex) USDT-M perpetual futures venue of the simulator.

Serves Aster's real wire protocol (notes: /work/notes/aster_protocol.md; docs/venues/aster.md
"Simulator"): REST at the host root — ``/fapi/v3/...`` signed with EIP-712 by an API wallet
(V3) and the legacy ``/fapi/v1``/``v2``/``v4`` HMAC surface (V1), public market data on both —
and WebSockets at ``/ws/<stream>``, ``/stream?streams=`` with user data through listen keys.

Package layout: ``listing`` (markets, exchangeInfo), ``errors`` (the code table), ``limits``
(weights, 429/418), ``auth`` (V3/V1 verification, nonces), ``core`` (shared state, route
wrapper), ``formats`` (JSON shapes), ``public``/``orders``/``account`` (REST), ``streams``
(WebSocket), ``userdata`` (listen keys, private events), ``stats`` (24 h tickers).
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from eth_account import Account as EthAccount

from simulator.engine.accounts import Account
from simulator.engine.market import MarketSpec
from simulator.venues import register_venue
from simulator.venues.aster import listing
from simulator.venues.aster.account import AccountApi
from simulator.venues.aster.core import AsterCore, Auth, Handler, PostOnlyMode, Weight
from simulator.venues.aster.errors import SERVER_ERRORS, TOO_MANY_REQUESTS, body
from simulator.venues.aster.orders import OrderApi
from simulator.venues.aster.public import PublicApi, depth_weight, one_or_all
from simulator.venues.aster.streams import MarketStreams
from simulator.venues.aster.userdata import UserStreams
from simulator.venues.base import ErrorKind, VenueContext, VenueModule
from simulator.venues.hub import dumps

__all__ = ["AsterVenue", "PostOnlyMode"]

#: V1 paths that differ from "/fapi/v1/<name>" (documented V1 versions of these endpoints)
_V1_PATHS = {"balance": "/fapi/v2/balance", "positionRisk": "/fapi/v2/positionRisk",
             "account": "/fapi/v4/account"}


@register_venue
class AsterVenue(VenueModule):
    name = "aster"
    rest_prefix = ""            # https://fapi.asterdex.com: paths carry /fapi/v3, /fapi/v1 ...
    ws_path = ""                # wss://fstream.asterdex.com: /ws/<stream>, /stream?streams=
    ws_heartbeat = 300.0        # "The websocket server will send a ping frame every 5 minutes"

    def __init__(self, ctx: VenueContext) -> None:
        super().__init__(ctx)
        self.core = AsterCore(ctx)
        self.streams = MarketStreams(self.core)
        self.user = UserStreams(self.core, self.streams)
        self.streams.user = self.user
        self.public = PublicApi(self.core)
        self.orders = OrderApi(self.core, self.user)
        self.accounts = AccountApi(self.core, self.user)

    @classmethod
    def markets(cls, venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
        return listing.markets(venue, count, symbols)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self.core.stats.start()
        self.user.start()
        self.streams.start()

    async def stop(self) -> None:
        await self.streams.stop()
        self.user.stop()
        self.core.stats.stop()

    # -- credentials ----------------------------------------------------------------------------
    def issue_credentials(self, account: Account) -> dict[str, Any]:
        """A V3 API wallet (``signer``) for the account's main wallet (``user``), plus a V1 API key
        pair: every field of ``AsterConfig``, ``auth`` "v3" (switch to "v1" to use the keys)."""
        user = account.meta.get("aster_user")
        if user is None:
            user = account.meta["aster_user"] = EthAccount.create().address
        signer = EthAccount.create()
        api_key, secret_key = secrets.token_hex(32), secrets.token_hex(32)
        self.core.auth.register_v3(account.id, user, signer.address)
        self.core.auth.register_v1(account.id, api_key, secret_key)
        self.user.register_account(account.id)
        return {"auth": "v3", "user": user, "signer": signer.address,
                "signer_private_key": "0x" + bytes(signer.key).hex(), "api_key": api_key,
                "secret_key": secret_key}

    # -- errors from the scaffold (faults) --------------------------------------------------------
    def error_response(self, kind: ErrorKind, status: int, message: str,
                       retry_after: float | None = None) -> web.Response:
        if kind is ErrorKind.RATE_LIMIT:
            payload = body(TOO_MANY_REQUESTS, "Too many requests; please use the websocket for live updates.")
        elif kind is ErrorKind.MAINTENANCE:
            payload = body(-1016, "This service is no longer available.")
        else:
            payload = body(*SERVER_ERRORS.get(status, SERVER_ERRORS[500]))
        return web.Response(text=dumps(payload), status=status, content_type="application/json",
                            headers={"X-MBX-USED-WEIGHT-1M": "0"})

    # -- routes ---------------------------------------------------------------------------------
    def setup_routes(self, app: web.Application) -> None:
        add = self._adder(app)
        p, o, a, u = self.public, self.orders, self.accounts, self.user
        for version in ("/fapi/v3", "/fapi/v1"):
            for name, handler, weight in (
                    ("ping", p.ping, 1), ("time", p.time, 1), ("exchangeInfo", p.exchange_info, 1),
                    ("depth", p.depth, depth_weight), ("premiumIndex", p.premium_index, one_or_all(1, 10)),
                    ("fundingRate", p.funding_rate, 1), ("fundingInfo", p.funding_info, 1),
                    ("ticker/24hr", p.ticker_24hr, one_or_all(1, 40)),
                    ("ticker/price", p.ticker_price, one_or_all(1, 2)),
                    ("ticker/bookTicker", p.book_ticker, one_or_all(1, 2)),
                    ("openInterest", p.open_interest, 1)):
                add("GET", f"{version}/{name}", handler, weight, Auth.PUBLIC)
        private: list[tuple[str, str, Any, Weight]] = [
            ("POST", "order", o.new_order, 1), ("GET", "order", o.get_order, 1),
            ("DELETE", "order", o.cancel_order, 1), ("GET", "openOrder", o.get_open_order, 1),
            ("GET", "openOrders", o.open_orders, one_or_all(1, 40)), ("GET", "allOrders", o.all_orders, 5),
            ("DELETE", "allOpenOrders", o.cancel_all, 1), ("GET", "balance", a.balance, 5),
            ("GET", "account", a.account, 5), ("GET", "positionRisk", a.position_risk, 5),
            ("POST", "leverage", a.leverage, 1), ("GET", "userTrades", a.user_trades, 5),
            ("GET", "income", a.income, 30), ("GET", "commissionRate", a.commission_rate, 20),
            ("GET", "leverageBracket", a.leverage_bracket, 1), ("GET", "positionSide/dual", a.dual_side, 30),
            ("POST", "positionSide/dual", a.set_dual_side, 1), ("POST", "marginType", a.margin_type, 1),
        ]
        for method, name, handler, weight in private:
            add(method, f"/fapi/v3/{name}", handler, weight, Auth.V3)
            add(method, _V1_PATHS.get(name, f"/fapi/v1/{name}"), handler, weight, Auth.V1)
        add("GET", "/fapi/v3/accountWithJoinMargin", a.account, 5, Auth.V3)
        add("POST", "/fapi/v3/noop", a.noop, 1, Auth.V3)
        for method, handler in (("POST", u.create), ("PUT", u.keepalive), ("DELETE", u.close)):
            add(method, "/fapi/v3/listenKey", handler, 1, Auth.V3)
            add(method, "/fapi/v1/listenKey", handler, 1, Auth.V1_KEY)
        app.router.add_get("/ws", self.streams.serve)
        app.router.add_get("/ws/{streams:.*}", self.streams.serve)
        app.router.add_get("/stream", self.streams.serve)

    def _adder(self, app: web.Application) -> Any:
        def add(method: str, path: str, handler: Handler, weight: Weight, auth: Auth) -> None:
            app.router.add_route(method, path, self.core.route(handler, weight, auth))
        return add

    # -- test and control helpers -----------------------------------------------------------------
    def set_post_only_mode(self, mode: PostOnlyMode) -> None:
        """How a crossing GTX order is answered: accepted then EXPIRED (default) or -5022."""
        self.core.post_only_mode = mode
