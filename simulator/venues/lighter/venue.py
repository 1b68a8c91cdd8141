"""The Lighter venue module: REST at the host root (``/api/v1/...``, ``/``) and the WebSocket
``/stream``, as on ``mainnet.zklighter.elliot.ai`` — lighter-sdk's ``SignerClient`` (Go signer
included), ``OrderApi``/``AccountApi``/``FundingApi`` and ``WsClient`` work against it unchanged.

Accounts get Lighter-like indexes (from 281 up); ``issue_credentials`` registers a key pair made
by lighter-sdk at api key index 3 (the first free from 3) and returns exactly the fields of
``helpers.venue_config.LighterConfig``. See docs/venues/lighter.md ("Simulator").
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, ClassVar

from aiohttp import web

from simulator.engine.accounts import Account
from simulator.engine.market import MarketSpec
from simulator.venues import register_venue
from simulator.venues.base import ErrorKind, VenueContext, VenueModule
from simulator.venues.lighter.accounts import Activity, l1_address
from simulator.venues.lighter.errors import Code
from simulator.venues.lighter.keys import KeyRing, generate_key_pair
from simulator.venues.lighter.listing import MarketData, lighter_markets
from simulator.venues.lighter.orders import OrderRecord, OrderStore
from simulator.venues.lighter.rest import Rest, json_response
from simulator.venues.lighter.txs import TxProcessor
from simulator.venues.lighter.ws import Streams

__all__ = ["LighterVenue", "FIRST_ACCOUNT_INDEX", "CHAIN_ID"]

FIRST_ACCOUNT_INDEX = 281
#: the chain the credentials are issued for (testnet's; the simulator does not verify signatures)
CHAIN_ID = 300


@register_venue
class LighterVenue(VenueModule):
    name = "lighter"
    rest_prefix = ""
    ws_path = "/stream"
    #: seconds between the server's ``{"type":"ping"}`` frames
    ping_interval: ClassVar[float] = 30.0
    #: a connection that sent nothing for this long is closed (the venue: about two minutes)
    idle_timeout: ClassVar[float] = 120.0

    def __init__(self, ctx: VenueContext) -> None:
        super().__init__(ctx)
        self.keys = KeyRing()
        self.data = MarketData(self.engine)
        self.streams = Streams(self)
        self.orders = OrderStore(self.engine, self._on_order)
        self.activity = Activity(self.engine, self.streams.on_trade, self.orders.meta_of)
        self.txs = TxProcessor(self)
        self.rest = Rest(self)
        self._next_index = FIRST_ACCOUNT_INDEX
        self._scheduled: dict[int, asyncio.TimerHandle] = {}

    @classmethod
    def markets(cls, venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
        return lighter_markets(venue, count, symbols)

    # -- lifecycle ------------------------------------------------------------------------------------
    def setup_routes(self, app: web.Application) -> None:
        self.rest.add_routes(app)
        app.router.add_get(self.ws_path, self.streams.route)

    async def start(self) -> None:
        self.orders.start()
        self.activity.start()
        self.streams.start()

    async def stop(self) -> None:
        for handle in self._scheduled.values():
            handle.cancel()
        self._scheduled.clear()
        await self.streams.stop()
        self.activity.stop()
        self.orders.stop()
        self.data.close()

    def error_response(self, kind: ErrorKind, status: int, message: str,
                       retry_after: float | None = None) -> web.Response:
        if kind is ErrorKind.RATE_LIMIT:
            code, text = Code.TOO_MANY_REQUESTS
            return json_response({"code": code, "message": text}, 429)
        return json_response({"code": status, "message": message}, status)

    # -- accounts and credentials ------------------------------------------------------------------------
    def create_account(self, usd: Decimal, label: str | None = None) -> Account:
        while self._next_index in self.engine.accounts:
            self._next_index += 1
        account = self.engine.create_account(usd, label=label, account_id=self._next_index)
        account.meta["l1_address"] = l1_address(account.id)
        self._next_index += 1
        return account

    def issue_credentials(self, account: Account) -> dict[str, Any]:
        if account.id < 1 or account.agent:
            raise ValueError(f"account {account.id} cannot hold Lighter API keys")
        account.meta.setdefault("l1_address", l1_address(account.id))
        private, public = generate_key_pair()
        key = self.keys.register(account.id, self.keys.free_index(account.id), public)
        return {"account_index": account.id, "api_key_index": key.index, "api_private_key": private,
                "chain_id": CHAIN_ID}

    def accounts_of(self, address: str) -> list[Account]:
        address = address.lower()
        return [a for a in self.engine.accounts.values()
                if not a.agent and str(a.meta.get("l1_address", "")).lower() == address]

    # -- scheduled cancel-all ----------------------------------------------------------------------------
    def schedule_cancel_all(self, account: int, when_ms: int) -> None:
        """Cancel every order of ``account`` at wall time ``when_ms`` (0: abort the schedule)."""
        handle = self._scheduled.pop(account, None)
        if handle is not None:
            handle.cancel()
        acct = self.engine.accounts[account]
        acct.meta["cancel_all_time"] = when_ms
        if when_ms:
            delay = max(0.0, (when_ms - self.ctx.wall_ms()) / 1000)
            self._scheduled[account] = asyncio.get_running_loop().call_later(
                delay, self._fire_cancel_all, account)

    def _fire_cancel_all(self, account: int) -> None:
        self._scheduled.pop(account, None)
        self.engine.accounts[account].meta["cancel_all_time"] = 0
        self.engine.cancel_all(account)

    def _on_order(self, record: OrderRecord) -> None:
        self.streams.on_order(record)
