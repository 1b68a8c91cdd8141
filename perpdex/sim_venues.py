"""In-process simulated venues for ``--sim``: start the simulator, hand back plain venue configs.

The funding service never imports the simulator (ARCHITECTURE §1); the CLI does, starts it
here on free loopback ports, and gives the service the same kind of config a user would write
for a real venue — URLs and a rate-limit tier, no credentials.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SimulatedVenues", "SimulationUnavailableError", "simulated_venue_names", "simulated_venues",
           "venue_config_for"]


class SimulationUnavailableError(RuntimeError):
    """No requested venue has both a simulator module and a client package."""


@dataclass
class SimulatedVenues:
    server: Any                      # simulator.server.SimulatorServer
    configs: dict[str, dict[str, Any]]

    @property
    def venues(self) -> list[str]:
        return list(self.configs)

    def advance(self, seconds: float) -> int:
        """Move market time of every simulated venue (manual clock)."""
        result: int = self.server.simulation.advance(seconds)
        return result


def simulated_venue_names() -> list[str]:
    """Venues that can be simulated end to end: a simulator module and a client package."""
    from exchange_clients.registry import supported_exchanges
    from simulator.venues import canonical_order, registered_venues

    return canonical_order(set(supported_exchanges()) & set(registered_venues()))


def venue_config_for(urls: dict[str, str]) -> dict[str, Any]:
    """A public venue config (fields of ``VenueConfig``) for a simulated venue's URLs."""
    return {"rest_url": urls["rest"], "ws_url": urls["ws"], "rate_limit_tier": "unlimited"}


@asynccontextmanager
async def simulated_venues(venues: list[str] | None = None, scenario: str | Path | Any | None = None, *,
                           market_count: int | None = None, manual: bool = False,
                           speed: float | None = None, modules: dict[str, Any] | None = None
                           ) -> AsyncIterator[SimulatedVenues]:
    """Serve ``venues`` (default: every venue that can be simulated) of ``scenario`` (a bundled
    name, a YAML path or a ``Scenario``) with ``market_count`` markets each; yields configs.
    ``modules`` (tests) replaces the registry of simulator venue modules."""
    from simulator.engine.scenario import Scenario, load_scenario
    from simulator.server import SimulatorServer

    available = list(modules) if modules is not None else simulated_venue_names()
    selected = venues or available
    missing = [v for v in selected if v not in available]
    if not selected or missing:
        raise SimulationUnavailableError(
            f"cannot simulate {', '.join(missing) or 'any venue'}: a venue needs both a simulator "
            f"module (simulator/venues/<venue>) and a client package (exchange_clients/<venue>); "
            f"available now: {', '.join(available) or 'none'}")
    world = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if market_count is not None:
        world = world.model_copy(update={"market_count": market_count})
    server = SimulatorServer(selected, world, port_base=0, manual=manual, speed=speed,
                             modules={v: modules[v] for v in selected} if modules is not None else None)
    async with server:
        configs = {v: venue_config_for(server.servers[v].module.describe()) for v in selected}
        yield SimulatedVenues(server, configs)
