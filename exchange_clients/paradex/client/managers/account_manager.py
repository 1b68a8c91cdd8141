"""Account reads on Paradex: balances and PnL (``GET /account``, ``/positions``), funding
payments (``/funding/payments``) and fills (``/fills``), paginated by opaque cursor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.models import AccountPnL, Fill, FundingPayment
from exchange_clients.paradex.client.utils.caching import ParadexMarket
from exchange_clients.paradex.client.utils.converters import fill_from_row, funding_payment
from exchange_clients.paradex.client.utils.helpers import dec
from exchange_clients.paradex.client.utils.transport import ParadexTransport
from helpers.time import to_ms

__all__ = ["AccountManager"]

VENUE = "paradex"
PAGE_SIZE = 100
#: a history read stops after this many pages (10 000 rows) rather than run unbounded
MAX_PAGES = 100


class AccountManager:
    def __init__(self, transport: ParadexTransport, catalog: MarketCatalog[ParadexMarket]) -> None:
        self._transport = transport
        self._catalog = catalog

    async def summary(self) -> dict[str, Any]:
        """``GET /account``: ``account_value`` (equity incl. unrealised PnL and accrued
        funding), ``free_collateral`` (available), margin requirements."""
        body = (await self._transport.private("GET", "/account")).body
        return body if isinstance(body, dict) else {}

    async def available_balance(self) -> Decimal:
        return dec((await self.summary()).get("free_collateral"))

    async def total_asset_value(self) -> Decimal:
        return dec((await self.summary()).get("account_value"))

    async def pnl(self) -> AccountPnL:
        body = (await self._transport.private("GET", "/positions")).body
        rows = [r for r in (body.get("results") if isinstance(body, dict) else None) or []
                if r.get("status") != "CLOSED"]
        return AccountPnL(
            venue=VENUE,
            unrealized_pnl=sum((dec(r.get("unrealized_pnl")) for r in rows), Decimal(0)),
            realized_pnl=sum((dec(r.get("realized_positional_pnl")) for r in rows), Decimal(0)),
            funding=sum((dec(r.get("realized_positional_funding_pnl")) +
                         dec(r.get("unrealized_funding_pnl")) for r in rows), Decimal(0)))

    async def _pages(self, path: str, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        query = {**params, "page_size": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            body = (await self._transport.private("GET", path, params=query)).body
            if not isinstance(body, dict):
                return
            for row in body.get("results") or []:
                if isinstance(row, dict):
                    yield row
            cursor = body.get("next")
            if not cursor:
                return
            query["cursor"] = cursor

    @staticmethod
    def _window(since: datetime | None, until: datetime | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if since is not None:
            params["start_at"] = to_ms(since)
        if until is not None:
            params["end_at"] = to_ms(until)
        return params

    async def _market_rows(self, path: str, market: str, since: datetime | None,
                           until: datetime | None) -> list[dict[str, Any]]:
        return [row async for row in self._pages(path, {"market": market,
                                                        **self._window(since, until)})]

    async def _traded_markets(self, since: datetime | None) -> list[str]:
        """Markets with a fill since ``since`` or an open position: where funding was paid
        (``/funding/payments`` takes one market per request)."""
        markets = {str(row.get("market")) async for row in self._pages("/fills",
                                                                         self._window(since))}
        body = (await self._transport.private("GET", "/positions")).body
        markets.update(str(r.get("market")) for r in
                       (body.get("results") if isinstance(body, dict) else None) or [])
        return sorted(m for m in markets if self._catalog.by_market_id(m) is not None)

    async def funding_payments(self, symbol: str | None,
                               since: datetime | None) -> list[FundingPayment]:
        if symbol is not None:
            markets = [(await self._catalog.entry(symbol)).venue_data.venue_symbol]
        else:
            await self._catalog.markets()
            markets = await self._traded_markets(since)
        per_market = await asyncio.gather(*(self._market_rows("/funding/payments", m, since, None)
                                            for m in markets))
        payments = []
        for rows in per_market:
            for row in rows:
                entry = self._catalog.by_market_id(str(row.get("market")))
                if entry is not None:
                    payments.append(funding_payment(row, entry))
        payments.sort(key=lambda p: p.timestamp)
        return [p for p in payments if since is None or p.timestamp >= since]

    async def trade_history(self, symbol: str | None, since: datetime | None,
                            until: datetime | None) -> list[Fill]:
        params = self._window(since, until)
        if symbol is not None:
            params["market"] = (await self._catalog.entry(symbol)).venue_data.venue_symbol
        else:
            await self._catalog.markets()
        fills = []
        async for row in self._pages("/fills", params):
            entry = self._catalog.by_market_id(str(row.get("market")))
            if entry is not None:
                fills.append(fill_from_row(row, entry))
        fills.sort(key=lambda f: f.timestamp)
        return [f for f in fills if (since is None or f.timestamp >= since)
                and (until is None or f.timestamp <= until)]
