"""Deriving the Stark key from an L1 key: bit-for-bit paradex-py's derivation, and also for the
keys paradex-py itself refuses (top byte zero: one L1 key in 256)."""

from __future__ import annotations

import pytest
from eth_account import Account
from paradex_py.account.utils import derive_stark_key
from paradex_py.message.stark_key import build_stark_key_message

from exchange_clients.paradex.client.utils.transport import derive_l2_private_key
from simulator.venues.paradex.keys import L1_CHAIN_ID
from simulator.venues.paradex.keys import derive_l2_private_key as simulator_derivation

CHAIN = int(L1_CHAIN_ID)


@pytest.mark.parametrize("seed", range(4))
def test_same_stark_key_as_paradex_py(seed: int) -> None:
    key = "0x" + bytes(Account.create(f"seed {seed}").key).hex()
    if key.startswith("0x00"):
        pytest.skip("a zero top byte: covered below")
    expected = derive_stark_key(int(key, 16), build_stark_key_message(CHAIN))
    assert int(derive_l2_private_key(key, CHAIN), 16) == expected


def test_a_key_whose_top_byte_is_zero_derives_what_the_venue_expects() -> None:
    key = "0x00" + "5a" * 31
    with pytest.raises(ValueError, match="32 bytes"):        # paradex-py's own path refuses it
        derive_stark_key(int(key, 16), build_stark_key_message(CHAIN))
    assert int(derive_l2_private_key(key, CHAIN), 16) == simulator_derivation(key)
