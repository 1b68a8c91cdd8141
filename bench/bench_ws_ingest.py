"""WebSocket ingest: messages/s through our connection, parser and book to a BBO callback,
against the floor of a bare aiohttp client that only JSON-decodes the same stream; plus order
submissions/s through our client against the simulator, with signing time reported apart.

Ingest: a replay server (``bench/ws_replay.py``, its own process) sends a seeded book stream in
the venue's wire format as fast as the socket takes it. Both consumers read the same frames
from a fresh connection; runs alternate and the best of ``--repeat`` counts. *Added latency*
is the time our pipeline spends on each message (parse, continuity check, book update, BBO
listener), from the frame handed over by the socket to the callback returning.

Submissions: ``perpdex sim up`` for the venue runs in its own process; one client places
``--orders`` passive limit orders, sequentially and then 25 at a time, and cancels them.

    python -m bench.bench_ws_ingest --venue lighter [--updates 200000] [--orders 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench._common import write_result
from bench.bench_order_book import generate
from bench.ws_replay import FORMATS
from exchange_clients.common.market_feed import BookSnapshotMsg, MarketFeedManager
from exchange_clients.models import BBO, MarketInfo
from exchange_clients.registry import public_config_model, websocket_manager_class

ROOT = Path(__file__).resolve().parents[1]
TARGET_SHARE_OF_FLOOR = 0.5
TARGET_P99_MS = 1.0


def _market(venue: str, key: str) -> MarketInfo:
    return MarketInfo(venue=venue, symbol="BTC", venue_symbol="BTC", market_id=key, base_asset="BTC",
                      tick_size=Decimal("0.1"), step_size=Decimal("0.001"), min_size=Decimal(0),
                      min_notional=Decimal(0), max_leverage=Decimal(20), maker_fee=Decimal(0),
                      taker_fee=Decimal(0), funding_interval_hours=Decimal(1))


def start_replay(venue: str, updates: int, seed: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.ws_replay", "--venue", venue,
                             "--updates", str(updates), "--seed", str(seed)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        raise RuntimeError(f"replay server failed to start: {line!r}")
    return proc, f"ws://127.0.0.1:{line.split()[1]}/ws"


async def floor_run(url: str, expected: int, loads: Any = orjson.loads) -> float:
    """Bare aiohttp client: receive and JSON-decode every frame. Returns messages/s.
    The judged floor decodes with orjson, as our pipeline does; the stdlib ``json`` floor is
    reported beside it for scale (it is the ~150k msg/s figure the target was set against)."""
    async with aiohttp.ClientSession() as session, session.ws_connect(url, max_msg_size=0) as ws:
        await ws.send_str('{"subscribe":true}')
        count, start = 0, 0.0
        async for msg in ws:
            loads(msg.data)
            if count == 0:
                start = time.perf_counter()
            count += 1
            if count == expected:
                break
        return (count - 1) / (time.perf_counter() - start)


async def ours_run(venue: str, url: str, expected: int, stream: Any) -> dict[str, Any]:
    fmt = FORMATS[venue]
    market = _market(venue, fmt.market_key)

    async def resolve(symbol: str) -> MarketInfo:
        return market

    config = public_config_model(venue).model_validate(
        {"rest_url": "http://127.0.0.1:9", "ws_url": url, "rate_limit_tier": "unlimited",
         "ws_stale_after": 120})
    manager = websocket_manager_class(venue)(config, resolve_market=resolve)  # type: ignore[call-arg]
    assert isinstance(manager, MarketFeedManager)
    if fmt.snapshot is None:  # REST-snapshot venues: hand the feed the snapshot directly
        snap = BookSnapshotMsg(fmt.market_key, stream.bids, stream.asks, stream.sequence)

        async def rest_snapshot(_: MarketInfo) -> BookSnapshotMsg:
            return snap
        manager.feed.rest_snapshot = rest_snapshot  # type: ignore[method-assign]
    callbacks = 0

    def on_bbo(_: BBO) -> None:
        nonlocal callbacks
        callbacks += 1

    manager.add_bbo_listener(on_bbo)
    latencies: list[int] = []
    handler = manager.connection._on_message
    marks: list[float] = []
    done = asyncio.Event()

    async def timed(raw: str | bytes) -> None:
        started = time.perf_counter_ns()
        pending = handler(raw)  # book messages are handled synchronously: None
        if pending is not None:
            await pending
        latencies.append(time.perf_counter_ns() - started)
        if len(latencies) == 1 or len(latencies) == expected:
            marks.append(time.perf_counter())
            if len(latencies) == expected:
                done.set()

    manager.connection._on_message = timed
    await manager.connect()
    await manager.prepare_market_feed("BTC")
    try:
        await asyncio.wait_for(done.wait(), 300)
        book = manager.book("BTC")
        top = book.top(5)
        ready = book.ready
    finally:
        await manager.disconnect()
    lot, tick = Decimal("0.001"), Decimal("0.1")
    truth = ([(t * tick, s * lot) for t, s in sorted(stream.truth_bids.items(), reverse=True)[:5]],
             [(t * tick, s * lot) for t, s in sorted(stream.truth_asks.items())[:5]])
    lat_us = sorted(x / 1000 for x in latencies[1:])
    return {"msgs_per_s": (expected - 1) / (marks[1] - marks[0]), "bbo_callbacks": callbacks,
            "p50_us": statistics.median(lat_us), "p99_us": lat_us[int(len(lat_us) * 0.99)],
            "book_in_sync": ready, "book_equals_generator": (top[0], top[1]) == truth}


async def ingest(venue: str, updates: int, seed: int, repeat: int) -> dict[str, Any]:
    stream = generate(updates, seed)
    messages = sum(len(json.loads(c)) for c in stream.chunks)
    expected = messages + (1 if FORMATS[venue].snapshot else 0)
    proc, url = start_replay(venue, updates, seed)
    try:
        floors, ours, stdlib = [], [], []
        for _ in range(repeat):
            floors.append(await floor_run(url, expected))
            stdlib.append(await floor_run(url, expected, json.loads))
            ours.append(await ours_run(venue, url, expected, stream))
    finally:
        proc.terminate()
        proc.wait(10)
    best = max(ours, key=lambda r: r["msgs_per_s"])
    floor = max(floors)
    return {"messages": messages, "floor_msgs_per_s": round(floor),
            "stdlib_json_floor_msgs_per_s": round(max(stdlib)),
            "share_of_stdlib_json_floor": round(best["msgs_per_s"] / max(stdlib), 3),
            "ours_msgs_per_s":
            round(best["msgs_per_s"]), "share_of_floor": round(best["msgs_per_s"] / floor, 3),
            "p50_added_latency_us": round(best["p50_us"], 1),
            "p99_added_latency_us": round(best["p99_us"], 1),
            "bbo_callbacks": best["bbo_callbacks"], "book_in_sync": best["book_in_sync"],
            "book_equals_generator": best["book_equals_generator"],
            "target_share": TARGET_SHARE_OF_FLOOR, "target_p99_ms": TARGET_P99_MS}


#: venues whose order-rate limit the two phases (2 × ``--orders`` within seconds) would exceed:
#: Aster allows 300 new orders per 10 s per account (exchangeInfo ``rateLimits``, -1015 above);
#: Paradex allows 100 open orders per market (``max_open_orders``), and the sequential phase
#: keeps every order open until its final cancel
VENUE_MAX_ORDERS = {"aster": 140, "paradex": 100}


async def submissions(venue: str, orders: int) -> dict[str, Any]:
    """Passive limit orders through our client against ``perpdex sim up`` in its own process."""
    orders = min(orders, VENUE_MAX_ORDERS.get(venue, orders))
    from exchange_clients.registry import config_model, create_client

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "sim.json"
        env = {**os.environ, "PERPDEX_SIM_STATE": str(state)}
        proc = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "perpdex"), "sim", "up", "--venues", venue,
            "--port-base", "0", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE)
        assert proc.stdout is not None
        urls = json.loads(await proc.stdout.readline())["venues"][venue]
        try:
            async with aiohttp.ClientSession() as session, session.post(
                    urls["control"].rstrip("/") + "/accounts", json={"usd": "10000000"}) as resp:
                creds = (await resp.json())["credentials"]
            config = config_model(venue).model_validate(
                {**creds, "rest_url": urls["rest"], "ws_url": urls["ws"], "rate_limit_tier": "unlimited"})
            async with create_client(venue, config) as client:
                return await _place(client, orders)
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 20)


async def _place(client: Any, orders: int) -> dict[str, Any]:
    from exchange_clients.models import Side

    market = await client.get_contract_attributes("BTC")
    bbo = await client.fetch_bbo_prices("BTC")
    price = (bbo.bid * Decimal("0.9") / market.tick_size).to_integral_value() * market.tick_size
    size = max(market.min_size, ((market.min_notional * 2 / price) / market.step_size)
               .to_integral_value(rounding="ROUND_CEILING") * market.step_size)
    started = time.perf_counter()
    for _ in range(orders):
        await client.place_limit_order("BTC", size, price, Side.BUY)
    sequential = orders / (time.perf_counter() - started)
    await client.cancel_all_orders("BTC")
    started = time.perf_counter()
    for _ in range(0, orders, 25):
        await asyncio.gather(*(client.place_limit_order("BTC", size, price, Side.BUY)
                               for _ in range(25)))
    concurrent = orders / (time.perf_counter() - started)
    await client.cancel_all_orders("BTC")
    signed, seconds = getattr(client, "signing_stats", (0, 0.0))
    return {"orders": orders, "sequential_orders_per_s": round(sequential, 1),
            "concurrent25_orders_per_s": round(concurrent, 1),
            "signing_ms_per_tx": round(seconds / signed * 1000, 3) if signed else None,
            "note": "acknowledged placements: each waits for the order's first state"}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venue", default="all")
    parser.add_argument("--updates", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args(argv)
    venues = sorted(FORMATS) if args.venue == "all" else [args.venue]
    figures: dict[str, Any] = {}
    for venue in venues:
        figures[venue] = {"ingest": asyncio.run(ingest(venue, args.updates, args.seed, args.repeat)),
                          "submission": asyncio.run(submissions(venue, args.orders))}
    write_result("ws_ingest" if args.venue == "all" else f"ws_ingest_{args.venue}", figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
