"""The drop-in inside paradex-py and starknet-py: whole Paradex signatures, made offline,
equal those of paradex-py on the Rust original, with and without the starknet-py accelerator.

Expected signatures come from vectors.json ("paradex"), produced by paradex-py 0.8.2 over the
real starknet-crypto-py 0.2.0 on CPython 3.10 (compat/starknet-crypto-py/tools/gen_vectors.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = ROOT / "compat" / "starknet-crypto-py" / "tests" / "vectors.json"
P = 2**251 + 17 * 2**192 + 1

compat = pytest.importorskip("starknet_crypto_py_compat")
accelerate = pytest.importorskip("starknet_crypto_py_compat.accelerate")


@cache
def vectors() -> dict[str, Any]:
    return json.loads(VECTORS_PATH.read_text())  # type: ignore[no-any-return]


@pytest.fixture(params=["plain", "accelerated"])
def mode(request: pytest.FixtureRequest) -> Iterator[str]:
    pytest.importorskip("starknet_py")
    if request.param == "accelerated":
        if not compat.accelerate_starknet_py():
            pytest.skip("no fast Pedersen in this environment")
        assert compat.is_accelerated()
    yield request.param
    compat.restore_starknet_py()
    assert not compat.is_accelerated()


@pytest.fixture
def paradex() -> dict[str, Any]:
    data = vectors()["paradex"]
    if data is None:
        pytest.skip("vectors were generated without paradex-py")
    return data  # type: ignore[no-any-return]


def _account(data: dict[str, Any]) -> Any:
    account_mod = pytest.importorskip("paradex_py.account.account")
    models = pytest.importorskip("paradex_py.api.models")
    return account_mod.ParadexAccount(config=models.SystemConfig(**data["config"]),
                                      l1_address=data["l1_address"],
                                      l2_private_key=data["l2_private_key"])


def test_paradex_account_derives_the_reference_key_and_address(mode: str, paradex: dict[str, Any]) -> None:
    account = _account(paradex)
    assert hex(account.l2_public_key) == paradex["l2_public_key"]
    assert hex(account.l2_address) == paradex["l2_address"]


def test_paradex_order_signatures_equal_the_reference(mode: str, paradex: dict[str, Any]) -> None:
    order_mod = pytest.importorskip("paradex_py.common.order")
    account = _account(paradex)
    for o in paradex["orders"]:
        order = order_mod.Order(
            market=o["market"], order_type=order_mod.OrderType(o["type"]),
            order_side=order_mod.OrderSide(o["side"]), size=Decimal(o["size"]),
            limit_price=Decimal(o["price"]) if o["type"] == "LIMIT" else Decimal(0),
            signature_timestamp=o["timestamp"], order_id=o["order_id"])
        assert account.sign_order(order) == o["signature"], o


def test_paradex_auth_and_onboarding_signatures_equal_the_reference(
        mode: str, paradex: dict[str, Any]) -> None:
    account = _account(paradex)
    assert account.onboarding_signature() == paradex["onboarding_signature"]
    for a in paradex["auth"]:
        assert account.auth_signature(a["timestamp"], a["expiry"]) == a["signature"]


def test_accelerated_starknet_py_hashes_equal_the_reference_vectors() -> None:
    utils = pytest.importorskip("starknet_py.hash.utils")
    hash_method = pytest.importorskip("starknet_py.hash.hash_method")
    original_chain = utils.compute_hash_on_elements
    rng = random.Random(11)
    chains = [[rng.randrange(P) for _ in range(rng.randrange(0, 9))] for _ in range(40)]
    expected_chains = [original_chain(c) for c in chains]
    if not compat.accelerate_starknet_py():
        pytest.skip("no fast Pedersen in this environment")
    try:
        for case in vectors()["pedersen"]:
            a, b, digest = (int(case[k], 16) for k in ("a", "b", "hash"))
            assert utils.pedersen_hash(a, b) == digest
            assert hash_method.HashMethod.PEDERSEN.hash(a, b) == digest
        assert [utils.compute_hash_on_elements(c) for c in chains] == expected_chains
        assert [hash_method.HashMethod.PEDERSEN.hash_many(c) for c in chains] == expected_chains
        assert utils.compute_hash_on_elements(chains[0]) == expected_chains[0]  # memoised path
        with pytest.raises(ValueError):
            utils.pedersen_hash(P, 0)
        with pytest.raises(ValueError):
            utils.compute_hash_on_elements([1, P])
    finally:
        compat.restore_starknet_py()
    assert utils.compute_hash_on_elements is original_chain


def test_accelerate_patches_every_bound_name_and_restores_them() -> None:
    utils = pytest.importorskip("starknet_py.hash.utils")
    hash_method = pytest.importorskip("starknet_py.hash.hash_method")
    before = (utils.pedersen_hash, utils.compute_hash_on_elements,
              hash_method.pedersen_hash, hash_method.compute_hash_on_elements)
    if not compat.accelerate_starknet_py():
        pytest.skip("no fast Pedersen in this environment")
    try:
        assert compat.accelerate_starknet_py() is True  # idempotent
        assert hash_method.pedersen_hash is accelerate.fast_pedersen_hash
        assert hash_method.compute_hash_on_elements is accelerate.fast_compute_hash_on_elements
        assert utils.pedersen_hash is accelerate.fast_pedersen_hash
    finally:
        compat.restore_starknet_py()
    after = (utils.pedersen_hash, utils.compute_hash_on_elements,
             hash_method.pedersen_hash, hash_method.compute_hash_on_elements)
    assert after == before


# --- the direct TypedData.from_dict --------------------------------------------------------


def _paradex_messages() -> list[dict[str, Any]]:
    auth = pytest.importorskip("paradex_py.message.auth")
    onboarding = pytest.importorskip("paradex_py.message.onboarding")
    order_messages = pytest.importorskip("paradex_py.message.order")
    order_mod = pytest.importorskip("paradex_py.common.order")
    chain = int.from_bytes(b"PRIVATE_SN_PARACLEAR_MAINNET", "big")
    order = order_mod.Order(market="BTC-USD-PERP", order_type=order_mod.OrderType.Limit,
                            order_side=order_mod.OrderSide.Sell, size=Decimal("0.25"),
                            limit_price=Decimal("65000.5"), signature_timestamp=1_700_000_000_123,
                            order_id="1234")
    return [
        order_messages.build_order_message(chain, order),
        order_messages.build_modify_order_message(chain, order),
        auth.build_auth_message(chain, 1_700_000_000, 1_700_086_400),
        onboarding.build_onboarding_message(chain),
        auth.build_fullnode_message(chain, "0x5", '{"method": "x"}', 1_700_000_000, "1.0.0"),
    ]


def _not_plain_messages() -> list[Any]:
    """Shapes the direct builder must leave to starknet-py (valid ones and invalid ones)."""
    base = _paradex_messages()[0]
    rev1 = json.loads(json.dumps(base))
    rev1["domain"]["revision"] = "1"
    rev1["types"]["StarknetDomain"] = [{"name": n, "type": "shortstring"}
                                       for n in ("name", "version", "chainId", "revision")]
    del rev1["types"]["StarkNetDomain"]
    extra_key = {**base, "extra": 1}
    int_chain = json.loads(json.dumps(base))
    int_chain["domain"]["chainId"] = 5
    contains = json.loads(json.dumps(base))
    contains["types"]["Order"][0]["contains"] = "felt"
    missing_types = {k: v for k, v in base.items() if k != "types"}
    dangling = json.loads(json.dumps(base))
    dangling["types"]["Unused"] = [{"name": "a", "type": "felt"}]
    return [rev1, extra_key, int_chain, contains, missing_types, dangling, [], "x"]


def _outcome(fn: Any, data: Any) -> Any:
    try:
        return fn(data)
    except Exception as exc:  # comparing failures: the exception type is the outcome
        return type(exc)


def test_direct_typed_data_builder_equals_starknet_py() -> None:
    typed_data_mod = pytest.importorskip("starknet_py.utils.typed_data")
    fast_mod = pytest.importorskip("starknet_crypto_py_compat.typed_data")
    original = typed_data_mod.TypedData.__dict__["from_dict"].__func__
    fast = fast_mod.make_fast_from_dict(original)

    def must_not_defer(data: Any) -> Any:
        raise AssertionError("a plain Paradex message was deferred to marshmallow")

    direct_only = fast_mod.make_fast_from_dict(must_not_defer)
    for message in _paradex_messages():
        built, parsed = direct_only(message), original(message)
        assert built == parsed
        assert built.message is not message  # a copy, as marshmallow makes
        assert built.message_hash(0x1234) == parsed.message_hash(0x1234)
    outcomes = [(_outcome(fast, m), _outcome(original, m)) for m in _not_plain_messages()]
    assert all(a == b for a, b in outcomes), outcomes
    assert any(isinstance(a, type) for a, _ in outcomes)  # some of them are rejected


def test_accelerate_installs_and_removes_the_direct_builder() -> None:
    typed_data_mod = pytest.importorskip("starknet_py.utils.typed_data")
    before = typed_data_mod.TypedData.__dict__["from_dict"]
    if not compat.accelerate_starknet_py():
        pytest.skip("no fast Pedersen in this environment")
    try:
        assert typed_data_mod.TypedData.__dict__["from_dict"] is not before
        message = _paradex_messages()[0]
        assert typed_data_mod.TypedData.from_dict(message) == before.__func__(message)
    finally:
        compat.restore_starknet_py()
    assert typed_data_mod.TypedData.__dict__["from_dict"] is before
