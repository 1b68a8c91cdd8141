"""The four functions of starknet-crypto-py 0.2, same names, parameters and results.

Integers in, integers out, like the original (which formats them with ``hex()`` for its Rust
core: so anything ``hex()`` refuses raises ``TypeError`` here too). Inputs the original aborts
the process on raise ``ValueError``; see starknet_crypto_py_compat.ecdsa for the exact rules.
"""

from __future__ import annotations

from operator import index as _index

from starknet_crypto_py_compat import backend as _backend
from starknet_crypto_py_compat import ecdsa as _ecdsa

from .starknet_crypto_py import rs_get_public_key, rs_pedersen_hash, rs_sign, rs_verify

__all__ = [
    "get_public_key", "pedersen_hash", "rs_get_public_key", "rs_pedersen_hash", "rs_sign",
    "rs_verify", "sign", "verify",
]


def get_public_key(private_key: int) -> int:
    return _ecdsa.public_key(_backend.ARITH, _index(private_key))


def pedersen_hash(first: int, second: int) -> int:
    return _backend.pedersen(_index(first), _index(second))


def sign(private_key: int, msg_hash: int, seed: int) -> tuple[int, int]:
    return _ecdsa.sign(_backend.ARITH, _index(private_key), _index(msg_hash), _index(seed))


def verify(public_key: int, msg_hash: int, r: int, s: int) -> bool:
    return _ecdsa.verify(_backend.ARITH, _index(public_key), _index(msg_hash), _index(r), _index(s))
