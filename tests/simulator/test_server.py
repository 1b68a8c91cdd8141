"""The server scaffold: URLs, the control API, fault injection over HTTP and WebSocket, and
clean start/stop. Runs the test-only venue 'echo' (tests/simulator/echo_venue.py)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from simulator.engine import MarketStatus
from simulator.engine.faults import FaultKind
from simulator.engine.scenario import Scenario
from simulator.engine.simulation import Simulation
from simulator.server import NoVenuesError, SimulatorServer, VenueServer
from simulator.testing import RunningSimulator, running_simulator
from tests.simulator.echo_venue import EchoVenue

D = Decimal


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any], status: int = 201) -> Any:
    async with session.post(url, json=body) as response:
        data = await response.json()
        assert response.status == status, data
        return data


async def test_urls_are_loopback(simulator: RunningSimulator) -> None:
    urls = simulator.endpoints["venues"]["echo"]
    assert urls["rest"].startswith("http://127.0.0.1:") and urls["rest"].endswith("/api")
    assert urls["ws"].startswith("ws://127.0.0.1:") and urls["control"].endswith("/_sim")


async def test_control_api(simulator: RunningSimulator) -> None:
    urls = simulator.urls("echo")
    ctl = urls["control"]
    engine = simulator.engine("echo")
    async with aiohttp.ClientSession() as s:
        created = await _post(s, f"{ctl}/accounts", {"usd": "2500", "label": "alice"})
        assert created["venue"] == "echo" and created["usd"] == "2500"
        account = created["account_id"]
        assert created["credentials"] == {"account_id": account, "api_key": created["credentials"]["api_key"]}
        await _post(s, f"{ctl}/accounts/{account}/deposit", {"usd": "500"}, 200)
        async with s.get(f"{ctl}/accounts/{account}") as r:
            assert D((await r.json())["collateral"]) == D(3000)
        stats = await _post(s, f"{ctl}/prices", {"symbol": "BTC", "price": "90000"}, 200)
        assert D(stats["index_price"]) == D(90000)
        stats = await _post(s, f"{ctl}/prices", {"symbol": "BTC", "move_pct": "10"}, 200)
        assert D(stats["index_price"]) == D(99000)
        stats = await _post(s, f"{ctl}/funding", {"symbol": "BTC", "rate_8h": "0.002"}, 200)
        assert D(stats["funding_rate_8h"]) == D("0.002")
        before = engine.now_ms
        moved = await _post(s, f"{ctl}/time/advance", {"seconds": 7200}, 200)
        assert moved["venues"]["echo"] == before + 7_200_000 == engine.now_ms
        assert len(engine.funding_history("BTC")) == 2
        await _post(s, f"{ctl}/markets/ETH/status", {"status": "paused"}, 200)
        assert engine.market("ETH").status is MarketStatus.PAUSED
        async with s.get(f"{ctl}/markets/BTC") as r:
            data = await r.json()
            assert data["book"]["bids"] and len(data["funding_history"]) == 2
        async with s.get(f"{ctl}/ledger") as r:
            assert (await r.json())["balanced"] is True
        async with s.get(ctl) as r:
            state = await r.json()
            assert state["venue"] == "echo" and state["clock"]["manual"] is True
        async with s.get(f"{ctl}/markets/NOPE") as r:
            assert r.status == 404
        async with s.post(f"{ctl}/accounts", json={"usd": "-1"}) as r:
            assert r.status == 400
        async with s.post(f"{ctl}/prices", json={"symbol": "BTC"}) as r:
            assert r.status == 400


async def _order(s: aiohttp.ClientSession, rest: str, key: str, **body: Any) -> tuple[int, Any]:
    payload = {"symbol": "BTC", "side": "buy", "size": "0.01", "type": "market", **body}
    async with s.post(f"{rest}/order", json=payload, headers={"X-Key": key}) as r:
        return r.status, await r.json()


async def test_http_faults(simulator: RunningSimulator) -> None:
    urls = simulator.urls("echo")
    rest, ctl = urls["rest"], urls["control"]
    async with aiohttp.ClientSession() as s:
        await _post(s, f"{ctl}/faults", {"kind": "rate_limit", "count": 1, "retry_after_s": 3})
        async with s.get(f"{rest}/markets") as r:
            assert r.status == 429 and r.headers["Retry-After"] == "3"
            assert (await r.json())["error"] == "rate_limit"
        async with s.get(f"{rest}/markets") as r:
            assert r.status == 200
        await _post(s, f"{ctl}/faults",
                    {"kind": "server_error", "count": 2, "status": 502, "match": "/api/book"})
        statuses = []
        for _ in range(3):
            async with s.get(f"{rest}/book", params={"symbol": "BTC"}) as r:
                statuses.append(r.status)
        assert statuses == [502, 502, 200]
        await _post(s, f"{ctl}/faults", {"kind": "maintenance"})
        async with s.get(f"{rest}/markets") as r:
            assert r.status == 503 and (await r.json())["error"] == "maintenance"
        async with s.get(f"{ctl}/faults") as r:
            assert [f["kind"] for f in (await r.json())["active"]] == ["maintenance"]
        async with s.delete(f"{ctl}/faults") as r:
            assert (await r.json())["cleared"] == 1
        await _post(s, f"{ctl}/faults", {"kind": "delay", "delay_ms": 20, "count": 1})
        async with s.get(f"{rest}/markets") as r:
            assert r.status == 200
        assert simulator.venue("echo").ctx.faults.triggered["delay"] == 1


async def test_pause_market_and_venue_consumed_faults(simulator: RunningSimulator) -> None:
    urls = simulator.urls("echo")
    async with aiohttp.ClientSession() as s:
        key = (await _post(s, f"{urls['control']}/accounts", {"usd": "100000"}))["credentials"]["api_key"]
        await _post(s, f"{urls['control']}/faults", {"kind": "pause_market", "match": "BTC"})
        assert await _order(s, urls["rest"], key) == (400, {"error": "market_not_open"})
        async with s.delete(f"{urls['control']}/faults", params={"kind": "pause_market"}) as r:
            assert r.status == 200
        status, body = await _order(s, urls["rest"], key)
        assert status == 200 and body["status"] == "filled"
        await _post(s, f"{urls['control']}/faults", {"kind": "reject_nonce", "count": 1})
    faults = simulator.venue("echo").ctx.faults
    assert faults.take(FaultKind.REJECT_NONCE) is not None and faults.take(FaultKind.REJECT_NONCE) is None


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> Any:
    return await asyncio.wait_for(ws.receive_json(), timeout=5)


async def test_websocket_book_stream_and_sequence_faults(simulator: RunningSimulator) -> None:
    urls = simulator.urls("echo")
    engine = simulator.engine("echo")
    async with aiohttp.ClientSession() as s, s.ws_connect(urls["ws"]) as ws:
        await ws.send_json({"op": "subscribe", "channel": "book.BTC"})
        snapshot = await _receive(ws)
        assert snapshot["type"] == "snapshot" and snapshot["bids"]
        expected = snapshot["seq"]
        for _ in range(2):
            engine.move_index("BTC", D("0.5"))
            delta = await _receive(ws)
            assert delta["first"] == expected + 1 and delta["prev"] == expected
            expected = delta["seq"]
        await _post(s, f"{urls['control']}/faults", {"kind": "skip_seq", "count": 1, "match": "book."})
        engine.move_index("BTC", D("0.5"))
        engine.move_index("BTC", D("0.5"))
        after_gap = await _receive(ws)
        assert after_gap["prev"] == expected + 1      # the client sees a gap
        await _post(s, f"{urls['control']}/faults", {"kind": "repeat_seq", "count": 1})
        engine.move_index("BTC", D("0.5"))
        first, second = await _receive(ws), await _receive(ws)
        assert first == second                       # the same sequence number twice
        dropped = await _post(s, f"{urls['control']}/faults", {"kind": "drop_ws"})
        assert dropped["dropped"] == 1
        closing = await asyncio.wait_for(ws.receive(), timeout=5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
    assert engine.market("BTC").watchers == 0 or not simulator.venue("echo").ctx.hub.connections


async def test_private_stream_and_maintenance_refuses_websockets(simulator: RunningSimulator) -> None:
    urls = simulator.urls("echo")
    async with aiohttp.ClientSession() as s:
        key = (await _post(s, f"{urls['control']}/accounts", {"usd": "100000"}))["credentials"]["api_key"]
        async with s.ws_connect(urls["ws"]) as ws:
            await ws.send_json({"op": "subscribe", "channel": "orders", "key": key})
            await ws.send_json({"op": "ping"})
            assert await _receive(ws) == {"op": "pong"}     # subscription processed
            _, body = await _order(s, urls["rest"], key, client_id="x1")
            update = await _receive(ws)
            assert update == {"channel": "orders", "id": body["id"], "status": "filled", "filled": "0.01"}
        await _post(s, f"{urls['control']}/faults", {"kind": "maintenance"})
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await s.ws_connect(urls["ws"])
        assert err.value.status == 503


async def test_control_routes_are_off_outside_simulator_mode() -> None:
    sim = Simulation(Scenario(), ["echo"], manual=True)
    server = VenueServer(EchoVenue, sim, control=False)
    await server.start()
    try:
        async with aiohttp.ClientSession() as s:
            async with s.get(f"http://127.0.0.1:{server.ctx.port}/_sim/ledger") as r:
                assert r.status == 404
            async with s.get(f"{server.ctx.rest_url}/markets") as r:
                assert r.status == 200
        assert server.ctx.control_url == ""
    finally:
        await server.stop()


def test_only_loopback_hosts() -> None:
    sim = Simulation(Scenario(), ["echo"], manual=True)
    with pytest.raises(ValueError, match="loopback"):
        VenueServer(EchoVenue, sim, host="0.0.0.0")


def test_clear_errors_without_venues() -> None:
    with pytest.raises(NoVenuesError, match="no simulator venue modules are registered"):
        SimulatorServer(modules={})
    with pytest.raises(NoVenuesError, match="no simulator venue module for lighter"):
        SimulatorServer(["lighter"], modules={"echo": EchoVenue})


async def test_running_clock_drives_market_time() -> None:
    async with running_simulator(["echo"], modules={"echo": EchoVenue}, manual=False, speed=600) as sim:
        engine = sim.engine("echo")
        start = engine.now_ms
        for _ in range(100):
            await asyncio.sleep(0.05)
            if engine.now_ms - start >= 60_000:
                break
        assert engine.now_ms - start >= 60_000       # a market minute within a few wall seconds
    assert sim.server.simulation._task is None
