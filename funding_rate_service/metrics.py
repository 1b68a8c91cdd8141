"""``/metrics`` in the Prometheus text exposition format (version 0.0.4), written by hand: a few
gauges and counters need no client library."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from funding_rate_service.normalization import age_seconds

if TYPE_CHECKING:
    from funding_rate_service.service import FundingService

__all__ = ["render_metrics", "CONTENT_TYPE"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_PREFIX = "perpdex_funding_"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items())) + "}"


def _number(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str,
               samples: Iterable[tuple[dict[str, str], float | int]], suffix: str = "") -> None:
        full = _PREFIX + name
        self.lines.append(f"# HELP {full} {help_text}")
        self.lines.append(f"# TYPE {full} {kind}")
        for labels, value in samples:
            self.lines.append(f"{full}{suffix}{_labels(labels)} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_metrics(service: FundingService) -> str:
    counters = service.collector.counters()
    health = {h.venue: h for h in service.health()}
    now = service.now()
    w = _Writer()
    venues = sorted(counters)

    def per_venue(key: str) -> list[tuple[dict[str, str], float | int]]:
        return [({"venue": v}, counters[v][key]) for v in venues]

    w.metric("venue_up", "gauge", "1 when the venue's last collection succeeded.",
             [({"venue": v}, int(health[v].status == "ok")) for v in venues])
    w.metric("collection_latency_seconds", "gauge", "Latency of the venue's last collection attempt.",
             [({"venue": v}, counters[v]["last_latency"]) for v in venues
              if counters[v]["last_latency"] is not None])
    w.lines.append(f"# HELP {_PREFIX}collection_duration_seconds Latency of successful collections.")
    w.lines.append(f"# TYPE {_PREFIX}collection_duration_seconds summary")
    for v in venues:
        w.lines.append(f"{_PREFIX}collection_duration_seconds_sum{_labels({'venue': v})} "
                       f"{_number(float(counters[v]['latency_sum']))}")
        w.lines.append(f"{_PREFIX}collection_duration_seconds_count{_labels({'venue': v})} "
                       f"{_number(int(counters[v]['successes']))}")
    w.metric("collection_attempts_total", "counter", "Collection attempts per venue.", per_venue("attempts"))
    w.metric("collection_errors_total", "counter", "Failed collections per venue and error kind.",
             [({"venue": v, "kind": kind}, n) for v in venues
              for kind, n in sorted(counters[v]["errors_by_kind"].items())])
    w.metric("last_success_age_seconds", "gauge", "Seconds since the venue's last successful collection.",
             [({"venue": v}, float(age_seconds(counters[v]["last_success"], now))) for v in venues
              if counters[v]["last_success"] is not None])
    w.metric("samples_stored_total", "counter", "Funding samples written to the database per venue.",
             per_venue("samples_stored"))
    w.metric("storage_errors_total", "counter", "Failed writes to the database per venue.",
             per_venue("storage_errors"))
    w.metric("symbols", "gauge", "Symbols quoted by the venue in its last good collection.",
             [({"venue": v}, health[v].symbols) for v in venues])
    found, profitable = service.opportunities_found()
    w.metric("opportunities_found", "gauge", "Opportunities in the last round's default ranking.",
             [({}, found)])
    w.metric("opportunities_profitable", "gauge", "Of those, with a positive net APR.", [({}, profitable)])
    w.metric("rounds_total", "counter", "Collection rounds completed.", [({}, service.cycles)])
    if service.last_cycle_seconds is not None:
        w.metric("round_duration_seconds", "gauge", "Wall time of the last round (fetch, normalise, store).",
                 [({}, service.last_cycle_seconds)])
    return w.text()
