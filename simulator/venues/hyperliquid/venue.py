"""The Hyperliquid venue module: ``POST /info``, ``POST /exchange`` and the ``/ws`` WebSocket.

REST base is the host root and the WebSocket is ``/ws``, as on ``api.hyperliquid.xyz``, so the
official SDK's ``Info(base_url)``/``Exchange(wallet, base_url)`` work unchanged. The SDK signs
testnet-style (phantom-agent source ``"b"``) for every URL but the mainnet one, so that is what
the module verifies by default; set ``HyperliquidVenue.expect_mainnet = True`` (or the environment
variable ``PERPDEX_SIM_HYPERLIQUID_MAINNET=1``) to expect mainnet signatures (``"a"``).
"""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from typing import Any, ClassVar

import orjson
from aiohttp import web

from simulator.engine.accounts import Account
from simulator.engine.market import Market, MarketSpec
from simulator.venues import register_venue
from simulator.venues.base import ErrorKind, VenueContext, VenueModule
from simulator.venues.hub import dumps
from simulator.venues.hyperliquid.errors import Texts, ok, top_error
from simulator.venues.hyperliquid.exchange import Exchange
from simulator.venues.hyperliquid.info import Info
from simulator.venues.hyperliquid.rules import hl_markets, num, snap_quotes
from simulator.venues.hyperliquid.signing import DESERIALIZE_ERROR, NonceBook, SignedRequest, Unprocessable
from simulator.venues.hyperliquid.wallets import Wallets
from simulator.venues.hyperliquid.ws import WsStreams

__all__ = ["HyperliquidVenue"]

D = Decimal
#: leverage of a new account on every market (capped at the market's maximum), as on the venue
DEFAULT_LEVERAGE = 20
_SCHEDULE_MIN_DELAY_MS = 5_000
_SCHEDULE_VOLUME = D(1_000_000)


def _env_mainnet() -> bool:
    return os.environ.get("PERPDEX_SIM_HYPERLIQUID_MAINNET", "").strip().lower() in ("1", "true", "yes")


