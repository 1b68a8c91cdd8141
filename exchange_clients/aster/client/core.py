"""``AsterClient``: the Aster implementation of ``BaseExchangeClient``.

Thin by design: it owns the lifecycle (signer, REST transport, market catalogue, WebSocket
books, user data stream) and delegates every method to a manager with one responsibility.
"""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.aster.client.managers.account_manager import AccountManager
from exchange_clients.aster.client.managers.market_data import MarketDataManager
from exchange_clients.aster.client.managers.order_manager import OrderManager
from exchange_clients.aster.client.managers.position_manager import PositionManager
from exchange_clients.aster.client.managers.websocket_handlers import PrivateFrameHandler
from exchange_clients.aster.client.utils.caching import AsterMarket, LeverageCache
from exchange_clients.aster.client.utils.converters import leverage_brackets
from exchange_clients.aster.client.utils.helpers import VENUE, is_valid_client_order_id
from exchange_clients.aster.client.utils.transport import AsterTransport, signer_for
from exchange_clients.aster.funding_adapter.funding_client import load_catalog_entries
from exchange_clients.aster.websocket.connection import UserDataStream
from exchange_clients.aster.websocket.manager import AsterWebSocketManager
from exchange_clients.common.ids import StringIds
from exchange_clients.common.managed_client import ManagedClient
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    ExchangeError,
    InvalidOrderError,
)
from exchange_clients.models import (
    MarketInfo,
)
from helpers.unified_logger import get_logger
from helpers.venue_config import AsterConfig

__all__ = ["AsterClient"]


class AsterClient(ManagedClient):
    config: AsterConfig

    def __init__(self, config: AsterConfig) -> None:
        if not isinstance(config, AsterConfig):
            raise ConfigurationError(VENUE, "AsterClient needs an AsterConfig", code="BAD_CONFIG")
        super().__init__(config)
        self._log = get_logger("client", VENUE)
        self._transport = AsterTransport(config, signer_for(config))
        self._catalog: MarketCatalog[AsterMarket] = MarketCatalog(VENUE, self._load_markets)
        self._tracker = OrderTracker()
        self._leverages = LeverageCache()
        self._ids = StringIds(prefix="pdx")
        handler = PrivateFrameHandler(self._catalog, self._tracker, self.events, self._leverages)
        self.user_stream = UserDataStream(self._transport, config.resolved_ws_url(), handler,
                                          on_reconnect=self._schedule_reconcile,
                                          connect_timeout=config.connect_timeout)
        self._ws = AsterWebSocketManager(config, resolve_market=self._resolve,
                                         transport=self._transport, user_stream=self.user_stream)
        self.market_data = MarketDataManager(self._transport, self._catalog, self._ws)
        self.order_manager = OrderManager(self._transport, self._catalog, self._tracker)
        self.accounts = AccountManager(self._transport, self._catalog)
        self.position_manager = PositionManager(self._transport, self._catalog, self._leverages)
        self._connected = False

    def get_exchange_name(self) -> str:
        return VENUE

    # ---- lifecycle ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Measure the clock, load markets (and rate limits), open the books' connection and
        the user data stream — whose listen key is the first signed call, so rejected
        credentials fail here with ``AuthenticationError``."""
        if self._connected:
            return
        await self._transport.start()
        try:
            await self._transport.sync_clock()
            await self._catalog.refresh()
            await self._ws.connect()
        except BaseException:
            await self.disconnect()
            raise
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False
        await self.cancel_reconcile()
        await self._ws.disconnect()  # also the user stream and its keepalive task
        await self.events.close()
        await self._transport.close()

    async def _load_markets(self) -> list[MarketEntry[AsterMarket]]:
        return await load_catalog_entries(self._transport, await self._max_leverages())

    async def _max_leverages(self) -> dict[str, Decimal]:
        """The account's leverage brackets (the true maximum per symbol); the catalogue falls
        back to ``requiredMarginPercent`` where they are unavailable."""
        try:
            return leverage_brackets(await self._transport.private("GET", "leverageBracket"))
        except AuthenticationError:
            raise
        except ExchangeError as exc:
            self._log.warning("leverage brackets unavailable (%s); using requiredMarginPercent", exc)
            return {}

    async def _resolve(self, symbol: str) -> MarketInfo:
        return (await self._catalog.entry(symbol)).info

    def _schedule_reconcile(self) -> None:
        """The user stream reconnected: events may have been missed while it was down."""
        if self._connected:
            self.schedule_reconcile(self._tracker, "user stream reconnected; reconciling")

    @property
    def websocket(self) -> AsterWebSocketManager:
        return self._ws

    @property
    def transport(self) -> AsterTransport:
        return self._transport

    @property
    def signing_stats(self) -> tuple[int, float]:
        """(requests signed, total seconds spent signing) — for benchmarks."""
        signer = self._transport.signer
        return (signer.signed, signer.sign_seconds) if signer is not None else (0, 0.0)

    # ---- orders ---------------------------------------------------------------------------

    def _new_client_order_id(self) -> str:
        return self._ids.next()

    def _check_client_order_id(self, client_order_id: str) -> None:
        if not is_valid_client_order_id(client_order_id):
            raise InvalidOrderError(VENUE, "client order id must be 1-36 characters of "
                                    "[A-Za-z0-9._-]", code="CLIENT_ID", field="client_order_id")

    # ---- account --------------------------------------------------------------------------
