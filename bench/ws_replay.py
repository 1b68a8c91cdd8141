"""A replay server for ``bench_ws_ingest``: one venue's order-book stream, pre-encoded in that
venue's wire format, sent as fast as the socket takes it.

The simulator's engine produces book changes at engine speed (tens of thousands per second),
far below what a client must ingest in a burst, so the ingest benchmark replays a seeded
stream instead: the same generator as ``bench_order_book`` (a 200-level snapshot, then 1–8
level changes per message), formatted per venue with that venue's sequence fields. It runs in
its own process so that producing the stream does not share a core with the consumer.

    python -m bench.ws_replay --venue lighter --updates 200000 --seed 7 --port 0
    # prints "READY <port>" once listening
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from bench.bench_order_book import Stream, generate

Wire = list[list[str]]


@dataclass(frozen=True)
class VenueFormat:
    """How one venue puts a book on the wire. ``snapshot`` is ``None`` for venues whose
    snapshot comes from REST (the benchmark hands it to the feed directly)."""

    market_key: str
    snapshot: Callable[[Stream], str] | None
    delta: Callable[[Wire, Wire, int, int, int], str] | None
    #: venues whose deltas depend on the book so far (Paradex: inserts vs updates) or that
    #: number messages consecutively build every frame themselves
    frames: Callable[[Stream], tuple[str | None, list[str]]] | None = None


def _levels(levels: Wire) -> list[dict[str, str]]:
    return [{"price": p, "size": s} for p, s in levels]


def _lighter_snapshot(stream: Stream) -> str:
    return json.dumps({"channel": "order_book:1", "type": "subscribed/order_book", "offset": 1,
                       "order_book": {"code": 0, "asks": _levels(stream.asks),
                                      "bids": _levels(stream.bids), "offset": 1,
                                      "nonce": stream.sequence, "begin_nonce": 0},
                       "timestamp": 1795316000062})


def _lighter_delta(bids: Wire, asks: Wire, first: int, last: int, prev: int) -> str:
    return json.dumps({"channel": "order_book:1", "offset": last, "type": "update/order_book",
                       "order_book": {"code": 0, "asks": _levels(asks), "bids": _levels(bids),
                                      "offset": last, "nonce": last, "begin_nonce": prev,
                                      "last_updated_at": 1795316000050150},
                       "last_updated_at": 1795316000050150, "timestamp": 1795316000062},
                      separators=(",", ":"))


def _backpack_delta(bids: Wire, asks: Wire, first: int, last: int, prev: int) -> str:
    # depth.<symbol>: U/u are the first/last update ids (U == previous u + 1), E/T in µs;
    # the snapshot comes from REST (/api/v1/depth), so the benchmark hands it to the feed
    return json.dumps({"stream": "depth.BTC", "data": {
        "e": "depth", "E": 1795316000050150, "T": 1795316000050100, "s": "BTC",
        "a": asks, "b": bids, "U": first, "u": last}}, separators=(",", ":"))


def _aster_delta(bids: Wire, asks: Wire, first: int, last: int, prev: int) -> str:
    # <symbol>@depth@100ms on /ws (raw payloads): U/u first/last update ids, pu = the previous
    # event's u; the snapshot comes from REST (/fapi/v3/depth), so the benchmark hands it over
    return json.dumps({"e": "depthUpdate", "E": 1795316000050, "T": 1795316000049,
                       "s": "BTCUSDT", "U": first, "u": last, "pu": prev, "b": bids, "a": asks},
                      separators=(",", ":"))


def _paradex_rpc(data: dict[str, Any]) -> str:
    return json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": {
        "channel": "order_book.BTC.deltas", "data": data}}, separators=(",", ":"))


def _paradex_level(side: str, price: str, size: str) -> dict[str, str]:
    return {"side": side, "price": price, "size": size}


def _paradex_snapshot(stream: Stream) -> str:
    inserts = [_paradex_level("BUY", p, s) for p, s in stream.bids]
    inserts += [_paradex_level("SELL", p, s) for p, s in stream.asks]
    return _paradex_rpc({"seq_no": stream.sequence, "market": "BTC",
                         "last_updated_at": 1795316000050, "update_type": "s",
                         "inserts": inserts, "updates": [], "deletes": []})


def _paradex_frames(stream: Stream) -> tuple[str | None, list[str]]:
    """``order_book.{m}.deltas``: one ``seq_no`` per message (previous + 1), levels split into
    ``inserts`` (new price), ``updates`` (new size) and ``deletes``, as the venue sends them."""
    books = {"BUY": {float(p) for p, _ in stream.bids}, "SELL": {float(p) for p, _ in stream.asks}}
    seq = stream.sequence
    out: list[str] = []
    for chunk in stream.chunks:
        for bids, asks, _first, _last in json.loads(chunk):
            seq += 1
            inserts: list[dict[str, str]] = []
            updates: list[dict[str, str]] = []
            deletes: list[dict[str, str]] = []
            for side, levels in (("BUY", bids), ("SELL", asks)):
                known = books[side]
                for price, size in levels:
                    key = float(price)
                    if float(size) == 0:
                        known.discard(key)
                        deletes.append(_paradex_level(side, price, size))
                    elif key in known:
                        updates.append(_paradex_level(side, price, size))
                    else:
                        known.add(key)
                        inserts.append(_paradex_level(side, price, size))
            out.append(_paradex_rpc({"seq_no": seq, "market": "BTC",
                                     "last_updated_at": 1795316000050, "update_type": "d",
                                     "inserts": inserts, "updates": updates, "deletes": deletes}))
    return _paradex_snapshot(stream), out


#: Hyperliquid ``l2Book`` carries at most 20 levels per side
HL_DEPTH = 20


def _ticks(price: str) -> int:
    whole, _, frac = price.partition(".")
    return int(whole) * 10 + int((frac + "0")[0])


def _hl_frame(bids: dict[int, str], asks: dict[int, str], time_ms: int) -> str:
    """A whole ``l2Book`` book (Hyperliquid sends no deltas): top 20 bids down, asks up."""
    def side(levels: dict[int, str], best: Callable[..., list[int]]) -> list[dict[str, Any]]:
        return [{"px": f"{t // 10}.{t % 10}", "sz": levels[t], "n": 1}
                for t in best(HL_DEPTH, levels)]
    return json.dumps({"channel": "l2Book", "data": {"coin": "BTC", "time": time_ms, "levels": [
        side(bids, heapq.nlargest), side(asks, heapq.nsmallest)]}}, separators=(",", ":"))


def _hl_book(stream: Stream) -> tuple[dict[int, str], dict[int, str]]:
    return ({_ticks(p): s for p, s in stream.bids}, {_ticks(p): s for p, s in stream.asks})


def _hl_snapshot(stream: Stream) -> str:
    return _hl_frame(*_hl_book(stream), 1795316000000)


def _hl_frames(stream: Stream) -> tuple[str | None, list[str]]:
    """Every generator message becomes the whole top-20 book after it, as ``l2Book`` pushes."""
    bids, asks = _hl_book(stream)
    out: list[str] = []
    time_ms = 1795316000000
    for chunk in stream.chunks:
        for bid_levels, ask_levels, _first, _last in json.loads(chunk):
            for levels, changes in ((bids, bid_levels), (asks, ask_levels)):
                for price, size in changes:
                    if float(size) == 0:
                        levels.pop(_ticks(price), None)
                    else:
                        levels[_ticks(price)] = size
            time_ms += 1
            out.append(_hl_frame(bids, asks, time_ms))
    return _hl_snapshot(stream), out


#: venue → format; each venue's client package work adds its own entry
FORMATS: dict[str, VenueFormat] = {
    "lighter": VenueFormat("1", _lighter_snapshot, _lighter_delta),
    "backpack": VenueFormat("BTC", None, _backpack_delta),
    "aster": VenueFormat("BTCUSDT", None, _aster_delta),
    "paradex": VenueFormat("BTC", _paradex_snapshot, None, _paradex_frames),
    "hyperliquid": VenueFormat("BTC", _hl_snapshot, None, _hl_frames),
}


def frames(venue: str, stream: Stream) -> tuple[str | None, list[str]]:
    fmt = FORMATS[venue]
    if fmt.frames is not None:
        return fmt.frames(stream)
    assert fmt.delta is not None
    deltas: list[str] = []
    prev = stream.sequence
    for chunk in stream.chunks:
        for bids, asks, first, last in json.loads(chunk):
            deltas.append(fmt.delta(bids, asks, first, last, prev))
            prev = last
    return (fmt.snapshot(stream) if fmt.snapshot else None), deltas


async def serve(venue: str, updates: int, seed: int, port: int) -> None:
    snapshot, deltas = frames(venue, generate(updates, seed))

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        first = await ws.receive()  # the client's subscription (any frame)
        if first.type is WSMsgType.TEXT:
            if snapshot is not None:
                await ws.send_str(snapshot)
            for frame in deltas:
                await ws.send_str(frame)
        async for _ in ws:  # keep the socket open until the client leaves
            pass
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"READY {bound}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venue", required=True, choices=sorted(FORMATS))
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.venue, args.updates, args.seed, args.port))
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
