"""L2OrderBook: sync state machine per venue rule, crossed books, exact reads and helpers.

Property tests (hypothesis) compare the book with a dict-and-sort reference model."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange_clients.common.order_book import (
    BeginNonce,
    ContinuityRule,
    DeltaResult,
    FullSnapshots,
    L2OrderBook,
    NextSequence,
    PreviousIdChaining,
)
from exchange_clients.errors import StaleDataError
from exchange_clients.models import Side

D = Decimal
BIDS = [["100", "1"], ["99.5", "2"], ["99", "3"], ["90", "10"]]
ASKS = [["101", "1.5"], ["101.5", "2"], ["102", "4"], ["110", "5"]]


def make_book(rule: ContinuityRule | None = None, *, seq: int | None = 100,
              bids: list[list[str]] | None = None, asks: list[list[str]] | None = None,
              **kwargs: int) -> L2OrderBook:
    book = L2OrderBook("testvenue", "BTC", rule or NextSequence(), **kwargs)
    book.apply_snapshot(BIDS if bids is None else bids, ASKS if asks is None else asks, seq)
    return book


def assert_unreadable(book: L2OrderBook) -> None:
    assert not book.ready
    for read in (book.bbo, book.snapshot, book.best_bid, book.best_ask, lambda: book.top(5),
                 lambda: book.depth_usd(Side.BUY, D(10)),
                 lambda: book.vwap_for_quantity(Side.BUY, D(1)),
                 lambda: book.quantity_within_price(Side.SELL, D(1))):
        with pytest.raises(StaleDataError) as info:
            read()
        assert info.value.venue == "testvenue"


# ---- snapshot, reads ----------------------------------------------------------------------


def test_new_book_is_not_ready_and_unreadable() -> None:
    book = L2OrderBook("testvenue", "BTC", NextSequence())
    assert book.sequence is None
    assert book.not_ready_reason == "awaiting snapshot"
    assert_unreadable(book)


def test_snapshot_makes_book_ready_with_ordered_levels() -> None:
    book = make_book(bids=[["99", "3"], ["100", "1"], ["98", "0"]], asks=ASKS)
    assert book.ready and book.not_ready_reason is None
    assert book.sequence == 100
    assert book.last_update > 0
    assert book.best_bid() == (D(100), D(1))
    assert book.best_ask() == (D(101), D("1.5"))
    bids, asks = book.top(3)
    assert bids == [(D(100), D(1)), (D(99), D(3))]          # size-0 snapshot entry ignored
    assert asks == [(D(101), D("1.5")), (D("101.5"), D(2)), (D(102), D(4))]
    assert book.top(0) == ([], [])
    assert len(book.top(100)[1]) == 4
    with pytest.raises(ValueError):
        book.top(-1)


def test_snapshot_model_and_bbo() -> None:
    book = make_book(seq=42)
    snap = book.snapshot(2, source="ws")
    assert [lvl.price for lvl in snap.bids] == [D(100), D("99.5")]
    assert [lvl.price for lvl in snap.asks] == [D(101), D("101.5")]
    assert (snap.venue, snap.symbol, snap.sequence, snap.source) == ("testvenue", "BTC", 42, "ws")
    bbo = book.bbo()
    assert (bbo.bid, bbo.bid_size, bbo.ask, bbo.ask_size) == (D(100), D(1), D(101), D("1.5"))
    assert bbo.source == "ws" and bbo.spread == D(1)


def test_one_sided_book_is_ready() -> None:
    book = make_book(asks=[])
    assert book.ready
    assert book.best_ask() is None
    assert book.bbo().ask is None and book.bbo().bid == D(100)


def test_delta_updates_inserts_and_deletes() -> None:
    book = make_book()
    result = book.apply_delta([["100", "7"], ["99.75", "1"], ["90", "0"], ["50", "0"]],
                              [["101", "0"]], first=101, last=101)
    assert result is DeltaResult.APPLIED
    assert book.sequence == 101
    bids, asks = book.top(10)
    assert bids == [(D(100), D(7)), (D("99.75"), D(1)), (D("99.5"), D(2)), (D(99), D(3))]
    assert asks[0] == (D("101.5"), D(2))


def test_differently_formatted_prices_hit_one_level() -> None:
    book = make_book(bids=[["100.50", "1"]], asks=[["101.000", "1"]])
    book.apply_delta([["100.5", "2"]], [["101", "3"]], first=101, last=101)
    assert book.top(5) == ([(D("100.5"), D(2))], [(D(101), D(3))])
    book.apply_delta([[D("100.500"), "4.000"]], [["1.01E+2", "5"]], first=102, last=102)
    assert book.top(5) == ([(D("100.5"), D(4))], [(D(101), D(5))])
    book.apply_delta([["100.5000", "0.000"]], [], first=103, last=103)
    assert book.top(5) == ([], [(D(101), D(5))])


def test_values_are_exact_decimals() -> None:
    book = make_book(bids=[["0.000012345678901234567890", "123456789.123456789"]], asks=[])
    price, size = book.best_bid()  # type: ignore[misc]
    assert price == D("0.000012345678901234567890") and size == D("123456789.123456789")
    assert isinstance(price, Decimal) and isinstance(size, Decimal)


@pytest.mark.parametrize(("level", "error"), [
    ([100.5, "1"], TypeError),
    (["100.5", 1.0], TypeError),
    (["100.5", "-1"], ValueError),
    (["100.5", "NaN"], ValueError),
    (["100.5", "Infinity"], ValueError),
    (["100.5", "abc"], ValueError),
    (["-100.5", "1"], ValueError),
    (["0", "1"], ValueError),
    (["1" * 70, "1"], ValueError),      # would have to be rounded: refused, never rounded
])
def test_malformed_delta_raises_and_book_loses_sync(level: list[object], error: type) -> None:
    book = make_book()
    with pytest.raises(error):
        book.apply_delta([level], [], first=101, last=101)  # type: ignore[list-item]
    assert book.not_ready_reason is not None and "malformed" in book.not_ready_reason
    assert book.gaps == 1 and book.resyncs == 1
    assert_unreadable(book)


def test_float_is_refused_even_when_its_value_was_seen_as_a_string() -> None:
    book = make_book(bids=[["100", "1"]], asks=[])
    with pytest.raises(TypeError):
        book.apply_delta([[100.0, "2"]], [], first=101, last=101)  # type: ignore[list-item]


def test_malformed_snapshot_raises_and_leaves_book_not_ready() -> None:
    book = make_book()
    with pytest.raises(ValueError):
        book.apply_snapshot([["100", "1"]], [["x", "1"]], 200)
    assert not book.ready and book.sequence == 100


# ---- continuity through the book ----------------------------------------------------------


def test_backpack_buffer_then_snapshot_replays_per_rule() -> None:
    book = L2OrderBook("testvenue", "BTC", NextSequence())
    assert book.apply_delta([["99", "9"]], [], first=95, last=99) is DeltaResult.BUFFERED
    assert book.apply_delta([["100", "8"]], [], first=100, last=102) is DeltaResult.BUFFERED
    assert book.apply_delta([], [["101", "0"]], first=103, last=103) is DeltaResult.BUFFERED
    assert book.buffered == 3 and not book.ready
    book.apply_snapshot(BIDS, ASKS, sequence=100)
    assert book.ready and book.sequence == 103 and book.buffered == 0
    assert book.best_bid() == (D(100), D(8))       # first delta (≤ 100) dropped, second bracketed 101
    assert book.top(4)[0][2] == (D(99), D(3))      # the stale 99 x 9 was not applied
    assert book.best_ask() == (D("101.5"), D(2))
    assert book.apply_delta([], [], first=104, last=104) is DeltaResult.APPLIED


def test_live_gap_invalidates_buffers_and_recovers_on_snapshot() -> None:
    book = make_book()
    assert book.apply_delta([["100", "2"]], [], first=101, last=101) is DeltaResult.APPLIED
    assert book.apply_delta([["100", "3"]], [], first=103, last=104) is DeltaResult.GAP
    assert book.gaps == 1 and book.resyncs == 1
    assert book.not_ready_reason is not None and book.not_ready_reason.startswith("gap")
    assert_unreadable(book)
    assert book.apply_delta([["100", "4"]], [], first=105, last=105) is DeltaResult.BUFFERED
    assert book.buffered == 2                        # the gap delta is kept: it may bracket
    book.apply_snapshot([["100", "1"]], ASKS, sequence=103)
    assert book.ready and book.sequence == 105
    assert book.best_bid() == (D(100), D(4))
    assert (book.gaps, book.resyncs) == (1, 1)


def test_stale_delta_on_live_book_is_dropped() -> None:
    book = make_book()
    book.apply_delta([["100", "2"]], [], first=101, last=101)
    assert book.apply_delta([["100", "9"]], [], first=101, last=101) is DeltaResult.STALE
    assert book.ready and book.best_bid() == (D(100), D(2)) and book.sequence == 101


def test_paradex_seq_no() -> None:
    book = make_book(seq=7)
    assert book.apply_delta([], [], first=7, last=7) is DeltaResult.STALE
    assert book.apply_delta([["100", "5"]], [], first=8, last=8) is DeltaResult.APPLIED
    assert book.apply_delta([["100", "6"]], [], first=10, last=10) is DeltaResult.GAP


def test_aster_binance_futures_procedure() -> None:
    book = L2OrderBook("testvenue", "BTC", PreviousIdChaining())
    book.apply_delta([["100", "5"]], [], first=80, last=90, prev=79)      # u < L: dropped
    book.apply_delta([["100", "6"]], [], first=91, last=100, prev=90)     # U <= 100 <= u
    book.apply_delta([["100", "7"]], [], first=101, last=110, prev=100)   # pu == previous u
    book.apply_snapshot(BIDS, ASKS, sequence=100)
    assert book.ready and book.sequence == 110
    assert book.best_bid() == (D(100), D(7))
    assert book.apply_delta([["100", "8"]], [], first=120, last=125, prev=110) \
        is DeltaResult.APPLIED
    assert book.apply_delta([["100", "9"]], [], first=126, last=130, prev=124) is DeltaResult.GAP
    assert not book.ready


def test_snapshot_older_than_buffered_stream_is_a_gap_until_a_newer_snapshot() -> None:
    book = L2OrderBook("testvenue", "BTC", PreviousIdChaining())
    book.apply_delta([["100", "6"]], [], first=105, last=110, prev=104)
    book.apply_delta([["100", "7"]], [], first=111, last=115, prev=110)
    book.apply_snapshot(BIDS, ASKS, sequence=100)          # U=105 > L=100: missed 101..104
    assert not book.ready and book.gaps == 1 and book.buffered == 2
    book.apply_snapshot(BIDS, ASKS, sequence=107)
    assert book.ready and book.sequence == 115 and book.best_bid() == (D(100), D(7))


def test_lighter_begin_nonce() -> None:
    book = make_book(BeginNonce(), seq=500)
    assert book.apply_delta([["100", "2"]], [], first=500, last=507) is DeltaResult.APPLIED
    assert book.apply_delta([["100", "3"]], [], first=507, last=512) is DeltaResult.APPLIED
    assert book.apply_delta([["100", "4"]], [], first=513, last=520) is DeltaResult.GAP
    assert book.gaps == 1 and not book.ready


def test_hyperliquid_full_snapshots() -> None:
    book = L2OrderBook("testvenue", "BTC", FullSnapshots())
    with pytest.raises(TypeError):
        book.apply_delta([["100", "1"]], [])
    book.apply_snapshot(BIDS, ASKS, sequence=1)
    book.apply_snapshot([["200", "1"]], [["201", "2"]], sequence=2)
    assert book.top(10) == ([(D(200), D(1))], [(D(201), D(2))])
    with pytest.raises(TypeError):
        book.apply_delta([["100", "1"]], [])


def test_buffer_overflow_is_a_gap() -> None:
    book = L2OrderBook("testvenue", "BTC", NextSequence(), max_buffer=3)
    for i in range(3):
        assert book.apply_delta([], [], first=i, last=i) is DeltaResult.BUFFERED
    assert book.apply_delta([], [], first=3, last=3) is DeltaResult.GAP
    assert book.gaps == 1 and book.buffered == 0
    assert book.not_ready_reason is not None and "overflow" in book.not_ready_reason
    assert book.apply_delta([], [], first=4, last=4) is DeltaResult.BUFFERED


def test_buffering_disabled() -> None:
    book = L2OrderBook("testvenue", "BTC", NextSequence(), max_buffer=0)
    assert book.apply_delta([], [], first=1, last=1) is DeltaResult.IGNORED_NOT_READY
    book.apply_snapshot(BIDS, ASKS, 100)
    assert book.apply_delta([], [], first=105, last=105) is DeltaResult.GAP
    assert book.apply_delta([], [], first=106, last=106) is DeltaResult.IGNORED_NOT_READY
    assert book.buffered == 0


def test_malformed_buffered_delta_surfaces_at_replay_and_keeps_the_rest() -> None:
    book = L2OrderBook("testvenue", "BTC", NextSequence())
    book.apply_delta([["100", "bad"]], [], first=101, last=101)
    book.apply_delta([["100", "2"]], [], first=102, last=102)
    with pytest.raises(ValueError):
        book.apply_snapshot(BIDS, ASKS, sequence=100)
    assert not book.ready and book.buffered == 1


# ---- crossed books and invalidation -------------------------------------------------------


@pytest.mark.parametrize(("bids", "asks"), [
    ([["101", "1"]], []),              # bid at the best ask
    ([], [["99.9", "1"]]),             # ask below the best bid
])
def test_crossing_delta_makes_book_unreadable_until_snapshot(bids: list[list[str]],
                                                             asks: list[list[str]]) -> None:
    book = make_book()
    assert book.apply_delta(bids, asks, first=101, last=101) is DeltaResult.APPLIED
    assert book.not_ready_reason == "crossed"
    assert (book.crossed_events, book.resyncs, book.gaps) == (1, 1, 0)
    assert_unreadable(book)
    assert book.apply_delta([], [], first=102, last=102) is DeltaResult.BUFFERED
    book.apply_snapshot(BIDS, ASKS, sequence=102)
    assert book.ready and book.best_bid() == (D(100), D(1))


def test_crossed_snapshot_is_not_ready() -> None:
    book = L2OrderBook("testvenue", "BTC", FullSnapshots())
    book.apply_snapshot([["101", "1"]], [["100", "1"]], 1)
    assert book.not_ready_reason == "crossed" and book.crossed_events == 1
    assert_unreadable(book)
    book.apply_snapshot([["99", "1"]], [["100", "1"]], 2)
    assert book.ready


def test_invalidate() -> None:
    book = L2OrderBook("testvenue", "BTC", NextSequence())
    book.apply_delta([], [], first=1, last=1)
    book.invalidate("disconnected")
    assert book.resyncs == 0 and book.buffered == 0       # never synced: nothing was lost
    book.apply_snapshot(BIDS, ASKS, 100)
    book.invalidate("feed silent for 30s")
    assert book.not_ready_reason == "feed silent for 30s" and book.resyncs == 1
    assert_unreadable(book)
    book.apply_snapshot(BIDS, ASKS, 200)
    assert book.ready and book.not_ready_reason is None


# ---- depth helpers, hand-computed ---------------------------------------------------------


@pytest.mark.parametrize(("side", "bps", "expected"), [
    (Side.BUY, D(50), D("299.0")),        # 100*1 + 99.5*2 (bound 99.5, inclusive)
    (Side.BUY, D(100), D("596.0")),       # ... + 99*3
    (Side.BUY, D(0), D(100)),
    (Side.SELL, D(50), D("354.5")),       # 101*1.5 + 101.5*2 (bound 101.505)
    (Side.SELL, D(0), D("151.5")),
    (Side.SELL, D(10_000), D("1312.5")),  # every ask up to 2x the touch
])
def test_depth_usd(side: Side, bps: Decimal, expected: Decimal) -> None:
    assert make_book().depth_usd(side, bps) == expected


@pytest.mark.parametrize(("side", "qty", "expected"), [
    (Side.BUY, D("2.5"), D("101.2")),     # (1.5*101 + 1*101.5) / 2.5
    (Side.BUY, D("12.5"), D(105)),        # the whole ask side: 1312.5 / 12.5
    (Side.BUY, D("12.6"), None),
    (Side.SELL, D(2), D("99.75")),        # (100 + 99.5) / 2
    (Side.SELL, D("0.5"), D(100)),
])
def test_vwap_for_quantity(side: Side, qty: Decimal, expected: Decimal | None) -> None:
    assert make_book().vwap_for_quantity(side, qty) == expected


@pytest.mark.parametrize(("side", "limit", "expected"), [
    (Side.BUY, D("101.5"), D("3.5")),
    (Side.BUY, D("100.99"), D(0)),
    (Side.BUY, D(1000), D("12.5")),
    (Side.SELL, D("99.5"), D(3)),
    (Side.SELL, D(80), D(16)),
])
def test_quantity_within_price(side: Side, limit: Decimal, expected: Decimal) -> None:
    assert make_book().quantity_within_price(side, limit) == expected


def test_helper_argument_checks() -> None:
    book = make_book()
    with pytest.raises(ValueError):
        book.vwap_for_quantity(Side.BUY, D(0))
    with pytest.raises(ValueError):
        book.depth_usd(Side.BUY, D(-1))
    empty = make_book(bids=[], asks=[])
    assert empty.depth_usd(Side.BUY, D(10)) == 0
    assert empty.vwap_for_quantity(Side.SELL, D(1)) is None


def test_a_size_malformed_past_its_first_character_is_caught_on_first_read() -> None:
    """Wire sizes are validated cheaply on apply (first character) and exactly when first read;
    a size that fails the exact parse takes the book out of sync instead of being served."""
    book = L2OrderBook("v", "BTC", NextSequence())
    book.apply_snapshot([["100", "1"]], [["101", "1"]], sequence=1)
    assert book.apply_delta([["100.5", "1.2.3"]], [], first=2, last=2) is DeltaResult.APPLIED
    with pytest.raises(StaleDataError):
        book.best_bid()
    assert not book.ready and "malformed size" in (book.not_ready_reason or "")


def test_best_first_full_snapshots_are_read_lazily_and_exactly() -> None:
    from exchange_clients.common.order_book import FullSnapshots

    book = L2OrderBook("hl", "BTC", FullSnapshots())
    book.apply_snapshot([["100.5", "0"], ["100.4", "2.0"], ["99", "1"]], [["101", "3"], ["102", "1"]],
                        7, best_first=True)
    assert book.ready and book.best_bid() == (Decimal("100.4"), Decimal("2.0"))  # zero level skipped
    assert book.best_ask() == (Decimal("101"), Decimal("3"))
    bids, asks = book.top(5)  # deeper reads load the snapshot once
    assert bids == [(Decimal("100.4"), Decimal("2.0")), (Decimal("99"), Decimal("1"))]
    assert asks == [(Decimal("101"), Decimal("3")), (Decimal("102"), Decimal("1"))]
    assert book.depth_usd(Side.SELL, Decimal(10_000)) == Decimal(101 * 3 + 102)


def test_best_first_snapshot_that_crosses_or_is_malformed_is_not_served() -> None:
    from exchange_clients.common.order_book import FullSnapshots

    book = L2OrderBook("hl", "BTC", FullSnapshots())
    book.apply_snapshot([["101", "1"]], [["100", "1"]], 1, best_first=True)
    assert not book.ready and book.not_ready_reason == "crossed"
    with pytest.raises(ValueError):
        book.apply_snapshot([["100", "-1"]], [["101", "1"]], 2, best_first=True)
    assert not book.ready
    book.apply_snapshot([["100", "1"], ["99", "x1"]], [["101", "1"]], 3, best_first=True)
    assert book.best_bid() == (Decimal(100), Decimal(1))  # the touch is valid
    with pytest.raises(StaleDataError):
        book.top(5)  # the malformed deeper level surfaces on first deep read
    assert not book.ready
