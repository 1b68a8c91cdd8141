"""The control API of a venue server, under ``/_sim`` (simulator mode only, loopback only).

Used by tests, the demo and ``perpdex sim accounts create``; see docs/SIMULATOR.md for the
routes. Bodies and answers are JSON; money and prices are decimal strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.engine.faults import Fault, FaultKind
from simulator.engine.market import MarketStatus
from simulator.engine.orders import EngineError, NotFoundError
from simulator.venues.hub import dumps

if TYPE_CHECKING:
    from simulator.server import VenueServer

__all__ = ["PREFIX", "ControlAPI", "add_control_routes", "loopback_only"]

PREFIX = "/_sim"
_LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
_STRICT = ConfigDict(extra="forbid")


class AccountRequest(BaseModel):
    model_config = _STRICT
    usd: Decimal = Field(ge=0)
    label: str | None = None


class DepositRequest(BaseModel):
    model_config = _STRICT
    usd: Decimal = Field(gt=0)


class PriceRequest(BaseModel):
    model_config = _STRICT
    symbol: str
    price: Decimal | None = Field(default=None, gt=0, description="New index per underlying unit.")
    move_pct: Decimal | None = None
    all_venues: bool = False


class FundingRequest(BaseModel):
    model_config = _STRICT
    symbol: str
    rate_8h: Decimal | None = Field(description="Pinned 8h-equivalent rate; null: the scenario's model.")


class StatusRequest(BaseModel):
    model_config = _STRICT
    status: MarketStatus


class AdvanceRequest(BaseModel):
    model_config = _STRICT
    seconds: float = Field(gt=0, le=30 * 86400)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=dumps(_plain(data)), content_type="application/json")


def _plain(data: Any) -> Any:
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return {f.name: _plain(getattr(data, f.name)) for f in dataclasses.fields(data)}
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def loopback_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Control routes answer loopback peers only (the server binds loopback as well)."""
    if request.path.startswith(PREFIX) and request.remote not in _LOOPBACK:
        return _json({"error": "forbidden", "message": "control API is loopback-only"}, 403)
    return await handler(request)


async def _body(request: web.Request, model: type[BaseModel]) -> Any:
    try:
        raw = await request.text()
        return model.model_validate_json(raw or "{}")
    except ValidationError as exc:
        raise web.HTTPBadRequest(text=dumps({"error": "bad_request", "message": str(exc)}),
                                 content_type="application/json") from exc


