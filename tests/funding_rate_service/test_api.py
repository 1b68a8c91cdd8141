"""The HTTP API: responses, parameter validation, history ranges, OpenAPI, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from database import Database
from database.repositories import FundingRateInput
from funding_rate_service import FundingService, ServiceSettings
from funding_rate_service.api import create_app
from helpers.time import UTC, utc_now
from tests.funding_rate_service.fakes import FakeAdapter, unavailable

D = Decimal


def adapters() -> dict[str, FakeAdapter]:
    return {
        "lighter": FakeAdapter("lighter", {"BTC": "0.0012", "ETH": "0.0001"}, interval="1", taker="0"),
        "aster": FakeAdapter("aster", {"BTC": "-0.0003", "ETH": "0.0002", "SOL": "0.0001"},
                             taker="0.00035"),
        "broken": FakeAdapter("broken", {"BTC": "0.0001"}, fail=unavailable("broken")),
    }


async def make_service(db: Database | None, fakes: dict[str, FakeAdapter] | None = None) -> FundingService:
    fakes = fakes or adapters()
    return await FundingService.create({v: None for v in fakes}, database=db,
                                       settings=ServiceSettings(venue_timeout=2),
                                       adapter_factory=lambda venue, _cfg: fakes[venue])


@pytest.fixture
async def client(db: Database) -> AsyncIterator[TestClient[Any, Any]]:
    service = await make_service(db)
    await service.refresh()
    async with service, TestClient(TestServer(create_app(service))) as test_client:
        yield test_client


async def get(client: TestClient[Any, Any], path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.json()


async def test_funding_rates_all_by_venue_and_by_symbol(client: TestClient[Any, Any]) -> None:
    body = await get(client, "/api/v1/funding-rates")
    assert body["count"] == 5
    rates = {(r["venue"], r["symbol"]): r for r in body["rates"]}
    btc = rates[("lighter", "BTC")]
    assert (btc["raw_rate"], btc["interval_hours"], btc["rate_8h"]) == ("0.00015", "1", "0.0012")
    assert D(btc["apr"]) == D("1.314") and btc["stale"] is False and btc["taker_fee"] == "0"
    assert [r["venue"] for r in (await get(client, "/api/v1/funding-rates?symbol=btc"))["rates"]] == \
        ["aster", "lighter"]
    venue = await get(client, "/api/v1/funding-rates/aster")
    assert {r["symbol"] for r in venue["rates"]} == {"BTC", "ETH", "SOL"}
    one = await get(client, "/api/v1/funding-rates/aster/sol")
    assert (one["venue"], one["symbol"], one["rate_8h"]) == ("aster", "SOL", "0.0001")
    assert (await get(client, "/api/v1/funding-rates/lighter/SOL", 404))["error"] == "not_found"
    missing = await get(client, "/api/v1/funding-rates/nowhere", 404)
    assert "nowhere" in missing["message"] and "lighter" in missing["message"]


async def test_opportunities_and_best(client: TestClient[Any, Any]) -> None:
    body = await get(client, "/api/v1/opportunities")
    assert body["count"] == 4 and body["symbols_considered"] == 2
    top = body["opportunities"][0]
    assert (top["symbol"], top["long"]["venue"], top["short"]["venue"]) == ("BTC", "aster", "lighter")
    assert top["direction"] == "long aster / short lighter"
    assert (top["spread_8h"], top["net_apr"], top["round_trip_fee"]) == ("0.0015", "1.387", "0.0007")
    nets = [D(o["net_apr"]) for o in body["opportunities"]]
    assert nets == sorted(nets, reverse=True)
    best = await get(client, "/api/v1/opportunities/best?symbols=ETH")
    assert best["opportunity"]["symbol"] == "ETH"
    filtered = await get(client, "/api/v1/opportunities?min_net_apr=0&horizon_hours=72&fee_mode=maker")
    assert filtered["filters"] == {"fee_mode": "maker", "horizon_hours": "72", "limit": 100,
                                   "min_net_apr": "0"}
    assert all(D(o["net_apr"]) >= 0 and o["fee_mode"] == "maker" for o in filtered["opportunities"])
    assert filtered["excluded"]["net_apr"] >= 1
    none = await get(client, "/api/v1/opportunities/best?min_net_apr=100")
    assert none["opportunity"] is None
    both = await get(client, "/api/v1/opportunities?venues=lighter&venues=aster&symbols=btc,eth&limit=1")
    assert both["count"] == 1


@pytest.mark.parametrize(("query", "parameter", "fragment"), [
    ("horizon_hours=0", "horizon_hours", "greater than 0"),
    ("horizon_hours=abc", "horizon_hours", "decimal"),
    ("horizon_hours=NaN", "horizon_hours", ""),
    ("min_net_apr=Infinity", "min_net_apr", ""),
    ("fee_mode=cheap", "fee_mode", "'taker' or 'maker'"),
    ("limit=0", "limit", "greater than or equal to 1"),
    ("limit=5000", "limit", "less than or equal to 1000"),
    ("min_volume_usd=-1", "min_volume_usd", "greater than or equal to 0"),
    ("symbols=BTC,b$d", "symbols", "item 2"),
    ("venues=Lighter!", "venues", "item 1"),
    ("colour=red", "colour", "unknown parameter; allowed: fee_mode, horizon_hours"),
    ("limit=1&limit=2", "limit", "more than once"),
])
async def test_opportunity_parameters_are_validated(client: TestClient[Any, Any], query: str, parameter: str,
                                                    fragment: str) -> None:
    body = await get(client, f"/api/v1/opportunities?{query}", 400)
    assert body["error"] == "invalid_parameter"
    assert [d["parameter"] for d in body["details"]] == [parameter]
    assert fragment in body["details"][0]["message"]
    assert parameter in body["message"]


async def test_unknown_venue_in_filter_is_404(client: TestClient[Any, Any]) -> None:
    body = await get(client, "/api/v1/opportunities?venues=paradex", 404)
    assert "paradex" in body["message"]


async def test_history_ranges(client: TestClient[Any, Any], db: Database) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    await db.funding.record([FundingRateInput(
        venue="aster", symbol="BTC", sampled_at=base + timedelta(hours=h), raw_rate=D("0.0001") * h,
        normalized_rate=D("0.0001") * h, interval_hours=D(8)) for h in range(10)])
    body = await get(client, "/api/v1/history/aster/btc"
                             "?from=2026-01-01T02:00:00Z&to=2026-01-01T05:00:00%2B00:00")
    assert [p["sampled_at"] for p in body["points"]] == [
        "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z", "2026-01-01T04:00:00Z"]   # [from, to)
    assert (body["venue"], body["symbol"], body["count"]) == ("aster", "BTC", 3)
    assert body["from"] == "2026-01-01T02:00:00Z" and body["points"][1]["rate_8h"] == "0.0003"
    start = int(base.timestamp())
    unix = await get(client, f"/api/v1/history/aster/BTC?from={start}&to={start + 86400}&limit=2")
    assert unix["count"] == 2 and unix["points"][0]["sampled_at"] == "2026-01-01T00:00:00Z"
    # default window: the last 24 h, which holds only what the collector stored just now
    recent = await get(client, "/api/v1/history/aster/BTC")
    assert recent["count"] == 1 and D(recent["points"][0]["rate_8h"]) == D("-0.0003")
    assert (await get(client, "/api/v1/history/aster/DOGE"))["count"] == 0


@pytest.mark.parametrize(("query", "fragment"), [
    ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "`from` must be before `to`"),
    ("from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "longer than 31 days"),
    ("from=2026-01-01T00:00:00", "timezone"),
    ("from=yesterday", "datetime"),
    ("from=2020-01-01T00:00:00Z", "longer than 31 days"),     # to defaults to now
    ("limit=0", "greater than or equal to 1"),
])
async def test_history_parameters_are_validated(client: TestClient[Any, Any], query: str,
                                                fragment: str) -> None:
    body = await get(client, f"/api/v1/history/aster/BTC?{query}", 400)
    assert body["error"] == "invalid_parameter" and fragment in body["message"], body


async def test_history_of_unknown_venue_is_404(client: TestClient[Any, Any]) -> None:
    assert (await get(client, "/api/v1/history/nowhere/BTC", 404))["error"] == "not_found"


@pytest.mark.parametrize("path", ["/api/v1/history/aster/B%24TC", "/api/v1/funding-rates/aster/" + "X" * 33])
async def test_malformed_symbol_in_path_is_400(client: TestClient[Any, Any], path: str) -> None:
    body = await get(client, path, 400)
    assert body["details"][0]["parameter"] == "symbol"


async def test_history_without_storage_is_503() -> None:
    service = await make_service(None)
    await service.refresh()
    async with service, TestClient(TestServer(create_app(service))) as client:
        body = await get(client, "/api/v1/history/aster/BTC", 503)
        assert body["error"] == "unavailable" and "database" in body["message"]
        assert (await get(client, "/api/v1/health"))["storage"] is False


async def test_venues_and_health(client: TestClient[Any, Any]) -> None:
    venues = {v["venue"]: v for v in (await get(client, "/api/v1/venues"))["venues"]}
    assert venues["aster"]["status"] == "ok" and venues["aster"]["symbols"] == 3
    assert venues["broken"]["status"] == "down" and venues["broken"]["error_count"] == 1
    assert venues["broken"]["last_error_kind"] == "ExchangeUnavailableError"
    health = await get(client, "/health")
    assert health["status"] == "degraded" and health["venues"]["broken"] == "down"
    assert health == await get(client, "/api/v1/health")
    assert (await get(client, "/api/v1/venues?x=1", 400))["details"][0]["parameter"] == "x"


async def test_health_is_503_when_no_venue_answers(db: Database) -> None:
    service = await make_service(db, {"aster": FakeAdapter("aster", {"BTC": "0"}, fail=unavailable("aster"))})
    await service.refresh()
    async with service, TestClient(TestServer(create_app(service))) as client:
        assert (await get(client, "/health", 503))["status"] == "down"


async def test_unknown_api_route_is_json_404(client: TestClient[Any, Any]) -> None:
    body = await get(client, "/api/v1/nothing-here", 404)
    assert body["error"] == "not_found"
    response = await client.post("/api/v1/opportunities")
    assert response.status == 405 and (await response.json())["error"] == "method_not_allowed"


async def test_openapi_describes_every_route(client: TestClient[Any, Any]) -> None:
    doc = await get(client, "/api/v1/openapi.json")
    assert doc["openapi"].startswith("3.1")
    app_paths = {r.resource.canonical for r in client.app.router.routes()  # type: ignore[union-attr]
                 if r.method == "GET" and r.resource is not None
                 and r.resource.canonical.startswith(("/api", "/health", "/metrics"))}
    assert app_paths == set(doc["paths"])
    params = {p["name"]: p for p in doc["paths"]["/api/v1/opportunities"]["get"]["parameters"]}
    assert {"symbols", "venues", "horizon_hours", "fee_mode", "min_net_apr", "min_volume_usd",
            "min_open_interest_usd", "min_depth_usd", "limit"} <= set(params)
    assert params["venues"]["explode"] is False and params["limit"]["schema"]["maximum"] == 1000
    history = {p["name"] for p in doc["paths"]["/api/v1/history/{venue}/{symbol}"]["get"]["parameters"]}
    assert history == {"venue", "symbol", "from", "to", "limit"}
    refs = {r["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            for op in doc["paths"].values() for r in op["get"]["responses"].values()
            if "schema" in r.get("content", {}).get("application/json", {})}
    assert refs <= set(doc["components"]["schemas"])
    assert "Opportunity" in doc["components"]["schemas"]
    assert "direction" in doc["components"]["schemas"]["Opportunity"]["properties"]


async def test_metrics_in_prometheus_text_format(client: TestClient[Any, Any]) -> None:
    response = await client.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await response.text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    values = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines}
    assert values['perpdex_funding_venue_up{venue="aster"}'] == 1
    assert values['perpdex_funding_venue_up{venue="broken"}'] == 0
    errors = 'perpdex_funding_collection_errors_total{kind="ExchangeUnavailableError",venue="broken"}'
    assert values[errors] == 1
    assert values['perpdex_funding_samples_stored_total{venue="aster"}'] == 3
    assert values['perpdex_funding_collection_latency_seconds{venue="lighter"}'] >= 0
    assert 'perpdex_funding_last_success_age_seconds{venue="broken"}' not in values
    assert values['perpdex_funding_last_success_age_seconds{venue="aster"}'] >= 0
    assert values["perpdex_funding_opportunities_found"] == 4
    assert values["perpdex_funding_opportunities_profitable"] >= 1
    assert values['perpdex_funding_collection_duration_seconds_count{venue="aster"}'] == 1
    for line in text.splitlines():      # every sample line is preceded by its TYPE
        if line.startswith("# TYPE"):
            assert line.split()[3] in ("gauge", "counter", "summary")


async def test_dashboard_page_and_assets_are_served(client: TestClient[Any, Any]) -> None:
    page = await client.get("/")
    assert page.status == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = await page.text()
    assert 'id="opportunities"' in html and "/dashboard/app.js" in html
    for asset, kind in (("app.js", "javascript"), ("style.css", "css")):
        response = await client.get(f"/dashboard/{asset}")
        assert response.status == 200 and kind in response.headers["Content-Type"]
    assert (await client.get("/dashboard/../service.py")).status in (403, 404)


async def test_stale_rates_are_flagged_and_filterable(db: Database) -> None:
    clock_now = [utc_now()]
    fakes = {"a": FakeAdapter("a", {"BTC": "0.0001"}, interval="1", clock=lambda: clock_now[0]),
             "b": FakeAdapter("b", {"BTC": "0.0005"}, interval="8", clock=lambda: clock_now[0])}
    service = await make_service(db, fakes)
    await service.refresh()
    fakes["a"].fail = unavailable("a")
    service._clock = lambda: clock_now[0] + timedelta(hours=3)   # 3 h later, "a" never answered again
    async with service, TestClient(TestServer(create_app(service))) as client:
        body = await get(client, "/api/v1/funding-rates")
        assert {r["venue"]: r["stale"] for r in body["rates"]} == {"a": True, "b": False}
        fresh = await get(client, "/api/v1/funding-rates?include_stale=false")
        assert [r["venue"] for r in fresh["rates"]] == ["b"]
        ops = await get(client, "/api/v1/opportunities")
        assert ops["count"] == 0 and ops["excluded"] == {"stale": 1}
