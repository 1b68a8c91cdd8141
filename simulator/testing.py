"""Start the simulator in-process for tests: ``async with running_simulator(...) as sim:``.

Venues are served on free loopback ports; the clock is manual by default (tests move market
time with ``sim.advance(seconds)`` or the control API), so runs are deterministic. On exit every
server, WebSocket, task and the driver are stopped. Used by the ``simulator`` pytest fixture
(tests/simulator/conftest.py) and by the conformance suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.engine.engine import Engine
from simulator.engine.scenario import Scenario
from simulator.engine.simulation import Simulation
from simulator.server import SimulatorServer, VenueServer
from simulator.venues.base import VenueModule

__all__ = ["RunningSimulator", "running_simulator"]


@dataclass
class RunningSimulator:
    server: SimulatorServer

    @property
    def simulation(self) -> Simulation:
        return self.server.simulation

    def venue(self, name: str) -> VenueServer:
        return self.server.servers[name]

    def engine(self, name: str) -> Engine:
        return self.server.simulation.engine(name)

    def urls(self, name: str) -> dict[str, str]:
        return self.server.servers[name].module.describe()

    def advance(self, seconds: float) -> int:
        return self.server.simulation.advance(seconds)

    @property
    def endpoints(self) -> dict[str, Any]:
        return self.server.endpoints()


@asynccontextmanager
async def running_simulator(
        venues: list[str] | None = None, scenario: Scenario | str | Path | None = None, *,
        manual: bool = True, speed: float | None = None, start_ms: int | None = None,
        modules: dict[str, type[VenueModule]] | None = None) -> AsyncIterator[RunningSimulator]:
    """Serve ``venues`` (default: every registered one) of ``scenario`` on free ports."""
    server = SimulatorServer(venues, scenario, port_base=0, speed=speed, manual=manual,
                             start_ms=start_ms, modules=modules)
    async with server:
        yield RunningSimulator(server)
