"""Account reads on Lighter: balances, PnL, funding payments, trade history; the auth token."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange_clients.common.markets import MarketCatalog
from exchange_clients.errors import AuthenticationError
from exchange_clients.lighter.client.utils.caching import AuthTokenCache, LighterMarket
from exchange_clients.lighter.client.utils.converters import fill_from_trade, funding_payment
from exchange_clients.lighter.client.utils.transport import LighterTransport
from exchange_clients.models import AccountPnL, Fill, FundingPayment
from helpers.time import to_ms

__all__ = ["AccountManager"]

VENUE = "lighter"
_PAGE = 100


class AccountManager:
    def __init__(self, transport: LighterTransport, catalog: MarketCatalog[LighterMarket],
                 auth: AuthTokenCache, account_index: int) -> None:
        self._transport = transport
        self._catalog = catalog
        self._auth = auth
        self.account_index = account_index

    async def account(self) -> dict[str, Any]:
        """The ``DetailedAccount`` of this account index."""
        body = await self._transport.call("account", self._transport.account.account,
                                          by="index", value=str(self.account_index))
        accounts = body.get("accounts") or []
        if not accounts:
            raise AuthenticationError(VENUE, f"account {self.account_index} does not exist",
                                      code="21100")
        account: dict[str, Any] = accounts[0]
        return account

    async def available_balance(self) -> Decimal:
        return Decimal(str((await self.account()).get("available_balance") or "0"))

    async def total_asset_value(self) -> Decimal:
        return Decimal(str((await self.account()).get("total_asset_value") or "0"))

    async def pnl(self) -> AccountPnL:
        positions = (await self.account()).get("positions") or []
        unrealized = sum((Decimal(str(p.get("unrealized_pnl") or "0")) for p in positions),
                         Decimal(0))
        realized = sum((Decimal(str(p.get("realized_pnl") or "0")) for p in positions), Decimal(0))
        return AccountPnL(venue=VENUE, unrealized_pnl=unrealized, realized_pnl=realized)

    async def funding_payments(self, symbol: str | None, since: datetime | None) -> list[FundingPayment]:
        kwargs: dict[str, Any] = {"account_index": self.account_index, "limit": _PAGE,
                                  "authorization": await self._auth.get()}
        if symbol is not None:
            kwargs["market_ids"] = [(await self._catalog.entry(symbol)).venue_data.market_index]
        if since is not None:
            kwargs["start_timestamp"] = to_ms(since) // 1000
        payments: list[FundingPayment] = []
        while True:
            body = await self._transport.call("positionFunding",
                                              self._transport.account.position_funding, **kwargs)
            for row in body.get("position_fundings") or []:
                entry = self._catalog.by_market_id(str(row.get("market_id")))
                if entry is not None and (symbol is None or entry.info.symbol == symbol):
                    payments.append(funding_payment(row, entry))
            cursor = body.get("next_cursor")
            if not cursor or len(body.get("position_fundings") or []) < _PAGE:
                break
            kwargs["cursor"] = cursor
        payments.sort(key=lambda p: p.timestamp)
        return [p for p in payments if since is None or p.timestamp >= since]

    async def trade_history(self, symbol: str | None, since: datetime | None,
                            until: datetime | None) -> list[Fill]:
        kwargs: dict[str, Any] = {"sort_by": "timestamp", "limit": _PAGE,
                                  "authorization": await self._auth.get(),
                                  "account_index": self.account_index}
        if symbol is not None:
            kwargs["market_id"] = (await self._catalog.entry(symbol)).venue_data.market_index
        fills: list[Fill] = []
        while True:
            body = await self._transport.call("trades", self._transport.order.trades, **kwargs)
            trades = body.get("trades") or []
            for raw in trades:
                entry = self._catalog.by_market_id(str(raw.get("market_id")))
                fill = fill_from_trade(raw, self.account_index, entry) if entry else None
                if fill is not None:
                    fills.append(fill)
            oldest = min((int(t.get("timestamp") or 0) for t in trades), default=0)
            cursor = body.get("next_cursor")
            if not cursor or len(trades) < _PAGE or (since is not None and oldest < to_ms(since)):
                break
            kwargs["cursor"] = cursor
        fills.sort(key=lambda f: f.timestamp)
        return [f for f in fills if (since is None or f.timestamp >= since)
                and (until is None or f.timestamp <= until)]
