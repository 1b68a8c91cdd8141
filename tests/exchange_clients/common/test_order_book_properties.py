"""Property tests: L2OrderBook against a dict-and-sort reference model.

* Over random snapshots and deltas (inserts, updates, deletes, prices formatted several ways,
  occasional crossings) every read agrees with the model whenever the model is live, and
  every read raises whenever it is not.
* Under each venue's continuity rule, once a delta breaks the chain the book is never ready
  again until a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchange_clients.common.order_book import (
    BeginNonce,
    ContinuityRule,
    DeltaResult,
    L2OrderBook,
    NextSequence,
    PreviousIdChaining,
)
from exchange_clients.errors import StaleDataError
from exchange_clients.models import Side

TICK = Decimal("0.25")
SIZES = ["0", "0.000", "1", "2.5", "0.125", "10", "3.000"]


@st.composite
def wire_price(draw: st.DrawFn, lo: int, hi: int) -> str | Decimal:
    """A price on the tick grid, in one of the forms venues (or callers) send."""
    value = draw(st.integers(lo, hi)) * TICK
    form = draw(st.sampled_from(["plain", "zeros", "decimal", "exp"]))
    if form == "plain":
        return format(value.normalize(), "f")
    if form == "zeros":
        return format(value.quantize(Decimal("0.0001")), "f")
    if form == "decimal":
        return value
    return f"{value.normalize():E}"


Levels = list[tuple[str | Decimal, str]]


def levels(lo: int, hi: int) -> st.SearchStrategy[Levels]:
    return st.lists(st.tuples(wire_price(lo, hi), st.sampled_from(SIZES)), max_size=6)


# Bids mostly on ticks 1..40, asks on 37..80: the overlap makes some updates cross the book.
snapshot_op = st.tuples(st.just("snapshot"), levels(1, 40), levels(37, 80))
delta_op = st.tuples(st.just("delta"), levels(1, 40), levels(37, 80))
ops = st.lists(st.one_of(snapshot_op, delta_op, delta_op, delta_op), min_size=1, max_size=25)


class Model:
    """The obvious book: two dicts, sorted on every read; deltas ignored while not live."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.live = False

    @staticmethod
    def _apply(side: dict[Decimal, Decimal], changes: list[tuple[str | Decimal, str]]) -> None:
        for price, size in changes:
            if Decimal(size):
                side[Decimal(price)] = Decimal(size)
            else:
                side.pop(Decimal(price), None)

    def snapshot(self, bids: list[tuple[str | Decimal, str]],
                 asks: list[tuple[str | Decimal, str]]) -> None:
        self.bids, self.asks = {}, {}
        self._apply(self.bids, bids)
        self._apply(self.asks, asks)
        self.live = not self.crossed()

    def delta(self, bids: list[tuple[str | Decimal, str]],
              asks: list[tuple[str | Decimal, str]]) -> None:
        if self.live:
            self._apply(self.bids, bids)
            self._apply(self.asks, asks)
            self.live = not self.crossed()

    def crossed(self) -> bool:
        return bool(self.bids and self.asks and max(self.bids) >= min(self.asks))

    def sorted_bids(self) -> list[tuple[Decimal, Decimal]]:
        return [(p, self.bids[p]) for p in sorted(self.bids, reverse=True)]

    def sorted_asks(self) -> list[tuple[Decimal, Decimal]]:
        return [(p, self.asks[p]) for p in sorted(self.asks)]

    def depth_usd(self, side: Side, bps: Decimal) -> Decimal:
        book = self.sorted_bids() if side is Side.BUY else self.sorted_asks()
        if not book:
            return Decimal(0)
        touch = book[0][0]
        if side is Side.BUY:
            return sum((p * s for p, s in book if p >= touch - touch * bps / 10_000), Decimal(0))
        return sum((p * s for p, s in book if p <= touch + touch * bps / 10_000), Decimal(0))

    def vwap(self, side: Side, qty: Decimal) -> Decimal | None:
        book = self.sorted_asks() if side is Side.BUY else self.sorted_bids()
        if sum((s for _, s in book), Decimal(0)) < qty:
            return None
        left, cost = qty, Decimal(0)
        for p, s in book:
            take = min(left, s)
            cost, left = cost + take * p, left - take
        return cost / qty

    def within(self, side: Side, limit: Decimal) -> Decimal:
        if side is Side.BUY:
            return sum((s for p, s in self.asks.items() if p <= limit), Decimal(0))
        return sum((s for p, s in self.bids.items() if p >= limit), Decimal(0))


