"""Positions and leverage on Aster (one-way mode, ``positionSide`` BOTH).

``positionRisk`` lists symbols with a position (a flat one may be absent: the live testnet
answered ``[]`` after a close); ``positionAmt`` is signed. The leverage of a symbol is reported
only with its position row, so the client also remembers what it set (``POST leverage``) and
what ``ACCOUNT_CONFIG_UPDATE`` announced; with neither, the market's maximum is assumed
(the venue's default for a symbol never configured — documented in docs/venues/aster.md).
Aster's leverage is an integer 1..125: a fractional request is rounded *down*, never above
what was asked.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from exchange_clients.aster.client.utils.caching import AsterMarket, LeverageCache
from exchange_clients.aster.client.utils.converters import position_from_risk
from exchange_clients.aster.client.utils.helpers import VENUE, dec
from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import InvalidOrderError
from exchange_clients.models import LeverageInfo, MarginMode, MarketInfo, PositionSnapshot

__all__ = ["PositionManager"]


class PositionManager:
    def __init__(self, transport: AsterTransport, catalog: MarketCatalog[AsterMarket],
                 leverages: LeverageCache) -> None:
        self._transport = transport
        self._catalog = catalog
        self._leverages = leverages

    async def positions(self) -> list[PositionSnapshot]:
        body = await self._transport.private("GET", "positionRisk")
        out = []
        for row in body if isinstance(body, list) else []:
            entry = self._catalog.by_market_id(str(row.get("symbol")))
            if entry is None or dec(row.get("positionAmt")) == 0:
                continue
            out.append(position_from_risk(row, entry))
        return out

    async def leverage_info(self, market: MarketInfo) -> LeverageInfo:
        leverage = self._leverages.get(market.venue_symbol)
        mode = MarginMode.CROSS
        if leverage is None:
            body = await self._transport.private("GET", "positionRisk",
                                                 [("symbol", market.venue_symbol)])
            for row in body if isinstance(body, list) else [body] if isinstance(body, dict) else []:
                if row.get("symbol") == market.venue_symbol and dec(row.get("leverage")) > 0:
                    leverage = dec(row.get("leverage"))
                    if str(row.get("marginType", "")).lower() == "isolated":
                        mode = MarginMode.ISOLATED
        return LeverageInfo(venue=VENUE, symbol=market.symbol,
                            leverage=leverage if leverage is not None else market.max_leverage,
                            max_leverage=market.max_leverage, margin_mode=mode)

    async def set_leverage(self, market: MarketInfo, leverage: Decimal) -> LeverageInfo:
        whole = leverage.to_integral_value(rounding=ROUND_FLOOR)
        if whole < 1:
            raise InvalidOrderError(VENUE, f"{market.symbol}: Aster leverage is an integer ≥ 1, "
                                    f"got {leverage}", code="LEVERAGE", field="leverage")
        body = await self._transport.private("POST", "leverage", [
            ("symbol", market.venue_symbol), ("leverage", str(int(whole)))], retry=True)
        applied = dec(body.get("leverage")) if isinstance(body, dict) else whole
        self._leverages.set(market.venue_symbol, applied or whole)
        return LeverageInfo(venue=VENUE, symbol=market.symbol, leverage=applied or whole,
                            max_leverage=market.max_leverage)
