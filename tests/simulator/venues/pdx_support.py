"""A minimal Paradex client for the simulator tests, written from the public spec (docs +
paradex-py's documented message shapes), independent of the simulator's own code: Stark keys,
onboarding/auth headers, signed order bodies, and JSON-RPC WebSocket helpers."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import aiohttp
from starknet_py.hash.address import compute_address
from starknet_py.hash.selector import get_selector_from_name
from starknet_py.hash.utils import message_signature, private_to_stark_key
from starknet_py.utils.typed_data import TypedData

CHAIN = "PRIVATE_SN_PARACLEAR_MAINNET"


def _typed(primary: str, fields: list[str], message: dict[str, Any]) -> dict[str, Any]:
    domain_type = [{"name": n, "type": "felt"} for n in ("name", "chainId", "version")]
    return {
        "domain": {"name": "Paradex", "chainId": hex(int.from_bytes(CHAIN.encode(), "big")), "version": "1"},
        "primaryType": primary,
        "message": message,
        "types": {"StarkNetDomain": domain_type, primary: [{"name": f, "type": "felt"} for f in fields]},
    }


class PdxClient:
    """One account: keys from ``issue_credentials``; system config from the server."""

    def __init__(
        self, session: aiohttp.ClientSession, rest: str, creds: dict[str, Any], config: dict[str, Any]
    ) -> None:
        self.session = session
        self.rest = rest
        self.creds = creds
        self.private_key = int(creds["l2_private_key"], 16)
        self.public_key = private_to_stark_key(self.private_key)
        self.address = compute_address(
            class_hash=int(config["paraclear_account_proxy_hash"], 16),
            constructor_calldata=[
                int(config["paraclear_account_hash"], 16),
                get_selector_from_name("initialize"),
                2,
                self.public_key,
                0,
            ],
            salt=self.public_key,
        )
        self.jwt = ""

    @classmethod
    async def create(cls, session: aiohttp.ClientSession, rest: str, creds: dict[str, Any]) -> PdxClient:
        async with session.get(f"{rest}/system/config") as r:
            return cls(session, rest, creds, await r.json())

    def sign(self, typed: dict[str, Any]) -> str:
        r, s = message_signature(TypedData.from_dict(typed).message_hash(self.address), self.private_key)
        return json.dumps([str(r), str(s)])

    def onboarding_headers(self) -> dict[str, str]:
        return {
            "PARADEX-ETHEREUM-ACCOUNT": self.creds["l1_address"],
            "PARADEX-STARKNET-ACCOUNT": hex(self.address),
            "PARADEX-STARKNET-SIGNATURE": self.sign(_typed("Constant", ["action"], {"action": "Onboarding"})),
        }

    def auth_headers(self, timestamp: int | None = None, expiry: int | None = None) -> dict[str, str]:
        ts = int(time.time()) if timestamp is None else timestamp
        exp = ts + 24 * 3600 if expiry is None else expiry
        typed = _typed(
            "Request",
            ["method", "path", "body", "timestamp", "expiration"],
            {"method": "POST", "path": "/v1/auth", "body": "", "timestamp": ts, "expiration": exp},
        )
        return {
            "PARADEX-STARKNET-ACCOUNT": hex(self.address),
            "PARADEX-STARKNET-SIGNATURE": self.sign(typed),
            "PARADEX-TIMESTAMP": str(ts),
            "PARADEX-SIGNATURE-EXPIRATION": str(exp),
        }

    async def onboard(self) -> int:
        async with self.session.post(
            f"{self.rest}/onboarding",
            headers=self.onboarding_headers(),
            json={"public_key": hex(self.public_key)},
        ) as r:
            return r.status

    async def login(self) -> str:
        """Onboard if needed, then auth; keeps the JWT."""
        status, body = await self.call("POST", f"/auth/{hex(self.public_key)}", headers=self.auth_headers())
        if status == 400 and body["error"] == "NOT_ONBOARDED":
            assert await self.onboard() == 200
            status, body = await self.call(
                "POST", f"/auth/{hex(self.public_key)}", headers=self.auth_headers()
            )
        assert status == 200, body
        self.jwt = body["jwt_token"]
        return self.jwt

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = False,
    ) -> tuple[int, Any]:
        hdrs = dict(headers or {})
        if auth:
            hdrs["Authorization"] = f"Bearer {self.jwt}"
        async with self.session.request(
            method, f"{self.rest}{path}", json=json_body, params=params, headers=hdrs
        ) as r:
            text = await r.text()
            return r.status, (json.loads(text) if text else None)

    def order(
        self,
        market: str,
        side: str,
        size: str,
        price: str | None = None,
        *,
        type_: str = "LIMIT",
        instruction: str = "GTC",
        client_id: str = "",
        reduce_only: bool = False,
        timestamp: int | None = None,
        recv_window: int | None = None,
    ) -> dict[str, Any]:
        """A signed order body exactly as paradex-py 0.8.2 sends it."""
        ts = int(time.time() * 1000) if timestamp is None else timestamp
        chain_price = "0" if type_ == "MARKET" else str(int(Decimal(price or "0").scaleb(8)))
        typed = _typed(
            "Order",
            ["timestamp", "market", "side", "orderType", "size", "price"],
            {
                "timestamp": str(ts),
                "market": market,
                "side": "1" if side == "BUY" else "2",
                "orderType": type_,
                "size": str(int(Decimal(size).scaleb(8))),
                "price": chain_price,
            },
        )
        body: dict[str, Any] = {
            "market": market,
            "side": side,
            "size": size,
            "type": type_,
            "client_id": client_id,
            "instruction": instruction,
            "signature": self.sign(typed),
            "signature_timestamp": ts,
            "recv_window": recv_window,
            "stp": None,
        }
        if type_ != "MARKET":
            body["price"] = price
        if reduce_only:
            body["flags"] = ["REDUCE_ONLY"]
        return body

    async def place(self, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("POST", "/orders", json_body=self.order(*args, **kwargs), auth=True)

    async def wait_order(self, order_id: str, status: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            code, body = await self.call("GET", f"/orders/{order_id}", auth=True)
            assert code == 200, body
            if body["status"] == status or time.monotonic() > deadline:
                return dict(body)
            await asyncio.sleep(0.01)


class RpcWs:
    """A JSON-RPC WebSocket session that collects data messages per channel."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.replies: dict[Any, dict[str, Any]] = {}
        self.data: dict[str, list[dict[str, Any]]] = {}
        self._next = 0

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self._next += 1
        msg_id = self._next
        await self.ws.send_str(
            json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        )
        await self.until(lambda: msg_id in self.replies)
        return self.replies[msg_id]

    async def until(self, predicate: Any, timeout: float = 10.0) -> None:
        async def pump() -> None:
            while not predicate():
                msg = await self.ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    raise AssertionError(f"socket closed: {msg!r}")
                data = json.loads(msg.data)
                if "id" in data:
                    self.replies[data["id"]] = data
                else:
                    self.data.setdefault(data["params"]["channel"], []).append(data["params"]["data"])

        await asyncio.wait_for(pump(), timeout)

    async def wait_for(self, channel: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        await self.until(lambda: len(self.data.get(channel, ())) >= count, timeout)
        return self.data[channel]
