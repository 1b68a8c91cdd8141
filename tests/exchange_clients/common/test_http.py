"""HttpClient against a real aiohttp server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from exchange_clients.common.http import HttpClient, parse_retry_after
from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailableError,
    InsufficientMarginError,
    NetworkError,
)


class Venue:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.fail_first: dict[str, int] = {}

    def count(self, name: str) -> int:
        self.hits[name] = self.hits.get(name, 0) + 1
        return self.hits[name]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/ok", self.ok)
        app.router.add_get("/flaky", self.flaky)
        app.router.add_post("/flaky", self.flaky)
        app.router.add_get("/limited", self.limited)
        app.router.add_get("/auth", self.auth)
        app.router.add_post("/order", self.order)
        app.router.add_get("/slow", self.slow)
        app.router.add_post("/slow", self.slow)
        return app

    async def ok(self, request: web.Request) -> web.Response:
        self.count("ok")
        return web.json_response({"echo": dict(request.query), "price": "65000.10"})

    async def flaky(self, request: web.Request) -> web.Response:
        n = self.count(f"flaky-{request.method}")
        if n <= 2:
            return web.json_response({"msg": "busy"}, status=503)
        return web.json_response({"n": n})

    async def limited(self, request: web.Request) -> web.Response:
        n = self.count("limited")
        if n == 1:
            return web.json_response({"code": -1003, "msg": "too many"}, status=429,
                                     headers={"Retry-After": "0.05"})
        return web.json_response({"n": n})

    async def auth(self, request: web.Request) -> web.Response:
        return web.json_response({"msg": "bad key"}, status=401)

    async def order(self, request: web.Request) -> web.Response:
        self.count("order")
        return web.json_response({"code": 21739, "message": "not enough margin"}, status=400)

    async def slow(self, request: web.Request) -> web.Response:
        self.count(f"slow-{request.method}")
        await asyncio.sleep(2)
        return web.json_response({})


def mapper(status: int, body: Any, headers: Mapping[str, str]) -> ExchangeError | None:
    if isinstance(body, dict) and body.get("code") == 21739:
        return InsufficientMarginError("v", body["message"], code=21739)
    return None


@pytest.fixture
async def venue() -> AsyncIterator[tuple[Venue, str]]:
    v = Venue()
    server = TestServer(v.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield v, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def client(venue: tuple[Venue, str]) -> AsyncIterator[HttpClient]:
    c = HttpClient("v", venue[1], timeout=0.5, error_mapper=mapper, backoff=0.01)
    try:
        yield c
    finally:
        await c.close()


async def test_get_decodes_json_and_passes_params(client: HttpClient) -> None:
    body = await client.get("/ok", params={"symbol": "BTC"})
    assert body == {"echo": {"symbol": "BTC"}, "price": "65000.10"}


async def test_one_session_is_reused(client: HttpClient) -> None:
    await client.get("/ok")
    first = client.session
    await client.get("/ok")
    assert client.session is first


async def test_idempotent_get_is_retried_after_5xx(client: HttpClient, venue: tuple[Venue, str]) -> None:
    assert await client.get("/flaky") == {"n": 3}
    assert venue[0].hits["flaky-GET"] == 3


async def test_post_is_never_retried(client: HttpClient, venue: tuple[Venue, str]) -> None:
    with pytest.raises(ExchangeUnavailableError):
        await client.post("/flaky", json={})
    assert venue[0].hits["flaky-POST"] == 1


async def test_429_penalises_the_limiter_and_retries_after_retry_after(
        venue: tuple[Venue, str]) -> None:
    limiter = RateLimiter("v", [(100, 1.0)])
    with_client = HttpClient("v", venue[1], limiter=limiter, backoff=0.01)
    try:
        assert await with_client.get("/limited") == {"n": 2}
    finally:
        await with_client.close()
    assert limiter.usage().penalties == 1


async def test_venue_error_body_is_mapped_to_a_typed_error(client: HttpClient) -> None:
    with pytest.raises(InsufficientMarginError) as info:
        await client.post("/order", json={"x": 1})
    assert info.value.code == "21739"


async def test_401_is_an_authentication_error(client: HttpClient) -> None:
    with pytest.raises(AuthenticationError):
        await client.get("/auth")


async def test_timeout_on_post_is_a_network_error_and_not_retried(
        client: HttpClient, venue: tuple[Venue, str]) -> None:
    with pytest.raises(NetworkError) as info:
        await client.post("/slow")
    assert info.value.code == "TIMEOUT"
    assert venue[0].hits["slow-POST"] == 1


async def test_unreachable_venue_is_a_network_error() -> None:
    c = HttpClient("v", "http://127.0.0.1:9", timeout=1, retries=0)
    try:
        with pytest.raises(NetworkError) as info:
            await c.get("/ok")
        assert info.value.retryable
    finally:
        await c.close()


def test_retry_after_parsing() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
