"""How a Hyperliquid book stays in sync.

Continuity: none to check — ``l2Book`` carries no sequence numbers and every message is the
complete book (≤ 20 levels per side), so each one replaces the local book
(``FullSnapshots``). A dropped message cannot corrupt the book; it only delays the next
picture, which the per-market staleness watchdog bounds.
Resync (after a crossed book, a silent market or a reconnect): resubscribe; the venue answers
a subscription with the current snapshot. The REST ``l2Book`` is used for reads while the live
book is not ready, never to seed it (``rest_snapshot`` returns ``None``).
"""

from __future__ import annotations

from exchange_clients.common.order_book import ContinuityRule, FullSnapshots

__all__ = ["continuity_rule", "RESYNC_BY_RESUBSCRIBE"]

RESYNC_BY_RESUBSCRIBE = True


def continuity_rule() -> ContinuityRule:
    return FullSnapshots()
