"""Paradex venue package: async REST on our aiohttp session with paradex-py's account, key
derivation and order-signing pieces (its synchronous REST client is never used), JSON-RPC
WebSocket for books and account streams.

Exports the three contract implementations; obtain them through ``exchange_clients.registry``.
"""

from exchange_clients.paradex.client.core import ParadexClient
from exchange_clients.paradex.funding_adapter.adapter import ParadexFundingAdapter
from exchange_clients.paradex.websocket.manager import ParadexWebSocketManager

__all__ = ["ParadexClient", "ParadexFundingAdapter", "ParadexWebSocketManager"]
