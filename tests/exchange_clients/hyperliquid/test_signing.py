"""Hyperliquid L1-action signing: our implementation against the official SDK.

Two oracles: the SDK's *published* vectors (hyperliquid-python-sdk tests/signing_test.py,
key 0x0123…0123, copied exactly in notes/hyperliquid/signing_vectors.md), and the installed
SDK itself (``hyperliquid.utils.signing``), run on actions our order manager builds from
``Decimal`` — so the field order, the number formatting (``float_to_wire``) and the cloid all
have to match byte for byte for the signatures to agree.
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import msgpack
import pytest
from eth_account import Account
from hyperliquid.utils import signing as sdk
from hyperliquid.utils.types import Cloid

from exchange_clients.base_client import OrderRequest
from exchange_clients.hyperliquid.client.managers.order_manager import order_action, order_wire
from exchange_clients.hyperliquid.client.utils.caching import HyperliquidMarket
from exchange_clients.hyperliquid.client.utils.converters import market_entry
from exchange_clients.hyperliquid.client.utils.transport import (
    AgentSigner,
    HyperliquidTransport,
    action_hash,
    agent_digest,
    is_mainnet_url,
)
from exchange_clients.models import OrderType, Side, TimeInForce
from helpers.venue_config import HyperliquidConfig

KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"
ADDRESS = "0x14791697260e4c9a71f18484c9f997b308e59325"
VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"
DUMMY = {"type": "dummy", "num": 100000000000}  # float_to_int_for_hashing(1000)


def _order(a: int, p: str, s: str, tif: dict[str, Any], cloid: str | None = None) -> dict[str, Any]:
    wire: dict[str, Any] = {"a": a, "b": True, "p": p, "s": s, "r": False, "t": tif}
    if cloid is not None:
        wire["c"] = cloid
    return {"type": "order", "orders": [wire], "grouping": "na"}


GTC = {"limit": {"tif": "Gtc"}}
# tests/signing_test.py of the SDK: (action, vault, mainnet (r, s, v), testnet (r, s, v)); nonce 0
PUBLISHED: list[tuple[str, dict[str, Any], str | None, tuple[str, str, int], tuple[str, str, int]]] = [
    ("test_l1_action_signing_matches", DUMMY, None,
     ("0x53749d5b30552aeb2fca34b530185976545bb22d0b3ce6f62e31be961a59298",
      "0x755c40ba9bf05223521753995abb2f73ab3229be8ec921f350cb447e384d8ed8", 27),
     ("0x542af61ef1f429707e3c76c5293c80d01f74ef853e34b76efffcb57e574f9510",
      "0x17b8b32f086e8cdede991f1e2c529f5dd5297cbe8128500e00cbaf766204a613", 28)),
    ("test_l1_action_signing_order_matches", _order(1, "100", "100", GTC), None,
     ("0xd65369825a9df5d80099e513cce430311d7d26ddf477f5b3a33d2806b100d78e",
      "0x2b54116ff64054968aa237c20ca9ff68000f977c93289157748a3162b6ea940e", 28),
     ("0x82b2ba28e76b3d761093aaded1b1cdad4960b3af30212b343fb2e6cdfa4e3d54",
      "0x6b53878fc99d26047f4d7e8c90eb98955a109f44209163f52d8dc4278cbbd9f5", 27)),
    ("test_l1_action_signing_order_with_cloid_matches",
     _order(1, "100", "100", GTC, "0x00000000000000000000000000000001"), None,
     ("0x41ae18e8239a56cacbc5dad94d45d0b747e5da11ad564077fcac71277a946e3",
      "0x3c61f667e747404fe7eea8f90ab0e76cc12ce60270438b2058324681a00116da", 27),
     ("0xeba0664bed2676fc4e5a743bf89e5c7501aa6d870bdb9446e122c9466c5cd16d",
      "0x7f3e74825c9114bc59086f1eebea2928c190fdfbfde144827cb02b85bbe90988", 28)),
    ("test_l1_action_signing_matches_with_vault", DUMMY, VAULT,
     ("0x3c548db75e479f8012acf3000ca3a6b05606bc2ec0c29c50c515066a326239",
      "0x4d402be7396ce74fbba3795769cda45aec00dc3125a984f2a9f23177b190da2c", 28),
     ("0xe281d2fb5c6e25ca01601f878e4d69c965bb598b88fac58e475dd1f5e56c362b",
      "0x7ddad27e9a238d045c035bc606349d075d5c5cd00a6cd1da23ab5c39d4ef0f60", 27)),
    ("test_l1_action_signing_tpsl_order_matches",
     _order(1, "100", "100", {"trigger": {"isMarket": True, "triggerPx": "103", "tpsl": "sl"}}),
     None,
     ("0x98343f2b5ae8e26bb2587daad3863bc70d8792b09af1841b6fdd530a2065a3f9",
      "0x6b5bb6bb0633b710aa22b721dd9dee6d083646a5f8e581a20b545be6c1feb405", 27),
     ("0x971c554d917c44e0e1b6cc45d8f9404f32172a9d3b3566262347d0302896a2e4",
      "0x206257b104788f80450f8e786c329daa589aa0b32ba96948201ae556d5637eac", 28)),
    ("test_create_sub_account_action", {"type": "createSubAccount", "name": "example"}, None,
     ("0x51096fe3239421d16b671e192f574ae24ae14329099b6db28e479b86cdd6caa7",
      "0xb71f7d293af92d3772572afb8b102d167a7cef7473388286bc01f52a5c5b423", 27),
     ("0xa699e3ed5c2b89628c746d3298b5dc1cca604694c2c855da8bb8250ec8014a5b",
      "0x53f1b8153a301c72ecc655b1c315d64e1dcea3ee58921fd7507e35818fcc1584", 28)),
    ("test_sub_account_transfer_action",
     {"type": "subAccountTransfer", "subAccountUser": "0x1d9470d4b963f552e6f671a81619d395877bf409",
      "isDeposit": True, "usd": 10}, None,
     ("0x43592d7c6c7d816ece2e206f174be61249d651944932b13343f4d13f306ae602",
      "0x71a926cb5c9a7c01c3359ec4c4c34c16ff8107d610994d4de0e6430e5cc0f4c9", 28),
     ("0xe26574013395ad55ee2f4e0575310f003c5bb3351b5425482e2969fa51543927",
      "0xefb08999196366871f919fd0e138b3a7f30ee33e678df7cfaf203e25f0a4278", 28)),
    ("test_schedule_cancel_action (no time)", {"type": "scheduleCancel"}, None,
     ("0x6cdfb286702f5917e76cd9b3b8bf678fcc49aec194c02a73e6d4f16891195df9",
      "0x6557ac307fa05d25b8d61f21fb8a938e703b3d9bf575f6717ba21ec61261b2a0", 27),
     ("0xc75bb195c3f6a4e06b7d395acc20bbb224f6d23ccff7c6a26d327304e6efaeed",
      "0x342f8ede109a29f2c0723bd5efb9e9100e3bbb493f8fb5164ee3d385908233df", 28)),
    ("test_schedule_cancel_action (time)", {"type": "scheduleCancel", "time": 123456789}, None,
     ("0x609cb20c737945d070716dcc696ba030e9976fcf5edad87afa7d877493109d55",
      "0x16c685d63b5c7a04512d73f183b3d7a00da5406ff1f8aad33f8ae2163bab758b", 28),
     ("0x4e4f2dbd4107c69783e251b7e1057d9f2b9d11cee213441ccfa2be63516dc5bc",
      "0x706c656b23428c8ba356d68db207e11139ede1670481a9e01ae2dfcdb0e1a678", 27)),
]


@pytest.mark.parametrize(("name", "action", "vault", "mainnet", "testnet"), PUBLISHED,
                         ids=[p[0] for p in PUBLISHED])
def test_published_vectors(name: str, action: dict[str, Any], vault: str | None,
                           mainnet: tuple[str, str, int], testnet: tuple[str, str, int]) -> None:
    for is_mainnet, (r, s, v) in ((True, mainnet), (False, testnet)):
        for fast in (True, False):  # libsecp256k1 and the eth-keys fallback
            signature = AgentSigner(KEY, mainnet=is_mainnet, fast=fast).sign(action, 0, vault)
            assert signature == {"r": r, "s": s, "v": v}


def test_phantom_agent_connection_id_matches_production() -> None:
    """test_phantom_agent_creation_matches_production: ETH(a=4) Ioc buy 0.0147@1670.1."""
    action = _order(4, "1670.1", "0.0147", {"limit": {"tif": "Ioc"}})
    assert msgpack.packb(action).hex() == (
        "83a474797065a56f72646572a66f72646572739186a16104a162c3a170a6313637302e31a173a6302e30313437"
        "a172c2a17481a56c696d697481a3746966a3496f63a867726f7570696e67a26e61")
    assert action_hash(action, None, 1677777606040, None).hex() == \
        "0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908"


def test_sdk_generated_vectors_including_expires_after() -> None:
    """sdk_generated_vectors.json (beside this file): vectors from running SDK 0.24.0's signing
    code — cancel, cancelByCloid, updateLeverage, batchModify, noop, expiresAfter."""
    rows = json.loads((Path(__file__).parent / "sdk_generated_vectors.json").read_text())["l1"]
    assert rows
    for row in rows:
        connection = action_hash(row["action"], row["vaultAddress"], row["nonce"], row["expiresAfter"])
        assert "0x" + connection.hex() == row["connectionId"], row["name"]
        for net, is_mainnet in (("mainnet", True), ("testnet", False)):
            ours = AgentSigner(KEY, mainnet=is_mainnet).sign(
                row["action"], row["nonce"], row["vaultAddress"], row["expiresAfter"])
            assert ours == row[net], (row["name"], net)


def test_the_domain_and_digest_recover_the_signer() -> None:
    digest = agent_digest(action_hash(DUMMY, None, 0, None), mainnet=False)
    signature = AgentSigner(KEY, mainnet=False).sign(DUMMY, 0)
    recovered = Account._recover_hash(digest, vrs=(signature["v"], int(signature["r"], 16),
                                                   int(signature["s"], 16)))
    assert recovered.lower() == ADDRESS


def test_network_is_chosen_like_the_official_sdk() -> None:
    assert is_mainnet_url("https://api.hyperliquid.xyz")
    for url in ("https://api.hyperliquid-testnet.xyz", "http://127.0.0.1:8080",
                "https://api.hyperliquid.xyz.evil"):
        assert not is_mainnet_url(url)
    config = HyperliquidConfig(address=ADDRESS, agent_private_key=KEY,
                               rest_url="https://api.hyperliquid.xyz/")
    assert HyperliquidTransport(config).mainnet  # the config strips the trailing slash


# ---- the installed SDK as the oracle for what our order manager builds ----------------------

MARKETS = {  # coin: (asset, szDecimals, reference price)
    "BTC": (0, 5, "97000"), "ETH": (1, 4, "3512.5"), "SOL": (5, 2, "181.23"),
    "kPEPE": (7, 0, "0.012345"), "DOGE": (12, 0, "0.31234"),
}
CASES = [  # coin, side, quantity (normalised), price (normalised), tif, order type, reduce-only
    ("BTC", Side.BUY, D("0.00123"), D("96999"), TimeInForce.GTC, OrderType.LIMIT, False),
    ("BTC", Side.SELL, D("1.5"), D("105123"), TimeInForce.POST_ONLY, OrderType.LIMIT, True),
    ("ETH", Side.BUY, D("0.0147"), D("1670.1"), TimeInForce.IOC, OrderType.LIMIT, False),
    ("ETH", Side.SELL, D("12.3456"), D("3500"), TimeInForce.GTC, OrderType.MARKET, False),
    ("SOL", Side.BUY, D("0.01"), D("181.23"), TimeInForce.GTC, OrderType.LIMIT, False),
    ("SOL", Side.SELL, D("100"), D("9.5"), TimeInForce.POST_ONLY, OrderType.LIMIT, False),
    ("kPEPE", Side.BUY, D("5000"), D("0.000012345"), TimeInForce.GTC, OrderType.LIMIT, False),
    ("kPEPE", Side.SELL, D("1000000"), D("0.00001"), TimeInForce.IOC, OrderType.LIMIT, True),
    ("DOGE", Side.BUY, D("33"), D("0.31234"), TimeInForce.GTC, OrderType.LIMIT, False),
]


def _sdk_action(request: OrderRequest, market: HyperliquidMarket) -> dict[str, Any]:
    """What the official SDK builds for the same order, from floats as it takes them."""
    assert request.price is not None
    tif = {TimeInForce.GTC: "Gtc", TimeInForce.IOC: "Ioc", TimeInForce.POST_ONLY: "Alo"}[
        TimeInForce.IOC if request.order_type is OrderType.MARKET else request.time_in_force]
    sdk_order = {"coin": market.coin, "is_buy": request.side is Side.BUY,
                 "sz": float(request.quantity / market.multiplier),
                 "limit_px": float(request.price * market.multiplier),
                 "order_type": {"limit": {"tif": tif}}, "reduce_only": request.reduce_only,
                 "cloid": Cloid.from_str(request.client_order_id)}
    wire = sdk.order_request_to_order_wire(sdk_order, market.asset)  # type: ignore[arg-type]
    return sdk.order_wires_to_order_action([wire])  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CASES])
def test_orders_hash_and_sign_exactly_like_the_sdk(case: tuple[Any, ...]) -> None:
    coin, side, quantity, price, tif, order_type, reduce_only = case
    asset, szd, reference = MARKETS[coin]
    entry = market_entry(asset, {"name": coin, "szDecimals": szd, "maxLeverage": 10},
                         {"markPx": reference})
    request = OrderRequest(entry.info, side, quantity, price, order_type, tif, reduce_only,
                           "0x0000000000000000000000000000abcd")
    ours = order_action([order_wire(request, entry.venue_data)])
    theirs = _sdk_action(request, entry.venue_data)
    assert msgpack.packb(ours) == msgpack.packb(theirs)
    wallet = Account.from_key(KEY)
    for is_mainnet in (True, False):
        expected = sdk.sign_l1_action(wallet, theirs, None, 1_700_000_000_123, None, is_mainnet)
        assert AgentSigner(KEY, mainnet=is_mainnet).sign(ours, 1_700_000_000_123) == expected
