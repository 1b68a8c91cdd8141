"""Which Paradex channels a market (and the account) needs — JSON-RPC subscribe frames.

Markets are *added* to one connection, never switched: every market keeps its own
``order_book.{market}.deltas`` subscription, and all are re-sent after a reconnect. Request
ids only pair replies with requests; they are unique per process.
"""

from __future__ import annotations

import itertools
from typing import Any

from exchange_clients.models import MarketInfo

__all__ = ["book_channel", "book_subscriptions", "book_unsubscriptions", "PRIVATE_CHANNELS",
           "private_subscriptions", "auth_request", "rpc", "next_id"]

#: the account's orders and fills on every market, and its positions
PRIVATE_CHANNELS = ("orders.ALL", "fills.ALL", "positions")

_ids = itertools.count(1)


def next_id() -> int:
    return next(_ids)


def rpc(method: str, params: dict[str, Any], msg_id: int | None = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": next_id() if msg_id is None else msg_id, "method": method,
            "params": params}


def book_channel(market: MarketInfo) -> str:
    # the bare deltas channel: the venue refuses parameters on it ("no parameters expected
    # for deltas topic")
    return f"order_book.{market.venue_symbol}.deltas"


def book_subscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [rpc("subscribe", {"channel": book_channel(market)})]


def book_unsubscriptions(market: MarketInfo) -> list[dict[str, Any]]:
    return [rpc("unsubscribe", {"channel": book_channel(market)})]


def private_subscriptions() -> list[dict[str, Any]]:
    return [rpc("subscribe", {"channel": channel}) for channel in PRIVATE_CHANNELS]


def auth_request(token: str, msg_id: int) -> dict[str, Any]:
    return rpc("auth", {"bearer": token}, msg_id)
