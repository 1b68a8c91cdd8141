"""How a Backpack book stays in sync.

Continuity (docs, ``depth`` stream): "Updates are sequential, so ``U`` will always be ``u + 1``
from the previous message. If this is not the case, the client should assume that the depth
has been invalidated and requery the REST API" — :class:`NextSequence` with ``first = U``,
``last = u``. There is no snapshot over the socket: the book is (re)synchronised from
``GET /api/v1/depth`` (``lastUpdateId`` L, a string) while deltas are buffered; deltas with
``u <= L`` are dropped, the first one applied must bracket ``L + 1``, then ``U == prev u + 1``.
"""

from __future__ import annotations

from exchange_clients.common.order_book import ContinuityRule, NextSequence

__all__ = ["continuity_rule", "RESYNC_BY_RESUBSCRIBE", "SNAPSHOT_LIMIT"]

RESYNC_BY_RESUBSCRIBE = False
#: depth levels fetched per side for a resync (the largest limit the venue accepts)
SNAPSHOT_LIMIT = 1000


def continuity_rule() -> ContinuityRule:
    return NextSequence()
