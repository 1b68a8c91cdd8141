"""Order-book throughput: our exact-Decimal ``L2OrderBook`` against ccxt's ``OrderBookSide`` and
a naive dict-per-side book, on one seeded, pre-generated venue-shaped stream.

Stream: a 200-level snapshot per side (tick 0.1, lot 0.001, around 60,000), then messages of
1–8 level changes, mostly near the touch (distance from the touch ~ exponential, mean ~7
levels); ~70 % size updates, 15 % deletes, 15 % inserts; prices and sizes as wire strings,
about 3 % of them formatted differently (trailing zeros, ``"0.000"`` deletes). Each message
carries Backpack-style ids (``U == previous u + 1``). After every message the best bid and
best ask are read.

The stream is generated once and kept as JSON text in chunks of 10,000 messages. Contenders
run in one process, interleaved chunk by chunk in rotating order. Two modes, timed in the same
run: *fresh* (the judged figure) decodes the chunk anew for every run — new string objects,
as a socket delivers them; *reused* decodes once and hands the same objects to every run
(which favours ours: the str hashes its price cache computed survive). Reported rate: per
chunk the fastest of ``--repeat`` runs, summed.

Contenders:

* ``ours`` — ``L2OrderBook.apply_delta(bids, asks, first=U, last=u)`` with ``NextSequence``
  (continuity checked and the result inspected, as a venue client does), then
  ``best_bid()`` / ``best_ask()``.
* ``ccxt`` — ``ccxt.async_support.base.ws.order_book_side.Bids/Asks``, fed as ccxt's own
  handlers do (``store(float(price), float(amount))``; ccxt pro's binance goes through
  ``safe_float`` which is slower, so this favours ccxt); best read as users do:
  ``bids[0] if len(bids) else None``. No continuity checks.
* ``naive`` — ``dict`` per side keyed by ``Decimal`` price, ``max``/``min`` on read.

Correctness cross-check: after a run, the top levels of ``ours`` equal the naive book's (exact
Decimal) and the generator's own book; ccxt's equal them as floats.

    python -m bench.bench_order_book [--updates N] [--seed S] [--repeat R]
                                     [--modes fresh,reused] [--no-doc]
"""

from __future__ import annotations

import argparse
import bisect
import gc
import json
import random
import statistics
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Any

from bench._common import write_result
from exchange_clients.common.order_book import DeltaResult, L2OrderBook, NextSequence

Wire = list[list[str]]
Message = tuple[Wire, Wire, int, int]  # bids, asks, U (first id), u (last id)

TARGET_VS_CCXT = 2.0
SNAPSHOT_LEVELS = 200
MID_TICKS = 600_000          # 60,000.0 with a 0.1 tick
CHECK_LEVELS = 50
DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
SECTION = "## Order book (bench/bench_order_book.py)"


# ---- the stream --------------------------------------------------------------------------

@dataclass
class Stream:
    bids: Wire
    asks: Wire
    sequence: int
    chunks: list[str]            # JSON arrays of messages, decoded afresh before each run
    messages: int
    level_updates: int
    truth_bids: dict[int, int]   # ticks -> lots, the generator's own final book
    truth_asks: dict[int, int]


def _price(ticks: int, rng: random.Random) -> str:
    text = f"{ticks // 10}.{ticks % 10}"
    return text + "0" if rng.random() < 0.03 else text


def _size(lots: int, rng: random.Random) -> str:
    if lots == 0:
        return "0.000" if rng.random() < 0.03 else "0"
    text = f"{lots // 1000}.{lots % 1000:03d}"
    return text + "00" if rng.random() < 0.03 else text


class _SideGen:
    """One side of the generator's true book, in integer ticks and lots."""

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, int] = {}
        self.ticks: list[int] = []   # ascending

    def touch(self) -> int:
        return self.ticks[-1] if self.is_bid else self.ticks[0]

    def nth_from_touch(self, n: int) -> int:
        n = min(n, len(self.ticks) - 1)
        return self.ticks[-1 - n] if self.is_bid else self.ticks[n]

    def set(self, tick: int, lots: int) -> None:
        if lots:
            if tick not in self.levels:
                bisect.insort(self.ticks, tick)
            self.levels[tick] = lots
        elif tick in self.levels:
            del self.levels[tick]
            del self.ticks[bisect.bisect_left(self.ticks, tick)]


