"""Hyperliquid WebSocket frames → feed messages (pure; no I/O).

Every frame is a JSON object ``{"channel": ..., "data": ...}`` except the greeting text
``Websocket connection established.``. ``l2Book`` frames are whole books
(``levels = [bids descending, asks ascending]`` of ``{px, sz, n}``) and become
``BookSnapshotMsg`` keyed by coin, with the venue's ``time`` as the sequence. The account
channels (``orderUpdates``, ``userFills``, ``user``, ``userFundings``) go to the private
handler; ``error`` frames (``Already subscribed: …``, ``Invalid subscription …``) are surfaced.
Acknowledgements, pongs and the public channels we do not use are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import orjson

from exchange_clients.common.market_feed import (
    BookSnapshotMsg,
    FeedErrorMsg,
    FeedMessage,
    PrivateMsg,
)

__all__ = ["parse_frame", "GREETING", "PRIVATE_CHANNELS"]

GREETING = "Websocket connection established."
PRIVATE_CHANNELS = frozenset({"orderUpdates", "userFills", "user", "userFundings",
                              "userNonFundingLedgerUpdates"})
_NONE: tuple[FeedMessage, ...] = ()


_PX_SZ = itemgetter("px", "sz")


def _book(data: dict[str, Any]) -> FeedMessage:
    sides: list[list[dict[str, str]]] = data.get("levels") or []
    # itemgetter in C: every message is a whole book, so this runs 40 times a message
    bids = list(map(_PX_SZ, sides[0])) if len(sides) > 0 else []
    asks = list(map(_PX_SZ, sides[1])) if len(sides) > 1 else []
    # l2Book levels come best-first on both sides
    return BookSnapshotMsg(str(data["coin"]), bids, asks, data.get("time"), True)


def parse_frame(raw: str | bytes) -> Iterable[FeedMessage]:
    try:
        frame: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if text.strip() == GREETING:
            return _NONE
        return (FeedErrorMsg("PARSE", f"non-JSON frame: {text[:200]}"),)
    if not isinstance(frame, dict):
        return _NONE
    channel = frame.get("channel")
    if channel == "l2Book":
        return (_book(frame["data"]),)
    if channel in PRIVATE_CHANNELS:
        return (PrivateMsg(frame),)
    if channel == "error":
        return (FeedErrorMsg(None, str(frame.get("data", ""))),)
    return _NONE  # subscriptionResponse, pong, and public channels we do not subscribe
