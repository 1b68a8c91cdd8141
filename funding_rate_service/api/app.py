"""The aiohttp application: JSON API under ``/api/v1``, ``/metrics``, the dashboard at ``/``.

Every error is JSON ``{"error", "message", "details"}``: 400 for a bad query parameter (each
one named with its reason), 404 for an unknown venue, symbol or route, 503 when history is
asked of a service without storage or the database fails.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from funding_rate_service.api.openapi import openapi_document
from funding_rate_service.api.schemas import (
    LIST_PARAMETERS,
    BestOpportunityResponse,
    ErrorDetail,
    ErrorResponse,
    HealthResponse,
    HistoryQuery,
    HistoryResponse,
    OpportunitiesQuery,
    OpportunitiesResponse,
    RatesQuery,
    RatesResponse,
    VenuesResponse,
)
from funding_rate_service.errors import HistoryUnavailableError, StorageError, UnknownVenueError
from funding_rate_service.metrics import CONTENT_TYPE, render_metrics
from funding_rate_service.models import RateView
from funding_rate_service.service import FundingService
from helpers.decimal import decimal_str

__all__ = ["create_app", "SERVICE_KEY", "ApiError"]

SERVICE_KEY = web.AppKey("funding_service", FundingService)
DASHBOARD_DIR = Path(__file__).resolve().parent.parent / "dashboard"
Q = TypeVar("Q", bound=BaseModel)
_SYMBOL = re.compile(r"[A-Za-z0-9]{1,32}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str,
                 details: list[ErrorDetail] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.details = status, error, message, details or []


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):  # exact, plain notation, no trailing zeros: "0.0012"
        return decimal_str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


_ORJSON = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def _json(model: BaseModel | dict[str, Any], status: int = 200) -> web.Response:
    """Decimals as exact strings, datetimes as RFC 3339 UTC with ``Z``."""
    data = model.model_dump(mode="python") if isinstance(model, BaseModel) else model
    return web.Response(body=orjson.dumps(data, default=_default, option=_ORJSON), status=status,
                        content_type="application/json")


def _error(status: int, error: str, message: str, details: list[ErrorDetail] | None = None) -> web.Response:
    return _json(ErrorResponse(error=error, message=message, details=details or []), status)


def parse_query(model: type[Q], request: web.Request) -> Q:
    """Validate the query string against ``model``; 400 naming each bad parameter."""
    raw: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        if key in LIST_PARAMETERS:
            raw[key] = [part.strip() for v in values for part in v.split(",") if part.strip()]
        elif len(values) > 1:
            raise ApiError(400, "invalid_parameter", f"parameter {key!r} given more than once",
                           [ErrorDetail(parameter=key, message="given more than once")])
        else:
            raw[key] = values[0]
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(400, "invalid_parameter", _summary(exc, model), _details(exc, model)) from None


def _details(exc: ValidationError, model: type[BaseModel]) -> list[ErrorDetail]:
    allowed = sorted((f.alias or name) for name, f in model.model_fields.items())
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err["loc"]]
        parameter = loc[0] if loc else "query"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown parameter; allowed: {', '.join(allowed)}"
        elif parameter in LIST_PARAMETERS and len(loc) > 1:
            message = f"item {int(loc[1]) + 1}: {message}"
        out.append(ErrorDetail(parameter=parameter, message=message.removeprefix("Value error, ")))
    return out


def _summary(exc: ValidationError, model: type[BaseModel]) -> str:
    return "; ".join(f"{d.parameter}: {d.message}" for d in _details(exc, model))


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except ApiError as exc:
        return _error(exc.status, exc.error, exc.message, exc.details)
    except UnknownVenueError as exc:
        return _error(404, "not_found", str(exc))
    except HistoryUnavailableError as exc:
        return _error(503, "unavailable", str(exc))
    except StorageError as exc:
        return _error(503, "unavailable", str(exc))
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
        return _error(exc.status, kind, exc.reason)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _service(request: web.Request) -> FundingService:
    return request.app[SERVICE_KEY]


async def rates(request: web.Request) -> web.Response:
    query = parse_query(RatesQuery, request)
    return _rates_response(request, query, None)


async def venue_rates(request: web.Request) -> web.Response:
    query = parse_query(RatesQuery, request)
    return _rates_response(request, query, request.match_info["venue"])


def _rates_response(request: web.Request, query: RatesQuery, venue: str | None) -> web.Response:
    service = _service(request)
    views = service.rates(venue=venue, symbol=query.symbol)
    if not query.include_stale:
        views = [v for v in views if not v.stale]
    return _json(RatesResponse(as_of=service.now(), count=len(views), rates=views))


def _path_symbol(request: web.Request) -> str:
    symbol = request.match_info["symbol"]
    if not _SYMBOL.fullmatch(symbol):
        raise ApiError(400, "invalid_parameter", "symbol must be 1-32 letters or digits",
                       [ErrorDetail(parameter="symbol", message="must be 1-32 letters or digits")])
    return symbol.upper()


async def symbol_rate(request: web.Request) -> web.Response:
    parse_query(_NoQuery, request)
    service = _service(request)
    venue, symbol = request.match_info["venue"], _path_symbol(request)
    views = service.rates(venue=venue, symbol=symbol)
    if not views:
        raise ApiError(404, "not_found", f"{venue} has no funding quote for {symbol.upper()}")
    return _json(views[0])


async def history(request: web.Request) -> web.Response:
    query = parse_query(HistoryQuery, request)
    service = _service(request)
    venue, symbol = request.match_info["venue"], _path_symbol(request)
    service.check_venue(venue)
    try:
        since, until = query.resolve(service.now())
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", str(exc), [ErrorDetail(parameter="from", message=str(exc))]
                       ) from None
    points = await service.history(venue, symbol, since, until, query.limit)
    return _json(HistoryResponse(venue=venue, symbol=symbol, from_=since, to=until, count=len(points),
                                 points=points))


async def opportunities(request: web.Request) -> web.Response:
    query = parse_query(OpportunitiesQuery, request)
    service = _service(request)
    result = await service.opportunities(query.filters())
    return _json(OpportunitiesResponse(
        as_of=result.as_of, count=len(result.opportunities), symbols_considered=result.symbols_considered,
        excluded=result.excluded, filters=query.model_dump(mode="json", exclude_none=True),
        opportunities=list(result.opportunities)))


async def best(request: web.Request) -> web.Response:
    query = parse_query(OpportunitiesQuery, request)
    service = _service(request)
    result = await service.opportunities(query.filters().model_copy(update={"limit": 1}))
    top = result.opportunities[0] if result.opportunities else None
    return _json(BestOpportunityResponse(as_of=result.as_of, opportunity=top))


async def venues(request: web.Request) -> web.Response:
    parse_query(_NoQuery, request)
    service = _service(request)
    return _json(VenuesResponse(as_of=service.now(), venues=service.health()))


async def health(request: web.Request) -> web.Response:
    parse_query(_NoQuery, request)
    summary = HealthResponse.model_validate(_service(request).summary())
    return _json(summary, 503 if summary.status == "down" else 200)


async def openapi(request: web.Request) -> web.Response:
    return _json(request.app[_OPENAPI_KEY])


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=render_metrics(_service(request)).encode(),
                        headers={"Content-Type": CONTENT_TYPE})


async def dashboard(request: web.Request) -> web.FileResponse:
    response = web.FileResponse(DASHBOARD_DIR / "index.html")
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["Cache-Control"] = "no-cache"
    return response


class _NoQuery(BaseModel):
    model_config = {"extra": "forbid"}


_OPENAPI_KEY = web.AppKey("openapi", dict)

#: (path, handler, summary, query model, response model) — also the OpenAPI source
ROUTES: list[tuple[str, Handler, str, type[BaseModel] | None, type[BaseModel]]] = [
    ("/api/v1/funding-rates", rates, "Current funding of every venue and symbol", RatesQuery, RatesResponse),
    ("/api/v1/funding-rates/{venue}", venue_rates, "Current funding of one venue", RatesQuery,
     RatesResponse),
    ("/api/v1/funding-rates/{venue}/{symbol}", symbol_rate, "Current funding of one market", None,
     RateView),
    ("/api/v1/history/{venue}/{symbol}", history, "Stored funding history of one market", HistoryQuery,
     HistoryResponse),
    ("/api/v1/opportunities", opportunities, "Cross-venue opportunities, best net APR first",
     OpportunitiesQuery, OpportunitiesResponse),
    ("/api/v1/opportunities/best", best, "The best opportunity under the filters", OpportunitiesQuery,
     BestOpportunityResponse),
    ("/api/v1/venues", venues, "Collection health per venue", None, VenuesResponse),
    ("/api/v1/health", health, "Overall status (503 when no venue answers)", None, HealthResponse),
]


def create_app(service: FundingService) -> web.Application:
    """The API + dashboard for ``service`` (which the caller starts and closes)."""
    app = web.Application(middlewares=[_errors])
    app[SERVICE_KEY] = service
    for path, handler, *_ in ROUTES:
        app.router.add_get(path, handler)
    app.router.add_get("/health", health)
    app.router.add_get("/api/v1/openapi.json", openapi)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/", dashboard)
    app.router.add_static("/dashboard/", DASHBOARD_DIR, show_index=False, append_version=False)
    app[_OPENAPI_KEY] = openapi_document([(path, summary, query, response)
                                          for path, _h, summary, query, response in ROUTES])
    return app