def _change(side: _SideGen, other: _SideGen, rng: random.Random,
            touched: set[int]) -> tuple[int, int] | None:
    """One level change (tick, new lots) near the touch, or None if no fresh level was found.

    Depth is held between 180 and 220 levels by turning a delete into an insert (or the
    reverse) at the bounds, which keeps the 70/15/15 mix on average.
    """
    roll = rng.random()
    if roll >= 0.70:
        insert = roll >= 0.85
        if len(side.ticks) <= SNAPSHOT_LEVELS - 20:
            insert = True
        elif len(side.ticks) >= SNAPSHOT_LEVELS + 20:
            insert = False
        if insert:  # a new price level, at or behind the best price the other side allows
            step = -1 if side.is_bid else 1
            tick = other.touch() + step + step * int(rng.expovariate(0.12))
            while tick in side.levels or tick in touched:
                tick += step
            return tick, rng.randint(1, 50_000)
    for _ in range(8):
        tick = side.nth_from_touch(int(rng.expovariate(0.15)))
        if tick not in touched:
            return tick, (rng.randint(1, 50_000) if roll < 0.70 else 0)
    return None


def generate(updates: int, seed: int, chunk_messages: int = 10_000) -> Stream:
    rng = random.Random(seed)
    bid_gen, ask_gen = _SideGen(True), _SideGen(False)
    tick = MID_TICKS - 1
    for _ in range(SNAPSHOT_LEVELS):
        bid_gen.set(tick, rng.randint(1, 50_000))
        tick -= rng.randint(1, 3)
    tick = MID_TICKS + 1
    for _ in range(SNAPSHOT_LEVELS):
        ask_gen.set(tick, rng.randint(1, 50_000))
        tick += rng.randint(1, 3)
    snap_bids = [[_price(t, rng), _size(s, rng)] for t, s in bid_gen.levels.items()]
    snap_asks = [[_price(t, rng), _size(s, rng)] for t, s in ask_gen.levels.items()]
    sequence = last_id = 1_000_000
    chunks: list[str] = []
    batch: list[Message] = []
    count = messages = 0
    while count < updates:
        wire: tuple[Wire, Wire] = ([], [])
        touched: tuple[set[int], set[int]] = (set(), set())
        for _ in range(rng.randint(1, 8)):
            b = rng.random() < 0.5
            side, other = (bid_gen, ask_gen) if b else (ask_gen, bid_gen)
            change = _change(side, other, rng, touched[0 if b else 1])
            if change is None:
                continue
            tick, lots = change
            side.set(tick, lots)
            touched[0 if b else 1].add(tick)
            wire[0 if b else 1].append([_price(tick, rng), _size(lots, rng)])
            count += 1
        if wire[0] or wire[1]:
            first = last_id + 1
            last_id = first + rng.randint(0, 3)  # a message may cover several update ids
            batch.append((wire[0], wire[1], first, last_id))
            messages += 1
        if len(batch) >= chunk_messages or (count >= updates and batch):
            chunks.append(json.dumps(batch, separators=(",", ":")))
            batch = []
    return Stream(snap_bids, snap_asks, sequence, chunks, messages, count,
                  dict(bid_gen.levels), dict(ask_gen.levels))


# ---- the contenders ----------------------------------------------------------------------
# Each keeps its book across the chunks of one repeat; run() times one decoded chunk.

Levels = list[tuple[Any, Any]]


class Ours:
    name = "ours"

    def __init__(self, stream: Stream) -> None:
        self.book = L2OrderBook("bench", "BTC", NextSequence())
        self.book.apply_snapshot(stream.bids, stream.asks, stream.sequence)

    def run(self, messages: list[Message]) -> float:
        book = self.book
        apply, best_bid, best_ask = book.apply_delta, book.best_bid, book.best_ask
        applied = DeltaResult.APPLIED
        refused = 0
        start = perf_counter()
        for bids, asks, first, last in messages:
            if apply(bids, asks, first=first, last=last) is not applied:
                refused += 1
            best_bid()
            best_ask()
        elapsed = perf_counter() - start
        if refused or not book.ready:
            raise AssertionError(f"our book refused {refused} deltas: {book!r}")
        return elapsed

    def top(self, n: int) -> tuple[Levels, Levels]:
        return self.book.top(n)


