"""How a Paradex book stays in sync.

Channel: ``order_book.{market}.deltas`` — the whole book (no depth cap): first an
``update_type "s"`` message carrying every level in ``inserts``, then one ``"d"`` message per
book change with ``inserts`` (new levels), ``updates`` (new sizes) and ``deletes`` (levels
removed). Continuity: every message's ``seq_no`` is the previous one's + 1 (a delta covers
exactly one sequence number: ``first = last = seq_no``), so ``NextSequence`` applies; after the
``"s"`` message with ``seq_no = S`` the next delta must carry ``S + 1``.

Resync: by **resubscribing**. ``GET /orderbook/{market}`` carries a ``seq_no`` too, but it is
depth-limited (``depth``, default 20), while the deltas describe the whole book: a delta that
inserts or deletes a level beyond the REST depth would leave the book with holes that surface
at the top later. Unsubscribe + subscribe brings a fresh whole-book ``"s"`` message; deltas in
flight from the old subscription are buffered and dropped as stale against it.
"""

from __future__ import annotations

from exchange_clients.common.order_book import ContinuityRule, NextSequence

__all__ = ["continuity_rule", "RESYNC_BY_RESUBSCRIBE"]

RESYNC_BY_RESUBSCRIBE = True


def continuity_rule() -> ContinuityRule:
    return NextSequence()
