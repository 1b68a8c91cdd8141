"""Lighter WebSocket frames → feed messages (pure; no I/O).

Frames: ``{"type": "connected"}`` on open, ``{"type": "ping"}`` keepalives (answered with
``pong``), ``subscribed/order_book`` (the snapshot; its ``order_book.nonce`` anchors the chain)
and ``update/order_book`` deltas whose ``begin_nonce`` must equal the previous ``nonce``.
Account channels (``account_all``, ``account_all_orders``, ...) go to the private handler.
Errors come nested (``{"error": {"code", "message"}}``) or flat (``{"type": "error", ...}``).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import orjson

from exchange_clients.common.market_feed import (
    BookDeltaMsg,
    BookSnapshotMsg,
    FeedErrorMsg,
    FeedMessage,
    PrivateMsg,
    ReplyMsg,
)

__all__ = ["parse_frame", "PONG", "PRIVATE_CHANNELS"]

PONG = {"type": "pong"}
PRIVATE_CHANNELS = ("account_all", "account_all_orders", "account_orders", "account_tx",
                    "account_all_positions", "account_all_trades", "user_stats")
_PRIVATE_TYPES = frozenset(f"{kind}/{ch}" for ch in PRIVATE_CHANNELS
                           for kind in ("subscribed", "update"))


_PRICE_SIZE = itemgetter("price", "size")


def _levels(levels: list[dict[str, str]]) -> list[tuple[str, str]]:
    return list(map(_PRICE_SIZE, levels))  # C-level tuple extraction: this runs per message


def parse_frame(raw: str | bytes) -> Iterable[FeedMessage]:
    frame: Any = orjson.loads(raw)
    if not isinstance(frame, dict):
        return ()
    kind = frame.get("type", "")
    if kind == "update/order_book":
        book = frame["order_book"]
        key = frame["channel"].partition(":")[2]
        return (BookDeltaMsg(key, _levels(book.get("bids") or []), _levels(book.get("asks") or []),
                             book.get("begin_nonce"), book.get("nonce")),)
    if kind == "subscribed/order_book":
        book = frame["order_book"]
        key = frame["channel"].split(":", 1)[1]
        return (BookSnapshotMsg(key, _levels(book.get("bids") or []),
                                _levels(book.get("asks") or []), sequence=book.get("nonce")),)
    if kind == "ping":
        return (ReplyMsg(PONG),)
    if kind in _PRIVATE_TYPES or kind.startswith("jsonapi/"):
        return (PrivateMsg(frame),)
    error = frame.get("error")
    if isinstance(error, dict) or kind == "error":
        detail = error if isinstance(error, dict) else frame
        channel = frame.get("channel") or ""
        return (FeedErrorMsg(str(detail.get("code")) if detail.get("code") is not None else None,
                             str(detail.get("message", "")),
                             key=channel.split(":", 1)[1] if ":" in channel else None),)
    return ()
