"""Positions and leverage on Hyperliquid.

Positions come from ``clearinghouseState.assetPositions``. Leverage is an integer per market
and margin mode; the venue reports it with a position, and for a market without one through
``activeAssetData`` (weight 20). ``updateLeverage`` is an L1 action answered ``default``.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import ExchangeError, InvalidOrderError
from exchange_clients.hyperliquid.client.managers.account_manager import AccountManager
from exchange_clients.hyperliquid.client.utils.caching import (
    CoinResolver,
    HyperliquidMarket,
    LeverageMemory,
)
from exchange_clients.hyperliquid.client.utils.converters import leverage_info, position_snapshot
from exchange_clients.hyperliquid.client.utils.helpers import VENUE
from exchange_clients.hyperliquid.client.utils.transport import HyperliquidTransport
from exchange_clients.models import LeverageInfo, MarginMode, MarketInfo, PositionSnapshot
from helpers.unified_logger import get_logger

__all__ = ["PositionManager", "venue_leverage"]


def venue_leverage(leverage: Decimal, market: MarketInfo) -> int:
    """The integer leverage to send: rounded *down*, so the effective leverage never exceeds
    the one asked for (2.5x → 2x); below 1x is refused before the network."""
    value = int(leverage.to_integral_value(rounding=ROUND_FLOOR))
    if value < 1:
        raise InvalidOrderError(VENUE, f"{market.symbol}: Hyperliquid leverage is a whole number "
                                f"≥ 1 (got {leverage})", code="LEVERAGE", field="leverage")
    return value


class PositionManager:
    def __init__(self, accounts: AccountManager, catalog: MarketCatalog[HyperliquidMarket],
                 transport: HyperliquidTransport, memory: LeverageMemory) -> None:
        self._accounts = accounts
        self._catalog = catalog
        self._coins = CoinResolver(catalog)
        self._transport = transport
        self._memory = memory
        self._log = get_logger("position_manager", VENUE)

    async def positions(self) -> list[PositionSnapshot]:
        out = []
        for raw in (await self._accounts.state()).get("assetPositions") or []:
            coin = str((raw.get("position") or {}).get("coin"))
            entry = await self._coins.resolve(coin)
            if entry is None:
                continue
            snapshot = position_snapshot(raw, entry)
            if snapshot.quantity != 0:
                out.append(snapshot)
        return out

    async def leverage_info(self, market: MarketInfo) -> LeverageInfo:
        """From the open position, else ``activeAssetData``; should the latter be unavailable,
        the leverage this client last set (acknowledged by the venue)."""
        coin = market.venue_symbol
        for raw in (await self._accounts.state()).get("assetPositions") or []:
            position = raw.get("position") or {}
            if position.get("coin") == coin and position.get("leverage"):
                return leverage_info(position["leverage"], market)
        try:
            body = await self._transport.info({"type": "activeAssetData",
                                               "user": self._accounts.user, "coin": coin})
        except ExchangeError as exc:
            remembered = self._memory.get(market.symbol)
            if remembered is None:
                raise
            self._log.info("activeAssetData unavailable (%s); using the leverage set last", exc)
            return remembered
        if not isinstance(body, dict) or not isinstance(body.get("leverage"), dict):
            raise ExchangeError(VENUE, f"unexpected activeAssetData: {str(body)[:200]}",
                                code="BODY")
        return leverage_info(body["leverage"], market)

    async def set_leverage(self, market: MarketInfo, leverage: Decimal, *,
                           margin_mode: MarginMode = MarginMode.CROSS) -> LeverageInfo:
        entry = await self._catalog.entry(market.symbol)
        value = venue_leverage(leverage, market)
        await self._transport.exchange({"type": "updateLeverage", "asset": entry.venue_data.asset,
                                        "isCross": margin_mode is MarginMode.CROSS,
                                        "leverage": value})
        info = LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=Decimal(value),
                            max_leverage=market.max_leverage, margin_mode=margin_mode)
        self._memory.remember(info)
        return info
