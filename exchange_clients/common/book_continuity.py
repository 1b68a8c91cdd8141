"""How each venue's order-book deltas chain: the continuity rules used by ``order_book.py``.

A rule answers one question for every delta: *apply* it, drop it as *stale* (already
contained in the book), or declare a *gap* (something was missed; the book must resync).
It is asked twice over a book's life:

* :meth:`ContinuityRule.on_first` — the first delta after a snapshot whose sequence is
  ``snapshot_seq`` (``None`` when the venue's snapshot carries no sequence: the first delta
  then anchors the chain).
* :meth:`ContinuityRule.on_next` — every later delta, given the ``last`` of the delta applied
  before it.

Rules are stateless and pure, so one instance may be shared by any number of books. A delta
is described by up to three integers whose meaning depends on the venue:

============== ============================ ============ ============ =============
rule           venue                        ``first``    ``last``     ``prev``
============== ============================ ============ ============ =============
NextSequence   Backpack ``depth``           ``U``        ``u``        —
NextSequence   Paradex ``order_book``       ``seq_no``   ``seq_no``   —
PreviousIdChaining  Aster (Binance futures) ``U``        ``u``        ``pu``
BeginNonce     Lighter ``order_book``       begin_nonce  ``nonce``    —
FullSnapshots  Hyperliquid ``l2Book``       (deltas are not used: every message is a snapshot)
============== ============================ ============ ============ =============

A missing number that the rule needs is a protocol anomaly and yields ``"gap"``: the book
resyncs rather than guessing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Literal

__all__ = [
    "Verdict", "DeltaResult", "ContinuityRule", "NextSequence", "PreviousIdChaining",
    "BeginNonce", "FullSnapshots",
]

Verdict = Literal["apply", "stale", "gap"]


class DeltaResult(StrEnum):
    """What :meth:`L2OrderBook.apply_delta` did with one delta."""

    APPLIED = "applied"
    BUFFERED = "buffered"                  # held until the next snapshot, then replayed
    STALE = "stale"                        # dropped: older than (or contained in) the book
    GAP = "gap"                            # continuity broken: book not ready, resync needed
    IGNORED_NOT_READY = "ignored_not_ready"  # awaiting a snapshot and buffering is disabled


class ContinuityRule(ABC):
    """How one venue's deltas chain. Subclasses are stateless."""

    name: str = "rule"
    #: False for venues that only ever send full snapshots.
    uses_deltas: bool = True

    @abstractmethod
    def on_first(self, snapshot_seq: int | None, first: int | None, last: int | None,
                 prev: int | None) -> Verdict:
        """Verdict for the first delta after a snapshot with sequence ``snapshot_seq``."""

    @abstractmethod
    def on_next(self, last_seq: int, first: int | None, last: int | None,
                prev: int | None) -> Verdict:
        """Verdict for a later delta; ``last_seq`` is the ``last`` of the delta applied before."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NextSequence(ContinuityRule):
    """Consecutive ranges: a delta covers updates ``first..last`` and must start right after the
    previous one (``first == last_seq + 1``). Backpack: ``U == previous u + 1``; Paradex:
    ``seq_no == previous + 1`` with ``first = last = seq_no``.

    After a snapshot ``S``: deltas with ``last <= S`` are already in it (stale); the first one
    applied must bracket ``S + 1`` (``first <= S + 1 <= last``).
    """

    name = "next_sequence"

    def on_first(self, snapshot_seq: int | None, first: int | None, last: int | None,
                 prev: int | None) -> Verdict:
        if first is None or last is None:
            return "gap"
        if snapshot_seq is None:
            return "apply"
        if last <= snapshot_seq:
            return "stale"
        return "apply" if first <= snapshot_seq + 1 else "gap"

    def on_next(self, last_seq: int, first: int | None, last: int | None,
                prev: int | None) -> Verdict:
        if first is None or last is None:
            return "gap"
        if first == last_seq + 1:
            return "apply"
        # A re-delivered (fully contained) delta is harmless to drop; anything else is a hole
        # or an overlap whose absolute sizes cannot be trusted.
        return "stale" if last <= last_seq else "gap"


class PreviousIdChaining(ContinuityRule):
    """Each delta names the final id of the one before it: ``pu == previous u`` (Aster, which
    follows Binance USDⓈ-M futures).

    After a REST snapshot with ``lastUpdateId`` L — asterdex/api-docs, "How to manage a local
    order book correctly" (V3 futures, word for word Binance USDⓈ-M futures' page): drop
    events with ``u < L``; the first processed event must have ``U <= L`` **and** ``u >= L``.
    The futures rule brackets ``L`` itself, not ``L + 1`` as on Binance spot, so an event with
    ``u == L`` is applied (its absolute sizes agree with the snapshot).

    One addition to the documented rule: a first event with ``pu == L`` is applied too. It
    chains exactly onto the snapshot (the event before it ended at L); the documented test
    alone would call it a gap when the event with ``u == L`` was published before our
    subscription began, and force a needless snapshot refetch.
    """

    name = "previous_id_chaining"

    def on_first(self, snapshot_seq: int | None, first: int | None, last: int | None,
                 prev: int | None) -> Verdict:
        if first is None or last is None:
            return "gap"
        if snapshot_seq is None:
            return "apply"
        if last < snapshot_seq:
            return "stale"
        return "apply" if first <= snapshot_seq or prev == snapshot_seq else "gap"

    def on_next(self, last_seq: int, first: int | None, last: int | None,
                prev: int | None) -> Verdict:
        if prev is not None and prev == last_seq:
            return "apply"
        if last is not None and last <= last_seq:
            return "stale"
        return "gap"


class BeginNonce(ContinuityRule):
    """Lighter: every update carries ``begin_nonce`` (= ``first``) equal to the previous
    message's ``nonce`` (= ``last``); the snapshot's own nonce is ``snapshot_seq``, so the first
    update after it must have ``begin_nonce == snapshot nonce``. (Lighter's ``offset`` is not
    contiguous and is not used.)
    """

    name = "begin_nonce"

    def on_first(self, snapshot_seq: int | None, first: int | None, last: int | None,
                 prev: int | None) -> Verdict:
        if first is None or last is None:
            return "gap"
        if snapshot_seq is None:
            return "apply"
        return self.on_next(snapshot_seq, first, last, prev)

    def on_next(self, last_seq: int, first: int | None, last: int | None,
                prev: int | None) -> Verdict:
        if first is None or last is None:
            return "gap"
        if first == last_seq:
            return "apply"
        return "stale" if last <= last_seq else "gap"


class FullSnapshots(ContinuityRule):
    """Hyperliquid ``l2Book``: every message is a complete book, applied with
    :meth:`L2OrderBook.apply_snapshot`. A delta is a programming error, reported loudly."""

    name = "full_snapshots"
    uses_deltas = False

    def on_first(self, snapshot_seq: int | None, first: int | None, last: int | None,
                 prev: int | None) -> Verdict:
        raise TypeError("FullSnapshots books take apply_snapshot() only, never deltas")

    def on_next(self, last_seq: int, first: int | None, last: int | None,
                prev: int | None) -> Verdict:
        raise TypeError("FullSnapshots books take apply_snapshot() only, never deltas")
