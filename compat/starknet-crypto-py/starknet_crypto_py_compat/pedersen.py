"""StarkWare Pedersen hash: H(a, b) = [P0 + a_low·P1 + a_high·P2 + b_low·P3 + b_high·P4].x

with a_low / b_low the low 248 bits and a_high / b_high the top 4 bits of each field element.
The fast path is the Rust implementation in ``starknet-pathfinder-crypto`` (identical
results, proven by the committed vectors); without it a pure-Python version over 4-bit
window tables is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .curve import Affine, Arith, Jacobian, jacobian_add_affine, to_affine, window_table

# The five constant points of the Pedersen hash (StarkWare's specification; the x
# coordinates come from digits of π). P0 is the shift point.
PEDERSEN_POINTS: tuple[tuple[int, int], ...] = (
    (0x049EE3EBA8C1600700EE1B87EB599F16716B0B1022947733551FDE4050CA6804,
     0x03CA0CFE4B3BC6DDF346D49D06EA0ED34E621062C0E056C1D0405D266E10268A),
    (0x0234287DCBAFFE7F969C748655FCA9E58FA8120B6D56EB0C1080D17957EBE47B,
     0x03B056F100F96FB21E889527D41F4E39940135DD7A6C94CC6ED0268EE89E5615),
    (0x04FA56F376C83DB33F9DAB2656558F3399099EC1DE5E3018B7A6932DBA8AA378,
     0x03FA0984C931C9E38113E0C0E47E4401562761F92A7A23B45168F4E80FF5B54D),
    (0x04BA4CC166BE8DEC764910F75B45F74B40C690C74709E90F3AA372F0BD2D6997,
     0x0040301CF5C1751F4B971E46C4EDE85FCAC5C59A5CE5AE7C48151F27B24B219C),
    (0x054302DCB0E6CC1C6E44CCA8F61A63BB2CA65048D53FB325D36FF12C49A58202,
     0x01B77B3E37D13504B348046268D8AE25CE98AD783C25561A879DCC77E99C2426),
)

LOW_BITS = 248
_LOW_MASK = (1 << LOW_BITS) - 1
_WINDOW_BITS = 4
_LOW_WINDOWS = LOW_BITS // _WINDOW_BITS  # 62
_HIGH_WINDOWS = 1  # 4 bits


class PurePedersen:
    """Pedersen over 4-bit window tables built on first use."""

    def __init__(self, ar: Arith) -> None:
        self._ar = ar
        self._tables: list[list[Sequence[Affine | None]]] | None = None

    def _load(self) -> list[list[Sequence[Affine | None]]]:
        if self._tables is None:
            ar = self._ar
            pts = [(ar.num(x), ar.num(y)) for x, y in PEDERSEN_POINTS[1:]]
            windows = (_LOW_WINDOWS, _HIGH_WINDOWS, _LOW_WINDOWS, _HIGH_WINDOWS)
            self._tables = [window_table(ar, pt, _WINDOW_BITS, w) for pt, w in zip(pts, windows, strict=True)]
        return self._tables

    def __call__(self, a: int, b: int) -> int:
        """Inputs must already be field elements (0 ≤ a, b < P)."""
        ar = self._ar
        x0, y0 = PEDERSEN_POINTS[0]
        # One accumulator from the shift point, one mixed addition per non-zero nibble: the
        # order of additions of starknet-crypto, equal-x cases included.
        acc: Jacobian | None = (ar.num(x0), ar.num(y0), ar.num(1))
        for table, k in zip(self._load(), (a & _LOW_MASK, a >> LOW_BITS, b & _LOW_MASK, b >> LOW_BITS),
                            strict=True):
            for row in table:
                d = k & 15
                k >>= _WINDOW_BITS
                if d:
                    q = row[d]
                    if q is None:
                        raise ArithmeticError("window table row is incomplete")
                    acc = jacobian_add_affine(ar, acc, q)
        point = to_affine(ar, acc)
        if point is None:  # would need a discrete-log relation between the constant points
            raise ArithmeticError("Pedersen sum is the point at infinity")
        return int(point[0])


def load_fast() -> Callable[[int, int], int] | None:
    """The Rust Pedersen from starknet-pathfinder-crypto, or None when it cannot be imported."""
    try:
        from starknet_pathfinder_crypto import pedersen_hash as fast
    except ImportError:
        return None
    return fast  # type: ignore[no-any-return]