def check_agreement(book: L2OrderBook, model: Model) -> None:
    assert book.ready == model.live
    if not model.live:
        with pytest.raises(StaleDataError):
            book.best_bid()
        with pytest.raises(StaleDataError):
            book.snapshot(5)
        return
    bids, asks = model.sorted_bids(), model.sorted_asks()
    assert book.best_bid() == (bids[0] if bids else None)
    assert book.best_ask() == (asks[0] if asks else None)
    assert book.top(5) == (bids[:5], asks[:5])
    assert book.top(1000) == (bids, asks)
    for side in (Side.BUY, Side.SELL):
        for bps in (Decimal(0), Decimal(25), Decimal(400)):
            assert book.depth_usd(side, bps) == model.depth_usd(side, bps)
        for qty in (Decimal("0.5"), Decimal("7.25")):
            assert book.vwap_for_quantity(side, qty) == model.vwap(side, qty)
        for limit in (Decimal(5), Decimal(10), Decimal(15)):
            assert book.quantity_within_price(side, limit) == model.within(side, limit)


@settings(max_examples=150, deadline=None)
@given(ops)
def test_book_agrees_with_reference_model(operations: list[tuple[str, Levels, Levels]]) -> None:
    book = L2OrderBook("prop", "X", NextSequence())
    model = Model()
    seq = 0
    for kind, bids, asks in operations:
        if kind == "snapshot":
            # The venue's book as of `seq`: deltas buffered meanwhile are all stale.
            book.apply_snapshot(bids, asks, sequence=seq)
            model.snapshot(bids, asks)
        else:
            seq += 1
            result = book.apply_delta(bids, asks, first=seq, last=seq)
            expected = DeltaResult.APPLIED if model.live else DeltaResult.BUFFERED
            model.delta(bids, asks)
            assert result is expected
        check_agreement(book, model)


# ---- gaps never yield a ready book -------------------------------------------------------

Ids = Callable[[int], dict[str, int]]
# Sequence fields of the n-th message in a chain, per rule.
CHAINS: dict[str, tuple[Callable[[], ContinuityRule], Ids]] = {
    "next_sequence": (NextSequence, lambda n: {"first": n, "last": n}),
    "previous_id": (PreviousIdChaining, lambda n: {"first": n, "last": n, "prev": n - 1}),
    "begin_nonce": (BeginNonce, lambda n: {"first": n - 1, "last": n}),
}


@settings(max_examples=60, deadline=None)
@given(chain=st.sampled_from(sorted(CHAINS)), before=st.integers(0, 6),
       skip=st.integers(1, 5), after=st.integers(0, 8))
def test_a_gap_never_yields_a_ready_book_until_a_snapshot(chain: str, before: int, skip: int,
                                                          after: int) -> None:
    make_rule, ids = CHAINS[chain]
    book = L2OrderBook("prop", "X", make_rule())
    book.apply_snapshot([["1", "1"]], [["2", "1"]], sequence=10)
    n = 10
    for _ in range(before):
        n += 1
        assert book.apply_delta([["1", str(n)]], [], **ids(n)) is DeltaResult.APPLIED
    n += 1 + skip                                  # messages n-skip .. n-1 are lost
    assert book.apply_delta([["1", "7"]], [], **ids(n)) is DeltaResult.GAP
    for _ in range(after):
        n += 1
        assert book.apply_delta([["1", str(n)]], [], **ids(n)) is DeltaResult.BUFFERED
        assert not book.ready
        with pytest.raises(StaleDataError):
            book.bbo()
    assert book.gaps == 1 and book.resyncs == 1
    # A snapshot newer than everything buffered: the buffered deltas are all stale.
    book.apply_snapshot([["1", "1"]], [["2", "1"]], sequence=n + 1)
    assert book.ready and book.bbo().bid_size == 1 and book.buffered == 0
