"""Account reads on Hyperliquid: balances, PnL, funding payments, trade history.

Every read names the *user* — the master address (or the vault), never the API wallet that
signs. ``clearinghouseState`` (weight 2) carries balances and positions in one answer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import ExchangeError
from exchange_clients.hyperliquid.client.utils.caching import CoinResolver, HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import dec, fill_from_row, funding_payment
from exchange_clients.hyperliquid.client.utils.helpers import VENUE
from exchange_clients.hyperliquid.client.utils.transport import HyperliquidTransport
from exchange_clients.models import AccountPnL, Fill, FundingPayment
from helpers.time import to_ms

__all__ = ["AccountManager", "FILLS_PAGE", "FUNDING_PAGE", "MAX_PAGES"]

#: rows per answer: userFillsByTime ≤ 2000, userFunding ≤ 500
FILLS_PAGE = 2000
FUNDING_PAGE = 500
#: safety bound on pagination (the venue keeps the 10,000 most recent fills)
MAX_PAGES = 50


class AccountManager:
    def __init__(self, transport: HyperliquidTransport, catalog: MarketCatalog[HyperliquidMarket],
                 user: str) -> None:
        self._transport = transport
        self._catalog = catalog
        self._coins = CoinResolver(catalog)
        self.user = user.lower()

    async def state(self) -> dict[str, Any]:
        """``clearinghouseState`` of the user (all zero for an unknown or empty account)."""
        body = await self._transport.info({"type": "clearinghouseState", "user": self.user})
        if not isinstance(body, dict):
            raise ExchangeError(VENUE, f"unexpected clearinghouseState: {str(body)[:200]}",
                                code="BODY")
        return body

    @staticmethod
    def _summary(state: dict[str, Any]) -> dict[str, Any]:
        summary: dict[str, Any] = state.get("marginSummary") or {}
        return summary

    async def available_balance(self) -> Decimal:
        """Equity not used as margin: ``accountValue − totalMarginUsed`` (never negative)."""
        summary = self._summary(await self.state())
        value = dec(summary.get("accountValue")) or Decimal(0)
        used = dec(summary.get("totalMarginUsed")) or Decimal(0)
        return max(value - used, Decimal(0))

    async def total_asset_value(self) -> Decimal:
        return dec(self._summary(await self.state()).get("accountValue")) or Decimal(0)

    async def pnl(self) -> AccountPnL:
        """Unrealised PnL of the open positions and the funding paid since they opened (the
        venue reports realised PnL only per fill, as ``closedPnl``)."""
        positions = [p.get("position") or {} for p in (await self.state()).get("assetPositions") or []]
        unrealized = sum((dec(p.get("unrealizedPnl")) or Decimal(0) for p in positions), Decimal(0))
        funding = sum((dec((p.get("cumFunding") or {}).get("sinceOpen")) or Decimal(0)
                       for p in positions), Decimal(0))
        return AccountPnL(venue=VENUE, unrealized_pnl=unrealized, funding=-funding)

    async def funding_payments(self, symbol: str | None, since: datetime | None) -> list[FundingPayment]:
        coin = (await self._catalog.entry(symbol)).venue_data.coin if symbol is not None else None
        start = to_ms(since) if since is not None else 0
        payments: dict[tuple[int, str], FundingPayment] = {}
        for _ in range(MAX_PAGES):
            rows = await self._transport.info({"type": "userFunding", "user": self.user,
                                               "startTime": start})
            for row in rows or []:
                delta = row.get("delta") or {}
                if delta.get("type", "funding") != "funding":
                    continue
                if coin is not None and delta.get("coin") != coin:
                    continue
                entry = await self._coins.resolve(str(delta.get("coin")))
                if entry is not None:
                    payments[(int(row["time"]), str(delta.get("coin")))] = funding_payment(row, entry)
            if len(rows or []) < FUNDING_PAGE:
                break
            start = max(int(r["time"]) for r in rows) + 1
        return sorted(payments.values(), key=lambda p: p.timestamp)

    async def trade_history(self, symbol: str | None, since: datetime | None,
                            until: datetime | None) -> list[Fill]:
        """``userFillsByTime`` pages (oldest first; the next page starts at the last time seen,
        fills deduplicated by trade id), filtered to ``symbol``."""
        coin = (await self._catalog.entry(symbol)).venue_data.coin if symbol is not None else None
        start = to_ms(since) if since is not None else 0
        end = to_ms(until) if until is not None else None
        seen: set[str] = set()
        fills: list[Fill] = []
        for _ in range(MAX_PAGES):
            rows = await self._transport.info({"type": "userFillsByTime", "user": self.user,
                                               "startTime": start, "endTime": end,
                                               "aggregateByTime": False}) or []
            fresh = [row for row in rows if str(row.get("tid")) not in seen]
            seen.update(str(row.get("tid")) for row in fresh)
            for row in fresh:
                if coin is not None and row.get("coin") != coin:
                    continue
                entry = await self._coins.resolve(str(row.get("coin")))
                if entry is not None:
                    fills.append(fill_from_row(row, entry))
            if len(rows) < FILLS_PAGE or not fresh:
                break
            start = max(int(row["time"]) for row in rows)
        return sorted(fills, key=lambda f: f.timestamp)
