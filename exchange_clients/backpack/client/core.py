"""``BackpackClient``: the Backpack implementation of ``BaseExchangeClient``.

Thin by design: it owns the lifecycle (signer, REST transport, WebSocket, caches) and
delegates every method to a manager with one responsibility.
"""

from __future__ import annotations

from exchange_clients.backpack.client.managers.account_manager import AccountManager
from exchange_clients.backpack.client.managers.market_data import MarketDataManager
from exchange_clients.backpack.client.managers.order_manager import OrderManager
from exchange_clients.backpack.client.managers.position_manager import PositionManager
from exchange_clients.backpack.client.managers.websocket_handlers import PrivateFrameHandler
from exchange_clients.backpack.client.utils.caching import (
    DEFAULT_MAKER_FEE,
    DEFAULT_TAKER_FEE,
    BackpackMarket,
)
from exchange_clients.backpack.client.utils.transport import BackpackSigner, BackpackTransport
from exchange_clients.backpack.funding_adapter.funding_client import perp_entries
from exchange_clients.backpack.websocket.connection import PrivateStreams
from exchange_clients.backpack.websocket.manager import BackpackWebSocketManager
from exchange_clients.common.ids import TimeOrderedIntIds
from exchange_clients.common.managed_client import ManagedClient
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import ConfigurationError, InvalidOrderError
from exchange_clients.models import (
    MarketInfo,
)
from helpers.unified_logger import get_logger
from helpers.venue_config import BackpackConfig

__all__ = ["BackpackClient", "CLIENT_ID_EPOCH"]

VENUE = "backpack"
#: 2025-01-01T00:00:00Z: uint32 client ids of 32 per second last until 2029
CLIENT_ID_EPOCH = 1_735_689_600.0


class BackpackClient(ManagedClient):
    accounts: AccountManager
    config: BackpackConfig

    def __init__(self, config: BackpackConfig) -> None:
        if not isinstance(config, BackpackConfig):
            raise ConfigurationError(VENUE, "BackpackClient needs a BackpackConfig", code="BAD_CONFIG")
        super().__init__(config)
        self._log = get_logger("client", VENUE)
        signer = BackpackSigner(config.secret_key.get_secret_value(), config.public_key)
        self._transport = BackpackTransport(config, signer, window_ms=config.window_ms)
        self._catalog: MarketCatalog[BackpackMarket] = MarketCatalog(VENUE, self._load_markets)
        self._tracker = OrderTracker()
        self._ids = TimeOrderedIntIds(bits=32, tick_seconds=1, per_tick=32, epoch=CLIENT_ID_EPOCH)
        self._connected = False
        self._was_connected = False
        self.accounts = AccountManager(self._transport, self._catalog)
        self.private_streams = PrivateStreams(self._transport, self._after_private_subscribe)
        handler = PrivateFrameHandler(self._catalog, self._tracker, self.events)
        self._ws = BackpackWebSocketManager(config, resolve_market=self._resolve,
                                            transport=self._transport,
                                            private=self.private_streams, private_handler=handler)
        self.market_data = MarketDataManager(self._transport, self._catalog, self._ws)
        self.position_manager = PositionManager(self._transport, self.accounts, self._catalog)
        self.order_manager = OrderManager(self._transport, self._catalog, self._tracker,
                                          self.position_manager.quantity)

    def get_exchange_name(self) -> str:
        return VENUE

    # ---- lifecycle ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Measure the clock offset, load the perps, check the key (``GET /api/v1/account``:
        ``AuthenticationError`` if refused) and open the WebSocket with the account streams."""
        if self._connected:
            return
        try:
            await self._transport.start()
            await self._transport.sync_clock()
            await self.accounts.settings.get()  # proves the key; fees for the catalogue
            await self._catalog.refresh()
            await self._ws.connect()
        except BaseException:
            await self.disconnect()
            raise
        self._connected = True
        self._was_connected = True

    async def disconnect(self) -> None:
        self._connected = False
        await self.cancel_reconcile()
        await self._ws.disconnect()
        await self.events.close()
        await self._transport.close()

    async def _load_markets(self) -> list[MarketEntry[BackpackMarket]]:
        body = await self._transport.public("/api/v1/markets", {"marketType": "PERP"})
        settings = self.accounts.settings.cached
        return perp_entries(body, settings.maker_fee if settings else DEFAULT_MAKER_FEE,
                            settings.taker_fee if settings else DEFAULT_TAKER_FEE)

    async def _resolve(self, symbol: str) -> MarketInfo:
        return (await self._catalog.entry(symbol)).info

    def _after_private_subscribe(self) -> None:
        """After a *re*connect: reconcile open orders over REST (the feed may have missed events)."""
        if self._was_connected and self._connected:
            self.schedule_reconcile(self._tracker)

    @property
    def websocket(self) -> BackpackWebSocketManager:
        return self._ws

    @property
    def transport(self) -> BackpackTransport:
        return self._transport

    # ---- orders ---------------------------------------------------------------------------

    def _new_client_order_id(self) -> str:
        return self._ids.next_str()

    def _check_client_order_id(self, client_order_id: str) -> None:
        if not client_order_id.isdigit() or not self._ids.is_valid(int(client_order_id)):
            raise InvalidOrderError(VENUE, "client order id must be an integer in 1..2^32-1 "
                                    "(Backpack clientId is a uint32)", code="CLIENT_ID",
                                    field="client_order_id")

    # ---- account --------------------------------------------------------------------------

    @property
    def signing_stats(self) -> tuple[int, float]:
        """(requests signed, total seconds spent signing) — for benchmarks."""
        signer = self._transport.signer
        return (signer.signed, signer.sign_seconds) if signer is not None else (0, 0.0)
