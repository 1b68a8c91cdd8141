"""Backpack request signing against the official examples and our 7 ED25519 vectors
(notes §1.5: seed 00..1f; every signature reproduced byte for byte), built the way the client
builds requests: from the params/body it sends."""

from __future__ import annotations

import base64
from decimal import Decimal as D

import pytest
from pydantic import SecretStr, ValidationError

from exchange_clients.backpack.client.managers.order_manager import order_body
from exchange_clients.backpack.client.utils.caching import BackpackMarket
from exchange_clients.backpack.client.utils.transport import (
    BackpackSigner,
    canonical,
    signing_string,
)
from exchange_clients.base_client import OrderRequest
from exchange_clients.errors import ConfigurationError
from exchange_clients.models import MarketInfo, OrderType, Side, TimeInForce
from helpers.venue_config import BackpackConfig

SEED = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
TS = 1750793021519

VECTORS = [
    ("orderCancel", {"orderId": "28", "symbol": "BTC_USDT"}, 1614550000000, 5000,
     "instruction=orderCancel&orderId=28&symbol=BTC_USDT&timestamp=1614550000000&window=5000",
     "80cYcHmUHbvcO3IonY2y+nObqUTRkZrNbRsPB30r+NjqgKfP5DIFKryC0ea11fMcweyoymFT+S2cGbPACyinDw=="),
    ("balanceQuery", None, TS, 5000,
     "instruction=balanceQuery&timestamp=1750793021519&window=5000",
     "a4gmR8Xzxq4kesPQPh+39Xb0N8FwQHErhW0+IqFZwB16ABD3p1x0BQdEvhLGYJ5A22WNBDqY0y+j7dyg1MURBw=="),
    ("orderExecute", {"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit",
                      "price": "141.25", "quantity": "0.10", "timeInForce": "GTC",
                      "postOnly": True, "reduceOnly": False, "clientId": 12345}, TS, 5000,
     "instruction=orderExecute&clientId=12345&orderType=Limit&postOnly=true&price=141.25&quantity=0.10"
     "&reduceOnly=false&side=Bid&symbol=SOL_USDC_PERP&timeInForce=GTC&timestamp=1750793021519&window=5000",
     "v0VsA2ZSli0U4vS0IHwXA8ojXIZeH9r/ExkPFoB+ez/h/aIeb2foj0MJVSeV4w0p4BzIFaAOYRSPsGOJSMN4CA=="),
    ("orderExecute", [{"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "141",
                       "quantity": "12"},
                      {"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit", "price": "140",
                       "quantity": "11"}], TS, 5000,
     "instruction=orderExecute&orderType=Limit&price=141&quantity=12&side=Bid&symbol=SOL_USDC_PERP"
     "&instruction=orderExecute&orderType=Limit&price=140&quantity=11&side=Bid&symbol=SOL_USDC_PERP"
     "&timestamp=1750793021519&window=5000",
     "/RiVIEmATq6bDKSR8I9tEY3qY/MRt45Y5/Wi4mKYjt3SaqoLFfOiYrYNRddqSXfrcDdY/b0n3duPew5JKrn/CA=="),
    ("orderQuery", {"symbol": "SOL_USDC_PERP", "clientId": 12345}, TS, 5000,
     "instruction=orderQuery&clientId=12345&symbol=SOL_USDC_PERP&timestamp=1750793021519&window=5000",
     "pe27qNkRb8Z4JfdRKScR72VWCK8o0r5ROILts8zotr+fbQ0cEZLr46PBX/FN1JZM/AKXRc2XR/tp7J5MpQ0hAQ=="),
    ("accountUpdate", {"leverageLimit": "5"}, TS, 10000,
     "instruction=accountUpdate&leverageLimit=5&timestamp=1750793021519&window=10000",
     "CCTNkOdu+EVN3co/VOyJ1+73IHq/D+V0+DB/lRf51PZYmNYP+VLKfdFkR0k/KQpxtQAk92+Zs26C3ciILJ7iCQ=="),
]


