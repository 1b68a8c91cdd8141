"""``HyperliquidClient``: the Hyperliquid implementation of ``BaseExchangeClient``.

Thin by design: it owns the lifecycle (agent signer, REST transport, WebSocket, caches) and
delegates every method to a manager with one responsibility.

Identity: ``address`` is the master account (what every query and user channel names);
``agent_private_key`` is an API wallet the master approved (what signs). With
``vault_address`` the client trades a vault or sub-account of the master: actions carry it,
queries name it.
"""

from __future__ import annotations

from exchange_clients.common.ids import HexIds
from exchange_clients.common.managed_client import ManagedClient
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidOrderError,
)
from exchange_clients.hyperliquid.client.managers.account_manager import AccountManager
from exchange_clients.hyperliquid.client.managers.market_data import MarketDataManager
from exchange_clients.hyperliquid.client.managers.order_manager import OrderManager
from exchange_clients.hyperliquid.client.managers.position_manager import PositionManager
from exchange_clients.hyperliquid.client.managers.websocket_handlers import PrivateFrameHandler
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket, LeverageMemory
from exchange_clients.hyperliquid.client.utils.converters import market_entries
from exchange_clients.hyperliquid.client.utils.helpers import VENUE, is_cloid
from exchange_clients.hyperliquid.client.utils.transport import (
    AgentSigner,
    HyperliquidTransport,
    is_mainnet_url,
)
from exchange_clients.hyperliquid.funding_adapter.funding_client import meta_and_ctxs
from exchange_clients.hyperliquid.websocket.connection import PrivateChannels
from exchange_clients.hyperliquid.websocket.manager import HyperliquidWebSocketManager
from exchange_clients.models import (
    MarketInfo,
)
from helpers.unified_logger import get_logger
from helpers.venue_config import HyperliquidConfig

__all__ = ["HyperliquidClient"]


class HyperliquidClient(ManagedClient):
    config: HyperliquidConfig

    def __init__(self, config: HyperliquidConfig) -> None:
        if not isinstance(config, HyperliquidConfig):
            raise ConfigurationError(VENUE, "HyperliquidClient needs a HyperliquidConfig",
                                     code="BAD_CONFIG")
        super().__init__(config)
        self._log = get_logger("client", VENUE)
        self.mainnet = is_mainnet_url(config.resolved_rest_url())
        self.signer = AgentSigner(config.agent_private_key.get_secret_value(), mainnet=self.mainnet)
        self.user = (config.vault_address or config.address).lower()
        self._transport = HyperliquidTransport(config, self.signer,
                                               vault_address=config.vault_address)
        self._catalog: MarketCatalog[HyperliquidMarket] = MarketCatalog(VENUE, self._load_markets)
        self._tracker = OrderTracker()
        self._ids = HexIds()
        self._connected = False
        self._private = PrivateFrameHandler(self.user, self._catalog, self._tracker, self.events)
        self._ws = HyperliquidWebSocketManager(
            config, resolve_market=self._resolve, private_handler=self._private,
            private=PrivateChannels(self.user, self._after_private_subscribe))
        self.market_data = MarketDataManager(self._transport, self._catalog, self._ws)
        self.accounts = AccountManager(self._transport, self._catalog, self.user)
        self.order_manager = OrderManager(self._transport, self._catalog, self._tracker, self.user)
        self.position_manager = PositionManager(self.accounts, self._catalog, self._transport,
                                                LeverageMemory())

    def get_exchange_name(self) -> str:
        return VENUE

    # ---- lifecycle ------------------------------------------------------------------------

    async def connect(self) -> None:
        if self._connected:
            return
        try:
            await self._transport.start()
            await self._catalog.refresh()
            await self._check_agent()
            await self._ws.connect()
            # an order sent before the venue processed our subscriptions would have its fill
            # only in the snapshot (history); wait until the account channels are live
            if not await self._private.wait_subscribed(self.config.connect_timeout):
                self._log.warning("no userFills snapshot within %ss; fills before it arrives "
                                  "are reported by get_user_trade_history only",
                                  self.config.connect_timeout)
        except BaseException:
            await self.disconnect()
            raise
        self._connected = True

    async def _check_agent(self) -> None:
        """The signing key must be the master's or an API wallet the master approved
        (``userRole``): a wrong key fails here, not at the first order."""
        master = self.config.address.lower()
        if self.signer.address == master:
            return
        role = await self._transport.info({"type": "userRole", "user": self.signer.address})
        kind = role.get("role") if isinstance(role, dict) else None
        owner = str(((role or {}).get("data") or {}).get("user", "")).lower() \
            if isinstance(role, dict) else ""
        if kind != "agent" or owner != master:
            raise AuthenticationError(
                VENUE, f"the API wallet {self.signer.address} is not an approved agent of "
                f"{master} (userRole: {kind or 'unknown'})", code="AGENT")

    async def disconnect(self) -> None:
        self._connected = False
        await self.cancel_reconcile()
        await self._ws.disconnect()
        await self.events.close()
        await self._transport.close()

    async def _load_markets(self) -> list[MarketEntry[HyperliquidMarket]]:
        meta, ctxs = await meta_and_ctxs(self._transport)
        return market_entries(meta, ctxs)

    async def _resolve(self, symbol: str) -> MarketInfo:
        return (await self._catalog.entry(symbol)).info

    async def _after_private_subscribe(self) -> None:
        """After a *re*connect: the account channels are back; reconcile what we missed."""
        if self._connected:
            self.schedule_reconcile(self._tracker)

    @property
    def websocket(self) -> HyperliquidWebSocketManager:
        return self._ws

    @property
    def transport(self) -> HyperliquidTransport:
        return self._transport

    # ---- orders ---------------------------------------------------------------------------

    def _new_client_order_id(self) -> str:
        return self._ids.next()

    def _check_client_order_id(self, client_order_id: str) -> None:
        if not is_cloid(client_order_id):
            raise InvalidOrderError(VENUE, "client order id must be a cloid: 0x + 32 lower-case "
                                    "hex digits (16 bytes)", code="CLIENT_ID",
                                    field="client_order_id")

    # ---- account --------------------------------------------------------------------------

    @property
    def signing_stats(self) -> tuple[int, float]:
        """(actions signed, total seconds spent signing) — for benchmarks."""
        return self.signer.signed, self.signer.sign_seconds