@register_venue
class HyperliquidVenue(VenueModule):
    name = "hyperliquid"
    rest_prefix = ""
    ws_path = "/ws"
    #: verify L1 signatures with the mainnet phantom source "a" (default: testnet "b")
    expect_mainnet: ClassVar[bool] = False
    #: l2Book/bbo pushes are coalesced over this many seconds (the venue: per block, ≥ 0.5 s)
    book_interval: ClassVar[float] = 0.5

    def __init__(self, ctx: VenueContext) -> None:
        super().__init__(ctx)
        self.mainnet = self.expect_mainnet or _env_mainnet()
        self.universe: list[Market] = sorted(self.engine.markets.values(), key=lambda m: m.id)
        self._by_coin = {m.venue_symbol: m for m in self.universe}
        self.wallets = Wallets(self.name)
        self.nonces = NonceBook()
        self.requests_used: dict[str, int] = {}
        self._isolated: set[tuple[int, int]] = set()
        self._scheduled: dict[int, asyncio.TimerHandle] = {}
        self.exchange = Exchange(self)
        self.info = Info(self)
        self.streams = WsStreams(self)
        snap_quotes(self.engine)

    @classmethod
    def markets(cls, venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
        return hl_markets(venue, count, symbols)

    # -- lifecycle ------------------------------------------------------------------------------------
    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/info", self.info_route)
        app.router.add_post("/exchange", self.exchange_route)
        app.router.add_get("/ws", self.streams.route)

    async def start(self) -> None:
        self.streams.start()

    async def stop(self) -> None:
        for handle in self._scheduled.values():
            handle.cancel()
        self._scheduled.clear()
        await self.streams.stop()

    def issue_credentials(self, account: Account) -> dict[str, Any]:
        """A master wallet for the account and an approved API wallet (agent) that signs for it:
        ``{"address": master, "agent_private_key": agent key}`` (HyperliquidConfig's fields).
        The master key stays in ``account.meta`` (tests use it to sign user-signed actions)."""
        address = account.meta.get("hl_address")
        if address is None:
            address, master_key = self.wallets.register(account.id)
            account.meta["hl_address"] = address
            account.meta["hl_master_key"] = master_key
            for m in self.universe:
                self.engine.set_leverage(account.id, m.id, min(DEFAULT_LEVERAGE, int(m.max_leverage)))
            account.meta["hl_agent_key"] = self.wallets.new_agent(address)
        return {"address": address, "agent_private_key": account.meta["hl_agent_key"]}

    def error_response(self, kind: ErrorKind, status: int, message: str,
                       retry_after: float | None = None) -> web.Response:
        """429: the JSON literal ``null`` (what the venue sends); 5xx/maintenance: plain text."""
        if kind is ErrorKind.RATE_LIMIT:
            return web.Response(status=status, text="null", content_type="application/json")
        return web.Response(status=status, text=message, content_type="text/plain")

    # -- REST ---------------------------------------------------------------------------------------
    async def _body(self, request: web.Request) -> Any:
        try:
            return orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            raise Unprocessable("body is not JSON") from None

    @staticmethod
    def _unprocessable() -> web.Response:
        return web.Response(status=422, text=DESERIALIZE_ERROR, content_type="text/plain")

    async def info_route(self, request: web.Request) -> web.Response:
        try:
            answer = self.info.handle(await self._body(request))
        except Unprocessable:
            return self._unprocessable()
        return web.Response(text=dumps(answer), content_type="application/json")

    async def exchange_route(self, request: web.Request) -> web.Response:
        try:
            answer = self.exchange.handle(await self._body(request))
        except Unprocessable:
            return self._unprocessable()
        return web.Response(text=dumps(answer), content_type="application/json")

    # -- shared helpers ----------------------------------------------------------------------------------
    def coin(self, name: str) -> Market | None:
        return self._by_coin.get(name)

    def all_mids(self) -> dict[str, str]:
        out = {}
        for m in self.universe:
            stats = self.engine.market_stats(m.id)
            if stats.best_bid is not None and stats.best_ask is not None:
                out[m.venue_symbol] = num((stats.best_bid + stats.best_ask) / 2)
            else:
                out[m.venue_symbol] = num(stats.last_price or stats.mark_price)
        return out

    def book_snapshot(self, m: Market, n_sig_figs: int | None = None,
                      mantissa: int | None = None) -> dict[str, Any]:
        return {"coin": m.venue_symbol, "time": self.ctx.wall_ms(),
                "levels": self.info.book_levels(m, n_sig_figs, mantissa)}

    def is_cross(self, account_id: int, market_id: int) -> bool:
        return (account_id, market_id) not in self._isolated

    def set_cross(self, account_id: int, market_id: int, cross: bool) -> None:
        """Isolated margin is recorded and shown, but the engine margins every position cross."""
        if cross:
            self._isolated.discard((account_id, market_id))
        else:
            self._isolated.add((account_id, market_id))

    def count_request(self, user: str, req: SignedRequest) -> None:
        """Requests used by an address (``userRateLimit``): a batch counts its length."""
        batch = req.action.get("orders") or req.action.get("cancels") or req.action.get("modifies") or [None]
        self.requests_used[user] = self.requests_used.get(user, 0) + len(batch)

    def schedule_cancel(self, account_id: int, at_ms: int | None) -> dict[str, Any]:
        """Dead man's switch: cancel every open order at ``at_ms`` (wall); None unsets it."""
        traded = sum((f.notional for f in self.engine.account(account_id).fills), D(0))
        if traded < _SCHEDULE_VOLUME:
            return top_error(Texts.SCHEDULE_VOLUME.format(traded=f"{traded.quantize(D('0.01'))}"))
        old = self._scheduled.pop(account_id, None)
        if old is not None:
            old.cancel()
        if at_ms is None:
            return ok({"type": "default"})
        now = self.ctx.wall_ms()
        if at_ms < now + _SCHEDULE_MIN_DELAY_MS:
            return top_error(Texts.SCHEDULE_TIME)
        delay = (at_ms - now) / 1000
        self._scheduled[account_id] = asyncio.get_running_loop().call_later(delay, self._scheduled_cancel,
                                                                              account_id)
        return ok({"type": "default"})

    def _scheduled_cancel(self, account_id: int) -> None:
        self._scheduled.pop(account_id, None)
        self.engine.cancel_all(account_id)

