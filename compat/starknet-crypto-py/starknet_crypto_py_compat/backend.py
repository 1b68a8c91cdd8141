"""The process-wide backends: GMP or Python ints for the curve, Rust or Python for Pedersen."""

from __future__ import annotations

from .curve import Arith, P
from .pedersen import PurePedersen, load_fast

ARITH = Arith()
"""Curve arithmetic used by starknet_crypto_py: gmpy2 when installed, Python ints otherwise."""

_FAST_PEDERSEN = load_fast()
PURE_PEDERSEN = PurePedersen(ARITH)
PEDERSEN_BACKEND = "starknet-pathfinder-crypto" if _FAST_PEDERSEN is not None else "pure-python"
_RAW_PEDERSEN = _FAST_PEDERSEN if _FAST_PEDERSEN is not None else PURE_PEDERSEN


def pedersen(a: int, b: int) -> int:
    """Pedersen hash of two field elements; ValueError outside [0, P) (the Rust library aborts)."""
    if not (0 <= a < P and 0 <= b < P):
        raise ValueError("Pedersen inputs must be field elements in [0, P)")
    return _RAW_PEDERSEN(a, b)


def describe() -> dict[str, str]:
    """Which implementations this process uses (for logs and benchmarks)."""
    return {"arithmetic": ARITH.backend, "pedersen": PEDERSEN_BACKEND}