class Ccxt:
    name = "ccxt"

    def __init__(self, stream: Stream) -> None:
        from ccxt.async_support.base.ws.order_book_side import Asks, Bids

        self.bids, self.asks = Bids(), Asks()
        for price, size in stream.bids:
            self.bids.store(float(price), float(size))
        for price, size in stream.asks:
            self.asks.store(float(price), float(size))

    def run(self, messages: list[Message]) -> float:
        bids, asks = self.bids, self.asks
        store_bid, store_ask = bids.store, asks.store
        start = perf_counter()
        for bid_levels, ask_levels, _first, _last in messages:
            for price, size in bid_levels:
                store_bid(float(price), float(size))
            for price, size in ask_levels:
                store_ask(float(price), float(size))
            _bb = bids[0] if len(bids) else None
            _ba = asks[0] if len(asks) else None
        return perf_counter() - start

    def top(self, n: int) -> tuple[Levels, Levels]:
        return ([(p, s) for p, s in list(self.bids)[:n]], [(p, s) for p, s in list(self.asks)[:n]])


def _naive_apply(side: dict[Decimal, Decimal], levels: Wire) -> None:
    for price, size in levels:
        value = Decimal(size)
        if value:
            side[Decimal(price)] = value
        else:
            side.pop(Decimal(price), None)


class Naive:
    name = "naive"

    def __init__(self, stream: Stream) -> None:
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        _naive_apply(self.bids, stream.bids)
        _naive_apply(self.asks, stream.asks)

    def run(self, messages: list[Message]) -> float:
        bids, asks = self.bids, self.asks
        start = perf_counter()
        for bid_levels, ask_levels, _first, _last in messages:
            _naive_apply(bids, bid_levels)
            _naive_apply(asks, ask_levels)
            _bb = max(bids) if bids else None
            _ba = min(asks) if asks else None
        return perf_counter() - start

    def top(self, n: int) -> tuple[Levels, Levels]:
        return ([(p, self.bids[p]) for p in sorted(self.bids, reverse=True)[:n]],
                [(p, self.asks[p]) for p in sorted(self.asks)[:n]])


Contender = Ours | Ccxt | Naive
ContenderType = type[Ours] | type[Ccxt] | type[Naive]
# "fresh": every run decodes its chunk anew — new string objects, as a socket delivers them,
# so no str hash computed by an earlier run is reused (that favours ours only: its price
# cache hashes the string; float() and Decimal() do not). "reused": one decode per chunk,
# the same objects handed to every run (the naive book is left out: nothing there to reuse).
MODES: dict[str, tuple[ContenderType, ...]] = {"fresh": (Ours, Ccxt, Naive), "reused": (Ours, Ccxt)}
Times = dict[str, dict[str, list[list[float]]]]   # times[mode][name][repeat][chunk]


def measure(stream: Stream, repeat: int,
            modes: list[str]) -> tuple[Times, list[tuple[str, Contender]]]:
    """Run every (mode, contender) interleaved chunk by chunk, in rotating order. Whatever is
    alive before a run (the stream, the decoded chunk) is frozen out of the garbage
    collector's way, so no contender pays for scanning the benchmark's own data."""
    shared = [json.loads(chunk) for chunk in stream.chunks] if "reused" in modes else []
    times: Times = {mode: {cls.name: [] for cls in MODES[mode]} for mode in modes}
    runs: list[tuple[str, Contender]] = []
    for _ in range(repeat):
        runs = [(mode, cls(stream)) for mode in modes for cls in MODES[mode]]
        for mode, contender in runs:
            times[mode][contender.name].append([])
        for index, chunk in enumerate(stream.chunks):
            shift = index % len(runs)
            for mode, contender in runs[shift:] + runs[:shift]:
                messages = shared[index] if mode == "reused" else json.loads(chunk)
                gc.collect()
                gc.freeze()
                times[mode][contender.name][-1].append(contender.run(messages))
                del messages
        print("  " + "  ".join(f"{name}/{mode} {stream.level_updates / sum(t[-1]):>10,.0f}/s"
                               for mode, by_name in times.items() for name, t in by_name.items()),
              flush=True)
    gc.unfreeze()
    return times, runs


# ---- cross-check and report --------------------------------------------------------------

