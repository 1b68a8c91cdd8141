"""Column types that keep perpdex's invariants through every backend.

* :class:`UTCDateTime` — aware UTC in, aware UTC out. PostgreSQL stores ``timestamptz``;
  SQLite stores naive UTC text (fixed width, so text order is time order) and we put the
  ``tzinfo`` back on read. A naive datetime is refused on write.
* :class:`ExactDecimal` — ``Decimal`` in, the same ``Decimal`` out. PostgreSQL ``NUMERIC``
  (unconstrained: exact, no rounding). SQLite has no decimal type (``NUMERIC`` affinity would
  store a REAL), so the canonical decimal string is stored as TEXT. Consequence: never let
  SQLite do arithmetic or ordering on these columns; repositories read, add in Python, write.
* :class:`JSONValue` — JSON (``JSONB`` on PostgreSQL) that round-trips ``Decimal`` and aware
  ``datetime`` values through tagged objects instead of floats and strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

from helpers.decimal import to_decimal
from helpers.time import UTC, ensure_utc

__all__ = ["UTCDateTime", "ExactDecimal", "JSONValue", "encode_json", "decode_json"]


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = ensure_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(80))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = to_decimal(value, field="decimal column")
        if dialect.name == "sqlite":
            return format(number, "f")
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return to_decimal(value if isinstance(value, Decimal) else str(value), field="decimal column")


_DECIMAL_TAG = "$decimal"
_DATETIME_TAG = "$datetime"


def encode_json(value: Any) -> Any:
    """JSON-ready copy of ``value``: Decimals and datetimes become tagged objects."""
    if isinstance(value, Decimal):
        return {_DECIMAL_TAG: format(value, "f")}
    if isinstance(value, datetime):
        return {_DATETIME_TAG: ensure_utc(value).isoformat()}
    if isinstance(value, dict):
        return {str(k): encode_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_json(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    # floats are refused on purpose: a money value must arrive as Decimal, never binary
    raise TypeError(f"{type(value).__name__} is not storable as JSON (use Decimal for numbers "
                    "with a fraction)")


def decode_json(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _DECIMAL_TAG in value:
            return Decimal(value[_DECIMAL_TAG])
        if len(value) == 1 and _DATETIME_TAG in value:
            return datetime.fromisoformat(value[_DATETIME_TAG])
        return {k: decode_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_json(v) for v in value]
    return value


class JSONValue(TypeDecorator[Any]):
    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else encode_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else decode_json(value)
