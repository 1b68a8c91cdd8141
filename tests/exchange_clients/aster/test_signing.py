"""Aster signing, offline: V3 EIP-712 against published vectors and eth-account's own
typed-data encoder; the exact string that is signed and sent; V1 HMAC against the doc vector."""

from __future__ import annotations

import re

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from exchange_clients.aster.client.utils.transport import (
    AsterTransport,
    V1Signer,
    V3Signer,
    domain_separator,
    eip712_digest,
    signer_for,
)
from exchange_clients.errors import ConfigurationError
from helpers.venue_config import AsterConfig, Environment

# published test keys (asterdex/api-docs V3 demo key; ccxt's test-only key) — see notes/aster
DOC_KEY = "0x4fd0a42218f3eae43a6ce26d22544e986139a01e5b34a62db53757ffca81bae1"
DOC_SIGNER = "0x21cF8Ae13Bb72632562c6Fff438652Ba1a151bb0"
DOC_USER = "0x63DD5aCC6b1aa0f563956C0e534DD30B6dcF7C4e"
CCXT_KEY = "0xff3bdd43534543d421f05aec535965b5050ad6ac15345435345435453495e771"
CCXT_ADDRESS = "0xb67f9a782d3678a0bac50c22eacbb4924fe9d4cf"
ORDER_MSG = ("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=60000.0"
             f"&nonce=1748310859508867&user={DOC_USER}&signer={DOC_SIGNER}")


def typed(msg: str, chain_id: int) -> dict[str, object]:
    return {
        "types": {"EIP712Domain": [{"name": "name", "type": "string"},
                                   {"name": "version", "type": "string"},
                                   {"name": "chainId", "type": "uint256"},
                                   {"name": "verifyingContract", "type": "address"}],
                  "Message": [{"name": "msg", "type": "string"}]},
        "primaryType": "Message",
        "domain": {"name": "AsterSignTransaction", "version": "1", "chainId": chain_id,
                   "verifyingContract": "0x0000000000000000000000000000000000000000"},
        "message": {"msg": msg},
    }


@pytest.mark.parametrize(("chain_id", "expected"), [
    (1666, "0x940797301fe43103c0b059e3ec1d768bd82de10cfc4440a397e921f50b79b17e3ed0e9a1261bd4514e35"
           "ddd72c5bec9fe8e9ddac1a73d2c21d25e2eec1b7293c1b"),
    (714, "0x4edd8c8693cf3f154a92a3a584d72557cf3e34ca04e607907a4a1c643149d0873978b00ca945525b4c10b"
          "b7bc10ba683f45c0b1a97807cd784db1c1a2a6bc8b61c"),
])
def test_published_ccxt_vectors(chain_id: int, expected: str) -> None:
    msg = f"nonce=1776872065013000&user={CCXT_ADDRESS}&signer={CCXT_ADDRESS}"
    signer = V3Signer(CCXT_ADDRESS, CCXT_ADDRESS, CCXT_KEY, chain_id)
    assert signer.signature(msg) == expected


def test_doc_key_order_vector_and_wire_string() -> None:
    signer = V3Signer(DOC_USER, DOC_SIGNER, DOC_KEY, 1666)
    pairs = [("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
             ("quantity", "0.010"), ("price", "60000.0")]
    wire = signer.sign(pairs, 1748310859508867)
    msg, _, signature = wire.rpartition("&signature=")
    assert msg == ORDER_MSG                     # business params as sent, then nonce, user, signer
    assert signature == ("0x7c3e7caee5dd6789490e121730377f4bee6f3a2d96c9acc8a604a3e9deb1c7732e39"
                         "25e575f4619ec99321a51be32b3deab8f8ad1453f6292ba05315a7315e0b1c")
    assert wire.endswith(f"&signature={signature}") and wire.count("signature=") == 1


@pytest.mark.parametrize("chain_id", [1666, 714])
def test_precomputed_digest_equals_eth_account_typed_data(chain_id: int) -> None:
    msg = ORDER_MSG + "&newClientOrderId=pdx-abc_1.2"
    ours = eip712_digest(msg, domain_separator(chain_id))
    signable = encode_typed_data(full_message=typed(msg, chain_id))
    reference = Account.sign_message(signable, private_key=DOC_KEY)
    assert Account.unsafe_sign_hash(ours, DOC_KEY).signature == reference.signature
    assert Account.recover_message(signable, signature=V3Signer(
        DOC_USER, DOC_SIGNER, DOC_KEY, chain_id).signature(msg)) == DOC_SIGNER


def test_v1_hmac_matches_the_documented_example() -> None:
    secret = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
    signer = V1Signer("dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83", secret)
    wire = signer.sign([("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("quantity", "1"),
                        ("price", "9000"), ("timeInForce", "GTC")], 1591702613943)
    assert wire == ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
                    "&recvWindow=5000&timestamp=1591702613943"
                    "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9")
    assert signer.headers() == {"X-MBX-APIKEY": signer._api_key}


def test_signer_must_derive_from_the_key() -> None:
    with pytest.raises(ConfigurationError):
        V3Signer(DOC_USER, CCXT_ADDRESS, DOC_KEY, 1666)


def test_chain_id_follows_the_environment_and_auth_picks_the_scheme() -> None:
    base = {"user": DOC_USER, "signer": DOC_SIGNER, "signer_private_key": DOC_KEY}
    assert isinstance(signer_for(AsterConfig.model_validate(base)), V3Signer)
    main = signer_for(AsterConfig.model_validate(base))
    test = signer_for(AsterConfig.model_validate({**base, "environment": Environment.TESTNET}))
    assert isinstance(main, V3Signer) and main.chain_id == 1666
    assert isinstance(test, V3Signer) and test.chain_id == 714
    v1 = signer_for(AsterConfig.model_validate({"auth": "v1", "api_key": "k" * 32,
                                                "secret_key": "s" * 32}))
    assert isinstance(v1, V1Signer)


async def test_nonces_are_unique_and_increasing_under_concurrency() -> None:
    config = AsterConfig.model_validate({"user": DOC_USER, "signer": DOC_SIGNER,
                                         "signer_private_key": DOC_KEY})
    transport = AsterTransport(config, signer_for(config), clock=lambda: 1_748_310_859.5)
    nonces = [transport.nonces.next() for _ in range(1000)]  # a frozen clock: one µs apart
    assert nonces == sorted(set(nonces)) and len(nonces) == 1000
    assert nonces[0] == 1_748_310_859_500_000
    await transport.close()


def test_every_signed_value_is_percent_encoding_safe() -> None:
    """What is signed is what is sent: our ids and numbers never need escaping."""
    from exchange_clients.common.ids import StringIds

    ids = StringIds(prefix="pdx")
    assert all(re.fullmatch(r"[A-Za-z0-9._-]{1,36}", ids.next()) for _ in range(1000))
