"""How an Aster book stays in sync — "How to manage a local order book correctly"
(asterdex/api-docs V3 futures, word for word Binance USDⓈ-M futures):

1. open the ``<symbol>@depth`` stream and buffer its events;
2. get a REST snapshot ``GET /fapi/v3/depth?symbol=…&limit=1000``;
3. drop events with ``u`` < ``lastUpdateId``; the first processed event must have
   ``U <= lastUpdateId`` **and** ``u >= lastUpdateId``;
4. every later event's ``pu`` must equal the previous event's ``u``, otherwise start again at 2.

``common.book_continuity.PreviousIdChaining`` is that rule (plus accepting a first event whose
``pu == lastUpdateId``, which chains exactly onto the snapshot); ``common.market_feed`` buffers
the deltas while the snapshot is fetched, replays them through the rule and, on a gap, marks
the book not ready and fetches a new snapshot — the resync strategy is the REST snapshot.
"""

from __future__ import annotations

from typing import Any

from exchange_clients.common.market_feed import BookSnapshotMsg
from exchange_clients.common.order_book import ContinuityRule, PreviousIdChaining
from exchange_clients.errors import ExchangeError

__all__ = ["continuity_rule", "SNAPSHOT_LIMIT", "snapshot_message", "DEPTH_STREAM_SUFFIX"]

#: the snapshot depth the documented procedure asks for (weight 20)
SNAPSHOT_LIMIT = 1000
#: diff-depth at the fastest documented cadence
DEPTH_STREAM_SUFFIX = "@depth@100ms"


def continuity_rule() -> ContinuityRule:
    return PreviousIdChaining()


def snapshot_message(key: str, body: Any) -> BookSnapshotMsg:
    """A REST ``depth`` body (venue units, as the deltas are) → the feed's snapshot message."""
    if not isinstance(body, dict) or not isinstance(body.get("lastUpdateId"), int):
        raise ExchangeError("aster", f"{key}: depth without lastUpdateId", code="BAD_DEPTH")
    return BookSnapshotMsg(key, body.get("bids") or [], body.get("asks") or [],
                           sequence=body["lastUpdateId"])
