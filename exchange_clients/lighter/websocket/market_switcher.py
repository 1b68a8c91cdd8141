"""Which Lighter channels a market (and the account) needs — subscribe/unsubscribe frames.

Markets are *added* to one connection, never switched: every market keeps its own
``order_book/{market_id}`` subscription, and all are re-sent after a reconnect.
"""

from __future__ import annotations

from typing import Any

from exchange_clients.models import MarketInfo

__all__ = ["book_subscriptions", "book_unsubscriptions", "account_subscriptions"]


def book_subscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [{"type": "subscribe", "channel": f"order_book/{market.market_id}"}]


def book_unsubscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [{"type": "unsubscribe", "channel": f"order_book/{market.market_id}"}]


def account_subscriptions(account_index: int, auth_token: str) -> list[dict[str, Any]]:
    """Orders and positions/trades/funding of the account; both carry the auth token."""
    return [
        {"type": "subscribe", "channel": f"account_all_orders/{account_index}", "auth": auth_token},
        {"type": "subscribe", "channel": f"account_all/{account_index}", "auth": auth_token},
    ]
