"""Public Hyperliquid REST access shared by the funding adapter and a standalone WebSocket
manager: ``metaAndAssetCtxs`` (the universe with every asset's live context — the public
market catalogue and the funding/market statistics in one request of weight 20)."""

from __future__ import annotations

from typing import Any

from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.errors import ExchangeError
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import market_entries
from exchange_clients.hyperliquid.client.utils.transport import HyperliquidTransport
from helpers.venue_config import VenueConfig

__all__ = ["HyperliquidPublicApi", "meta_and_ctxs"]


async def meta_and_ctxs(transport: HyperliquidTransport) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``[meta, [ctx per asset]]``, checked for shape."""
    body = await transport.info({"type": "metaAndAssetCtxs"})
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict)
            and isinstance(body[1], list)):
        raise ExchangeError("hyperliquid", f"unexpected metaAndAssetCtxs body: {str(body)[:200]}",
                            code="BODY")
    return body[0], body[1]


class HyperliquidPublicApi:
    def __init__(self, config: VenueConfig) -> None:
        self.transport = HyperliquidTransport(config)
        self.catalog: MarketCatalog[HyperliquidMarket] = MarketCatalog("hyperliquid",
                                                                       self._load_markets)

    async def meta_and_ctxs(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return await meta_and_ctxs(self.transport)

    async def _load_markets(self) -> list[MarketEntry[HyperliquidMarket]]:
        meta, ctxs = await self.meta_and_ctxs()
        return market_entries(meta, ctxs)

    async def close(self) -> None:
        await self.transport.close()
