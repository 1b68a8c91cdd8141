"""The L2 order book every venue uses: snapshot + deltas, continuity checks, exact reads.

Invariants (the tests hold every one):

* Prices and sizes are exact ``Decimal``; a ``float`` is refused at the API. One price sent
  as ``"100.50"`` and as ``"100.5"`` is one level: levels are keyed by value.
* ``ready`` is true only when the book is in sync with the venue (a snapshot was applied and
  every delta since chained by the venue's :class:`ContinuityRule`) **and** not crossed.
  Readers (:meth:`bbo`, :meth:`snapshot`, best/top/depth helpers) raise
  :class:`~exchange_clients.errors.StaleDataError` otherwise: a stale or crossed book is
  never served as live.
* A gap, a crossed update or :meth:`invalidate` puts the book into *awaiting snapshot*:
  later deltas are buffered (up to ``max_buffer``; ``0`` disables buffering) and replayed
  through the rule when the next snapshot arrives, exactly as the venues' "manage a local
  order book" procedures prescribe.

Layout, for speed on the hot path: per side a ``dict`` price → size plus an ascending ``list``
of prices. A size update (most of the traffic) touches only the dict; only an insert or a
delete touches the sorted list (``bisect``, a short memmove). Best bid is ``bid_prices[-1]``,
best ask ``ask_prices[0]``. Wire price strings are parsed once through a bounded
string → Decimal cache; the cache only saves parsing, the levels stay keyed by value.

Counters: ``gaps`` (continuity breaks, including buffer overflows), ``crossed_events``
(updates that left the book crossed) and ``resyncs`` (times an established sync was lost —
gap, crossed or :meth:`invalidate` after a snapshot — so a new snapshot is needed).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Iterable, Sequence
from decimal import Context, Decimal, FloatOperation, Inexact, InvalidOperation
from time import monotonic
from typing import Literal

from exchange_clients.common.book_continuity import (
    BeginNonce,
    ContinuityRule,
    DeltaResult,
    FullSnapshots,
    NextSequence,
    PreviousIdChaining,
    Verdict,
)
from exchange_clients.errors import StaleDataError
from exchange_clients.models import BBO, OrderBookLevel, OrderBookSnapshot, Side

__all__ = [
    "L2OrderBook", "DeltaResult", "ContinuityRule", "NextSequence", "PreviousIdChaining",
    "BeginNonce", "FullSnapshots", "LevelInput", "Verdict",
]

#: One wire level: ``(price, size)`` as strings (as parsed from JSON), ``Decimal`` or ``int``.
LevelInput = Sequence[str | Decimal | int]
Level = tuple[Decimal, Decimal]

_ZERO = Decimal(0)
_BPS = Decimal(10_000)
# Parsing through a private context is faster than Decimal() (no thread-context lookup) and
# traps FloatOperation, so a float can never slip into the book as its binary expansion, and
# Inexact, so a number is never rounded on the way in (60 digits: more than any venue sends).
_PARSE = Context(prec=60, traps=[InvalidOperation, FloatOperation, Inexact])
_parse = _PARSE.create_decimal
# Bounds the per-book string → Decimal price cache (about 200 bytes an entry).
_PRICE_CACHE_MAX = 4096

_APPLIED = DeltaResult.APPLIED
_STALE = DeltaResult.STALE
_GAP = DeltaResult.GAP
_BUFFERED = DeltaResult.BUFFERED
_IGNORED = DeltaResult.IGNORED_NOT_READY

_BufferedDelta = tuple[tuple[LevelInput, ...], tuple[LevelInput, ...], int | None, int | None,
                       int | None]


def _parse_price(raw: object) -> Decimal:
    """Validated parse of one price (the cache-miss path)."""
    if isinstance(raw, bool) or not isinstance(raw, str | Decimal | int):
        raise TypeError(f"price must be a wire string, Decimal or int, not {type(raw).__name__}")
    try:
        price = _parse(raw)
    except ArithmeticError as exc:  # InvalidOperation, Inexact
        raise ValueError(f"price {raw!r} is not an exact number") from exc
    if not price.is_finite() or price <= 0:
        raise ValueError(f"price {raw!r} must be finite and positive")
    return price


def _intern_price(cache: dict[str, Decimal], raw: object) -> Decimal:
    """Parse a price not yet in the cache; remember it if it came as a wire string."""
    price = _parse_price(raw)
    if type(raw) is str:
        if len(cache) >= _PRICE_CACHE_MAX:
            cache.clear()
        cache[raw] = price
    return price


def _bad_size(raw: object) -> Exception:
    if isinstance(raw, float | bool):
        return TypeError(f"size must be a wire string, Decimal or int, not {type(raw).__name__}")
    return ValueError(f"size {raw!r} must be a finite, non-negative number")


#: Sizes are stored as they arrived when they came as wire strings (validated, parsed on read):
#: most levels change many times between two reads of them, so parsing lazily saves most of
#: the Decimal construction on the hot path. A read replaces the string with its Decimal.
Size = Decimal | str


_SIZE_START = frozenset("0123456789.")


def _parse_size(raw: str) -> Decimal:
    """A wire size string parsed exactly and validated (finite, non-negative)."""
    if not raw or raw[0] not in _SIZE_START:
        raise _bad_size(raw)
    try:
        return _parse(raw)
    except ArithmeticError:
        raise _bad_size(raw) from None


def _checked_size(raw: object) -> Size:
    """Validate a non-string size (Decimal/int) exactly; strings are validated in the loop."""
    try:
        size = _parse(raw)  # type: ignore[arg-type]  # floats are trapped (FloatOperation)
    except (ArithmeticError, TypeError):  # InvalidOperation, Inexact, FloatOperation
        raise _bad_size(raw) from None
    if size.is_signed() or not size.is_finite():
        raise _bad_size(raw)
    return size


def _store(updates: Iterable[LevelInput], levels: dict[Decimal, Size], prices: list[Decimal],
           cache: dict[str, Decimal]) -> bool:
    """Apply one side's level changes (price -> size map, ascending prices).

    The hot loop of the module. Returns True if a new price level was inserted. A wire size
    string must be plain digits with at most one ``.`` (no sign, exponent, NaN or infinity);
    it is zero exactly when nothing but ``0`` and ``.`` remains after stripping them.
    """
    inserted = False
    for price_raw, size_raw in updates:
        try:
            price = cache[price_raw]  # type: ignore[index]
        except KeyError:
            price = _intern_price(cache, price_raw)
        if size_raw.__class__ is str:
            # A sign, NaN or infinity is refused here; any other malformation surfaces when the
            # size is first read (the exact parse), which then takes the book out of sync.
            try:
                if size_raw[0] not in _SIZE_START:  # type: ignore[index]
                    raise _bad_size(size_raw)
            except IndexError:
                raise _bad_size(size_raw) from None
            nonzero: object = size_raw.strip("0.")  # type: ignore[union-attr]
            size: Size = size_raw  # type: ignore[assignment]
        else:
            size = nonzero = _checked_size(size_raw)
        if nonzero:
            if price not in levels:
                insort(prices, price)
                inserted = True
            levels[price] = size
        elif price in levels:
            del levels[price]
            del prices[bisect_left(prices, price)]
    return inserted


def _load_side(levels: Iterable[LevelInput], cache: dict[str, Decimal]) -> dict[Decimal, Size]:
    """One side of a snapshot as a price -> size map; the caller sorts its prices once.

    The same validation and semantics as :func:`_store` into an empty side (a later level
    replaces an earlier one at the same price, a zero size removes it), without keeping the
    sorted price list level by level: one ``sorted()`` of a side sent best-first is a single
    run, an insort per level is not. Snapshot-only venues (Hyperliquid) load one per message.
    """
    book: dict[Decimal, Size] = {}
    for price_raw, size_raw in levels:
        try:
            price = cache[price_raw]  # type: ignore[index]
        except KeyError:
            price = _intern_price(cache, price_raw)
        if size_raw.__class__ is str:
            try:
                if size_raw[0] not in _SIZE_START:  # type: ignore[index]
                    raise _bad_size(size_raw)
            except IndexError:
                raise _bad_size(size_raw) from None
            if size_raw.strip("0."):  # type: ignore[union-attr]
                book[price] = size_raw  # type: ignore[assignment]
            else:
                book.pop(price, None)
        else:
            size = _checked_size(size_raw)
            if size:
                book[price] = size
            else:
                book.pop(price, None)
    return book


def _size(levels: dict[Decimal, Size], price: Decimal) -> Decimal:
    """The exact size at ``price``, parsing (once) a size kept as its wire string."""
    size = levels[price]
    if size.__class__ is str:
        try:
            size = levels[price] = _parse(size)
        except ArithmeticError:  # InvalidOperation, Inexact
            raise _MalformedSize(size) from None
    return size  # type: ignore[return-value]


class _MalformedSize(ValueError):
    """A stored wire size turned out not to be an exact number when first read."""


class L2OrderBook:
    """One market's L2 book, kept in sync by ``rule``. Not thread-safe (one event loop)."""

    __slots__ = (
        "venue", "symbol", "_rule", "_max_buffer", "_bids", "_asks", "_bid_px", "_ask_px",
        "_ready", "_synced", "_first_pending", "_seq", "last_update", "_reason", "_buffer",
        "_cache", "gaps", "resyncs", "crossed_events", "_on_first", "_on_next", "_lazy",
    )

    def __init__(self, venue: str, symbol: str, rule: ContinuityRule, *,
                 max_buffer: int = 10_000) -> None:
        if max_buffer < 0:
            raise ValueError("max_buffer must be >= 0")
        self.venue = venue
        self.symbol = symbol
        self._rule = rule
        self._on_first = rule.on_first  # bound once: called on every delta
        self._on_next = rule.on_next
        self._max_buffer = max_buffer
        self._bids: dict[Decimal, Size] = {}
        self._asks: dict[Decimal, Size] = {}
        self._bid_px: list[Decimal] = []      # ascending; best bid last
        self._ask_px: list[Decimal] = []      # ascending; best ask first
        # a best-first snapshot not yet loaded into the maps (full-snapshot venues): the touch
        # is read straight from it; anything deeper loads it once (see apply_snapshot)
        self._lazy: tuple[list[LevelInput], list[LevelInput]] | None = None
        self._ready = False
        self._synced = False                  # a snapshot is in force (possibly crossed since)
        self._first_pending = True            # next delta is judged by rule.on_first
        self._seq: int | None = None
        self.last_update = 0.0
        self._reason: str | None = "awaiting snapshot"
        self._buffer: deque[_BufferedDelta] = deque()
        self._cache: dict[str, Decimal] = {}
        self.gaps = 0
        self.resyncs = 0
        self.crossed_events = 0

    # ---- state ---------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready

    @property
    def sequence(self) -> int | None:
        return self._seq

    @property
    def not_ready_reason(self) -> str | None:
        return self._reason

    @property
    def rule(self) -> ContinuityRule:
        return self._rule

    @property
    def buffered(self) -> int:
        """Deltas held while awaiting a snapshot."""
        return len(self._buffer)

    def __repr__(self) -> str:
        state = "ready" if self._ready else f"not ready ({self._reason})"
        return (f"L2OrderBook({self.venue}:{self.symbol}, {self._rule.name}, seq={self._seq}, "
                f"{len(self._bid_px)}x{len(self._ask_px)} levels, {state})")

    # ---- writers -------------------------------------------------------------------------

    def apply_snapshot(self, bids: Iterable[LevelInput], asks: Iterable[LevelInput],
                       sequence: int | None = None, *, best_first: bool = False) -> None:
        """Replace the book, then replay deltas buffered while awaiting it (per the rule).

        ``best_first=True`` promises bids descending and asks ascending (Hyperliquid's
        ``l2Book``). On a full-snapshot venue such a book is kept as sent and loaded only when
        something deeper than the touch is read: a venue that sends the whole book in every
        message is then read at the cost of its best levels (validated when first read)."""
        if best_first and not self._rule.uses_deltas:
            self._set_lazy(list(bids), list(asks), sequence)
            return
        self._lazy = None
        try:
            (bid_map, bid_px), (ask_map, ask_px) = self._load(bids), self._load(asks)
        except (TypeError, ValueError) as exc:
            self._lose_sync(f"malformed snapshot: {exc}")
            raise
        self._bids, self._bid_px, self._asks, self._ask_px = bid_map, bid_px, ask_map, ask_px
        self._seq = sequence
        self._first_pending = True
        self._synced = True
        self._ready = True
        self._reason = None
        self.last_update = monotonic()
        if self._bid_px and self._ask_px and self._bid_px[-1] >= self._ask_px[0]:
            self._cross()
            return
        pending, self._buffer = self._buffer, deque()
        try:
            while pending and self._ready:
                bid_levels, ask_levels, first, last, prev = pending.popleft()
                self.apply_delta(bid_levels, ask_levels, first=first, last=last, prev=prev)
        finally:
            # Replay stopped on a gap, a cross or a malformed delta: what is left may bracket
            # the next snapshot.
            self._buffer.extend(pending)

    def apply_delta(self, bids: Iterable[LevelInput], asks: Iterable[LevelInput],
                    first: int | None = None, last: int | None = None,
                    prev: int | None = None) -> DeltaResult:
        """Apply one venue message of level changes (absolute sizes; size 0 deletes)."""
        if not self._ready:
            return self._hold(bids, asks, first, last, prev)
        if self._lazy is not None:
            self._materialize()
        if self._first_pending:
            verdict = self._on_first(self._seq, first, last, prev)
        else:
            verdict = self._on_next(self._seq, first, last, prev)  # type: ignore[arg-type]
        if verdict != "apply":
            return self._refuse(verdict, bids, asks, first, last, prev)
        try:
            cache = self._cache
            inserted = _store(bids, self._bids, self._bid_px, cache)
            if _store(asks, self._asks, self._ask_px, cache):
                inserted = True
        except (TypeError, ValueError) as exc:
            # Part of the message may be in the book: it can no longer be trusted.
            self.gaps += 1
            self._lose_sync(f"malformed delta: {exc}")
            raise
        if last is not None:
            self._seq = last
            self._first_pending = False
        self.last_update = monotonic()
        # Only an insert can cross a book: size updates keep prices, deletes remove them.
        if inserted and self._bid_px and self._ask_px and self._bid_px[-1] >= self._ask_px[0]:
            self._cross()
        return _APPLIED

    def invalidate(self, reason: str) -> None:
        """Mark the book not ready until the next snapshot (disconnect, silent feed, ...).
        Buffered deltas are discarded: they belong to the feed being abandoned."""
        self._buffer.clear()
        self._lose_sync(reason)

    # ---- writer internals ----------------------------------------------------------------

    def _load(self, levels: Iterable[LevelInput]) -> tuple[dict[Decimal, Size], list[Decimal]]:
        book = _load_side(levels, self._cache)
        return book, sorted(book)

    def _set_lazy(self, bids: list[LevelInput], asks: list[LevelInput],
                  sequence: int | None) -> None:
        self._lazy = (bids, asks)
        self._seq = sequence
        self._synced = True
        self._ready = True
        self._reason = None
        self.last_update = monotonic()
        try:
            bid, ask = self._lazy_touch(bids), self._lazy_touch(asks)
        except (TypeError, ValueError) as exc:
            self._lazy = None
            self._lose_sync(f"malformed snapshot: {exc}")
            raise
        if bid is not None and ask is not None and bid[0] >= ask[0]:
            self._cross()

    def _lazy_touch(self, levels: list[LevelInput]) -> Level | None:
        """The first level of a best-first side, parsed and validated (zero sizes skipped)."""
        for price_raw, size_raw in levels:
            price = self._cache.get(price_raw)  # type: ignore[call-overload,arg-type]
            if price is None:
                price = _intern_price(self._cache, price_raw)
            size = _checked_size(size_raw) if size_raw.__class__ is not str else _parse_size(size_raw)  # type: ignore[arg-type]
            if size:
                return price, size  # type: ignore[return-value]
        return None

    def _materialize(self) -> None:
        """Load a lazily kept snapshot into the maps (once), for reads beyond the touch."""
        lazy, self._lazy = self._lazy, None
        if lazy is None:
            return
        try:
            (self._bids, self._bid_px), (self._asks, self._ask_px) = (
                self._load(lazy[0]), self._load(lazy[1]))
        except (TypeError, ValueError) as exc:
            self.gaps += 1
            self._lose_sync(f"malformed snapshot: {exc}")
            raise StaleDataError(self.venue, f"{self.symbol} order book not ready: "
                                 f"{self._reason}") from None

    def _hold(self, bids: Iterable[LevelInput], asks: Iterable[LevelInput], first: int | None,
              last: int | None, prev: int | None) -> DeltaResult:
        """A delta while awaiting a snapshot: buffer it for replay, or refuse it."""
        if not self._rule.uses_deltas:
            raise TypeError(f"{self._rule.name} books take apply_snapshot() only, never deltas")
        if self._max_buffer == 0:
            return _IGNORED
        if len(self._buffer) >= self._max_buffer:
            self._buffer.clear()
            self.gaps += 1
            self._reason = f"buffer overflow: more than {self._max_buffer} deltas awaiting a snapshot"
            return _GAP
        self._buffer.append((tuple(bids), tuple(asks), first, last, prev))
        return _BUFFERED

    def _refuse(self, verdict: Verdict, bids: Iterable[LevelInput], asks: Iterable[LevelInput],
                first: int | None, last: int | None, prev: int | None) -> DeltaResult:
        if verdict == "stale":
            return _STALE
        if verdict != "gap":
            raise ValueError(f"{self._rule.name} returned an unknown verdict {verdict!r}")
        self.gaps += 1
        self._lose_sync(f"gap: {self._rule.name} after sequence {self._seq} got "
                        f"first={first} last={last} prev={prev}")
        # The delta that revealed the gap is newer than the book: it may bracket the next
        # snapshot (Binance/Aster step 3 restarts with the stream still buffered).
        if self._max_buffer:
            self._buffer.append((tuple(bids), tuple(asks), first, last, prev))
        return _GAP

    def _cross(self) -> None:
        self.crossed_events += 1
        self._lose_sync("crossed")

    def _lose_sync(self, reason: str) -> None:
        if self._synced:
            self.resyncs += 1
        self._synced = False
        self._ready = False
        self._reason = reason

    # ---- readers -------------------------------------------------------------------------

    def _check(self) -> None:
        if not self._ready:
            raise StaleDataError(self.venue, f"{self.symbol} order book not ready: {self._reason}")

    def _malformed(self, exc: _MalformedSize) -> StaleDataError:
        self.gaps += 1
        self._lose_sync(f"malformed size {exc.args[0]!r}")
        return StaleDataError(self.venue, f"{self.symbol} order book not ready: {self._reason}")

    def _read(self, levels: dict[Decimal, Size], price: Decimal) -> Decimal:
        try:
            return _size(levels, price)
        except _MalformedSize as exc:
            raise self._malformed(exc) from None

    def touch(self) -> tuple[Level | None, Level | None]:
        """``(best_bid(), best_ask())`` in one call (read after every message)."""
        return self.best_bid(), self.best_ask()

    def best_bid(self) -> Level | None:
        """(price, size) of the best bid, ``None`` if there are no bids. Hot path."""
        if not self._ready:
            self._check()
        if self._lazy is not None:
            return self._lazy_touch(self._lazy[0])
        try:
            price = self._bid_px[-1]
        except IndexError:
            return None
        size = self._bids[price]
        if size.__class__ is str:  # inlined _size(): this is read after every message
            try:
                size = self._bids[price] = _parse(size)
            except ArithmeticError:
                raise self._malformed(_MalformedSize(size)) from None
        return price, size  # type: ignore[return-value]

    def best_ask(self) -> Level | None:
        """(price, size) of the best ask, ``None`` if there are no asks. Hot path."""
        if not self._ready:
            self._check()
        if self._lazy is not None:
            return self._lazy_touch(self._lazy[1])
        try:
            price = self._ask_px[0]
        except IndexError:
            return None
        size = self._asks[price]
        if size.__class__ is str:
            try:
                size = self._asks[price] = _parse(size)
            except ArithmeticError:
                raise self._malformed(_MalformedSize(size)) from None
        return price, size  # type: ignore[return-value]

    def top(self, levels: int) -> tuple[list[Level], list[Level]]:
        """Up to ``levels`` levels per side: bids descending, asks ascending."""
        if levels < 0:
            raise ValueError("levels must be >= 0")
        self._check()
        self._materialize()
        bids, asks = self._bids, self._asks
        try:
            return ([(p, _size(bids, p)) for p in self._bid_px[:-levels - 1:-1]],
                    [(p, _size(asks, p)) for p in self._ask_px[:levels]])
        except _MalformedSize as exc:
            raise self._malformed(exc) from None

    def _walk(self, side: Side) -> tuple[dict[Decimal, Size], Iterable[Decimal]]:
        """Levels of one book side from the touch outward (BUY = bids, SELL = asks)."""
        self._materialize()
        if side is Side.BUY:
            return self._bids, reversed(self._bid_px)
        return self._asks, iter(self._ask_px)

    def depth_usd(self, side: Side, within_bps: Decimal) -> Decimal:
        """Quote notional resting on ``side`` (BUY = bids) within ``within_bps`` of its touch."""
        if within_bps < 0:
            raise ValueError("within_bps must be >= 0")
        self._check()
        levels, prices = self._walk(side)
        total = _ZERO
        bound: Decimal | None = None
        for price in prices:
            if bound is None:
                offset = price * within_bps / _BPS
                bound = price - offset if side is Side.BUY else price + offset
            if (price < bound) if side is Side.BUY else (price > bound):
                break
            total += price * self._read(levels, price)
        return total

    def vwap_for_quantity(self, side: Side, quantity: Decimal) -> Decimal | None:
        """Average price to *take* ``quantity`` by a ``side`` order (BUY takes asks); ``None``
        if the book is not that deep. The division rounds in the caller's decimal context."""
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._check()
        levels, prices = self._walk(side.opposite)
        remaining, cost = quantity, _ZERO
        for price in prices:
            take = min(remaining, self._read(levels, price))
            cost += take * price
            remaining -= take
            if not remaining:
                return cost / quantity
        return None

    def quantity_within_price(self, side: Side, limit_price: Decimal) -> Decimal:
        """Base quantity a ``side`` order limited at ``limit_price`` could take (BUY takes asks
        priced at or below the limit; SELL takes bids at or above it)."""
        self._check()
        levels, prices = self._walk(side.opposite)
        total = _ZERO
        for price in prices:
            if (price > limit_price) if side is Side.BUY else (price < limit_price):
                break
            total += self._read(levels, price)
        return total

    def snapshot(self, levels: int = 10, *,
                 source: Literal["ws", "rest"] = "ws") -> OrderBookSnapshot:
        """Top ``levels`` per side as the contract model, stamped now (the book is in sync as of
        this read) with the book's sequence."""
        bids, asks = self.top(levels)
        return OrderBookSnapshot(
            venue=self.venue, symbol=self.symbol, sequence=self._seq, source=source,
            bids=tuple(OrderBookLevel(price=p, size=s) for p, s in bids),
            asks=tuple(OrderBookLevel(price=p, size=s) for p, s in asks))

    def bbo(self, *, source: Literal["ws", "rest"] = "ws") -> BBO:
        """Best bid and ask (``None`` on an empty side) as the contract model."""
        bid, ask = self.best_bid(), self.best_ask()
        return BBO(venue=self.venue, symbol=self.symbol, source=source,
                   bid=bid[0] if bid else None, bid_size=bid[1] if bid else None,
                   ask=ask[0] if ask else None, ask_size=ask[1] if ask else None)
