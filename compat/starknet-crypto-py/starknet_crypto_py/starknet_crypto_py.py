"""The string-level ``rs_*`` functions that the original exposes from its Rust extension.

They take hexadecimal strings parsed like starknet-ff's ``FieldElement::from_hex_be`` (every
leading "0x" stripped, at most 64 hex digits of either case, empty means 0, value below P)
and return decimal strings, as the Rust functions do.
"""

from __future__ import annotations

from starknet_crypto_py_compat import backend as _backend
from starknet_crypto_py_compat import ecdsa as _ecdsa
from starknet_crypto_py_compat.curve import P

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _felt(text: str) -> int:
    if not isinstance(text, str):
        raise TypeError(f"expected a hexadecimal str, got {type(text).__name__}")
    digits = text
    while digits.startswith("0x"):
        digits = digits[2:]
    if len(digits) > 64 or not _HEX_DIGITS.issuperset(digits):
        raise ValueError(f"not a field element in hexadecimal: {text!r}")
    value = int(digits, 16) if digits else 0
    if value >= P:
        raise ValueError(f"not a field element in hexadecimal: {text!r}")
    return value


def rs_get_public_key(private_key: str) -> str:
    return str(_ecdsa.public_key(_backend.ARITH, _felt(private_key)))


def rs_pedersen_hash(left: str, right: str) -> str:
    return str(_backend.pedersen(_felt(left), _felt(right)))


def rs_sign(priv_key: str, msg_hash: str, seed: str) -> tuple[str, str]:
    r, s = _ecdsa.sign(_backend.ARITH, _felt(priv_key), _felt(msg_hash), _felt(seed))
    return str(r), str(s)


def rs_verify(public_key: str, msg_hash: str, r: str, s: str) -> bool:
    return _ecdsa.verify(_backend.ARITH, _felt(public_key), _felt(msg_hash), _felt(r), _felt(s))
