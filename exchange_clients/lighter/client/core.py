"""``LighterClient``: the Lighter implementation of ``BaseExchangeClient``.

Thin by design: it owns the lifecycle (SDK signer, REST transport, WebSocket, caches) and
delegates every method to a manager with one responsibility.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lighter import SignerClient

from exchange_clients.common.ids import TimeOrderedIntIds
from exchange_clients.common.managed_client import ManagedClient
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidOrderError,
    NetworkError,
)
from exchange_clients.lighter.client.managers.account_manager import AccountManager
from exchange_clients.lighter.client.managers.market_data import MarketDataManager
from exchange_clients.lighter.client.managers.order_manager import OrderManager, TxSender
from exchange_clients.lighter.client.managers.position_manager import PositionManager
from exchange_clients.lighter.client.managers.websocket_handlers import PrivateFrameHandler
from exchange_clients.lighter.client.utils.caching import AuthTokenCache, LighterMarket
from exchange_clients.lighter.client.utils.converters import market_entry
from exchange_clients.lighter.client.utils.transport import LighterTransport
from exchange_clients.lighter.websocket.connection import PrivateChannels
from exchange_clients.lighter.websocket.manager import LighterWebSocketManager
from exchange_clients.models import (
    MarketInfo,
)
from helpers.unified_logger import get_logger
from helpers.venue_config import LighterConfig

__all__ = ["LighterClient"]

VENUE = "lighter"


class LighterClient(ManagedClient):
    config: LighterConfig
    accounts: AccountManager
    order_manager: OrderManager
    position_manager: PositionManager

    def __init__(self, config: LighterConfig) -> None:
        if not isinstance(config, LighterConfig):
            raise ConfigurationError(VENUE, "LighterClient needs a LighterConfig", code="BAD_CONFIG")
        super().__init__(config)
        self._log = get_logger("client", VENUE)
        self._transport = LighterTransport(config)
        self._catalog: MarketCatalog[LighterMarket] = MarketCatalog(VENUE, self._load_markets)
        self._tracker = OrderTracker()
        self._ids = TimeOrderedIntIds(bits=48, tick_seconds=0.001, per_tick=100)
        self._signer: SignerClient | None = None
        self._connected = False
        self._auth = AuthTokenCache(self._create_auth_token)
        handler = PrivateFrameHandler(config.account_index, self._catalog, self._tracker, self.events)
        self._ws = LighterWebSocketManager(
            config, resolve_market=self._resolve, private_handler=handler,
            private=PrivateChannels(config.account_index, self._auth_and_reconcile))
        self.market_data = MarketDataManager(self._transport, self._catalog, self._ws)
        self.accounts = AccountManager(self._transport, self._catalog, self._auth,
                                       config.account_index)
        self._sender = TxSender(self._transport, config.api_key_index, config.account_index)
        self.order_manager = OrderManager(self._sender, self._transport, self._catalog,
                                          self._tracker, self._auth)
        self.position_manager = PositionManager(self.accounts, self._catalog, self._sender)

    def get_exchange_name(self) -> str:
        return VENUE

    # ---- lifecycle ------------------------------------------------------------------------

    async def connect(self) -> None:
        if self._connected:
            return
        cfg = self.config
        if cfg.account_index < 1:
            raise ConfigurationError(VENUE, "account_index must be ≥ 1", code="BAD_CONFIG")
        try:
            self._signer = SignerClient(
                cfg.resolved_rest_url(), cfg.account_index,
                {cfg.api_key_index: cfg.api_private_key.get_secret_value()},
                chain_id=cfg.resolved_chain_id())
        except Exception as exc:  # noqa: BLE001 — the SDK raises bare Exception on bad keys
            raise ConfigurationError(VENUE, f"lighter-sdk rejected the key: {exc}",
                                     code="BAD_KEY") from None
        self._transport.start(self._signer.api_client)
        try:
            await self._catalog.refresh()
            await self._check_key()
            self._sender.bind(self._signer)
            await self._ws.connect()
        except BaseException:
            await self.disconnect()
            raise
        self._connected = True

    async def _check_key(self) -> None:
        """The API key must be the one registered on Lighter (a blocking Go HTTP call: off-loop)."""
        assert self._signer is not None
        error = await asyncio.to_thread(self._signer.check_client)
        if error is None:
            return
        if "dial tcp" in error or "connection refused" in error or "timeout" in error.lower():
            raise NetworkError(VENUE, f"could not verify the API key: {error}", code="CONNECTION")
        raise AuthenticationError(VENUE, f"API key check failed: {error}", code="21109")

    async def disconnect(self) -> None:
        self._connected = False
        await self.cancel_reconcile()
        await self._ws.disconnect()
        await self.events.close()
        await self._transport.close()  # also the signer's ApiClient: it is the same one
        self._signer = None
        self._sender.bind(None)

    async def _load_markets(self) -> list[Any]:
        body = await self._transport.call("orderBookDetails",
                                          self._transport.order.order_book_details, filter="perp")
        return [market_entry(d) for d in body.get("order_book_details") or []]

    async def _resolve(self, symbol: str) -> MarketInfo:
        return (await self._catalog.entry(symbol)).info

    def _create_auth_token(self, lifetime_s: int) -> tuple[str | None, str | None]:
        assert self._signer is not None
        token, error = self._signer.create_auth_token_with_expiry(
            lifetime_s, api_key_index=self.config.api_key_index)
        return token, error

    async def _auth_and_reconcile(self) -> str:
        """Token for the private subscriptions; after a reconnect also reconcile over REST."""
        token = await self._auth.get()
        if self._connected:
            self.schedule_reconcile(self._tracker)
        return token

    @property
    def websocket(self) -> LighterWebSocketManager:
        return self._ws

    # ---- orders ---------------------------------------------------------------------------

    def _new_client_order_id(self) -> str:
        return self._ids.next_str()

    def _check_client_order_id(self, client_order_id: str) -> None:
        if not client_order_id.isdigit() or not self._ids.is_valid(int(client_order_id)):
            raise InvalidOrderError(VENUE, "client order id must be an integer in 1..2^48-1",
                                    code="CLIENT_ID", field="client_order_id")

    # ---- account --------------------------------------------------------------------------

    @property
    def signing_stats(self) -> tuple[int, float]:
        """(transactions signed, total seconds spent signing) — for benchmarks."""
        return self._sender.signed, self._sender.sign_seconds
