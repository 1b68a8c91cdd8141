"""Continuity rules as pure functions: every venue's chaining and first-after-snapshot rule."""

from __future__ import annotations

import pytest

from exchange_clients.common.book_continuity import (
    BeginNonce,
    FullSnapshots,
    NextSequence,
    PreviousIdChaining,
)

# ---- NextSequence (Backpack U/u, Paradex seq_no) ------------------------------------------


@pytest.mark.parametrize(("first", "last", "verdict"), [
    (95, 100, "stale"),      # entirely inside the snapshot (last == S)
    (90, 99, "stale"),
    (101, 105, "apply"),     # starts right after the snapshot
    (98, 103, "apply"),      # brackets S + 1
    (101, 101, "apply"),     # Paradex: first == last == seq_no
    (102, 105, "gap"),       # update S + 1 missed
    (None, 105, "gap"),
    (101, None, "gap"),
])
def test_next_sequence_first_after_snapshot(first: int | None, last: int | None,
                                            verdict: str) -> None:
    assert NextSequence().on_first(100, first, last, None) == verdict


def test_next_sequence_without_snapshot_sequence_anchors_on_first_delta() -> None:
    assert NextSequence().on_first(None, 7, 9, None) == "apply"


@pytest.mark.parametrize(("first", "last", "verdict"), [
    (106, 110, "apply"),
    (106, 106, "apply"),
    (100, 105, "stale"),     # re-delivered
    (104, 107, "gap"),       # overlap: not the venue's contract
    (107, 110, "gap"),       # hole
    (None, None, "gap"),
])
def test_next_sequence_chaining(first: int | None, last: int | None, verdict: str) -> None:
    assert NextSequence().on_next(105, first, last, None) == verdict


# ---- PreviousIdChaining (Aster = Binance USD-M futures) -----------------------------------


@pytest.mark.parametrize(("first", "last", "prev", "verdict"), [
    (90, 99, 89, "stale"),       # u < lastUpdateId: dropped
    (95, 100, 94, "apply"),      # u == lastUpdateId: U <= L <= u holds (futures rule)
    (100, 105, 99, "apply"),     # U == L
    (95, 120, 94, "apply"),
    (101, 105, 99, "gap"),       # U > L and pu != L: something between was missed
    (103, 105, 101, "gap"),
    (101, 105, 100, "apply"),    # pu == L: chains exactly onto the snapshot (our addition)
    (None, 105, None, "gap"),
])
def test_previous_id_first_after_snapshot(first: int | None, last: int | None,
                                          prev: int | None, verdict: str) -> None:
    assert PreviousIdChaining().on_first(100, first, last, prev) == verdict


@pytest.mark.parametrize(("first", "last", "prev", "verdict"), [
    (106, 110, 105, "apply"),
    (120, 130, 105, "apply"),   # ids need not be contiguous: only pu matters
    (106, 110, 104, "gap"),
    (106, 110, None, "gap"),
    (101, 103, 100, "stale"),   # an old event re-delivered
])
def test_previous_id_chaining(first: int, last: int, prev: int | None, verdict: str) -> None:
    assert PreviousIdChaining().on_next(105, first, last, prev) == verdict


# ---- BeginNonce (Lighter) -----------------------------------------------------------------


@pytest.mark.parametrize(("begin", "nonce", "verdict"), [
    (500, 507, "apply"),
    (490, 500, "stale"),
    (480, 490, "stale"),
    (501, 507, "gap"),
    (499, 510, "gap"),       # straddles the snapshot: not the venue's contract
    (None, 510, "gap"),
])
def test_begin_nonce_after_snapshot(begin: int | None, nonce: int, verdict: str) -> None:
    assert BeginNonce().on_first(500, begin, nonce, None) == verdict


def test_begin_nonce_chaining() -> None:
    rule = BeginNonce()
    assert rule.on_next(507, 507, 530, None) == "apply"
    assert rule.on_next(507, 508, 530, None) == "gap"
    assert rule.on_next(507, 500, 507, None) == "stale"
    assert rule.on_first(None, 1, 2, None) == "apply"


# ---- FullSnapshots (Hyperliquid) ----------------------------------------------------------


def test_full_snapshots_refuse_deltas() -> None:
    rule = FullSnapshots()
    assert rule.uses_deltas is False
    with pytest.raises(TypeError):
        rule.on_first(1, 1, 1, None)
    with pytest.raises(TypeError):
        rule.on_next(1, 2, 2, None)


def test_rules_have_names() -> None:
    names = {r.name for r in (NextSequence(), PreviousIdChaining(), BeginNonce(), FullSnapshots())}
    assert len(names) == 4