def _guard(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except NotFoundError as exc:
            return _json({"error": exc.reason.value, "message": exc.message}, 404)
        except (EngineError, ValueError, KeyError) as exc:
            reason = exc.reason.value if isinstance(exc, EngineError) else "bad_request"
            return _json({"error": reason, "message": str(exc)}, 400)
    return wrapped


class ControlAPI:
    """The handlers; one instance per venue server."""

    def __init__(self, server: VenueServer) -> None:
        self.server = server
        self.engine = server.ctx.engine
        self.sim = server.ctx.simulation
        self.faults = server.ctx.faults

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "", self.state), ("GET", "/", self.state), ("GET", "/ledger", self.ledger),
            ("GET", "/markets", self.markets), ("GET", "/markets/{symbol}", self.market),
            ("POST", "/markets/{symbol}/status", self.market_status),
            ("POST", "/accounts", self.create_account), ("GET", "/accounts/{account_id}", self.account),
            ("POST", "/accounts/{account_id}/deposit", self.deposit),
            ("POST", "/prices", self.prices), ("POST", "/funding", self.funding),
            ("POST", "/time/advance", self.advance),
            ("GET", "/faults", self.list_faults), ("POST", "/faults", self.arm_fault),
            ("DELETE", "/faults", self.clear_faults),
        ]

    async def state(self, request: web.Request) -> web.Response:
        ctx = self.server.ctx
        return _json({**self.engine.state(), "clock": self.sim.clock.describe(),
                      "urls": self.server.module.describe(), "faults": self.faults.describe(),
                      "ws_connections": len(ctx.hub.connections)})

    async def ledger(self, request: web.Request) -> web.Response:
        led = self.engine.ledger()
        return _json({**led.model_dump(), "balanced": led.balanced})

    async def markets(self, request: web.Request) -> web.Response:
        return _json([self.engine.market_stats(m.id) for m in self.engine.markets.values()])

    async def market(self, request: web.Request) -> web.Response:
        m = self.engine.market(request.match_info["symbol"])
        history = [{"market_ms": r.market_ms, "rate": r.rate, "rate_8h": r.rate_8h,
                    "mark_price": r.mark_price} for r in list(m.funding_history)[-24:]]
        return _json({"stats": self.engine.market_stats(m.id), "book": self.engine.book(m.id, 10),
                      "funding_history": history})

    async def market_status(self, request: web.Request) -> web.Response:
        body = await _body(request, StatusRequest)
        symbol = request.match_info["symbol"]
        self.engine.set_market_status(symbol, body.status)
        return _json(self.engine.market_stats(symbol))

    async def create_account(self, request: web.Request) -> web.Response:
        body = await _body(request, AccountRequest)
        return _json(self.server.create_account(body.usd, body.label), 201)

    async def account(self, request: web.Request) -> web.Response:
        return _json(self.engine.account_state(int(request.match_info["account_id"])))

    async def deposit(self, request: web.Request) -> web.Response:
        body = await _body(request, DepositRequest)
        account_id = int(request.match_info["account_id"])
        self.engine.deposit(account_id, body.usd)
        return _json(self.engine.account_state(account_id))

    async def prices(self, request: web.Request) -> web.Response:
        body = await _body(request, PriceRequest)
        if (body.price is None) == (body.move_pct is None):
            raise ValueError("give exactly one of price and move_pct")
        symbol = self.engine.market(body.symbol).symbol
        venues = None if body.all_venues else [self.engine.venue]
        self.sim.move_price(symbol, price=body.price, pct=body.move_pct, venues=venues)
        return _json(self.engine.market_stats(symbol))

    async def funding(self, request: web.Request) -> web.Response:
        body = await _body(request, FundingRequest)
        self.engine.set_funding_rate(body.symbol, body.rate_8h)
        return _json(self.engine.market_stats(body.symbol))

    async def advance(self, request: web.Request) -> web.Response:
        body = await _body(request, AdvanceRequest)
        market_ms = self.sim.advance(body.seconds)
        return _json({"market_ms": market_ms, "venues": {v: e.now_ms for v, e in self.sim.engines.items()}})

    async def list_faults(self, request: web.Request) -> web.Response:
        return _json({"active": self.faults.describe(), "triggered": self.faults.triggered})

    async def arm_fault(self, request: web.Request) -> web.Response:
        fault = await _body(request, Fault)
        result: dict[str, Any] = {"armed": fault.model_dump(mode="json", exclude_none=True)}
        if fault.kind is FaultKind.DROP_WS:
            result["dropped"] = await self.server.ctx.hub.drop(fault.match, fault.count, abrupt=fault.abrupt)
        elif fault.kind is FaultKind.PAUSE_MARKET:
            if fault.match is None:
                raise ValueError("pause_market needs match: the symbol")
            self.engine.set_market_status(fault.match, MarketStatus.PAUSED)
            self.faults.arm(fault)
        else:
            self.faults.arm(fault)
        return _json(result, 201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        kind = request.query.get("kind")
        removed = self.faults.clear(FaultKind(kind) if kind else None)
        for fault in removed:
            if fault.kind is FaultKind.PAUSE_MARKET and fault.match:
                self.engine.set_market_status(fault.match, MarketStatus.OPEN)
        return _json({"cleared": len(removed)})


def add_control_routes(app: web.Application, server: VenueServer) -> None:
    for method, path, handler in ControlAPI(server).routes():
        app.router.add_route(method, PREFIX + path, _guard(handler))
