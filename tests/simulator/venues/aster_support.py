"""Test-side Aster client written from the public docs (asterdex/api-docs V3 "Example of POST
/fapi/v3/order" and V1 "SIGNED Endpoint Examples"): V3 EIP-712 signing with eth-account's own
typed-data encoder (independent of the simulator's digest code), V1 HMAC, aiohttp helpers for
REST and WebSocket, and a quiet deterministic scenario."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import aiohttp
from eth_account import Account
from eth_account.messages import encode_typed_data
from yarl import URL

from simulator.engine.params import FundingSpec, LiquiditySpec, PriceSpec, TakerSpec
from simulator.engine.scenario import Scenario
from simulator.testing import RunningSimulator, running_simulator
from simulator.venues.aster import AsterVenue

D = Decimal
#: a market time on an 8-hour boundary (00:00 UTC), so 1h/4h/8h settlements are easy to place
START_MS = 1_699_920_000_000

Params = Sequence[tuple[str, str]] | Mapping[str, Any]


def typed_data(msg: str, chain_id: int = 1666) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                   {"name": "chainId", "type": "uint256"},
                                   {"name": "verifyingContract", "type": "address"}],
                  "Message": [{"name": "msg", "type": "string"}]},
        "primaryType": "Message",
        "domain": {"name": "AsterSignTransaction", "version": "1", "chainId": chain_id,
                   "verifyingContract": "0x0000000000000000000000000000000000000000"},
        "message": {"msg": msg},
    }


def sign_v3(msg: str, key: str, chain_id: int = 1666) -> str:
    signed = Account.sign_message(encode_typed_data(full_message=typed_data(msg, chain_id)), private_key=key)
    return "0x" + bytes(signed.signature).hex()


def hmac_hex(secret: str, total: str) -> str:
    return hmac.new(secret.encode(), total.encode(), hashlib.sha256).hexdigest()


def quiet_scenario(**funding: str) -> Scenario:
    """Constant prices, market makers quoting, no takers, funding without noise (8h rates)."""
    starts = {"BTC": "100000", "ETH": "3500", "SOL": "180", "PEPE": "0.00001"}
    prices = {s: PriceSpec(start=D(p), volatility=0) for s, p in starts.items()}
    markets = {s: FundingSpec(rate_8h=D(r), noise_8h=D(0)) for s, r in funding.items()}
    return Scenario.model_validate({
        "name": "aster-quiet", "seed": 5, "prices": prices,
        "funding": {"default": FundingSpec(rate_8h=D("0.0001"), noise_8h=D(0)), "markets": markets},
        "liquidity": LiquiditySpec(levels=5), "takers": TakerSpec(orders_per_minute=0)})


def _items(params: Params | None) -> list[tuple[str, str]]:
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    return [(k, "true" if v is True else "false" if v is False else str(v)) for k, v in items]


class AsterClient:
    """Signed REST calls as a client written from the docs would make them."""

    def __init__(self, session: aiohttp.ClientSession, rest: str, creds: Mapping[str, str],
                 chain_id: int = 1666) -> None:
        self.session = session
        self.rest = rest
        self.creds = dict(creds)
        self.chain_id = chain_id
        self._last_nonce = 0

    def nonce(self) -> int:
        self._last_nonce = max(int(time.time() * 1_000_000), self._last_nonce + 1)
        return self._last_nonce

    def signed_string(self, params: Params | None, *, nonce: int | None = None, user: bool = True,
                      key: str | None = None, chain_id: int | None = None,
                      encode: Callable[[str], str] = str) -> str:
        """``params`` + nonce/user/signer as sent, then ``&signature=`` over exactly that string."""
        items = [*_items(params), ("nonce", str(nonce if nonce is not None else self.nonce()))]
        if user:
            items.append(("user", self.creds["user"]))
        items.append(("signer", self.creds["signer"]))
        msg = "&".join(f"{k}={encode(v)}" for k, v in items)
        sig = sign_v3(msg, key or self.creds["signer_private_key"], chain_id or self.chain_id)
        return f"{msg}&signature={sig}"

    async def send(self, method: str, path: str, query: str = "", data: str | None = None,
                   headers: Mapping[str, str] | None = None) -> tuple[int, Any, Mapping[str, str]]:
        url = self.rest + path + (f"?{query}" if query else "")
        hdrs = dict(headers or {})
        if data is not None:
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        async with self.session.request(method, URL(url, encoded=True), data=data,
                                        headers=hdrs) as resp:
            text = await resp.text()
            try:
                payload: Any = json.loads(text) if text else None
            except json.JSONDecodeError:
                payload = text
            return resp.status, payload, resp.headers

    async def v3(self, method: str, path: str, params: Params | None = None, *, where: str | None = None,
                 **sign_kw: Any) -> tuple[int, Any, Mapping[str, str]]:
        signed = self.signed_string(params, **sign_kw)
        if (where or ("query" if method == "GET" else "body")) == "query":
            return await self.send(method, path, query=signed)
        return await self.send(method, path, data=signed)

    async def v1(self, method: str, path: str, params: Params | None = None, *, timestamp: int | None = None,
                 recv_window: int | None = None, secret: str | None = None, api_key: str | None = None,
                 signed: bool = True) -> tuple[int, Any, Mapping[str, str]]:
        items = _items(params)
        if signed:
            items.append(("timestamp", str(timestamp if timestamp is not None else int(time.time() * 1000))))
            if recv_window is not None:
                items.append(("recvWindow", str(recv_window)))
        total = "&".join(f"{k}={quote(v, safe='')}" for k, v in items)
        if signed:
            total += "&signature=" + hmac_hex(secret or self.creds["secret_key"], total)
        headers = {"X-MBX-APIKEY": api_key if api_key is not None else self.creds["api_key"]}
        if method == "GET":
            return await self.send(method, path, query=total, headers=headers)
        return await self.send(method, path, data=total, headers=headers)

    async def public(self, path: str, **params: Any) -> tuple[int, Any, Mapping[str, str]]:
        return await self.send("GET", path, query="&".join(f"{k}={v}" for k, v in params.items()))

    async def order(self, **params: Any) -> tuple[int, Any, Mapping[str, str]]:
        return await self.v3("POST", "/fapi/v3/order", params)


@asynccontextmanager
async def aster(scenario: Scenario | str | None = None, usd: str = "100000") -> AsyncIterator[
        tuple[RunningSimulator, AsterClient]]:
    """A running Aster venue and a funded account's client."""
    async with running_simulator(["aster"], scenario or quiet_scenario(), start_ms=START_MS) as sim:
        created = sim.venue("aster").create_account(D(usd))
        async with aiohttp.ClientSession() as session:
            yield sim, AsterClient(session, sim.urls("aster")["rest"], created["credentials"])


def venue(sim: RunningSimulator) -> AsterVenue:
    """The running Aster venue module (to tune its limits in a test)."""
    module = sim.venue("aster").module
    assert isinstance(module, AsterVenue)
    return module


def new_client(sim: RunningSimulator, session: aiohttp.ClientSession, usd: str = "100000") -> AsterClient:
    created = sim.venue("aster").create_account(D(usd))
    return AsterClient(session, sim.urls("aster")["rest"], created["credentials"])


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = 3.0) -> Any:
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def wait_for(ws: aiohttp.ClientWebSocketResponse, predicate: Callable[[Any], bool],
                   timeout: float = 3.0) -> Any:
    """The first frame matching ``predicate`` (others are skipped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError("no matching frame")
        frame = await receive(ws, left)
        if predicate(frame):
            return frame


async def collect(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> list[Any]:
    """Every frame received within ``seconds``."""
    frames = []
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            frames.append(await receive(ws, left))
        except TimeoutError:
            break
    return frames
