"""``ManagedClient``: the contract delegated to managers with the same names on every venue.

A venue's ``client/core.py`` owns its lifecycle (transport, signer, WebSocket, caches) and
builds four managers; this class forwards every contract method to them, so the forwarding
is written once instead of in each venue:

* ``market_data`` — ``markets()``, ``bbo(symbol)``, ``depth(symbol, levels)``
* ``order_manager`` — ``submit``, ``cancel``, ``cancel_all``, ``order_info``,
  ``order_by_client_id``, ``active_orders``
* ``position_manager`` — ``positions()``, ``leverage_info(market)``, ``set_leverage(market, x)``
* ``accounts`` — ``available_balance``, ``total_asset_value``, ``pnl``, ``funding_payments``,
  ``trade_history``

A venue whose managers exist only after ``connect()`` (Lighter: the signer needs the running
loop) exposes ``order_manager``/``position_manager`` as properties that raise
``ConfigurationError`` before then.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from exchange_clients.base_client import BaseExchangeClient, OrderRequest
from exchange_clients.common.order_tracker import OrderTracker
from exchange_clients.errors import ExchangeError
from exchange_clients.models import (
    BBO,
    AccountPnL,
    ConnectionEvent,
    Fill,
    FundingPayment,
    LeverageInfo,
    MarketInfo,
    OrderBookSnapshot,
    OrderInfo,
    OrderResult,
    OrderUpdateEvent,
    PositionSnapshot,
    PositionUpdateEvent,
)
from helpers.unified_logger import get_logger

__all__ = ["ManagedClient", "MarketDataManagerProtocol", "OrderManagerProtocol",
           "PositionManagerProtocol", "AccountManagerProtocol"]


class MarketDataManagerProtocol(Protocol):
    async def markets(self) -> dict[str, MarketInfo]: ...
    async def bbo(self, symbol: str) -> BBO: ...
    async def depth(self, symbol: str, levels: int) -> OrderBookSnapshot: ...


class OrderManagerProtocol(Protocol):
    async def submit(self, request: OrderRequest) -> OrderResult: ...
    async def cancel(self, order_id: str, symbol: str) -> OrderInfo: ...
    async def cancel_all(self, symbol: str | None) -> int: ...
    async def order_info(self, order_id: str, symbol: str, *, force_refresh: bool) -> OrderInfo: ...
    async def order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None: ...
    async def active_orders(self, symbol: str | None = None) -> list[OrderInfo]: ...


class PositionManagerProtocol(Protocol):
    async def positions(self) -> list[PositionSnapshot]: ...
    async def leverage_info(self, market: MarketInfo) -> LeverageInfo: ...
    async def set_leverage(self, market: MarketInfo, leverage: Decimal) -> LeverageInfo: ...


class AccountManagerProtocol(Protocol):
    async def available_balance(self) -> Decimal: ...
    async def total_asset_value(self) -> Decimal: ...
    async def pnl(self) -> AccountPnL: ...
    async def funding_payments(self, symbol: str | None, since: datetime | None
                               ) -> list[FundingPayment]: ...
    async def trade_history(self, symbol: str | None, since: datetime | None,
                            until: datetime | None) -> list[Fill]: ...


class ManagedClient(BaseExchangeClient):
    market_data: MarketDataManagerProtocol
    order_manager: OrderManagerProtocol
    position_manager: PositionManagerProtocol
    accounts: AccountManagerProtocol

    _reconcile_task: asyncio.Task[None] | None = None

    def schedule_reconcile(self, tracker: OrderTracker,
                           detail: str = "reconnected; reconciling orders") -> None:
        """A private feed came back after a drop: announce the resync and reconcile over REST
        in the background (one reconciliation at a time; a later reconnect during one is
        covered by it)."""
        venue = self.get_exchange_name()
        self.events.publish(ConnectionEvent(venue=venue, state="resynced", detail=detail))
        if self._reconcile_task is None or self._reconcile_task.done():
            self._reconcile_task = asyncio.create_task(self.reconcile_after_reconnect(tracker),
                                                       name=f"{venue}-reconcile")

    async def cancel_reconcile(self) -> None:
        """Stop a reconciliation in flight (on disconnect) and wait for it to end."""
        task, self._reconcile_task = self._reconcile_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def reconcile_after_reconnect(self, tracker: OrderTracker) -> None:
        """After a reconnect, REST replaces what the private feed may have missed: every order
        the tracker believed open but the venue no longer lists gets its final state (and an
        event), and every position is re-published. Failures are logged, never raised: the
        next reconnect or read will try again."""
        venue = self.get_exchange_name()
        try:
            before = {o.order_id: o.symbol for o in tracker.open_orders()}
            live = {o.order_id for o in await self.order_manager.active_orders()}
            for order_id, symbol in before.items():
                if order_id not in live:  # finished while we were away
                    final = await self.order_manager.order_info(order_id, symbol,
                                                                force_refresh=True)
                    self.events.publish(OrderUpdateEvent(venue=venue, order=final))
            for position in await self.position_manager.positions():
                self.events.publish(PositionUpdateEvent(venue=venue, position=position))
        except ExchangeError as exc:
            get_logger("client", venue).warning("reconciliation after reconnect failed: %s", exc)

    # ---- markets --------------------------------------------------------------------------

    async def get_markets(self) -> dict[str, MarketInfo]:
        return await self.market_data.markets()

    async def fetch_bbo_prices(self, symbol: str) -> BBO:
        return await self.market_data.bbo(symbol)

    async def get_order_book_depth(self, symbol: str, levels: int = 10) -> OrderBookSnapshot:
        return await self.market_data.depth(symbol, levels)

    # ---- orders ---------------------------------------------------------------------------

    async def _submit_order(self, request: OrderRequest) -> OrderResult:
        return await self.order_manager.submit(request)

    async def cancel_order(self, order_id: str, symbol: str) -> OrderInfo:
        return await self.order_manager.cancel(order_id, symbol)

    async def cancel_all_orders(self, symbol: str | None = None) -> int:
        return await self.order_manager.cancel_all(symbol)

    async def get_order_info(self, order_id: str, symbol: str, *,
                             force_refresh: bool = False) -> OrderInfo:
        return await self.order_manager.order_info(order_id, symbol, force_refresh=force_refresh)

    async def get_order_by_client_id(self, client_order_id: str, symbol: str) -> OrderInfo | None:
        return await self.order_manager.order_by_client_id(client_order_id, symbol)

    async def get_active_orders(self, symbol: str | None = None) -> list[OrderInfo]:
        return await self.order_manager.active_orders(symbol)

    # ---- account --------------------------------------------------------------------------

    async def get_account_balance(self) -> Decimal:
        return await self.accounts.available_balance()

    async def get_total_asset_value(self) -> Decimal:
        return await self.accounts.total_asset_value()

    async def get_account_pnl(self) -> AccountPnL:
        return await self.accounts.pnl()

    async def get_account_positions(self) -> list[PositionSnapshot]:
        return await self.position_manager.positions()

    async def get_leverage_info(self, symbol: str) -> LeverageInfo:
        return await self.position_manager.leverage_info(await self.get_contract_attributes(symbol))

    async def set_leverage(self, symbol: str, leverage: Decimal) -> LeverageInfo:
        market = await self.get_contract_attributes(symbol)
        return await self.position_manager.set_leverage(market, self._check_leverage(market, leverage))

    async def get_funding_payments(self, symbol: str | None = None,
                                   since: datetime | None = None) -> list[FundingPayment]:
        return await self.accounts.funding_payments(symbol, since)

    async def get_user_trade_history(self, symbol: str | None = None, since: datetime | None = None,
                                     until: datetime | None = None) -> list[Fill]:
        return await self.accounts.trade_history(symbol, since, until)