def cross_check(stream: Stream, runs: list[tuple[str, Contender]]) -> dict[str, Any]:
    n = CHECK_LEVELS
    tops = {f"{c.name}/{mode}": c.top(n) for mode, c in runs}
    lot, tick = Decimal("0.001"), Decimal("0.1")
    truth = ([(t * tick, s * lot) for t, s in sorted(stream.truth_bids.items(), reverse=True)[:n]],
             [(t * tick, s * lot) for t, s in sorted(stream.truth_asks.items())[:n]])
    as_float = tuple([(float(p), float(s)) for p, s in side] for side in truth)
    ours = [top for name, top in tops.items() if name.startswith("ours/")]
    ccxt = [top for name, top in tops.items() if name.startswith("ccxt/")]
    checks = {
        "ours_equals_naive": tops["naive/fresh"] == truth and all(top == truth for top in ours),
        "ours_equals_generator": all(top == truth for top in ours),
        "ccxt_equals_naive_as_float": all(top == as_float for top in ccxt),
        "levels_compared_per_side": n,
    }
    if not (checks["ours_equals_naive"] and checks["ours_equals_generator"]):
        raise AssertionError(f"order book cross-check failed: {checks}")
    return checks


def summarize(times: dict[str, list[list[float]]], stream: Stream) -> dict[str, Any]:
    """Best = per chunk the fastest repeat (noise only ever adds time), summed."""
    best_s = {k: sum(min(run[i] for run in v) for i in range(len(v[0]))) for k, v in times.items()}
    median_s = {k: statistics.median(sum(run) for run in v) for k, v in times.items()}
    best = {k: stream.level_updates / t for k, t in best_s.items()}
    median = {k: stream.level_updates / t for k, t in median_s.items()}
    out: dict[str, Any] = {
        "level_updates_per_s": {k: round(v) for k, v in best.items()},
        "median_level_updates_per_s": {k: round(v) for k, v in median.items()},
        "us_per_message": {k: round(t / stream.messages * 1e6, 3) for k, t in best_s.items()},
    }
    for other in ("ccxt", "naive"):
        if other in best:
            out[f"ratio_ours_vs_{other}"] = round(best["ours"] / best[other], 3)
            out[f"median_ratio_ours_vs_{other}"] = round(median["ours"] / median[other], 3)
    return out


def _row(figures: dict[str, Any], name: str, label: str) -> str:
    fresh, reused = figures["fresh"], figures.get("reused", {})
    again = reused.get("level_updates_per_s", {}).get(name)
    return (f"| {label} | {fresh['level_updates_per_s'][name]:,.0f} | "
            f"{fresh['median_level_updates_per_s'][name]:,.0f} | "
            f"{fresh['us_per_message'][name]:.2f} µs | "
            f"{'—' if again is None else f'{again:,.0f}'} |")


