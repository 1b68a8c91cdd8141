"""How a Lighter book stays in sync.

Continuity: each ``update/order_book`` carries ``begin_nonce`` equal to the ``nonce`` of the
message before it (``offset`` is per API server and not contiguous, so it is not used).
Resync: Lighter has no REST snapshot that carries the nonce, so a book that lost sync is
resubscribed; the ``subscribed/order_book`` frame that follows is the new snapshot.
"""

from __future__ import annotations

from exchange_clients.common.order_book import BeginNonce, ContinuityRule

__all__ = ["continuity_rule", "RESYNC_BY_RESUBSCRIBE"]

RESYNC_BY_RESUBSCRIBE = True


def continuity_rule() -> ContinuityRule:
    return BeginNonce()
