"""Test support for the Hyperliquid simulator venue: L1/user-signed signing written from the
public spec (checked against the SDK's published vectors in test_hyperliquid_signing.py, and
independent of the module's own code), and a small aiohttp client for ``/info``, ``/exchange``
and ``/ws``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import aiohttp
import msgpack
from eth_account import Account
from eth_utils.crypto import keccak

from simulator.engine.scenario import Scenario
from simulator.testing import RunningSimulator, running_simulator

D = Decimal
#: a market time on an hour boundary (funding settles on the hour)
START_MS = 1_699_999_200_000


# -- signing (from the public spec) -------------------------------------------------------------------


def wire(x: Decimal | int | str) -> str:
    """Decimal -> wire string: no trailing zeros, no exponent."""
    return f"{Decimal(str(x)).normalize():f}"


def action_hash(action: dict[str, Any], vault: str | None, nonce: int, expires_after: int | None) -> bytes:
    data = msgpack.packb(action) + nonce.to_bytes(8, "big")
    data += b"\x00" if vault is None else b"\x01" + bytes.fromhex(vault[2:])
    if expires_after is not None:
        data += b"\x00" + expires_after.to_bytes(8, "big")
    return bytes(keccak(data))


def _domain_separator(name: bytes, chain_id: int) -> bytes:
    type_hash = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    return bytes(keccak(type_hash + keccak(name) + keccak(b"1") + chain_id.to_bytes(32, "big") + bytes(32)))


def l1_digest(
    action: dict[str, Any],
    nonce: int,
    *,
    vault: str | None = None,
    expires_after: int | None = None,
    mainnet: bool = False,
) -> bytes:
    connection_id = action_hash(action, vault, nonce, expires_after)
    struct = keccak(
        keccak(b"Agent(string source,bytes32 connectionId)")
        + keccak(b"a" if mainnet else b"b")
        + connection_id
    )
    return bytes(keccak(b"\x19\x01" + _domain_separator(b"Exchange", 1337) + struct))


def sign_digest(digest: bytes, key: str) -> dict[str, Any]:
    sig = Account.unsafe_sign_hash(digest, key)
    return {"r": hex(sig.r), "s": hex(sig.s), "v": sig.v}


def sign_approve_agent(action: dict[str, Any], key: str) -> dict[str, Any]:
    """EIP-712 HyperliquidTransaction:ApproveAgent via eth-account's typed-data encoder."""
    from eth_account.messages import encode_typed_data

    message = {
        "domain": {
            "name": "HyperliquidSignTransaction",
            "version": "1",
            "chainId": int(action["signatureChainId"], 16),
            "verifyingContract": "0x0000000000000000000000000000000000000000",
        },
        "types": {
            "HyperliquidTransaction:ApproveAgent": [
                {"name": "hyperliquidChain", "type": "string"},
                {"name": "agentAddress", "type": "address"},
                {"name": "agentName", "type": "string"},
                {"name": "nonce", "type": "uint64"},
            ],
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
        },
        "primaryType": "HyperliquidTransaction:ApproveAgent",
        "message": {
            "hyperliquidChain": action["hyperliquidChain"],
            "agentAddress": action["agentAddress"],
            "agentName": action.get("agentName", ""),
            "nonce": action["nonce"],
        },
    }
    signed = Account.sign_message(encode_typed_data(full_message=message), key)
    return {"r": hex(signed.r), "s": hex(signed.s), "v": signed.v}


def order_action(
    asset: int,
    is_buy: bool,
    px: Any,
    sz: Any,
    tif: str = "Gtc",
    *,
    reduce_only: bool = False,
    cloid: str | None = None,
) -> dict[str, Any]:
    order: dict[str, Any] = {
        "a": asset,
        "b": is_buy,
        "p": wire(px),
        "s": wire(sz),
        "r": reduce_only,
        "t": {"limit": {"tif": tif}},
    }
    if cloid is not None:
        order["c"] = cloid
    return {"type": "order", "orders": [order], "grouping": "na"}


# -- client --------------------------------------------------------------------------------------------

_last_nonce = 0


def next_nonce() -> int:
    """Unique and increasing, roughly now (ms)."""
    global _last_nonce
    _last_nonce = max(_last_nonce + 1, int(time.time() * 1000))
    return _last_nonce


