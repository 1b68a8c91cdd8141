"""Test-side Lighter client: txs signed by lighter-sdk's own Go signer (``SignerClient.sign_*``
with an explicit nonce and api key index, which makes no HTTP call), auth tokens from the same
signer, plain aiohttp for the wire, and a quiet deterministic scenario."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import aiohttp
import lighter
from pydantic import BaseModel

from simulator.engine.params import FundingSpec, LiquiditySpec, PriceSpec, TakerSpec
from simulator.engine.scenario import Scenario
from simulator.testing import RunningSimulator, running_simulator

D = Decimal
#: a market time on an hour boundary
START_MS = 1_699_999_200_000
LIMIT, MARKET = 0, 1
IOC, GTT, POST_ONLY = 0, 1, 2


def quiet_scenario(rate_8h: str = "0.0008", **extra: Any) -> Scenario:
    """Constant prices (ETH 3000), market makers, no takers, funding without noise."""
    starts = {"BTC": "100000", "ETH": "3000", "SOL": "150", "PEPE": "0.00001"}
    prices = {s: PriceSpec(start=D(p), volatility=0) for s, p in starts.items()}
    return Scenario.model_validate({
        "name": "lighter-quiet", "seed": 5, "prices": prices,
        "funding": {"default": FundingSpec(rate_8h=D(rate_8h), noise_8h=D(0))},
        "liquidity": LiquiditySpec(levels=5), "takers": TakerSpec(orders_per_minute=0), **extra})


def strict(model: type[BaseModel], body: Any) -> Any:
    """Validate a body against lighter-sdk's pydantic model strictly (the SDK's own ``from_dict``
    does not validate, so a wrong type would only explode later in a client)."""
    return model.model_validate(body)


class Trader:
    """One account with its API key: signs txs with lighter-sdk and sends them over aiohttp."""

    def __init__(self, sim: RunningSimulator, session: aiohttp.ClientSession, creds: dict[str, Any],
                 signer: lighter.SignerClient) -> None:
        self.sim = sim
        self.session = session
        self.creds = creds
        self.account = int(creds["account_index"])
        self.key = int(creds["api_key_index"])
        self.signer = signer
        self.nonce = 0
        self.rest = sim.urls("lighter")["rest"]

    def token(self, deadline_s: int = -1) -> str:
        token, err = self.signer.create_auth_token_with_expiry(deadline_s, api_key_index=self.key)
        assert err is None, err
        return str(token)

    def sign_order(self, market: int, coi: int, base: int, price: int, is_ask: bool, *, kind: int = LIMIT,
                   tif: int = GTT, reduce_only: bool = False, expiry: int = -1,
                   nonce: int | None = None) -> tuple[int, str]:
        if tif == IOC and expiry == -1:
            expiry = 0
        tx_type, info, _, err = self.signer.sign_create_order(
            market, coi, base, price, is_ask, kind, tif, reduce_only, 0, expiry,
            nonce=self.nonce if nonce is None else nonce, api_key_index=self.key)
        assert err is None, err
        return int(tx_type), str(info)

    def sign(self, method: str, *args: Any, nonce: int | None = None) -> tuple[int, str]:
        tx_type, info, _, err = getattr(self.signer, method)(
            *args, nonce=self.nonce if nonce is None else nonce, api_key_index=self.key)
        assert err is None, err
        return int(tx_type), str(info)

    async def send(self, tx_type: int, tx_info: str | dict[str, Any]) -> tuple[int, Any]:
        info = tx_info if isinstance(tx_info, str) else json.dumps(tx_info)
        async with self.session.post(f"{self.rest}/api/v1/sendTx",
                                     data={"tx_type": str(tx_type), "tx_info": info}) as resp:
            body = await resp.json()
        if resp.status == 200:
            self.nonce += 1
        return resp.status, body

    async def order(self, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        return await self.send(*self.sign_order(*args, **kwargs))

    async def get(self, path: str, *, auth: bool | str = False, **params: Any) -> tuple[int, Any]:
        headers = {}
        if auth:
            headers["Authorization"] = auth if isinstance(auth, str) else self.token()
        query = {k: str(v) for k, v in params.items()}
        async with self.session.get(f"{self.rest}/api/v1/{path}", params=query, headers=headers) as resp:
            return resp.status, await resp.json(content_type=None)

    async def active(self, market: int = 255) -> list[dict[str, Any]]:
        status, body = await self.get("accountActiveOrders", auth=True, account_index=self.account,
                                      market_id=market)
        assert status == 200, body
        return list(body["orders"])

    async def inactive(self, limit: int = 100) -> list[dict[str, Any]]:
        status, body = await self.get("accountInactiveOrders", auth=True, account_index=self.account,
                                      limit=limit)
        assert status == 200, body
        return list(body["orders"])

    async def by_coi(self, *cois: int) -> list[dict[str, Any]]:
        status, body = await self.get("accountOrders", auth=True, account_index=self.account,
                                      client_order_indexes=",".join(map(str, cois)))
        assert status == 200, body
        return list(body["orders"])


async def new_trader(sim: RunningSimulator, session: aiohttp.ClientSession, usd: str = "100000") -> Trader:
    """A funded account, its credentials (issued through the control path) and a signer."""
    created = sim.venue("lighter").create_account(D(usd))
    creds = created["credentials"]
    signer = lighter.SignerClient(url=sim.urls("lighter")["rest"], account_index=creds["account_index"],
                                  api_private_keys={creds["api_key_index"]: creds["api_private_key"]},
                                  chain_id=creds["chain_id"])
    return Trader(sim, session, creds, signer)


class Harness:
    """A running Lighter venue, an aiohttp session and funded traders (closed on exit)."""

    def __init__(self, sim: RunningSimulator, session: aiohttp.ClientSession) -> None:
        self.sim = sim
        self.session = session
        self.traders: list[Trader] = []
        self.rest = sim.urls("lighter")["rest"]
        self.ws = sim.urls("lighter")["ws"]

    @property
    def trader(self) -> Trader:
        return self.traders[0]

    @property
    def engine(self) -> Any:
        return self.sim.engine("lighter")

    @property
    def venue(self) -> Any:
        return self.sim.venue("lighter").module

    async def add_trader(self, usd: str = "100000") -> Trader:
        trader = await new_trader(self.sim, self.session, usd)
        self.traders.append(trader)
        return trader

    async def public(self, path: str, **params: Any) -> tuple[int, Any]:
        return await public(self.session, self.rest, path, **params)


@asynccontextmanager
async def lighter_venue(scenario: Scenario | str | None = None,
                        usd: str = "100000") -> AsyncIterator[Harness]:
    async with (running_simulator(["lighter"], scenario or quiet_scenario(), start_ms=START_MS) as sim,
                aiohttp.ClientSession() as session):
        harness = Harness(sim, session)
        try:
            await harness.add_trader(usd)
            yield harness
        finally:
            for trader in harness.traders:
                await trader.signer.close()


async def public(session: aiohttp.ClientSession, rest: str, path: str, **params: Any) -> tuple[int, Any]:
    async with session.get(f"{rest}{path}", params={k: str(v) for k, v in params.items()}) as resp:
        return resp.status, await resp.json(content_type=None)
