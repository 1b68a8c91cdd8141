"""Account reads on Backpack: margin and equity (``/api/v1/capital/collateral``), PnL, the
account settings, funding payments and fills (``/wapi/v1/history/*``, newest first, paged)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.backpack.client.utils.caching import AccountCache, BackpackMarket
from exchange_clients.backpack.client.utils.converters import fill_from_history, funding_payment
from exchange_clients.backpack.client.utils.helpers import VENUE, dec, naive_utc
from exchange_clients.backpack.client.utils.transport import BackpackTransport
from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import OrderNotFoundError
from exchange_clients.models import AccountPnL, Fill, FundingPayment
from helpers.time import to_ms

__all__ = ["AccountManager", "PAGE"]

PAGE = 1000          # the history endpoints' maximum page
_MAX_PAGES = 50


class AccountManager:
    def __init__(self, transport: BackpackTransport, catalog: MarketCatalog[BackpackMarket]) -> None:
        self._transport = transport
        self._catalog = catalog
        self.settings = AccountCache(self.account)

    async def account(self) -> dict[str, Any]:
        """``AccountSummary``: fees (bps), ``leverageLimit``, auto-lend flags."""
        body = (await self._transport.private("GET", "/api/v1/account", "accountQuery")).body
        return body if isinstance(body, dict) else {}

    async def collateral(self) -> dict[str, Any]:
        body = (await self._transport.private("GET", "/api/v1/capital/collateral",
                                              "collateralQuery")).body
        return body if isinstance(body, dict) else {}

    async def positions_raw(self) -> list[dict[str, Any]]:
        """Open futures positions; ``[]`` and ``404 RESOURCE_NOT_FOUND`` both mean flat."""
        try:
            body = (await self._transport.private("GET", "/api/v1/position", "positionQuery")).body
        except OrderNotFoundError:
            return []
        return [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []

    async def available_balance(self) -> Decimal:
        return dec((await self.collateral()).get("netEquityAvailable"))

    async def total_asset_value(self) -> Decimal:
        return dec((await self.collateral()).get("netEquity"))

    async def pnl(self) -> AccountPnL:
        rows = await self.positions_raw()
        total = Decimal(0)

        def _sum(field: str) -> Decimal:
            return sum((dec(row.get(field)) for row in rows), total)

        return AccountPnL(venue=VENUE, unrealized_pnl=_sum("pnlUnrealized"),
                          realized_pnl=_sum("pnlRealized"),
                          funding=_sum("cumulativeFundingPayment"))

    async def _pages(self, path: str, instruction: str, params: dict[str, str | int | bool],
                     older_than: int | None = None) -> list[dict[str, Any]]:
        """Every row of a newest-first history, stopping once a page ends before ``older_than``
        (ms) or is short."""
        rows: list[dict[str, Any]] = []
        for page in range(_MAX_PAGES):
            query = {**params, "limit": PAGE, "offset": page * PAGE, "sortDirection": "Desc"}
            body = (await self._transport.private("GET", path, instruction, params=query)).body
            chunk = [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []
            rows.extend(chunk)
            if len(chunk) < PAGE or (older_than is not None and chunk and
                                     _row_ms(chunk[-1]) < older_than):
                break
        return rows

    async def funding_payments(self, symbol: str | None, since: datetime | None
                               ) -> list[FundingPayment]:
        params: dict[str, str | int | bool] = {}
        wanted = None
        if symbol is not None:
            resolved = await self._catalog.entry(symbol)
            params["symbol"] = resolved.venue_data.venue_symbol
            wanted = resolved.info.symbol
        rows = await self._pages("/wapi/v1/history/funding", "fundingHistoryQueryAll", params,
                                 to_ms(since) if since is not None else None)
        payments = []
        for row in rows:
            entry = self._catalog.by_market_id(str(row.get("symbol")))
            if entry is not None and (wanted is None or entry.info.symbol == wanted):
                payments.append(funding_payment(row, entry))
        payments.sort(key=lambda p: p.timestamp)
        return [p for p in payments if since is None or p.timestamp >= since]

    async def trade_history(self, symbol: str | None, since: datetime | None,
                            until: datetime | None) -> list[Fill]:
        params: dict[str, str | int | bool] = {}
        if symbol is not None:
            params["symbol"] = (await self._catalog.entry(symbol)).venue_data.venue_symbol
        if since is not None:
            params["from"] = to_ms(since)                 # inclusive
        if until is not None:
            params["to"] = to_ms(until) + 1               # exclusive
        rows = await self._pages("/wapi/v1/history/fills", "fillHistoryQueryAll", params)
        fills = []
        for row in rows:
            entry = self._catalog.by_market_id(str(row.get("symbol")))
            if entry is not None:  # perps of the catalogue (spot conversions are not ours)
                fills.append(fill_from_history(row, entry))
        fills.sort(key=lambda f: f.timestamp)
        return [f for f in fills if (since is None or f.timestamp >= since)
                and (until is None or f.timestamp <= until)]


def _row_ms(row: dict[str, Any]) -> int:
    when = naive_utc(row.get("intervalEndTimestamp") or row.get("timestamp"))
    return to_ms(when) if when is not None else 0
