"""perpdex exchange clients: one contract (base classes + models + errors) for every venue.

Obtain clients through :mod:`exchange_clients.registry`::

    from exchange_clients.registry import create_client
    async with create_client("lighter", config) as client:
        bbo = await client.fetch_bbo_prices("BTC")
"""

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.base_websocket import BaseWebSocketManager
from exchange_clients.registry import create_client, create_funding_adapter, supported_exchanges

__all__ = ["BaseExchangeClient", "BaseFundingAdapter", "BaseWebSocketManager", "create_client",
           "create_funding_adapter", "supported_exchanges"]
