"""Positions and leverage on Lighter."""

from __future__ import annotations

from decimal import Decimal

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.lighter.client.managers.account_manager import AccountManager
from exchange_clients.lighter.client.managers.order_manager import OrderManager, TxSender
from exchange_clients.lighter.client.utils.caching import LighterMarket
from exchange_clients.lighter.client.utils.converters import position_snapshot
from exchange_clients.models import LeverageInfo, MarketInfo, PositionSnapshot

__all__ = ["PositionManager"]

VENUE = "lighter"
CROSS_MARGIN = 0


class PositionManager:
    def __init__(self, accounts: AccountManager, catalog: MarketCatalog[LighterMarket],
                 sender: TxSender) -> None:
        self._accounts = accounts
        self._catalog = catalog
        self._sender = sender

    async def positions(self) -> list[PositionSnapshot]:
        out = []
        for raw in (await self._accounts.account()).get("positions") or []:
            entry = self._catalog.by_market_id(str(raw.get("market_id")))
            if entry is None:
                await self._catalog.refresh()
                entry = self._catalog.by_market_id(str(raw.get("market_id")))
            if entry is None:
                continue
            snapshot = position_snapshot(raw, entry)
            if snapshot.quantity != 0:
                out.append(snapshot)
        return out

    async def leverage_info(self, market: MarketInfo) -> LeverageInfo:
        for raw in (await self._accounts.account()).get("positions") or []:
            if str(raw.get("market_id")) == market.market_id:
                imf = Decimal(str(raw.get("initial_margin_fraction") or "0"))
                if imf > 0:  # percent: "20.00" → 5x
                    return LeverageInfo(venue=VENUE, symbol=market.symbol,
                                        leverage=Decimal(100) / imf, max_leverage=market.max_leverage)
        return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=market.max_leverage,
                            max_leverage=market.max_leverage)

    async def set_leverage(self, market: MarketInfo, leverage: Decimal) -> LeverageInfo:
        entry = await self._catalog.entry(market.symbol)
        fraction = OrderManager.leverage_fraction(leverage)
        await self._sender.send("sign_update_leverage", entry.venue_data.market_index, fraction,
                                CROSS_MARGIN)
        return LeverageInfo(venue=VENUE, symbol=market.symbol,
                            leverage=Decimal(10_000) / Decimal(fraction),
                            max_leverage=market.max_leverage)
