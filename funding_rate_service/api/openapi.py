"""The OpenAPI 3.1 description served at ``/api/v1/openapi.json``, generated from the route table
and the pydantic models that validate queries and build responses (one source of truth)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from funding_rate_service.api.schemas import ErrorResponse

__all__ = ["openapi_document", "API_VERSION"]

API_VERSION = "1.0.0"
_REF = "#/components/schemas/{model}"
_PATH_PARAMS = {
    "venue": "Venue name as collected (`lighter`, `aster`, ...).",
    "symbol": "Normalised symbol (`BTC`, `PEPE`); case-insensitive.",
}
RouteSpec = tuple[str, str, type[BaseModel] | None, type[BaseModel]]


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True, ref_template=_REF)
    params = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", "")
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in schema.get("required", []),
                                 "description": description, "schema": prop}
        if _is_array(prop):
            param.update(style="form", explode=False)
        params.append(param)
    return params


def _is_array(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", []))


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _json_content(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _operation(path: str, summary: str, query: type[BaseModel] | None, response: type[BaseModel]
               ) -> dict[str, Any]:
    params = [{"name": p, "in": "path", "required": True, "description": _PATH_PARAMS[p],
               "schema": {"type": "string"}} for p in re.findall(r"\{(\w+)\}", path)]
    if query is not None:
        params.extend(_query_parameters(query))
    responses: dict[str, Any] = {"200": _json_content(response, "OK")}
    responses["400"] = _json_content(ErrorResponse, "A query parameter is invalid (each one is named).")
    if "{venue}" in path:
        responses["404"] = _json_content(ErrorResponse, "Unknown venue, or no quote for the symbol.")
    if "/history/" in path:
        responses["503"] = _json_content(ErrorResponse, "No storage, or the database failed.")
    if path.endswith("/health"):
        responses["503"] = _json_content(response, "No venue answers.")
    op_id = re.sub(r"[^a-zA-Z0-9]+", "_", path.removeprefix("/api/v1/")).strip("_") or "root"
    return {"get": {"operationId": op_id, "summary": summary, "parameters": params, "responses": responses}}


def openapi_document(routes: list[RouteSpec]) -> dict[str, Any]:
    models = {ErrorResponse} | {r[3] for r in routes}
    _, defs = models_json_schema([(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
                                 ref_template=_REF)
    paths = {path: _operation(path, summary, query, response) for path, summary, query, response in routes}
    paths["/api/v1/openapi.json"] = {"get": {"operationId": "openapi", "summary": "This document",
                                             "responses": {"200": {"description": "OpenAPI 3.1",
                                                                   "content": {"application/json": {}}}}}}
    paths["/metrics"] = {"get": {
        "operationId": "metrics", "summary": "Prometheus metrics (text exposition format 0.0.4)",
        "responses": {"200": {"description": "OK",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}}}}
    paths["/health"] = {"get": {**paths["/api/v1/health"]["get"], "operationId": "health_root",
                                "summary": "Alias of /api/v1/health"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "perpdex funding-rate service", "version": API_VERSION,
                 "description": "Funding rates of every collected venue normalised to 8 hours, "
                                "their history, and cross-venue opportunities ranked by net APR. "
                                "Rates, fees and returns are decimal strings holding fractions "
                                "(0.0001 = 0.01 %). See docs/FUNDING.md."},
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {})},
    }
