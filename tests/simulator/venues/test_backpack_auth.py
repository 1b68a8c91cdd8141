"""Backpack ED25519 request signing: the official signing-string examples and signatures
reproduced by the test signer and verified by the module; then the live checks (bad signature,
wrong instruction, expired/future timestamp, window rules, unknown key) answered with Backpack's
``INVALID_CLIENT_REQUEST`` bodies."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from multidict import CIMultiDict, CIMultiDictProxy

from helpers.venue_config import BackpackConfig
from simulator.venues.backpack.auth import Authenticator, parse_json, signing_string
from simulator.venues.backpack.errors import ApiError
from tests.simulator.venues.bp_support import backpack, sign
from tests.simulator.venues.bp_support import signing_string as spec_string

SECRET = base64.b64encode(bytes(range(32))).decode()
PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
T = 1750793021519
ORDER = ('{"symbol":"SOL_USDC_PERP","side":"Bid","orderType":"Limit","price":"141.25","quantity":"0.10",'
         '"timeInForce":"GTC","postOnly":true,"reduceOnly":false,"clientId":12345}')
BATCH = ('[{"symbol":"SOL_USDC_PERP","side":"Bid","orderType":"Limit","price":"141","quantity":"12"},'
         '{"symbol":"SOL_USDC_PERP","side":"Bid","orderType":"Limit","price":"140","quantity":"11"}]')
# (instruction, query, JSON body, timestamp, window, expected string or None, signature) — notes §1.5
VECTORS: list[tuple[str, dict[str, str] | None, str | None, int, int, str | None, str]] = [
    ("orderCancel", None, '{"orderId":28,"symbol":"BTC_USDT"}', 1614550000000, 5000,
     "instruction=orderCancel&orderId=28&symbol=BTC_USDT&timestamp=1614550000000&window=5000",
     "80cYcHmUHbvcO3IonY2y+nObqUTRkZrNbRsPB30r+NjqgKfP5DIFKryC0ea11fMcweyoymFT+S2cGbPACyinDw=="),
    ("balanceQuery", None, None, T, 5000, f"instruction=balanceQuery&timestamp={T}&window=5000",
     "a4gmR8Xzxq4kesPQPh+39Xb0N8FwQHErhW0+IqFZwB16ABD3p1x0BQdEvhLGYJ5A22WNBDqY0y+j7dyg1MURBw=="),
    ("orderExecute", None, ORDER, T, 5000,
     "instruction=orderExecute&clientId=12345&orderType=Limit&postOnly=true&price=141.25&quantity=0.10"
     f"&reduceOnly=false&side=Bid&symbol=SOL_USDC_PERP&timeInForce=GTC&timestamp={T}&window=5000",
     "v0VsA2ZSli0U4vS0IHwXA8ojXIZeH9r/ExkPFoB+ez/h/aIeb2foj0MJVSeV4w0p4BzIFaAOYRSPsGOJSMN4CA=="),
    ("orderExecute", None, BATCH, T, 5000,
     "instruction=orderExecute&orderType=Limit&price=141&quantity=12&side=Bid&symbol=SOL_USDC_PERP"
     "&instruction=orderExecute&orderType=Limit&price=140&quantity=11&side=Bid&symbol=SOL_USDC_PERP"
     f"&timestamp={T}&window=5000",
     "/RiVIEmATq6bDKSR8I9tEY3qY/MRt45Y5/Wi4mKYjt3SaqoLFfOiYrYNRddqSXfrcDdY/b0n3duPew5JKrn/CA=="),
    ("orderQuery", {"symbol": "SOL_USDC_PERP", "clientId": "12345"}, None, T, 5000, None,
     "pe27qNkRb8Z4JfdRKScR72VWCK8o0r5ROILts8zotr+fbQ0cEZLr46PBX/FN1JZM/AKXRc2XR/tp7J5MpQ0hAQ=="),
    ("accountUpdate", None, '{"leverageLimit":"5"}', T, 10000, None,
     "CCTNkOdu+EVN3co/VOyJ1+73IHq/D+V0+DB/lRf51PZYmNYP+VLKfdFkR0k/KQpxtQAk92+Zs26C3ciILJ7iCQ=="),
]
WS_VECTOR = "DEytVjBPUJPNGqMWhoFrRnsyaD9AgpeWqvS9jRrnNbGUKyTLfEas10Q5EZ3KjJWU9PxVsfKDqd+oM0GEuFiCAA=="


def error(message: str) -> dict[str, str]:
    return {"code": "INVALID_CLIENT_REQUEST", "message": message}


def _headers(ts: int, window: int, sig: str, key: str = PUBLIC) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict({"x-api-key": key, "X-SIGNATURE": sig, "X-Timestamp": str(ts),
                                         "X-Window": str(window)}))


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v[0])
def test_official_vectors_are_reproduced_and_verified(vector: tuple[Any, ...]) -> None:
    instruction, query, body_text, ts, window, expected, signature = vector
    body = parse_json(body_text.encode(), "X") if body_text else None
    message = signing_string(instruction, query, body, ts, window)
    if expected is not None:
        assert message == expected
    params = query if query is not None else (json.loads(body_text) if body_text else None)
    if isinstance(params, dict) and "clientId" in params and query is not None:
        params = {**params, "clientId": 12345}
    assert spec_string(instruction, params, ts, window) == message        # the test signer agrees
    assert sign(SECRET, message) == signature
    auth = Authenticator()
    auth.register(PUBLIC, 7)
    assert auth.verify_request(_headers(ts, window, signature), instruction, query or {}, body, ts) == 7
    with pytest.raises(ApiError, match="Invalid signature"):      # another instruction: no match
        auth.verify_request(_headers(ts, window, signature), "orderQueryAll", query or {}, body, ts)


def test_ws_subscribe_vector() -> None:
    auth = Authenticator()
    auth.register(PUBLIC, 3)
    assert sign(SECRET, f"instruction=subscribe&timestamp={T}&window=5000") == WS_VECTOR
    assert auth.verify_subscribe([PUBLIC, WS_VECTOR, str(T), "5000"], T + 10) == 3
    with pytest.raises(ApiError, match="Request has expired"):
        auth.verify_subscribe([PUBLIC, WS_VECTOR, str(T), "5000"], T + 5001)


def test_numbers_sign_as_written() -> None:
    body = parse_json(b'{"quantity":0.10,"price":"1e-7","clientId":7,"nested":{"a":[1,true]}}', "X")
    assert signing_string("orderExecute", None, body, 1, 5000) == (
        'instruction=orderExecute&clientId=7&nested={"a":[1,true]}&price=1e-7&quantity=0.10&timestamp=1&window=5000')


async def test_credentials_match_config_model() -> None:
    async with backpack() as (sim, client):
        urls = sim.urls("backpack")
        creds = {"public_key": client.public_key, "secret_key": client.secret_key}
        config = BackpackConfig.model_validate({**creds, "rest_url": urls["rest"], "ws_url": urls["ws"]})
        assert config.resolved_rest_url() == urls["rest"] and config.is_local
        assert urls["ws"].count("/") == 2           # ws://host:port, no path, like wss://ws.backpack.exchange
        derived = Ed25519PrivateKey.from_private_bytes(base64.b64decode(client.secret_key)).public_key()
        assert base64.b64encode(derived.public_bytes_raw()).decode() == client.public_key


async def test_signed_requests_and_auth_failures() -> None:
    async with backpack() as (_, client):
        status, body = await client.call("GET", "/api/v1/capital", "balanceQuery")
        assert status == 200 and "USDC" in body
        # no X-Window header: the default 5000 is what was signed
        status, _ = await client.call("GET", "/api/v1/capital", "balanceQuery", window=None)
        assert status == 200
        status, body = await client.call("GET", "/api/v1/capital", "collateralQuery")   # wrong instruction
        assert (status, body) == (401, {"code": "INVALID_CLIENT_REQUEST", "message": "Invalid signature"})
        other = base64.b64encode(bytes(32)).decode()                                     # wrong key pair
        status, body = await client.call("GET", "/api/v1/capital", "balanceQuery", secret=other)
        assert (status, body["message"]) == (401, "Invalid signature")
        old = int(time.time() * 1000) - 6000
        status, body = await client.call("GET", "/api/v1/capital", "balanceQuery", timestamp=old)
        assert (status, body) == (401, {"code": "INVALID_CLIENT_REQUEST", "message": "Request has expired"})
        status, _ = await client.call("GET", "/api/v1/capital", "balanceQuery", timestamp=old, window=10000)
        assert status == 200                                                             # a wider window
        future = int(time.time() * 1000) + 30_000
        status, body = await client.call("GET", "/api/v1/capital", "balanceQuery", timestamp=future)
        assert body["message"] == "Request has expired"
        status, body = await client.call("GET", "/api/v1/capital", "balanceQuery", window=60001)
        assert (status, body) == (400, error("Invalid X-Window header"))


async def test_header_problems() -> None:
    async with backpack() as (_, client):
        url = client.rest + "/api/v1/capital"
        headers = client.headers("balanceQuery", None)
        for name, message in (("X-API-Key", "Missing X-API-Key header"),
                              ("X-Signature", "Missing X-Signature header")):
            async with client.session.get(url, headers={k: v for k, v in headers.items() if k != name}) as r:
                assert (r.status, await r.json()) == (401, error(message))
        unknown = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes_raw()).decode()
        async with client.session.get(url, headers={**headers, "X-API-Key": unknown}) as r:
            assert (r.status, (await r.json())["message"]) == (401, "Invalid X-API-Key header")
        async with client.session.get(url, headers={**headers, "X-Signature": "bm90IGEgc2lnbmF0dXJl"}) as r:
            assert (r.status, (await r.json())["message"]) == (401, "Invalid X-Signature header")
        # header names are case-insensitive
        async with client.session.get(url, headers={k.upper(): v for k, v in headers.items()}) as r:
            assert r.status == 200


async def test_body_is_signed_verbatim() -> None:
    """The body's number text is what is signed: "0.10" and 0.1 are different strings."""
    async with backpack() as (_, client):
        body = {"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "90000.0",
                "quantity": "0.00100", "postOnly": True, "clientId": 42}
        status, order = await client.order(**body)
        assert status == 200 and order["clientId"] == 42 and order["postOnly"] is True
        headers = client.headers("orderExecute", {**body, "quantity": "0.001"})
        async with client.session.post(client.rest + "/api/v1/order", data=json.dumps(body),
                                       headers=headers) as r:
            assert (r.status, (await r.json())["message"]) == (401, "Invalid signature")


async def test_signed_batch() -> None:
    async with backpack() as (_, client):
        orders = [{"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "90000",
                   "quantity": "0.001"},
                  {"symbol": "BTC_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "90000.05",
                   "quantity": "0.001"}]
        status, body = await client.call("POST", "/api/v1/orders", "orderExecute", orders)
        assert status == 200
        assert body[0]["operation"] == "Ok" and body[0]["status"] == "New"
        assert body[1] == {"operation": "Err", "code": "INVALID_CLIENT_REQUEST",
                           "message": "Price decimal too long"}


async def test_malformed_body_is_plain_text() -> None:
    """A malformed JSON body is a plain-text 400 before any signature check."""
    async with backpack() as (_, client), client.session.post(
            client.rest + "/api/v1/order", data="{not json",
            headers=client.headers("orderExecute", None)) as r:
        assert r.status == 400 and r.content_type == "text/plain"
        assert (await r.text()).startswith("parse request payload error")
