"""Backpack WebSocket frames → feed messages (pure; no I/O).

Data frames are ``{"stream": <name>, "data": {...}}``: ``depth.<symbol>`` deltas (absolute
sizes, ``"0"`` deletes; ``U``/``u`` first/last update id), ``markPrice.<symbol>`` every second,
and the account streams (``account.orderUpdate[.<symbol>]``, ``account.positionUpdate[...]``)
for the private handler. Errors are ``{"id": null, "error": {"code", "message"}}``. There is
no subscribe acknowledgement and no application-level ping (the server's protocol pings are
answered by aiohttp).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from exchange_clients.common.market_feed import BookDeltaMsg, FeedErrorMsg, FeedMessage, PrivateMsg

__all__ = ["parse_frame", "MarkPriceMsg", "AUTH_ERROR_MESSAGES"]

#: error messages that mean the private subscription was refused
AUTH_ERROR_MESSAGES = ("Invalid signature", "Request has expired", "Missing signature",
                       "Invalid X-", "Unauthorized")


@dataclass(frozen=True, slots=True)
class MarkPriceMsg:
    """A ``markPrice`` frame: proof that ``key``'s subscription is alive, plus the mark."""
    key: str
    mark_price: str | None
    funding_rate: str | None
    next_funding_ms: int | None


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    return int(value)


def parse_frame(raw: str | bytes) -> tuple[FeedMessage | MarkPriceMsg, ...]:
    frame: Any = orjson.loads(raw)
    if type(frame) is not dict:
        return ()
    data = frame.get("data")
    if type(data) is dict and data.get("e") == "depth" and type(data.get("U")) is int:
        # the hot path: a depth diff with integer ids, positional construction
        return (BookDeltaMsg(data["s"], data.get("b") or (), data.get("a") or (),
                             data["U"], data.get("u")),)
    stream = frame.get("stream")
    data = frame.get("data")
    if isinstance(stream, str) and isinstance(data, dict):
        if stream.startswith("depth."):
            return (BookDeltaMsg(str(data.get("s") or stream.rsplit(".", 1)[1]),
                                 data.get("b") or (), data.get("a") or (),
                                 first=_int(data.get("U")), last=_int(data.get("u"))),)
        if stream.startswith("markPrice."):
            return (MarkPriceMsg(str(data.get("s") or stream.split(".", 1)[1]), data.get("p"),
                                 data.get("f"), _int(data.get("n"))),)
        if stream.startswith("account."):
            return (PrivateMsg(frame),)
        return ()
    error = frame.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        return (FeedErrorMsg(str(code) if code is not None else None, str(error.get("message", ""))),)
    return ()
