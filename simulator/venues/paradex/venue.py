"""The Paradex venue module: listings, identities (L1 key → Stark key → account address),
onboarding state, JWTs, and the wiring of REST (rest.py), WebSocket (ws.py) and the order desk
(desk.py). See docs/venues/paradex.md, section "Simulator"."""

from __future__ import annotations

import math
import os
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web
from eth_account import Account as EthAccount

from simulator.engine.accounts import Account
from simulator.engine.catalog import default_markets
from simulator.engine.core import EngineConfig
from simulator.engine.market import Market, MarketSpec
from simulator.engine.orders import SelfTradePolicy
from simulator.venues import register_venue
from simulator.venues.base import ErrorKind, VenueContext, VenueModule
from simulator.venues.paradex import keys
from simulator.venues.paradex.desk import OrderDesk
from simulator.venues.paradex.errors import ApiError, error_response
from simulator.venues.paradex.formats import funding_index
from simulator.venues.paradex.keys import JwtError, JwtIssuer
from simulator.venues.paradex.market_data import MarketData
from simulator.venues.paradex.rest import ParadexRest
from simulator.venues.paradex.ws import ParadexWs

__all__ = ["ParadexVenue", "PdxIdentity", "JWT_LIFETIME_S"]

D = Decimal
#: default JWT lifetime (the real venue: 5 minutes); ``PERPDEX_SIM_PARADEX_JWT_TTL`` overrides it for
#: `perpdex sim up`, and a test sets ``venue.jwt_lifetime_s`` on the running module
JWT_LIFETIME_S = 300.0


@dataclass(slots=True)
class PdxIdentity:
    account_id: int
    address: int
    public_key: int
    l1_address: str
    onboarded: bool = False

    @property
    def address_hex(self) -> str:
        return hex(self.address)


