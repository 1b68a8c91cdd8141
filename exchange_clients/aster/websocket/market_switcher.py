"""Which Aster streams a market needs — ``SUBSCRIBE``/``UNSUBSCRIBE`` frames.

Markets are *added* to one connection, never switched: each keeps its own
``<symbol>@depth@100ms`` stream (the BBO is read off the local book), and all are re-sent after
a reconnect. A connection carries at most 200 streams and accepts at most 10 incoming messages
a second (``AsterWebSocketManager`` paces its sends); request ids are unsigned integers.
"""

from __future__ import annotations

import itertools
from typing import Any

from exchange_clients.aster.websocket.order_book import DEPTH_STREAM_SUFFIX
from exchange_clients.models import MarketInfo

__all__ = ["book_streams", "StreamRequests", "MAX_STREAMS_PER_CONNECTION"]

MAX_STREAMS_PER_CONNECTION = 200


def book_streams(market: MarketInfo) -> list[str]:
    return [market.venue_symbol.lower() + DEPTH_STREAM_SUFFIX]


class StreamRequests:
    """Builds request frames with unique ids."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def subscribe(self, streams: list[str]) -> dict[str, Any]:
        return {"method": "SUBSCRIBE", "params": streams, "id": next(self._ids)}

    def unsubscribe(self, streams: list[str]) -> dict[str, Any]:
        return {"method": "UNSUBSCRIBE", "params": streams, "id": next(self._ids)}
