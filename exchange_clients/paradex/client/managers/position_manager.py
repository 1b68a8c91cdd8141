"""Positions and leverage on Paradex (cross margin).

Leverage is per market and an integer (``POST /account/margin/{market}`` ``{"leverage": n,
"margin_type": "CROSS"}``); the initial margin fraction used for new orders is 1/leverage.
A fractional request is rounded *down* so that the leverage set never exceeds the one asked.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import InvalidOrderError
from exchange_clients.models import LeverageInfo, MarginMode, MarketInfo, PositionSnapshot
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import position_snapshot
from exchange_clients.paradex.client.utils.helpers import dec_or_none
from exchange_clients.paradex.client.utils.transport import ParadexTransport

__all__ = ["PositionManager"]

VENUE = "paradex"


class PositionManager:
    def __init__(self, transport: ParadexTransport, catalog: MarketCatalog[ParadexMarket]) -> None:
        self._transport = transport
        self._catalog = catalog

    async def positions(self) -> list[PositionSnapshot]:
        body = (await self._transport.private("GET", "/positions")).body
        out = []
        for raw in (body.get("results") if isinstance(body, dict) else None) or []:
            entry = self._catalog.by_market_id(str(raw.get("market")))
            if entry is None:
                await self._catalog.refresh()
                entry = self._catalog.by_market_id(str(raw.get("market")))
            if entry is None:
                continue
            snapshot = position_snapshot(raw, entry)
            if snapshot.quantity != 0:
                out.append(snapshot)
        return out

    async def leverage_info(self, market: MarketInfo) -> LeverageInfo:
        body = (await self._transport.private("GET", "/account/margin",
                                              params={"market": market.venue_symbol})).body
        configs = body.get("configs") if isinstance(body, dict) else None
        for config in configs or []:
            if config.get("market") == market.venue_symbol:
                leverage = dec_or_none(config.get("leverage"))
                mode = MarginMode.ISOLATED if config.get("margin_type") == "ISOLATED" \
                    else MarginMode.CROSS
                if leverage:
                    return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=leverage,
                                        max_leverage=market.max_leverage, margin_mode=mode)
        return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=market.max_leverage,
                            max_leverage=market.max_leverage)

    async def set_leverage(self, market: MarketInfo, leverage: Decimal) -> LeverageInfo:
        whole = int(leverage.to_integral_value(rounding=ROUND_FLOOR))
        if whole < 1:
            raise InvalidOrderError(VENUE, f"{market.symbol}: Paradex leverage is a whole number "
                                    f"≥ 1, got {leverage}", code="LEVERAGE", field="leverage")
        body = (await self._transport.private(
            "POST", f"/account/margin/{market.venue_symbol}",
            json={"leverage": whole, "margin_type": "CROSS"})).body
        applied = dec_or_none(body.get("leverage")) if isinstance(body, dict) else None
        return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=applied or Decimal(whole),
                            max_leverage=market.max_leverage)