def write_doc(figures: dict[str, Any]) -> None:
    fresh, reused = figures["fresh"], figures.get("reused")
    target = figures["target_ours_vs_ccxt"]
    reuse_line = ("" if reused is None else
                  f" With decoded objects reused across runs: **{reused['ratio_ours_vs_ccxt']:.2f}×**"
                  f" (median runs {reused['median_ratio_ours_vs_ccxt']:.2f}×).")
    body = "\n".join([
        SECTION,
        "",
        f"Stream: {figures['level_updates']:,} level updates in {figures['messages']:,} messages "
        f"(seed {figures['seed']}): a 200-level snapshot per side, then 1–8 changes per message, "
        "mostly near the touch (~70 % size updates, 15 % deletes, 15 % inserts; depth held near "
        "200 levels), prices and sizes as wire strings, ~3 % formatted differently (trailing "
        "zeros, `\"0.000\"` deletes). Best bid and ask read after every message. All contenders "
        f"in one process, interleaved over {figures['chunks']} chunks in rotating order, "
        f"{figures['repeat']} repeats. *Fresh*: each run decodes its chunk from JSON anew (new "
        "string objects, as from a socket); *reused*: one decode shared by all runs, which "
        "favours ours (string hashes cached from an earlier run).",
        "",
        "| book | fresh: level updates/s (best) | fresh: median run | fresh: per message "
        "(incl. 2 reads) | reused: level updates/s (best) |",
        "|---|---:|---:|---:|---:|",
        _row(figures, "ours", "ours: `L2OrderBook`, exact Decimal, `NextSequence` checked"),
        _row(figures, "ccxt", "ccxt `OrderBookSide`, `store(float(p), float(s))`, unchecked"),
        _row(figures, "naive", "naive: dict per side (Decimal), `max`/`min` on read"),
        "",
        f"- **ours / ccxt = {fresh['ratio_ours_vs_ccxt']:.2f}×** (median runs "
        f"{fresh['median_ratio_ours_vs_ccxt']:.2f}×).{reuse_line} Target ≥ {target:.1f}×: "
        f"**{'met' if figures['target_met'] else 'not met'}** (judged on *fresh*).",
        f"- ours / naive = {fresh['ratio_ours_vs_naive']:.2f}× "
        f"(median runs {fresh['median_ratio_ours_vs_naive']:.2f}×).",
        f"- Cross-check: final top {CHECK_LEVELS} levels per side of every `L2OrderBook` run == "
        "naive == the generator's own book (exact Decimal): "
        f"{figures['cross_check']['ours_equals_naive']}; ccxt equals them as floats: "
        f"{figures['cross_check']['ccxt_equals_naive_as_float']}.",
        "- Where the time goes: exact parsing dominated the first version (a `Decimal` from a "
        "fresh wire string costs about twice a `float()`). Sizes are therefore kept as their "
        "validated wire string and parsed exactly only when a reader first touches that level "
        "(after every message that is the touch, not the 3–4 other levels that changed), which "
        "took the ratio from ~1.8× to ~2×. Prices go through a bounded string → Decimal cache "
        "and key the levels by value. The book operations are cheaper than ccxt's: a size "
        "update is a dict lookup and store, no bisect, while ccxt makes two Python-level calls "
        "and a bisect per level and Python-level `__len__`/`__getitem__` per read. Ours also "
        "checks continuity, inspects the result and stamps `last_update` per message.",
        f"- Machine: {figures['machine_note']} Compare ratios from one run, not absolute rates "
        "across runs.",
        f"- Reproduce: `.venv/bin/python -m bench.bench_order_book --updates "
        f"{figures['level_updates_requested']} --seed {figures['seed']} --repeat "
        f"{figures['repeat']}` (JSON: `bench/results/order_book.json`; `--modes fresh` halves "
        "the run time).",
        "",
    ])
    text = DOC.read_text() if DOC.exists() else (
        "# Performance\n\nBenchmarks live in `bench/` (`make bench`); each writes "
        "`bench/results/<name>.json`. The machine is small and shared, so figures are noisy: "
        "compare the ratios measured within one run, not absolute rates across runs.\n")
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + body + (text[end + 1:] if end != -1 else "")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="fresh,reused",
                        help="comma-separated: fresh (always run; the judged figure), reused")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/PERFORMANCE.md")
    args = parser.parse_args(argv)
    modes = ["fresh"] + [m for m in args.modes.split(",") if m and m != "fresh"]
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown modes: {sorted(unknown)}")

    started = perf_counter()
    stream = generate(args.updates, args.seed)
    print(f"generated {stream.level_updates:,} level updates in {stream.messages:,} messages, "
          f"{len(stream.chunks)} chunks ({perf_counter() - started:.1f} s)", flush=True)
    times, runs = measure(stream, args.repeat, modes)
    checks = cross_check(stream, runs)
    figures: dict[str, Any] = {
        "level_updates": stream.level_updates,
        "level_updates_requested": args.updates,
        "messages": stream.messages,
        "chunks": len(stream.chunks),
        "seed": args.seed,
        "repeat": args.repeat,
        **{mode: summarize(times[mode], stream) for mode in modes},
        "target_ours_vs_ccxt": TARGET_VS_CCXT,
        "cross_check": checks,
        "machine_note": "2 vCPUs shared with other engineers' jobs (noisy); CPython "
                        f"{sys.version.split()[0]}.",
    }
    figures["ratio_ours_vs_ccxt"] = figures["fresh"]["ratio_ours_vs_ccxt"]
    figures["ratio_ours_vs_naive"] = figures["fresh"]["ratio_ours_vs_naive"]
    figures["target_met"] = figures["ratio_ours_vs_ccxt"] >= TARGET_VS_CCXT
    write_result("order_book", figures)
    if not args.no_doc:
        write_doc(figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
