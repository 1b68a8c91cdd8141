"""Backpack Exchange perpetuals venue package: aiohttp + ED25519 request signing, no SDK.

Exports the three contract implementations; obtain them through ``exchange_clients.registry``.
"""

from exchange_clients.backpack.client.core import BackpackClient
from exchange_clients.backpack.funding_adapter.adapter import BackpackFundingAdapter
from exchange_clients.backpack.websocket.manager import BackpackWebSocketManager

__all__ = ["BackpackClient", "BackpackFundingAdapter", "BackpackWebSocketManager"]
