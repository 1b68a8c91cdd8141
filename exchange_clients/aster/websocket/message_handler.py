"""Aster WebSocket frames → feed messages (pure; no I/O).

Market connection (``/ws`` + ``SUBSCRIBE``): raw event payloads, or ``{"stream", "data"}`` when
combined. ``depthUpdate`` events carry ``U`` (first update id), ``u`` (final) and ``pu`` (the
``u`` of the previous event of that stream) and absolute level sizes (``"0"`` removes a level).
Subscription replies are ``{"result": null, "id": n}``; errors ``{"code": n, "msg": ...}``
(codes 0–3, no id). ``!markPrice@arr@1s`` pushes a JSON *array* of ``markPriceUpdate`` every
second: :class:`MarkPrices` (used as a liveness signal per symbol, and for the marks). Anything
else (``bookTicker``, …) is ignored.

User data connection (``/ws/<listenKey>``): ``ORDER_TRADE_UPDATE``, ``ACCOUNT_UPDATE``,
``ACCOUNT_CONFIG_UPDATE``, ``MARGIN_CALL``, ``listenKeyExpired`` — events keyed by ``e``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from exchange_clients.common.market_feed import BookDeltaMsg, FeedErrorMsg, FeedMessage

__all__ = ["parse_frame", "parse_user_frame", "LISTEN_KEY_EXPIRED", "MarkPrices", "MARK_PRICE_STREAM"]

LISTEN_KEY_EXPIRED = "listenKeyExpired"
#: every symbol's mark price once a second, in one stream
MARK_PRICE_STREAM = "!markPrice@arr@1s"


@dataclass(frozen=True, slots=True)
class MarkPrices:
    """One ``!markPrice@arr`` push: venue symbol → mark price string."""
    marks: dict[str, str]


def _unwrap(frame: Any) -> Any:
    if isinstance(frame, dict) and "stream" in frame and "data" in frame:
        return frame["data"]
    return frame


def parse_frame(raw: str | bytes) -> tuple[FeedMessage, ...] | MarkPrices:
    frame = orjson.loads(raw)
    if type(frame) is dict:
        kind = frame.get("e")
        if kind == "depthUpdate":  # the hot path: one dict probe, positional construction
            return (BookDeltaMsg(frame["s"], frame.get("b") or (), frame.get("a") or (),
                                 frame.get("U"), frame.get("u"), frame.get("pu")),)
        if kind is None and "data" in frame and "stream" in frame:  # a combined-stream frame
            return _parse_payload(frame["data"])
    return _parse_payload(frame)


def _parse_payload(frame: Any) -> tuple[FeedMessage, ...] | MarkPrices:
    if isinstance(frame, list):
        return MarkPrices({str(row["s"]): str(row.get("p", "")) for row in frame
                           if isinstance(row, dict) and row.get("e") == "markPriceUpdate"})
    if not isinstance(frame, dict):
        return ()
    kind = frame.get("e")
    if kind == "depthUpdate":
        return (BookDeltaMsg(frame["s"], frame.get("b") or (), frame.get("a") or (),
                             frame.get("U"), frame.get("u"), frame.get("pu")),)
    if kind is None and "code" in frame and "msg" in frame:
        code = frame.get("code")
        return (FeedErrorMsg(None if code is None else str(code), str(frame.get("msg", ""))),)
    return ()


def parse_user_frame(raw: str | bytes) -> dict[str, Any] | None:
    """A user-stream event (a dict with ``e``), or ``None`` for anything else."""
    frame = _unwrap(orjson.loads(raw))
    if isinstance(frame, dict) and isinstance(frame.get("e"), str):
        return frame
    return None
