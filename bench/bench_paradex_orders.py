"""Paradex order signing and submission through our client.

*Signing*: the client's own signing path — ``OrderManager.order_body`` (paradex-py's ``Order``
and ``ParadexAccount.sign_order`` on the account the client built at ``connect()``) — for a
stream of distinct orders, with the starknet-py accelerator the client switches on at connect
and, for comparison, with it switched off. The client connects to the simulator in-process
(idle: manual clock), so only signing is timed.

*Submission*: ``perpdex sim up --venues paradex`` in its own process (the simulator verifies
every Stark signature, which dominates its answer time). Three ways to put passive limit
orders on the book, sequentially and 25 in flight:

* ``acknowledged`` — ``place_limit_order``: sign, POST, and wait for the engine's decision
  (the first state past NEW, from the private feed), as the client contract returns it;
* ``accepted`` — sign and POST through our transport, stopping at the 201 NEW (what
  paradex-py's ``submit_order`` returns);
* ``paradex-py off-loop`` — the official synchronous client's ``submit_order`` run through
  ``asyncio.to_thread`` (the alternative the issue names), same signing accelerator.

The venue allows 100 open orders per market, so orders are placed in rounds of 50 and
cancelled between rounds (cancels are not timed).

    python -m bench.bench_paradex_orders [--sign 2000] [--orders 100] [--submit-repeat 3] [--no-sdk]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from bench._common import write_result
from exchange_clients.base_client import OrderRequest
from exchange_clients.models import OrderType, Side, TimeInForce
from exchange_clients.paradex import ParadexClient
from exchange_clients.registry import config_model, create_client

ROOT = Path(__file__).resolve().parents[1]
ROUND = 50
TARGET_SIGN_MS = 1.0


def _client(urls: dict[str, str], creds: dict[str, Any]) -> ParadexClient:
    config = config_model("paradex").model_validate(
        {**creds, "rest_url": urls["rest"], "ws_url": urls["ws"], "rate_limit_tier": "unlimited"})
    client = create_client("paradex", config)
    assert isinstance(client, ParadexClient)
    return client


async def _account(urls: dict[str, str]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.post(
            urls["control"].rstrip("/") + "/accounts", json={"usd": "10000000"}) as resp:
        creds: dict[str, Any] = (await resp.json())["credentials"]
    return creds


# ---- signing --------------------------------------------------------------------------------

def _time_signing(client: ParadexClient, requests: list[OrderRequest], repeat: int) -> dict[str, float]:
    entry = client._catalog.cached_entry("BTC")
    assert entry is not None
    runs = []
    for r in range(repeat):
        batch = [OrderRequest(q.market, q.side, q.quantity, q.price, q.order_type, q.time_in_force,
                              q.reduce_only, f"{q.client_order_id}-{r}") for q in requests]
        started = time.perf_counter()
        for request in batch:
            client.orders.order_body(request, entry.venue_data)
        runs.append((time.perf_counter() - started) / len(batch) * 1e3)
    return {"best_ms": round(min(runs), 4), "median_ms": round(statistics.median(runs), 4)}


async def signing(count: int, repeat: int) -> dict[str, Any]:
    from simulator.testing import running_simulator

    async with running_simulator(["paradex"], "default") as sim:
        urls = sim.urls("paradex")
        client = _client(urls, await _account(urls))
        async with client:
            market = await client.get_contract_attributes("BTC")
            base = Decimal(65_000)
            requests = [OrderRequest(market, Side.BUY if i % 2 else Side.SELL,
                                     market.step_size * (1 + i % 500),
                                     base + market.tick_size * (i % 997), OrderType.LIMIT,
                                     TimeInForce.GTC, False, f"bench-{i}") for i in range(count)]
            accelerated = _time_signing(client, requests, repeat)
            import starknet_crypto_py_compat as compat

            compat.restore_starknet_py()  # the client switched it on at connect
            try:
                plain = _time_signing(client, requests[: max(count // 4, 50)], repeat)
            finally:
                compat.accelerate_starknet_py()
    return {"orders_per_run": count, "accelerated": accelerated, "plain": plain,
            "speedup": round(plain["best_ms"] / accelerated["best_ms"], 2),
            "target_ms": TARGET_SIGN_MS, "met": accelerated["best_ms"] <= TARGET_SIGN_MS}


# ---- submission -----------------------------------------------------------------------------

@asynccontextmanager
async def sim_process() -> AsyncIterator[dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PERPDEX_SIM_STATE": str(Path(tmp) / "sim.json")}
        proc = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "perpdex"), "sim", "up", "--venues", "paradex",
            "--port-base", "0", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE)
        assert proc.stdout is not None
        try:
            yield json.loads(await proc.stdout.readline())["venues"]["paradex"]
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 20)


async def _rate(orders: int, concurrency: int, place: Callable[[], Awaitable[Any]],
                cancel: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    """Orders per second over ``orders`` placements, in rounds of ``ROUND`` (cancels between
    rounds are not timed), and this process's CPU time per order (every thread: the client's
    own cost, whatever the simulator in the other process spends)."""
    elapsed = cpu = 0.0
    done = 0
    while done < orders:
        n = min(ROUND, orders - done)
        started, started_cpu = time.perf_counter(), time.process_time()
        for first in range(0, n, concurrency):
            await asyncio.gather(*(place() for _ in range(min(concurrency, n - first))))
        elapsed += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        done += n
        await cancel()
    return {"orders_per_s": round(orders / elapsed, 1),
            "client_cpu_ms_per_order": round(cpu / orders * 1e3, 3)}


async def submissions(orders: int, with_sdk: bool, repeat: int) -> dict[str, Any]:
    async with sim_process() as urls:
        creds = await _account(urls)
        async with _client(urls, creds) as client:
            market = await client.get_contract_attributes("BTC")
            # the REST touch, not fetch_bbo_prices: that would subscribe the live book, whose
            # deltas (the simulator's market makers requote all the time) would then be counted
            # in the client's CPU per order
            bbo = await client.transport.public("/bbo/BTC-USD-PERP")
            bid = Decimal(bbo["bid"])
            price = (bid * Decimal("0.9") / market.tick_size).to_integral_value() * market.tick_size
            size = max(market.min_size, ((market.min_notional * 2 / price) / market.step_size)
                       .to_integral_value(rounding="ROUND_CEILING") * market.step_size)
            entry = client._catalog.cached_entry("BTC")
            assert entry is not None

            async def acknowledged() -> None:
                await client.place_limit_order("BTC", size, price, Side.BUY)

            async def accepted() -> None:
                request = OrderRequest(market, Side.BUY, size, price, OrderType.LIMIT,
                                       TimeInForce.GTC, False, client._new_client_order_id())
                await client.transport.private("POST", "/orders",
                                               json=client.orders.order_body(request, entry.venue_data))

            async def cancel() -> None:
                await client.cancel_all_orders("BTC")
                while await client.get_active_orders("BTC"):  # noqa: ASYNC110 — polls the venue
                    await asyncio.sleep(0.01)

            methods: dict[str, Callable[[], Awaitable[Any]]] = {
                "acknowledged": acknowledged, "accepted": accepted}
            sdk_close = None
            if with_sdk:
                sdk_place, sdk_close = await _sdk(urls, creds, size, price)
                methods["paradex_py_off_loop"] = sdk_place
            try:
                signed_before, seconds_before = client.signing_stats
                runs: dict[str, dict[str, list[dict[str, float]]]] = {
                    name: {"sequential": [], "concurrent25": []} for name in methods}
                for _ in range(repeat):  # interleaved, so that load from elsewhere hits all alike
                    for mode, concurrency in (("sequential", 1), ("concurrent25", 25)):
                        for name, place in methods.items():
                            runs[name][mode].append(await _rate(orders, concurrency, place, cancel))
                signed, seconds = client.signing_stats
            finally:
                if sdk_close is not None:
                    await sdk_close()
    out: dict[str, Any] = {"orders_per_run": orders, "repeat": repeat}
    for name, modes in runs.items():
        out[name] = {mode: {"orders_per_s_best": max(r["orders_per_s"] for r in rs),
                            "orders_per_s_median": statistics.median(r["orders_per_s"] for r in rs),
                            "client_cpu_ms_per_order_best": min(r["client_cpu_ms_per_order"] for r in rs)}
                     for mode, rs in modes.items()}
    out["signing_ms_per_order_in_flow"] = round((seconds - seconds_before)
                                                / (signed - signed_before) * 1e3, 3)
    return out


async def _sdk(urls: dict[str, str], creds: dict[str, Any], size: Decimal, price: Decimal
               ) -> tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]]]:
    """paradex-py's synchronous client, every call in a worker thread: (place, close)."""
    from paradex_py import Paradex
    from paradex_py.common.order import Order, OrderSide
    from paradex_py.common.order import OrderType as PdxOrderType

    sdk = await asyncio.to_thread(
        Paradex, env="prod", l1_address=creds["l1_address"], l1_private_key=creds["l1_private_key"],
        api_base_url=urls["rest"], ws_url_override=urls["ws"], ws_direct_url_override=urls["ws"],
        ws_reader_sleep_on_error=0.01, ws_reader_sleep_on_no_connection=0.01)

    def submit() -> Any:
        order = Order(market="BTC-USD-PERP", order_type=PdxOrderType.Limit,
                      order_side=OrderSide.Buy, size=size, limit_price=price)
        return sdk.api_client.submit_order(order)

    async def place() -> None:
        await asyncio.to_thread(submit)

    return place, sdk.close


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sign", type=int, default=2000, help="distinct orders per signing run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--orders", type=int, default=100, help="orders per submission run")
    parser.add_argument("--submit-repeat", type=int, default=3)
    parser.add_argument("--no-sdk", action="store_true", help="skip the paradex-py comparison")
    args = parser.parse_args(argv)
    figures = {"signing": asyncio.run(signing(args.sign, args.repeat)),
               "submission": asyncio.run(submissions(args.orders, not args.no_sdk,
                                                     args.submit_repeat))}
    write_result("paradex_orders", figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
