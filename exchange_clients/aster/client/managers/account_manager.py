"""Account reads on Aster: balances, PnL, funding payments, trade history.

Balances come from ``GET balance`` (one row per asset); the margin asset is USDT, whose
``availableBalance`` is the available collateral and ``balance + crossUnPnl`` the equity.
Funding payments are ``income`` rows of type ``FUNDING_FEE``; fills are ``userTrades``, which
needs a symbol and a window of at most 7 days — without a symbol, the symbols traded are found
from the ``COMMISSION`` income rows of the period (every fill pays one).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.aster.client.utils.caching import AsterMarket
from exchange_clients.aster.client.utils.converters import fill_from_trade, funding_payment
from exchange_clients.aster.client.utils.helpers import VENUE, dec
from exchange_clients.aster.client.utils.transport import AsterTransport
from exchange_clients.common.markets import MarketCatalog, MarketEntry
from exchange_clients.errors import ExchangeError
from exchange_clients.models import AccountPnL, Fill, FundingPayment
from helpers.time import now_ms, to_ms

__all__ = ["AccountManager", "MARGIN_ASSET"]

MARGIN_ASSET = "USDT"
_PAGE = 1000
_WEEK_MS = 7 * 24 * 3600 * 1000


class AccountManager:
    def __init__(self, transport: AsterTransport, catalog: MarketCatalog[AsterMarket]) -> None:
        self._transport = transport
        self._catalog = catalog

    async def _margin_row(self) -> dict[str, Any]:
        body = await self._transport.private("GET", "balance")
        rows = body if isinstance(body, list) else []
        for row in rows:
            if row.get("asset") == MARGIN_ASSET:
                return dict(row)
        raise ExchangeError(VENUE, f"no {MARGIN_ASSET} row in the balance answer", code="NO_BALANCE")

    async def available_balance(self) -> Decimal:
        return dec((await self._margin_row()).get("availableBalance"))

    async def total_asset_value(self) -> Decimal:
        row = await self._margin_row()
        return dec(row.get("balance")) + dec(row.get("crossUnPnl"))

    async def pnl(self) -> AccountPnL:
        body = await self._transport.private("GET", "positionRisk")
        rows = body if isinstance(body, list) else []
        unrealized = sum((dec(r.get("unRealizedProfit")) for r in rows), Decimal(0))
        return AccountPnL(venue=VENUE, unrealized_pnl=unrealized)

    async def _income(self, income_type: str, symbol: str | None, since: datetime | None,
                      until: datetime | None) -> list[dict[str, Any]]:
        """Every ``income`` row of a type (paged forward from ``since`` by time)."""
        base: list[tuple[str, str]] = [("incomeType", income_type), ("limit", str(_PAGE))]
        if symbol is not None:
            base.insert(0, ("symbol", (await self._catalog.entry(symbol)).info.venue_symbol))
        start = to_ms(since) if since is not None else None
        rows: dict[str, dict[str, Any]] = {}
        while True:
            params = list(base)
            if start is not None:
                params.append(("startTime", str(start)))
            if until is not None:
                params.append(("endTime", str(to_ms(until))))
            page = await self._transport.private("GET", "income", params)
            page = page if isinstance(page, list) else []
            fresh = [r for r in page if _income_key(r) not in rows]
            rows.update((_income_key(r), r) for r in page)
            # without a start the venue answers the most recent page only
            if start is None or len(page) < _PAGE or not fresh:
                break
            start = max(int(r.get("time") or 0) for r in page)
        return sorted(rows.values(), key=lambda r: int(r.get("time") or 0))

    async def funding_payments(self, symbol: str | None, since: datetime | None) -> list[FundingPayment]:
        out = []
        for row in await self._income("FUNDING_FEE", symbol, since, None):
            entry = self._catalog.by_market_id(str(row.get("symbol")))
            if entry is not None:
                out.append(funding_payment(row, entry))
        return [p for p in out if since is None or p.timestamp >= since]

    async def trade_history(self, symbol: str | None, since: datetime | None,
                            until: datetime | None) -> list[Fill]:
        if symbol is not None:
            entries = [await self._catalog.entry(symbol)]
        else:
            traded = {str(r.get("symbol")) for r in await self._income("COMMISSION", None, since, until)}
            entries = [e for e in map(self._catalog.by_market_id, sorted(traded)) if e is not None]
        fills: list[Fill] = []
        for entry in entries:
            rows = await self._user_trades(entry, since, until)
            fills.extend(fill_from_trade(r, entry) for r in rows)
        fills.sort(key=lambda f: f.timestamp)
        return [f for f in fills if (since is None or f.timestamp >= since)
                and (until is None or f.timestamp <= until)]

    async def _user_trades(self, entry: MarketEntry[AsterMarket], since: datetime | None,
                           until: datetime | None) -> Iterable[dict[str, Any]]:
        symbol = ("symbol", entry.info.venue_symbol)
        if since is None:  # the most recent page
            params = [symbol, ("limit", str(_PAGE))]
            if until is not None:
                params.append(("endTime", str(to_ms(until))))
            body = await self._transport.private("GET", "userTrades", params)
            return body if isinstance(body, list) else []
        rows: dict[str, dict[str, Any]] = {}
        start, end_all = to_ms(since), to_ms(until) if until is not None else now_ms()
        while start <= end_all:  # windows of at most 7 days, each paged by time
            end = min(start + _WEEK_MS - 1, end_all)
            body = await self._transport.private("GET", "userTrades", [
                symbol, ("startTime", str(start)), ("endTime", str(end)), ("limit", str(_PAGE))])
            page = body if isinstance(body, list) else []
            fresh = [r for r in page if str(r.get("id")) not in rows]
            rows.update((str(r.get("id")), r) for r in page)
            full = len(page) >= _PAGE and fresh
            start = max(int(r.get("time") or 0) for r in page) if full else end + 1
        return rows.values()


def _income_key(row: dict[str, Any]) -> str:
    return f"{row.get('tranId')}:{row.get('incomeType')}:{row.get('symbol')}"


