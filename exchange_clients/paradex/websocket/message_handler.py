"""Paradex WebSocket frames → feed messages (pure; no I/O).

JSON-RPC 2.0. Data notifications are
``{"jsonrpc":"2.0","method":"subscription","params":{"channel": <subscribed string>,
"data": {...}}}``; replies carry the request ``id`` with a ``result`` (``{"node_id"}`` for
``auth``, ``{"channel"}`` for subscribe) or an ``error`` ``{"code","message","data"}``.

* ``order_book.{m}.deltas``: ``update_type "s"`` → :class:`BookSnapshotMsg` (``seq_no`` anchors
  the chain), ``"d"`` → :class:`BookDeltaMsg` with ``first = last = seq_no``. Levels are
  ``{"side": "BUY"|"SELL", "price", "size"}``; ``deletes`` remove a level whatever size they
  carry.
* private channels (``orders``, ``fills``, ``positions``, ``account``, ``funding_payments``)
  → :class:`PrivateMsg` with ``{"channel", "data"}``.
* replies → :class:`RpcReplyMsg`; errors → ``FeedErrorMsg`` with the JSON-RPC code as a string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from exchange_clients.common.market_feed import (
    BookDeltaMsg,
    BookSnapshotMsg,
    FeedErrorMsg,
    FeedMessage,
    PrivateMsg,
)

__all__ = ["parse_frame", "RpcReplyMsg", "PRIVATE_PREFIXES", "book_levels"]

PRIVATE_PREFIXES = ("orders", "fills", "positions", "account", "funding_payments")
_ZERO = "0"


@dataclass(frozen=True, slots=True)
class RpcReplyMsg:
    """A successful reply to one of our requests (``auth``, ``subscribe``, ...)."""

    id: Any
    result: Any


Level = tuple[str, str]


def book_levels(data: dict[str, Any]) -> tuple[list[Level], list[Level]]:
    """(bids, asks) of one book message: inserts and updates with their size, deletes as 0."""
    bids: list[Level] = []
    asks: list[Level] = []
    add_bid, add_ask = bids.append, asks.append
    for key in ("inserts", "updates"):
        levels = data.get(key)
        if levels:
            for level in levels:
                (add_bid if level["side"] == "BUY" else add_ask)((level["price"], level["size"]))
    levels = data.get("deletes")
    if levels:
        for level in levels:
            (add_bid if level["side"] == "BUY" else add_ask)((level["price"], _ZERO))
    return bids, asks


def _book(data: dict[str, Any]) -> BookSnapshotMsg | BookDeltaMsg:
    bids, asks = book_levels(data)
    seq = data.get("seq_no")
    sequence = int(seq) if seq is not None else None
    if data.get("update_type") == "s":
        return BookSnapshotMsg(data["market"], bids, asks, sequence)
    return BookDeltaMsg(data["market"], bids, asks, sequence, sequence)


def _error(frame: dict[str, Any], error: dict[str, Any]) -> FeedErrorMsg:
    code = error.get("code")
    message = str(error.get("message") or "")
    data = error.get("data")
    if data:
        message = f"{message}: {data}"
    return FeedErrorMsg(None if code is None else str(code), message,
                        key=None if frame.get("id") is None else str(frame.get("id")))


def parse_frame(raw: str | bytes) -> tuple[FeedMessage | RpcReplyMsg, ...]:
    frame: Any = orjson.loads(raw)
    try:  # the hot path: a data notification (``method: "subscription"``)
        params = frame["params"]
        channel = params["channel"]
        data = params["data"]
    except (KeyError, TypeError, IndexError):
        return _control(frame)
    if frame.get("method") != "subscription" or not isinstance(data, dict) \
            or not isinstance(channel, str):
        return ()
    if channel.startswith("order_book."):
        return (_book(data),)
    if channel.startswith(PRIVATE_PREFIXES):
        return (PrivateMsg({"channel": channel, "data": data}),)
    return ()  # bbo, trades, summaries, funding data: not used by the live book


def _control(frame: Any) -> tuple[FeedMessage | RpcReplyMsg, ...]:
    """A reply to one of our requests, or an error."""
    if not isinstance(frame, dict):
        return ()
    error = frame.get("error")
    if isinstance(error, dict):
        return (_error(frame, error),)
    if "result" in frame:
        return (RpcReplyMsg(frame.get("id"), frame.get("result")),)
    return ()
