"""Which Hyperliquid subscriptions a market (and the account) needs.

Markets are *added* to one connection, never switched: every market keeps its own ``l2Book``
subscription (keyed by coin), and all are re-sent after a reconnect. The venue allows 1000
subscriptions per IP, so one socket carries every market we trade.
"""

from __future__ import annotations

from typing import Any

from exchange_clients.models import MarketInfo

__all__ = ["book_subscriptions", "book_unsubscriptions", "user_subscriptions"]


def _book(method: str, market: MarketInfo) -> dict[str, Any]:
    return {"method": method, "subscription": {"type": "l2Book", "coin": market.venue_symbol}}


def book_subscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [_book("subscribe", market)]


def book_unsubscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [_book("unsubscribe", market)]


def user_subscriptions(user: str) -> list[dict[str, Any]]:
    """The account's order updates and fills (the user is the master or vault address, not
    the agent). ``userFills`` starts with an ``isSnapshot`` frame of recent fills."""
    user = user.lower()
    return [{"method": "subscribe", "subscription": {"type": "orderUpdates", "user": user}},
            {"method": "subscribe", "subscription": {"type": "userFills", "user": user}}]
