"""The book change feed: a snapshot plus the batches that follow rebuild the engine's book,
with contiguous sequence numbers, per event or coalesced per interval."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from simulator.engine import Engine, OrderType
from simulator.venues.feeds import AccountEvents, BookBatch, BookFeed
from tests.simulator.conftest import EngineFactory

D = Decimal


def _apply(book: dict[tuple[int, int], int], batch: BookBatch) -> None:
    for side, price, lots in batch.changes:
        if lots:
            book[(side, price)] = lots
        else:
            book.pop((side, price), None)


def _engine_book(engine: Engine) -> dict[tuple[int, int], int]:
    view = engine.book("BTC")
    bids = {(1, lv.price_ticks): lv.lots for lv in view.bids}
    return {**bids, **{(-1, lv.price_ticks): lv.lots for lv in view.asks}}


def _churn(engine: Engine, rng: random.Random, accounts: list[int], n: int) -> None:
    m = engine.market("BTC")
    for _ in range(n):
        acct = rng.choice(accounts)
        if rng.random() < 0.2:
            engine.advance(rng.randint(1, 20))
        elif rng.random() < 0.3 and engine.open_orders(acct):
            engine.cancel_order(acct, rng.choice(engine.open_orders(acct)).id)
        elif rng.random() < 0.2:
            engine.submit(acct, m.id, rng.choice((1, -1)), rng.randint(1, 3000), order_type=OrderType.MARKET)
        else:
            side = rng.choice((1, -1))
            engine.submit(acct, m.id, side, rng.randint(1, 3000), m.mark_ticks - side * rng.randint(-5, 40))


def test_snapshot_plus_deltas_rebuild_the_book(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True, volatility=3.0, price="10000")
    batches: list[BookBatch] = []
    feed = BookFeed(engine, batches.append)
    feed.start()
    feed.watch("BTC")
    snapshot = engine.book("BTC")
    book = _engine_book(engine)
    accounts = [engine.create_account(D(10**7)).id for _ in range(4)]
    _churn(engine, random.Random(3), accounts, 400)
    assert len(batches) > 100
    expected = snapshot.seq + 1
    for batch in batches:
        assert batch.first_seq == batch.last_seq == expected and batch.prev_seq == expected - 1
        expected += 1
        _apply(book, batch)
    assert book == _engine_book(engine)


async def test_coalesced_batches_cover_contiguous_ranges(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True, volatility=3.0, price="10000")
    batches: list[BookBatch] = []
    feed = BookFeed(engine, batches.append, interval=3600)    # flushed by hand below
    feed.start()
    try:
        feed.watch("BTC")
        snapshot = engine.book("BTC")
        book = _engine_book(engine)
        accounts = [engine.create_account(D(10**7)).id for _ in range(4)]
        rng = random.Random(4)
        for _ in range(10):
            _churn(engine, rng, accounts, 30)
            feed.flush()
        assert len(batches) == 10
        assert batches[0].first_seq == snapshot.seq + 1
        for prev, batch in itertools.pairwise(batches):
            assert batch.prev_seq == prev.last_seq and batch.first_seq == prev.last_seq + 1
            assert batch.last_seq > batch.first_seq
        for batch in batches:
            _apply(book, batch)
        assert book == _engine_book(engine)
        sides = [c[0] for c in batches[0].changes]
        assert sides == sorted(sides, reverse=True)              # bids first
        assert all(size >= 0 for _, size in batches[0].levels(1))
    finally:
        await feed.stop()


def test_unwatched_markets_are_not_streamed(make_engine: EngineFactory) -> None:
    engine = make_engine(liquidity=True)
    batches: list[BookBatch] = []
    feed = BookFeed(engine, batches.append)
    feed.start()
    feed.watch("BTC")
    feed.watch("BTC")
    feed.unwatch("BTC")
    assert engine.market("BTC").watchers == 1
    feed.unwatch("BTC")
    assert engine.market("BTC").watchers == 0
    acct = engine.create_account(D(10_000)).id
    engine.submit_order(acct, "BTC", 1, D(1), D(50))
    assert not batches


def test_account_events_are_routed_per_account(make_engine: EngineFactory) -> None:
    engine = make_engine()
    router = AccountEvents(engine)
    router.start()
    a, b = (engine.create_account(D(10_000)).id for _ in range(2))
    seen: dict[int, list[object]] = {a: [], b: []}
    remove = router.add(a, seen[a].append)
    router.add(b, seen[b].append)
    engine.submit_order(b, "BTC", -1, D(1), D(100))
    engine.submit_order(a, "BTC", 1, D(1), D(100))
    kinds_a = [type(e).__name__ for e in seen[a]]
    assert "Fill" in kinds_a and "PositionEvent" in kinds_a and "OrderEvent" in kinds_a
    assert all(getattr(e, "account_id", None) == a for e in seen[a])
    remove()
    engine.deposit(a, D(5))
    assert "AccountEvent" not in [type(e).__name__ for e in seen[a]]
    router.stop()
