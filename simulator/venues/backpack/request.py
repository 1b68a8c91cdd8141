"""Request plumbing shared by the REST handlers: error guard, signed-request extraction, query
parameter parsing with Backpack's plain-text parse errors, and pagination."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from simulator.engine.market import Market
from simulator.engine.orders import EngineError
from simulator.venues.backpack.auth import parse_json
from simulator.venues.backpack.errors import ApiError, PlainError, param_error, reject_error

if TYPE_CHECKING:
    from simulator.venues.backpack import BackpackVenue

__all__ = ["guarded", "Signed", "signed", "query_int", "query_enum", "query_decimal", "page",
           "require_symbol", "market_or_error"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")


def guarded(handler: Handler) -> Handler:
    """Turn the module's typed errors (and engine rejections) into Backpack's error bodies."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (ApiError, PlainError) as exc:
            return exc.response()
        except EngineError as exc:
            return reject_error(exc).response()

    return wrapper


@dataclass(frozen=True)
class Signed:
    account_id: int
    query: dict[str, str]
    body: Any


async def signed(venue: BackpackVenue, request: web.Request, instruction: str, payload: str) -> Signed:
    """Verify a signed request (``payload``: the body schema name used in parse errors)."""
    query = dict(request.query)        # a repeated key keeps its last value, like the Rust client
    body: Any = None
    if request.method != "GET":
        raw = await request.read()
        if raw.strip():
            body = parse_json(raw, payload)
    account_id = venue.auth.verify_request(request.headers, instruction, query, body, venue.ctx.wall_ms())
    return Signed(account_id, query, body)


def query_int(query: Mapping[str, str], name: str, default: int, *, low: int = 0,
              high: int | None = None) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise param_error(name, f'failed to parse "integer": invalid digit in {text!r}') from None
    if value < low:
        raise param_error(name, f"value must be >= {low}")
    return min(value, high) if high is not None else value


def query_enum(query: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str = "", *,
               type_name: str = "") -> str:
    """An enumerated parameter ("" when absent and no default)."""
    text = query.get(name)
    if text is None:
        return default
    if text not in allowed:
        raise param_error(name, f'failed to parse "{type_name or name}": Expect a valid enumeration value.')
    return text


def query_decimal(query: Mapping[str, str], name: str) -> Decimal | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise param_error(name, f'failed to parse "Decimal": invalid decimal ({text!r})') from None
    if not value.is_finite():
        raise param_error(name, "invalid decimal")
    return value


def require_symbol(query: Mapping[str, str]) -> str:
    symbol = query.get("symbol")
    if symbol is None:
        raise param_error("symbol", 'Type "String" expects an input, but not found')
    return symbol


def market_or_error(venue: BackpackVenue, symbol: str, message: str = "Invalid market symbol") -> Market:
    m = venue.engine.by_venue_symbol.get(symbol)
    if m is None:
        raise ApiError(400, "INVALID_CLIENT_REQUEST", message)
    return m


def page(rows: list[T], query: Mapping[str, str], *, default: int = 100,
         high: int = 1000) -> tuple[list[T], dict[str, str]]:
    """``limit``/``offset`` pagination with Backpack's ``X-PAGE-*``/``X-TOTAL`` headers."""
    limit = query_int(query, "limit", default, low=1, high=high)
    offset = query_int(query, "offset", 0)
    chunk = rows[offset:offset + limit]
    headers = {"X-TOTAL": str(len(rows)), "X-PAGE-SIZE": str(limit),
               "X-CURRENT-PAGE": str(offset // limit + 1),
               "X-PAGE-COUNT": str(max(1, -(-len(rows) // limit)))}
    return chunk, headers
