"""``ParadexClient``: the Paradex implementation of ``BaseExchangeClient``.

Thin by design: it owns the lifecycle (signer, REST transport, JWT, WebSocket, caches) and
delegates every method to a manager with one responsibility. Nothing here blocks the event
loop: REST goes through our aiohttp session, the account/key derivation (CPU only) runs in a
worker thread once at connect, and order signing (~0.5 ms with the accelerator) runs inline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from exchange_clients.common.ids import StringIds
from exchange_clients.common.managed_client import ManagedClient
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import ConfigurationError
from exchange_clients.models import (
    MarketInfo,
)
from exchange_clients.paradex.client.managers.account_manager import AccountManager
from exchange_clients.paradex.client.managers.market_data import MarketDataManager
from exchange_clients.paradex.client.managers.order_manager import OrderManager
from exchange_clients.paradex.client.managers.position_manager import PositionManager
from exchange_clients.paradex.client.managers.websocket_handlers import (
    PrivateFrameHandler,
    Settlements,
)
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import perp_entries
from exchange_clients.paradex.client.utils.helpers import check_client_id
from exchange_clients.paradex.client.utils.transport import (
    ParadexSigner,
    ParadexTransport,
    SigningAccelerator,
)
from exchange_clients.paradex.websocket.connection import PrivateChannels
from exchange_clients.paradex.websocket.manager import ParadexWebSocketManager
from helpers.time import now_ms
from helpers.unified_logger import get_logger
from helpers.venue_config import ParadexConfig

__all__ = ["ParadexClient"]

VENUE = "paradex"


class ParadexClient(ManagedClient):
    config: ParadexConfig

    def __init__(self, config: ParadexConfig) -> None:
        if not isinstance(config, ParadexConfig):
            raise ConfigurationError(VENUE, "ParadexClient needs a ParadexConfig", code="BAD_CONFIG")
        super().__init__(config)
        self._log = get_logger("client", VENUE)
        self._transport = ParadexTransport(config)
        self._catalog: MarketCatalog[ParadexMarket] = MarketCatalog(VENUE, self._load_markets)
        self._tracker = OrderTracker()
        self._settlements = Settlements(self._tracker)
        self._ids = StringIds("pdx")
        self._connected = False
        self._accelerated = False
        handler = PrivateFrameHandler(self._catalog, self._tracker, self._settlements, self.events)
        self._private = PrivateChannels(self._auth_and_reconcile, self._transport.jwt.invalidate)
        self._ws = ParadexWebSocketManager(config, resolve_market=self._resolve,
                                           private=self._private, private_handler=handler)
        self.market_data = MarketDataManager(self._transport, self._catalog, self._ws)
        self.accounts = AccountManager(self._transport, self._catalog)
        self.position_manager = PositionManager(self._transport, self._catalog)
        self.order_manager = OrderManager(self._transport, self._catalog, self._tracker,
                                   self._settlements, feed_live=self._private_feed_live)

    def get_exchange_name(self) -> str:
        return VENUE

    # ---- lifecycle ------------------------------------------------------------------------

    async def connect(self) -> None:
        """System config → account and Stark key (worker thread) → markets → ``/auth``
        (onboarding the account first if the venue answers NOT_ONBOARDED) → WebSocket."""
        if self._connected:
            return
        await self._transport.start()
        try:
            system = await self._transport.system_config()
            self._accelerated = SigningAccelerator.acquire()
            self._transport.signer = await asyncio.to_thread(self._make_signer, system)
            await self._catalog.refresh()
            await self._transport.jwt.get()
            await self._ws.connect()
        except BaseException:
            await self.disconnect()
            raise
        self._connected = True

    def _make_signer(self, system: Mapping[str, Any]) -> ParadexSigner:
        signer = ParadexSigner(system, self.config)
        # the first signature builds the curve tables (~25 ms): keep that off the first order
        signer.order_body("BTC-USD-PERP", "BUY", Decimal(1), Decimal(1), "GTC", False, "warm-up")
        signer.signed, signer.sign_seconds = 0, 0.0
        return signer

    async def disconnect(self) -> None:
        self._connected = False
        await self.cancel_reconcile()
        await self._ws.disconnect()
        await self.events.close()
        await self._transport.close()
        if self._accelerated:
            SigningAccelerator.release()
            self._accelerated = False

    async def _load_markets(self) -> list[MarketEntry[ParadexMarket]]:
        body = await self._transport.public("/markets")
        rows = body.get("results") if isinstance(body, dict) else None
        return perp_entries(rows, now_ms())

    async def _resolve(self, symbol: str) -> MarketInfo:
        return (await self._catalog.entry(symbol)).info

    async def _auth_and_reconcile(self) -> str:
        """Token for the private channels; after a reconnect also reconcile over REST."""
        token = await self._transport.jwt.get()
        if self._connected:
            self.schedule_reconcile(self._tracker)
        return token

    def _private_feed_live(self) -> bool:
        return self._private.authenticated.is_set() and self._ws.connection.connected

    @property
    def websocket(self) -> ParadexWebSocketManager:
        return self._ws

    @property
    def transport(self) -> ParadexTransport:
        return self._transport

    def _signer(self) -> ParadexSigner:
        if self._transport.signer is None:
            raise ConfigurationError(VENUE, "client not connected: await connect() first",
                                     code="NOT_CONNECTED")
        return self._transport.signer

    # ---- orders ---------------------------------------------------------------------------

    def _new_client_order_id(self) -> str:
        return self._ids.next()

    def _check_client_order_id(self, client_order_id: str) -> None:
        check_client_id(client_order_id)

    # ---- account --------------------------------------------------------------------------

    @property
    def signing_stats(self) -> tuple[int, float]:
        """(orders signed, total seconds spent signing) — for benchmarks."""
        signer = self._transport.signer
        return (signer.signed, signer.sign_seconds) if signer is not None else (0, 0.0)
