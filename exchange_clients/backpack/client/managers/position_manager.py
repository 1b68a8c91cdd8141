"""Positions and leverage on Backpack.

Leverage is **account-wide**: ``PATCH /api/v1/account {"leverageLimit": "<x>"}`` caps every
market at once (a market's own cap is ``1 / imfFunction.base``, and its IMF grows with
position size). ``set_leverage(symbol, x)`` therefore changes all markets; the leverage of
a market is ``min(leverageLimit, market maximum)``.
"""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.backpack.client.managers.account_manager import AccountManager
from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.converters import position_snapshot
from exchange_clients.backpack.client.utils.helpers import VENUE
from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.models import LeverageInfo, MarketInfo, PositionSnapshot
from helpers.decimal import decimal_str

__all__ = ["PositionManager"]


class PositionManager:
    def __init__(self, transport: BackpackTransport, accounts: AccountManager,
                 catalog: MarketCatalog[BackpackMarket]) -> None:
        self._transport = transport
        self._accounts = accounts
        self._catalog = catalog

    async def positions(self) -> list[PositionSnapshot]:
        out = []
        for raw in await self._accounts.positions_raw():
            entry = self._catalog.by_market_id(str(raw.get("symbol")))
            if entry is None:
                await self._catalog.refresh()
                entry = self._catalog.by_market_id(str(raw.get("symbol")))
            if entry is None:
                continue
            snapshot = position_snapshot(raw, entry)
            if snapshot.quantity != 0:
                out.append(snapshot)
        return out

    async def quantity(self, symbol: str) -> Decimal:
        """The signed position in ``symbol`` (normalised units), 0 when flat."""
        return next((p.quantity for p in await self.positions() if p.symbol == symbol), Decimal(0))

    async def leverage_info(self, market: MarketInfo) -> LeverageInfo:
        self._accounts.settings.invalidate()
        limit = (await self._accounts.settings.get()).leverage_limit
        leverage = market.max_leverage if limit is None else min(limit, market.max_leverage)
        return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=leverage,
                            max_leverage=market.max_leverage)

    async def set_leverage(self, market: MarketInfo, leverage: Decimal) -> LeverageInfo:
        await self._transport.private("PATCH", "/api/v1/account", "accountUpdate",
                                      body={"leverageLimit": decimal_str(leverage)})
        self._accounts.settings.invalidate()
        return LeverageInfo(venue=VENUE, symbol=market.symbol,
                            leverage=min(leverage, market.max_leverage),
                            max_leverage=market.max_leverage)
