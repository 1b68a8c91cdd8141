"""Hyperliquid perps venue package, built on our own aiohttp transport, eth-account and msgpack
(the official SDK is synchronous and is not used at runtime).

Exports the three contract implementations; obtain them through ``exchange_clients.registry``.
"""

from exchange_clients.hyperliquid.client.core import HyperliquidClient
from exchange_clients.hyperliquid.funding_adapter.adapter import HyperliquidFundingAdapter
from exchange_clients.hyperliquid.websocket.manager import HyperliquidWebSocketManager

__all__ = ["HyperliquidClient", "HyperliquidFundingAdapter", "HyperliquidWebSocketManager"]
