"""Stark curve arithmetic: y² = x³ + αx + β over F_p, with a group of prime order N.

Points inside the hot loops are Jacobian (X, Y, Z) with x = X/Z², y = Y/Z³; tables hold affine
(x, y) tuples so that every table addition is a mixed addition (no inversion). An affine
point ``None`` is the point at infinity.

The arithmetic is written once over "numbers": Python ints, or gmpy2 ``mpz`` when an
``Arith`` is built with gmpy2 (both support ``* % - +`` alike). Values leave this module
through ``int()`` at the API layer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# Curve parameters (StarkWare "STARK curve" specification).
P = 2**251 + 17 * 2**192 + 1
N = 0x0800000000000010FFFFFFFFFFFFFFFFB781126DCAE7B2321E66A241ADC64D2F
ALPHA = 1
BETA = 0x06F21413EFBE40DE150E596D72F7A8C5609AD26C15C915C1F4CDFCB99CEE9E89
GX = 0x01EF15C18599971B7BECED415A40F0C7DEACFD9B0D1819E03D723D8BC943CFCA
GY = 0x005668060AA49730B7BE4801DF46EC62DE53ECD11ABE43A32873000C36E8DC1F

# Numbers are ints or gmpy2.mpz; typing them as Any keeps both backends on one code path.
Num = Any
Affine = tuple[Num, Num]
Jacobian = tuple[Num, Num, Num]


class Arith:
    """The number type and modular inverse of one backend, and its precomputed tables."""

    def __init__(self, use_gmpy: bool | None = None) -> None:
        gmpy2 = _import_gmpy2() if use_gmpy is not False else None
        if use_gmpy and gmpy2 is None:
            raise ImportError("gmpy2 is not installed")
        self.backend = "gmpy2" if gmpy2 is not None else "int"
        self.num: Callable[[int], Num] = gmpy2.mpz if gmpy2 is not None else int
        self._invert: Callable[[Num, Num], Num] = (
            gmpy2.invert if gmpy2 is not None else _pow_inverse)
        self.p: Num = self.num(P)
        self.n: Num = self.num(N)
        self.g: Affine = (self.num(GX), self.num(GY))
        self._g_table: list[Sequence[Affine | None]] | None = None

    def inv_p(self, a: Num) -> Num:
        return self._invert(a, self.p)

    def inv_n(self, a: Num) -> Num:
        return self._invert(a, self.n)

    def g_table(self) -> list[Sequence[Affine | None]]:
        """8-bit fixed-base windows: row i holds d·256^i·G for d = 0..255 (d = 0 → None).

        Built on first use (~25 ms with gmpy2, ~80 ms with ints) so imports stay cheap."""
        if self._g_table is None:
            self._g_table = window_table(self, self.g, bits=8, windows=32)
        return self._g_table


def _import_gmpy2() -> Any:
    try:
        import gmpy2
    except ImportError:
        return None
    return gmpy2


def _pow_inverse(a: int, m: int) -> int:
    return pow(a, -1, m)


def jacobian_double(ar: Arith, pt: Jacobian) -> Jacobian:
    """Doubling for α = 1 (dbl-2007-bl shape). Stark has odd prime order: never y = 0."""
    p = ar.p
    x, y, z = pt
    xx = x * x % p
    yy = y * y % p
    yyyy = yy * yy % p
    zz = z * z % p
    s = 4 * x * yy % p
    m = (3 * xx + zz * zz) % p
    x3 = (m * m - 2 * s) % p
    return x3, (m * (s - x3) - 8 * yyyy) % p, 2 * y * z % p


def jacobian_add_affine(ar: Arith, pt: Jacobian | None, q: Affine) -> Jacobian | None:
    """pt + q with the doubling and inverse cases handled (None = infinity)."""
    if pt is None:
        return q[0], q[1], ar.num(1)
    p = ar.p
    x1, y1, z1 = pt
    z1z1 = z1 * z1 % p
    h = (q[0] * z1z1 - x1) % p
    r = (q[1] * (z1 * z1z1 % p) - y1) % p
    if h == 0:
        return jacobian_double(ar, pt) if r == 0 else None
    hh = h * h % p
    hhh = h * hh % p
    v = x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    return x3, (r * (v - x3) - y1 * hhh) % p, z1 * h % p


def to_affine(ar: Arith, pt: Jacobian | None) -> Affine | None:
    if pt is None:
        return None
    p = ar.p
    zi = ar.inv_p(pt[2])
    zi2 = zi * zi % p
    return pt[0] * zi2 % p, pt[1] * zi2 * zi % p


def batch_to_affine(ar: Arith, pts: Sequence[Jacobian]) -> list[Affine]:
    """Normalise many finite points with one inversion (Montgomery's trick)."""
    p = ar.p
    prefix = []
    acc = ar.num(1)
    for pt in pts:
        prefix.append(acc)
        acc = acc * pt[2] % p
    inv = ar.inv_p(acc)
    out: list[Affine] = [(0, 0)] * len(pts)
    for i in range(len(pts) - 1, -1, -1):
        x, y, z = pts[i]
        zi = inv * prefix[i] % p
        inv = inv * z % p
        zi2 = zi * zi % p
        out[i] = (x * zi2 % p, y * zi2 * zi % p)
    return out


def window_table(ar: Arith, base: Affine, bits: int, windows: int) -> list[Sequence[Affine | None]]:
    """Row i: [None, B_i, 2·B_i, …, (2^bits − 1)·B_i] with B_i = 2^(bits·i)·base."""
    size = 1 << bits
    rows: list[Sequence[Affine | None]] = []
    b = base
    for _ in range(windows):
        multiples: list[Jacobian] = []
        acc: Jacobian | None = None
        for _ in range(size):  # 1·B … 2^bits·B; the last one is the next row's base
            acc = jacobian_add_affine(ar, acc, b)
            if acc is None:
                raise ArithmeticError("table base has small order")
            multiples.append(acc)
        affine = batch_to_affine(ar, multiples)
        row: list[Affine | None] = [None]
        row.extend(affine[:-1])
        rows.append(row)
        b = affine[-1]
    return rows


def mul_table(ar: Arith, table: list[Sequence[Affine | None]], k: int, bits: int) -> Jacobian | None:
    """k·B from a window table: one mixed addition per non-zero window, no doubling.

    For 0 < k < N no partial sum can equal ± the next window's point (their discrete logs
    are distinct and add to less than N), so the exceptional branch is a guard only."""
    p = ar.p
    mask = (1 << bits) - 1
    x1: Num = None
    y1: Num = None
    z1: Num = None
    i = -1
    while k:
        i += 1
        d = k & mask
        k >>= bits
        if not d:
            continue
        q = table[i][d]
        if q is None:
            raise ArithmeticError("window table row is incomplete")
        if z1 is None:
            x1, y1, z1 = q[0], q[1], ar.num(1)
            continue
        z1z1 = z1 * z1 % p
        h = (q[0] * z1z1 - x1) % p
        r = (q[1] * (z1 * z1z1 % p) - y1) % p
        if h == 0:  # unreachable for 0 < k < N; kept exact anyway
            res = jacobian_add_affine(ar, (x1, y1, z1), q)
            x1, y1, z1 = res if res is not None else (None, None, None)
            continue
        hh = h * h % p
        hhh = h * hh % p
        v = x1 * hh % p
        x3 = (r * r - hhh - 2 * v) % p
        y1 = (r * (v - x3) - y1 * hhh) % p
        z1 = z1 * h % p
        x1 = x3
    if z1 is None:
        return None
    return x1, y1, z1


def mul_g(ar: Arith, k: int) -> Affine | None:
    """k·G (fixed-base comb over 8-bit windows)."""
    return to_affine(ar, mul_table(ar, ar.g_table(), k, 8))


def mul_point(ar: Arith, q: Affine, k: int) -> Affine | None:
    """k·Q for a variable point: 4-bit fixed windows from the top, 0 ≤ k < 2^256."""
    if k == 0:
        return None
    small: list[Jacobian] = []
    acc: Jacobian | None = None
    for _ in range(15):
        acc = jacobian_add_affine(ar, acc, q)
        if acc is None:
            raise ArithmeticError("point has small order")
        small.append(acc)
    multiples = batch_to_affine(ar, small)
    result: Jacobian | None = None
    for shift in range(252, -1, -4):
        if result is not None:
            for _ in range(4):
                result = jacobian_double(ar, result)
        d = (k >> shift) & 15
        if d:
            result = jacobian_add_affine(ar, result, multiples[d - 1])
    return to_affine(ar, result)


def y_squared(x: int) -> int:
    return (x * x * x + ALPHA * x + BETA) % P


def is_on_curve(pt: tuple[int, int]) -> bool:
    x, y = int(pt[0]), int(pt[1])
    return 0 <= x < P and 0 <= y < P and (y * y - y_squared(x)) % P == 0


class _SqrtTables:
    """Square roots mod P where P − 1 = 2^192·q (q odd): plain Tonelli-Shanks would spend
    ~192²/2 squarings finding a discrete logarithm in the 2-Sylow subgroup; here it is found
    eight bits at a time against precomputed tables (Pohlig-Hellman), ~0.5k multiplications."""

    W = 8

    def __init__(self) -> None:
        q, s = P - 1, 0
        while q % 2 == 0:
            q //= 2
            s += 1
        if s % self.W:
            raise ArithmeticError("2-adicity must be a multiple of the window")
        z = 2
        while pow(z, (P - 1) // 2, P) != P - 1:
            z += 1
        self.q, self.s, self.k = q, s, s // self.W
        self.g = pow(z, q, P)  # generates the subgroup of order 2^s
        g_inv = pow(self.g, -1, P)
        # rows[m][d] = g^(−d·2^(s − W·m)), m = 1..k (row 0 unused)
        self.rows: list[list[int]] = [[]]
        for m in range(1, self.k + 1):
            base = pow(g_inv, 1 << (s - self.W * m), P)
            row = [1]
            for _ in range((1 << self.W) - 1):
                row.append(row[-1] * base % P)
            self.rows.append(row)
        # h = g^(2^(s − W)) has order 2^W: its powers identify one digit.
        h = pow(self.g, 1 << (s - self.W), P)
        self.digit_of: dict[int, int] = {}
        acc = 1
        for d in range(1 << self.W):
            self.digit_of[acc] = d
            acc = acc * h % P

    def candidate_root(self, a: int) -> int:
        """A square root of a when a is a quadratic residue (0 < a < P); garbage otherwise."""
        t = pow(a, self.q, P)  # in the 2-Sylow subgroup: t = g^e with e even
        root = pow(a, (self.q + 1) // 2, P)  # root² = a·t
        w, k = self.W, self.k
        powers = [t]  # powers[j] = t^(2^(W·j))
        for _ in range(k - 1):
            x = powers[-1]
            for _ in range(w):
                x = x * x % P
            powers.append(x)
        digits: list[int] = []
        for i in range(k):
            # (t·g^(−E_i))^(2^(s − W(i+1))) = h^(d_i), with E_i the digits found so far
            u = powers[k - 1 - i]
            for j, d in enumerate(digits):
                if d:
                    u = u * self.rows[i + 1 - j][d] % P
            digits.append(self.digit_of[u])  # every element of order | 2^W is in the table
        e = sum(d << (w * i) for i, d in enumerate(digits))
        return root * pow(self.g, (1 << self.s) - e // 2, P) % P


_SQRT: _SqrtTables | None = None


def sqrt_mod_p(a: int) -> int | None:
    """A square root of a modulo P (either one), or None for a non-residue."""
    global _SQRT
    a %= P
    if a == 0:
        return 0
    if _SQRT is None:
        _SQRT = _SqrtTables()
    root = _SQRT.candidate_root(a)
    return root if root * root % P == a else None