@register_venue
class ParadexVenue(VenueModule):
    name = "paradex"
    rest_prefix = "/v1"
    ws_path = "/v1"
    ws_heartbeat = 55.0          # the server pings every 55 s and expects pongs

    # -- listings and policies ----------------------------------------------------------------------
    @classmethod
    def markets(cls, venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
        """The catalog, with PEPE listed as Paradex lists it: kPEPE-USD-PERP, 1000 PEPE per contract."""
        specs = []
        for spec in default_markets(venue, count, symbols):
            if spec.symbol == "PEPE":
                spec = MarketSpec(**{**spec.model_dump(), "venue_symbol": "kPEPE-USD-PERP",
                                     "multiplier": 1000, "tick_size": D("0.000001"),
                                     "step_size": D(1), "min_size": D(1)})
            specs.append(spec)
        return specs

    @classmethod
    def engine_config(cls) -> EngineConfig:
        """Self-trade prevention EXPIRE_TAKER, Paradex's default: the taker's remainder is cancelled."""
        return EngineConfig(self_trade=SelfTradePolicy.CANCEL_TAKER)

    def __init__(self, ctx: VenueContext) -> None:
        super().__init__(ctx)
        self.jwt = JwtIssuer(secrets.token_bytes(32))
        self.jwt_lifetime_s = float(os.environ.get("PERPDEX_SIM_PARADEX_JWT_TTL", JWT_LIFETIME_S))
        self.identities: dict[int, PdxIdentity] = {}      # account address -> identity
        self.system_status = "ok"
        self.data = MarketData(self.engine, ctx.wall_ms)
        self.ws = ParadexWs(self)
        self.desk = OrderDesk(self.engine, self.ws, ctx.wall_ms)
        self.desk.max_lots = {mid: int(size / self.engine.markets[mid].step)
                              for mid, size in self.data.max_order_size.items()}
        self.rest = ParadexRest(self)

    async def start(self) -> None:
        self.data.start()
        self.desk.start()
        self.ws.start()

    async def stop(self) -> None:
        await self.ws.stop()
        self.desk.stop()
        self.data.stop()

    def setup_routes(self, app: web.Application) -> None:
        self.rest.add_routes(app)
        app.router.add_get(self.ws_path, self.ws.handle)

    # -- identities ---------------------------------------------------------------------------------
    def issue_credentials(self, account: Account) -> dict[str, Any]:
        """A fresh L1 key; its Stark key and account address derived the way paradex-py derives
        them. The account is NOT onboarded: the client's first ``/auth`` gets NOT_ONBOARDED and it
        calls ``/onboarding``. Keys match ``helpers.venue_config.ParadexConfig``."""
        wallet = EthAccount.create()
        l1_key = "0x" + bytes(wallet.key).hex()
        l2_key = keys.derive_l2_private_key(l1_key)
        public_key = keys.l2_public_key(l2_key)
        self._register(account, public_key, wallet.address, onboarded=False)
        return {"l1_address": wallet.address, "l1_private_key": l1_key, "l2_private_key": hex(l2_key)}

    def _register(self, account: Account, public_key: int, l1_address: str, *,
                  onboarded: bool) -> PdxIdentity:
        ident = PdxIdentity(account.id, keys.l2_address(public_key), public_key, l1_address, onboarded)
        self.identities[ident.address] = ident
        account.meta["paradex"] = ident
        return ident

    def onboard(self, address: int, public_key: int, l1_address: str) -> PdxIdentity:
        """``POST /onboarding`` (signature already verified): idempotent; a key the simulator did
        not issue gets a new, unfunded account, as anyone can onboard on the real venue."""
        ident = self.identities.get(address)
        if ident is None:
            account = self.engine.create_account(label=f"paradex {hex(address)[:12]}")
            ident = self._register(account, public_key, l1_address, onboarded=True)
        ident.onboarded = True
        return ident

    def issue_jwt(self, ident: PdxIdentity) -> str:
        return self.jwt.issue(ident.address_hex, self.ctx.wall_ms() / 1000, self.jwt_lifetime_s)

    def decode_token(self, token: str) -> PdxIdentity:
        """The onboarded identity a bearer token stands for; ``JwtError`` otherwise."""
        subject = self.jwt.subject(token, self.ctx.wall_ms() / 1000)
        try:
            ident = self.identities.get(int(subject, 16))
        except ValueError:
            ident = None
        if ident is None or not ident.onboarded:
            raise JwtError("invalid bearer jwt: unknown account")
        return ident

    def identity_for_token(self, token: str) -> PdxIdentity:
        try:
            return self.decode_token(token)
        except JwtError as exc:
            raise ApiError(401, "INVALID_TOKEN", str(exc)) from None

    def closed_position(self, acct: Account, address: str, m: Market) -> dict[str, Any]:
        """The positions-channel update for a position that has just been closed."""
        now = self.ctx.wall_ms()
        return {"id": f"{address}-{m.venue_symbol}", "account": address, "market": m.venue_symbol,
                "status": "CLOSED", "side": "LONG", "size": "0", "average_entry_price": "0",
                "average_entry_price_usd": "0", "average_exit_price": "0", "cost": "0", "cost_usd": "0",
                "unrealized_pnl": "0", "unrealized_funding_pnl": "0", "realized_positional_pnl": "0",
                "realized_positional_funding_pnl": "0", "cached_funding_index": str(funding_index(m)),
                "liquidation_price": "", "leverage": str(self.engine.leverage_of(acct.id, m.id)),
                "last_fill_id": acct.meta.get("pdx_last_fill", {}).get(m.id, ""), "created_at": now,
                "last_updated_at": now, "closed_at": now, "seq_no": self.desk.next_seq()}

    # -- scaffold errors ----------------------------------------------------------------------------
    def error_response(self, kind: ErrorKind, status: int, message: str,
                       retry_after: float | None = None) -> web.Response:
        if kind is ErrorKind.RATE_LIMIT:
            reset = math.ceil(time.time() + (retry_after or 1.0))
            headers = {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "0",
                       "x-ratelimit-reset": str(reset), "x-ratelimit-window": "1"}
            return error_response(429, "TOO_MANY_REQUESTS", "rate limit exceeded", headers)
        if kind is ErrorKind.MAINTENANCE:
            return error_response(status, "SERVICE_UNAVAILABLE", "system under maintenance")
        code = "SERVICE_UNAVAILABLE" if status == 503 else "INTERNAL_ERROR"
        return error_response(status, code, message)
