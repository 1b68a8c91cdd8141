"""Fault injection, switchable per venue at run time (control API ``/_sim/faults``).

A fault is armed with a kind and optional limits — ``count`` (the next N occurrences),
``probability`` (seeded), ``duration_s`` (wall time) — and an optional ``match``: a prefix of
the REST path, WebSocket channel or symbol it applies to. The server scaffold consumes the
generic kinds (HTTP errors, latency, WebSocket drops and sequence faults); ``reject_nonce`` is
consumed by the venue module where it checks nonces (``faults.take(FaultKind.REJECT_NONCE)``).
``pause_market`` is applied to the engine at once (market status PAUSED, back to OPEN when the
fault is cleared).
"""

from __future__ import annotations

import random
import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FaultKind", "Fault", "FaultSet"]


class FaultKind(StrEnum):
    DROP_WS = "drop_ws"              # close WebSocket connections now (count: how many)
    SKIP_SEQ = "skip_seq"            # drop sequenced WS messages: the client sees a gap
    REPEAT_SEQ = "repeat_seq"        # send sequenced WS messages twice
    DELAY = "delay"                  # delay REST answers and WS messages by delay_ms
    RATE_LIMIT = "rate_limit"        # answer 429 with Retry-After
    SERVER_ERROR = "server_error"    # answer 5xx (status)
    MAINTENANCE = "maintenance"      # every REST call 503 in the venue's format; WS refused
    REJECT_NONCE = "reject_nonce"    # the venue module rejects the next nonce(s)
    PAUSE_MARKET = "pause_market"    # the matching engine pauses a market (match = symbol)


class Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    match: str | None = Field(default=None, description="Path/channel/symbol prefix; None = all.")
    count: int | None = Field(default=None, ge=1, description="Occurrences; None = until cleared.")
    probability: float = Field(default=1.0, gt=0, le=1)
    duration_s: float | None = Field(default=None, gt=0)
    status: int = Field(default=503, ge=500, le=599, description="server_error status.")
    retry_after_s: float = Field(default=1.0, ge=0)
    delay_ms: int = Field(default=0, ge=0, le=600_000)
    abrupt: bool = Field(default=False, description="drop_ws: abort the TCP connection, no close frame.")
    message: str | None = None
    expires_at: float | None = Field(default=None, description="Set when armed (monotonic seconds).")

    def matches(self, key: str) -> bool:
        return self.match is None or key.startswith(self.match)


class FaultSet:
    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(f"{seed}:faults")
        self.triggered: dict[str, int] = {}

    def arm(self, fault: Fault) -> Fault:
        if fault.duration_s is not None:
            fault = fault.model_copy(update={"expires_at": time.monotonic() + fault.duration_s})
        self._faults.append(fault)
        return fault

    def clear(self, kind: FaultKind | None = None) -> list[Fault]:
        removed = [f for f in self._faults if kind is None or f.kind is kind]
        self._faults = [f for f in self._faults if f not in removed]
        return removed

    def active(self) -> list[Fault]:
        self._expire()
        return list(self._faults)

    def _expire(self) -> None:
        now = time.monotonic()
        self._faults = [f for f in self._faults if f.expires_at is None or f.expires_at > now]

    def peek(self, kind: FaultKind, key: str = "") -> Fault | None:
        """An active fault of ``kind`` matching ``key``, without consuming it."""
        if not self._faults:
            return None
        self._expire()
        for fault in self._faults:
            if fault.kind is kind and fault.matches(key):
                return fault
        return None

    def take(self, kind: FaultKind, key: str = "") -> Fault | None:
        """Consume one occurrence of a matching fault (subject to its probability)."""
        fault = self.peek(kind, key)
        if fault is None or (fault.probability < 1 and self._rng.random() >= fault.probability):
            return None
        if fault.count is not None:
            remaining = fault.count - 1
            self._faults.remove(fault)
            if remaining:
                self._faults.append(fault.model_copy(update={"count": remaining}))
        self.triggered[kind.value] = self.triggered.get(kind.value, 0) + 1
        return fault

    def describe(self) -> list[dict[str, Any]]:
        return [f.model_dump(mode="json", exclude_none=True) for f in self.active()]
