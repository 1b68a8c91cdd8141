"""Which Backpack streams a market (and the account) needs — subscribe/unsubscribe frames.

Markets are *added* to one connection, never switched: each keeps its own ``depth.<symbol>``
and ``markPrice.<symbol>`` streams (``markPrice`` comes every second even when the book is
quiet, so it proves the market's subscription alive), and all are re-sent after a reconnect.
Stream names are case-sensitive (``kPEPE``). Nothing acknowledges a subscription.
"""

from __future__ import annotations

from typing import Any

from exchange_clients.models import MarketInfo

__all__ = ["book_streams", "book_subscriptions", "book_unsubscriptions", "account_subscription",
           "PRIVATE_STREAMS"]

PRIVATE_STREAMS = ("account.orderUpdate", "account.positionUpdate")


def book_streams(market: MarketInfo) -> list[str]:
    return [f"depth.{market.venue_symbol}", f"markPrice.{market.venue_symbol}"]


def book_subscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [{"method": "SUBSCRIBE", "params": book_streams(market)}]


def book_unsubscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [{"method": "UNSUBSCRIBE", "params": book_streams(market)}]


def account_subscription(signature: list[str]) -> dict[str, Any]:
    """Every market's orders and positions, signed (``instruction=subscribe``)."""
    return {"method": "SUBSCRIBE", "params": list(PRIVATE_STREAMS), "signature": signature}
