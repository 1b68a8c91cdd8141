"""Aster (asterdex) USDT-M perpetual futures venue package: REST on ``common.http`` with V3
EIP-712 signing (V1 HMAC for existing keys), WebSocket books with Binance-style ``pu`` chaining.

Exports the three contract implementations; obtain them through ``exchange_clients.registry``.
"""

from exchange_clients.aster.client.core import AsterClient
from exchange_clients.aster.funding_adapter.adapter import AsterFundingAdapter
from exchange_clients.aster.websocket.manager import AsterWebSocketManager

__all__ = ["AsterClient", "AsterFundingAdapter", "AsterWebSocketManager"]
