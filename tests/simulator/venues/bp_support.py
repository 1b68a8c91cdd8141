"""Test-side Backpack client: ED25519 request signing written from the public spec (docs
"Signature Generation"; checked against the official examples in test_backpack_auth), an aiohttp
helper for signed REST calls and the WebSocket, and a quiet deterministic scenario."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from simulator.engine.params import FundingSpec, LiquiditySpec, PriceSpec, TakerSpec
from simulator.engine.scenario import Scenario
from simulator.testing import RunningSimulator, running_simulator

D = Decimal
#: a market time on an hour boundary
START_MS = 1_699_999_200_000


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _segment(params: Mapping[str, Any]) -> str:
    return "&".join(f"{k}={_text(params[k])}" for k in sorted(params))


def signing_string(instruction: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
                   timestamp: int, window: int = 5000) -> str:
    tail = f"timestamp={timestamp}&window={window}"
    if isinstance(params, Sequence):
        parts = [f"instruction={instruction}" + (f"&{_segment(p)}" if p else "") for p in params]
        return "&".join([*parts, tail])
    seg = _segment(params or {})
    return f"instruction={instruction}" + (f"&{seg}" if seg else "") + f"&{tail}"


def sign(secret_b64: str, message: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(secret_b64))
    return base64.b64encode(key.sign(message.encode())).decode()


def quiet_scenario(**funding: str) -> Scenario:
    """Constant prices, market makers quoting, no takers, funding without noise (8h rates)."""
    starts = {"BTC": "100000", "ETH": "3500", "SOL": "180", "PEPE": "0.00001"}
    prices = {s: PriceSpec(start=D(p), volatility=0) for s, p in starts.items()}
    markets = {s: FundingSpec(rate_8h=D(r), noise_8h=D(0)) for s, r in funding.items()}
    return Scenario.model_validate({
        "name": "bp-quiet", "seed": 3, "prices": prices,
        "funding": {"default": FundingSpec(rate_8h=D("0.0001"), noise_8h=D(0)), "markets": markets},
        "liquidity": LiquiditySpec(levels=5), "takers": TakerSpec(orders_per_minute=0)})


class BackpackClient:
    """Signed REST calls as a client written from the docs would make them."""

    def __init__(self, session: aiohttp.ClientSession, rest: str, creds: dict[str, str]) -> None:
        self.session = session
        self.rest = rest
        self.public_key = creds["public_key"]
        self.secret_key = creds["secret_key"]

    def headers(self, instruction: str, params: Any, *, timestamp: int | None = None,
                window: int | None = 5000, secret: str | None = None) -> dict[str, str]:
        ts = timestamp if timestamp is not None else int(time.time() * 1000)
        message = signing_string(instruction, params, ts, window if window is not None else 5000)
        headers = {"X-API-Key": self.public_key, "X-Signature": sign(secret or self.secret_key, message),
                   "X-Timestamp": str(ts), "Content-Type": "application/json; charset=utf-8"}
        if window is not None:
            headers["X-Window"] = str(window)
        return headers

    async def call(self, method: str, path: str, instruction: str, params: Any = None,
                   **sign_kw: Any) -> tuple[int, Any]:
        headers = self.headers(instruction, params, **sign_kw)
        kwargs: dict[str, Any] = {"headers": headers}
        if method == "GET":
            kwargs["params"] = {k: _text(v) for k, v in (params or {}).items()}
        elif params is not None:
            kwargs["data"] = json.dumps(params)
        async with self.session.request(method, self.rest + path, **kwargs) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text) if text else None
            except json.JSONDecodeError:
                return resp.status, text

    async def order(self, **body: Any) -> tuple[int, Any]:
        return await self.call("POST", "/api/v1/order", "orderExecute", body)

    async def public(self, path: str, **params: Any) -> tuple[int, Any]:
        async with self.session.get(self.rest + path, params={k: str(v) for k, v in params.items()}) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except json.JSONDecodeError:
                return resp.status, text

    def ws_signature(self, *, timestamp: int | None = None, window: int = 5000,
                     secret: str | None = None) -> list[str]:
        ts = timestamp if timestamp is not None else int(time.time() * 1000)
        message = f"instruction=subscribe&timestamp={ts}&window={window}"
        return [self.public_key, sign(secret or self.secret_key, message), str(ts), str(window)]


@asynccontextmanager
async def backpack(scenario: Scenario | str | None = None, usd: str = "100000") -> AsyncIterator[
        tuple[RunningSimulator, BackpackClient]]:
    """A running Backpack venue and a funded account's signed client."""
    async with running_simulator(["backpack"], scenario or quiet_scenario(), start_ms=START_MS) as sim:
        created = sim.venue("backpack").create_account(D(usd))
        async with aiohttp.ClientSession() as session:
            yield sim, BackpackClient(session, sim.urls("backpack")["rest"], created["credentials"])


async def new_client(sim: RunningSimulator, session: aiohttp.ClientSession,
                     usd: str = "100000") -> BackpackClient:
    created = sim.venue("backpack").create_account(D(usd))
    return BackpackClient(session, sim.urls("backpack")["rest"], created["credentials"])
