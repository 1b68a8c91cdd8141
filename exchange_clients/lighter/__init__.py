"""Lighter (zkLighter) venue package, built on lighter-sdk.

Exports the three contract implementations; obtain them through ``exchange_clients.registry``.
"""

from exchange_clients.lighter.client.core import LighterClient
from exchange_clients.lighter.funding_adapter.adapter import LighterFundingAdapter
from exchange_clients.lighter.websocket.manager import LighterWebSocketManager

__all__ = ["LighterClient", "LighterFundingAdapter", "LighterWebSocketManager"]
