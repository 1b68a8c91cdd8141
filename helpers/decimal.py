"""Decimal helpers: money is ``Decimal`` everywhere, parsed exactly from wire strings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = ["to_decimal", "is_finite_positive", "ZERO", "ONE", "decimal_str"]

ZERO = Decimal(0)
ONE = Decimal(1)


def to_decimal(value: object, *, field: str = "value") -> Decimal:
    """Convert a wire value (str, int, Decimal) to a finite Decimal.

    Floats are accepted only through their shortest repr (``str(0.1) == "0.1"``), never
    through their binary expansion. NaN and infinities raise ``ValueError`` naming ``field``.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"{field}: boolean is not a number")
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"{field}: {value!r} is not a number") from exc
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise ValueError(f"{field}: {type(value).__name__} is not a number")
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not finite")
    return result


def is_finite_positive(value: Decimal) -> bool:
    return value.is_finite() and value > 0


def decimal_str(value: Decimal) -> str:
    """Plain (never scientific) string for a Decimal, without a trailing '.0' noise."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
