"""Deterministic ECDSA nonce, exactly as starknet-crypto 0.6 (the Rust library under
starknet-crypto-py 0.2) derives it.

RFC 6979 HMAC-DRBG over SHA-256 with three Stark-specific choices that decide every bit:
- the private key and the message hash enter as their raw 32-byte big-endian encodings
  (no reduction mod N, and no cairo-lang style padding of short hashes);
- the seed, when given, is additional data: its 32-byte big-endian encoding with the leading
  zero bytes removed (seed 0 therefore adds nothing);
- each 32-byte candidate is shifted right by 4 bits (N has 252 bits) and accepted when
  0 < k < N; otherwise the DRBG state is advanced and the next candidate drawn.
"""

from __future__ import annotations

import hmac

from .curve import N

_DIGEST = "sha256"


def generate_k(msg_hash: int, private_key: int, seed: int) -> int:
    """The nonce k for (msg_hash, private_key, seed); all three must be below 2^256."""
    x = private_key.to_bytes(32, "big")
    h = msg_hash.to_bytes(32, "big")
    extra = seed.to_bytes(32, "big").lstrip(b"\x00")
    key = bytes(32)
    v = b"\x01" * 32
    key = hmac.digest(key, v + b"\x00" + x + h + extra, _DIGEST)
    v = hmac.digest(key, v, _DIGEST)
    key = hmac.digest(key, v + b"\x01" + x + h + extra, _DIGEST)
    v = hmac.digest(key, v, _DIGEST)
    while True:
        v = hmac.digest(key, v, _DIGEST)
        k = int.from_bytes(v, "big") >> 4
        if 0 < k < N:
            return k
        key = hmac.digest(key, v + b"\x00", _DIGEST)
        v = hmac.digest(key, v, _DIGEST)