@dataclass
class Hl:
    sim: RunningSimulator
    session: aiohttp.ClientSession
    rest: str
    ws: str
    address: str
    agent_key: str
    master_key: str
    account_id: int

    async def info(self, body: dict[str, Any], status: int = 200) -> Any:
        async with self.session.post(f"{self.rest}/info", json=body) as r:
            assert r.status == status, await r.text()
            return await r.json() if r.content_type == "application/json" else await r.text()

    async def post_exchange(self, body: Any, status: int = 200) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        async with self.session.post(
            f"{self.rest}/exchange", data=data, headers={"Content-Type": "application/json"}
        ) as r:
            assert r.status == status, await r.text()
            return await r.json() if r.content_type == "application/json" else await r.text()

    def signed(
        self,
        action: dict[str, Any],
        *,
        key: str | None = None,
        nonce: int | None = None,
        vault: str | None = None,
        expires_after: int | None = None,
        mainnet: bool = False,
    ) -> dict[str, Any]:
        nonce = next_nonce() if nonce is None else nonce
        digest = l1_digest(action, nonce, vault=vault, expires_after=expires_after, mainnet=mainnet)
        return {
            "action": action,
            "nonce": nonce,
            "signature": sign_digest(digest, key or self.agent_key),
            "vaultAddress": vault,
            "expiresAfter": expires_after,
        }

    async def act(self, action: dict[str, Any], **kw: Any) -> Any:
        return await self.post_exchange(self.signed(action, **kw))

    async def order(self, *args: Any, **kw: Any) -> Any:
        """One order; returns its status entry (``resting``, ``filled`` or ``error``)."""
        answer = await self.act(order_action(*args, **kw))
        assert answer["status"] == "ok", answer
        return answer["response"]["data"]["statuses"][0]

    async def book(self, coin: str) -> tuple[Decimal, Decimal]:
        """Best bid and ask."""
        book = await self.info({"type": "l2Book", "coin": coin})
        return D(book["levels"][0][0]["px"]), D(book["levels"][1][0]["px"])


@asynccontextmanager
async def hyperliquid(
    usd: str = "100000", scenario: Scenario | str = "default", **kw: Any
) -> AsyncIterator[Hl]:
    async with running_simulator(["hyperliquid"], scenario, start_ms=START_MS, **kw) as sim:
        created = sim.venue("hyperliquid").create_account(D(usd))
        acct = sim.engine("hyperliquid").account(created["account_id"])
        urls = sim.urls("hyperliquid")
        async with aiohttp.ClientSession() as session:
            yield Hl(
                sim,
                session,
                urls["rest"],
                urls["ws"],
                created["credentials"]["address"],
                created["credentials"]["agent_private_key"],
                acct.meta["hl_master_key"],
                acct.id,
            )


class Ws:
    """A ``/ws`` connection that collects frames by channel."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.greeting: str | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(payload))

    async def subscribe(self, subscription: dict[str, Any]) -> dict[str, Any]:
        await self.send({"method": "subscribe", "subscription": subscription})
        return await self.expect("subscriptionResponse")

    async def recv(self, timeout: float = 3.0) -> Any:
        msg = await asyncio.wait_for(self.ws.receive(), timeout)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            return msg
        return json.loads(msg.data)

    async def expect(self, channel: str, timeout: float = 3.0, **match: Any) -> dict[str, Any]:
        """The next frame on ``channel`` (frames on other channels are skipped)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            frame = await self.recv(max(left, 0.01))
            assert isinstance(frame, dict) and "channel" in frame, frame
            if frame["channel"] == channel and all(frame["data"].get(k) == v for k, v in match.items()):
                return frame

    async def quiet(self, channel: str, seconds: float) -> list[dict[str, Any]]:
        """Frames on ``channel`` received within ``seconds``."""
        out = []
        deadline = asyncio.get_running_loop().time() + seconds
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                frame = await self.recv(left)
            except TimeoutError:
                break
            if isinstance(frame, dict) and frame.get("channel") == channel:
                out.append(frame)
        return out


@asynccontextmanager
async def ws_connect(hl: Hl) -> AsyncIterator[Ws]:
    async with hl.session.ws_connect(hl.ws) as raw:
        conn = Ws(raw)
        first = await raw.receive(timeout=3)
        conn.greeting = first.data
        yield conn