@pytest.mark.parametrize(("instruction", "params", "ts", "window", "message", "signature"), VECTORS)
def test_official_examples_and_vectors(instruction, params, ts, window, message, signature) -> None:
    assert signing_string(instruction, params, ts, window) == message
    signer = BackpackSigner(SEED, PUBLIC)
    headers = signer.headers(instruction, params, ts, window)
    assert headers == {"X-API-Key": PUBLIC, "X-Signature": signature, "X-Timestamp": str(ts),
                       "X-Window": str(window)}


def test_private_subscribe_signature_array() -> None:
    signer = BackpackSigner(SEED, PUBLIC)
    assert signer.ws_signature(TS, 5000) == [
        PUBLIC, "DEytVjBPUJPNGqMWhoFrRnsyaD9AgpeWqvS9jRrnNbGUKyTLfEas10Q5EZ3KjJWU9PxVsfKDqd+oM0GEuFiCAA==",
        str(TS), "5000"]


def test_booleans_lowercase_ints_verbatim_and_no_floats() -> None:
    assert (canonical(True), canonical(False), canonical(12345), canonical("0.10")) == \
        ("true", "false", "12345", "0.10")
    with pytest.raises(TypeError):
        canonical(0.1)  # type: ignore[arg-type]


def test_a_64_byte_seed_and_public_key_secret_signs_the_same() -> None:
    long_secret = base64.b64encode(base64.b64decode(SEED) + base64.b64decode(PUBLIC)).decode()
    assert BackpackSigner(long_secret, PUBLIC).sign("x") == BackpackSigner(SEED, PUBLIC).sign("x")
    BackpackConfig(public_key=PUBLIC, secret_key=SecretStr(long_secret))
    wrong_tail = base64.b64encode(base64.b64decode(SEED) * 2).decode()
    with pytest.raises(ValidationError, match="not one key pair"):
        BackpackConfig(public_key=PUBLIC, secret_key=SecretStr(wrong_tail))


def test_a_secret_that_does_not_derive_the_key_is_refused() -> None:
    other = base64.b64encode(bytes(range(1, 33))).decode()
    with pytest.raises(ConfigurationError):
        BackpackSigner(other, PUBLIC)


def _request(side: Side, qty: str, price: str, tif: TimeInForce, *, reduce_only: bool = False,
             order_type: OrderType = OrderType.LIMIT) -> OrderRequest:
    market = MarketInfo(venue="backpack", symbol="SOL", venue_symbol="SOL_USDC_PERP",
                        market_id="SOL_USDC_PERP", base_asset="SOL", tick_size=D("0.01"),
                        step_size=D("0.01"), min_size=D("0.01"), min_notional=D(0),
                        max_leverage=D(50), maker_fee=D("0.0002"), taker_fee=D("0.0005"),
                        funding_interval_hours=D(1))
    return OrderRequest(market, side, D(qty), D(price), order_type, tif, reduce_only, "12345")


def test_the_order_body_signs_like_the_official_example() -> None:
    """The client's own body for a post-only buy gives vector 3's string (without the
    ``reduceOnly=false`` we never send: optional fields are omitted, never null/false)."""
    body = order_body(_request(Side.BUY, "0.10", "141.25", TimeInForce.POST_ONLY),
                      BackpackMarket("SOL_USDC_PERP", D("0.01"), D("0.01")))
    assert body == {"symbol": "SOL_USDC_PERP", "side": "Bid", "orderType": "Limit",
                    "quantity": "0.1", "price": "141.25", "timeInForce": "GTC",
                    "clientId": 12345, "postOnly": True}
    assert signing_string("orderExecute", body, TS, 5000) == (
        "instruction=orderExecute&clientId=12345&orderType=Limit&postOnly=true&price=141.25"
        "&quantity=0.1&side=Bid&symbol=SOL_USDC_PERP&timeInForce=GTC&timestamp=1750793021519"
        "&window=5000")


def test_market_orders_are_limit_ioc_at_the_worst_price_and_reduce_only_is_sent() -> None:
    body = order_body(_request(Side.SELL, "2", "99.5", TimeInForce.IOC, reduce_only=True,
                               order_type=OrderType.MARKET),
                      BackpackMarket("SOL_USDC_PERP", D("0.01"), D("0.01")))
    assert body["orderType"] == "Limit" and body["timeInForce"] == "IOC"
    assert (body["side"], body["price"], body["reduceOnly"]) == ("Ask", "99.5", True)
    assert "postOnly" not in body
