"""Stark ECDSA with the exact semantics of starknet-crypto 0.6 as starknet-crypto-py 0.2 uses it.

Every input the Rust library turns into a process abort (a failed ``unwrap`` in a
``panic = "abort"`` build) raises ``ValueError`` here instead. Private keys outside [1, N)
are refused as well: the Rust library answers them with a meaningless value (key 0 gives
public key 0) or silently uses the key mod N, which hides a caller's bug.
"""

from __future__ import annotations

from .curve import (
    Affine,
    Arith,
    P,
    mul_g,
    mul_point,
    sqrt_mod_p,
    y_squared,
)
from .rfc6979 import generate_k

# starknet-crypto's ELEMENT_UPPER_BOUND: r, s, w and message hashes must be below it.
UPPER_BOUND = 2**251


def check_private_key(private_key: int, ar: Arith) -> None:
    if not 0 < private_key < ar.n:
        raise ValueError("private key out of range: it must be in [1, N) of the Stark curve")


def check_felt(value: int, what: str) -> None:
    if not 0 <= value < P:
        raise ValueError(f"{what} out of range: it must be a field element in [0, P)")


def public_key(ar: Arith, private_key: int) -> int:
    check_private_key(private_key, ar)
    point = mul_g(ar, private_key)
    if point is None:  # impossible for 0 < key < N (prime order group)
        raise ArithmeticError("k·G is the point at infinity")
    return int(point[0])


def sign(ar: Arith, private_key: int, msg_hash: int, seed: int) -> tuple[int, int]:
    check_private_key(private_key, ar)
    if not 0 <= msg_hash < UPPER_BOUND:
        raise ValueError("message hash out of range: it must be in [0, 2^251)")
    check_felt(seed, "seed")
    k = generate_k(msg_hash, private_key, seed)
    point = mul_g(ar, k)
    if point is None:
        raise ArithmeticError("k·G is the point at infinity")
    r = int(point[0])
    # The reference draws no second k when r or s is unusable: it aborts. Odds ~2^-55.
    if not 0 < r < UPPER_BOUND:
        raise ValueError("signature r out of range for this (key, hash, seed); change the seed")
    n = ar.n
    s = int((r * private_key % n + msg_hash) * ar.inv_n(ar.num(k)) % n)
    if not 0 < s < UPPER_BOUND:
        raise ValueError("signature s out of range for this (key, hash, seed); change the seed")
    return r, s


def verify(ar: Arith, public_key: int, msg_hash: int, r: int, s: int) -> bool:
    check_felt(public_key, "public key")
    if not 0 <= msg_hash < UPPER_BOUND:
        raise ValueError("message hash out of range: it must be in [0, 2^251)")
    if not 0 < r < UPPER_BOUND:
        raise ValueError("signature r out of range: it must be in [1, 2^251)")
    if not 0 < s < UPPER_BOUND:
        raise ValueError("signature s out of range: it must be in [1, 2^251)")
    y = sqrt_mod_p(y_squared(public_key))
    if y is None:
        raise ValueError("public key is not the x-coordinate of a point on the Stark curve")
    n = ar.n
    w = ar.inv_n(ar.num(s))
    if not 0 < w < UPPER_BOUND:
        raise ValueError("signature s out of range: its inverse mod N is not below 2^251")
    zw = int(msg_hash * w % n)
    rw = int(r * w % n)
    q = mul_point(ar, (ar.num(public_key), ar.num(y)), rw)
    if q is None:  # rw is in [1, N): impossible in a prime order group
        raise ArithmeticError("rw·Q is the point at infinity")
    # The reference turns 0·G into the affine pair (0, 0) marked finite, and adds it like
    # a real point; reproduce that so verify(…, msg_hash=0, …) answers as it does.
    g_part = mul_g(ar, zw) if zw else (ar.num(0), ar.num(0))
    if g_part is None:
        raise ArithmeticError("zw·G is the point at infinity")
    p = ar.p
    plus = _reference_affine_add_x(ar, g_part, q)
    minus = _reference_affine_add_x(ar, g_part, (q[0], (-q[1]) % p))
    return plus == r or minus == r


def _reference_affine_add_x(ar: Arith, a: Affine, b: Affine) -> int:
    """x of a + b following starknet-curve's AffinePoint addition: equal x with opposite y
    gives infinity (whose x reads as 0); equal x otherwise doubles a."""
    p = ar.p
    ax, ay = a
    bx, by = b
    if ax == bx:
        if ay == (-by) % p:
            return 0
        if ay == 0:
            raise ValueError("verification reached a doubling of a point with y = 0")
        lam = (3 * ax * ax + 1) * ar.inv_p(2 * ay % p) % p
        return int((lam * lam - 2 * ax) % p)
    lam = (by - ay) * ar.inv_p((bx - ax) % p) % p
    return int((lam * lam - ax - bx) % p)

