"""Serve simulated venues on loopback: one aiohttp server per venue over a shared ``Simulation``.

``SimulatorServer`` builds the simulation from a scenario and the registered venue modules,
starts one ``VenueServer`` per venue (REST + WebSocket + fault middleware + control API under
``/_sim``), and runs the clock driver. ``perpdex sim up`` is a thin wrapper around ``serve``;
tests use ``simulator.testing.running_simulator``.
"""

from __future__ import annotations

import asyncio
import math
import signal
import socket
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from helpers.unified_logger import get_logger
from simulator.control import PREFIX, add_control_routes, loopback_only
from simulator.engine.faults import FaultKind, FaultSet
from simulator.engine.scenario import Scenario, load_scenario
from simulator.engine.simulation import Simulation
from simulator.venues import BUILTIN_VENUES, canonical_order, registered_venues
from simulator.venues.base import ErrorKind, VenueContext, VenueModule
from simulator.venues.hub import WsHub

__all__ = ["NoVenuesError", "VenueServer", "SimulatorServer", "serve", "port_for"]

_log = get_logger("server", venue="sim")

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class NoVenuesError(RuntimeError):
    """No simulator venue module is registered (or none of those asked for)."""


def port_for(venue: str, port_base: int, names: list[str]) -> int:
    """Fixed port per venue: built-ins at base+0..4 in BUILTIN_VENUES order, others after."""
    if not port_base:
        return 0
    if venue in BUILTIN_VENUES:
        return port_base + BUILTIN_VENUES.index(venue)
    others = sorted(n for n in names if n not in BUILTIN_VENUES)
    return port_base + len(BUILTIN_VENUES) + others.index(venue)


class VenueServer:
    def __init__(self, module_cls: type[VenueModule], simulation: Simulation, *, host: str = "127.0.0.1",
                 port: int = 0, control: bool = True) -> None:
        if host not in _LOOPBACK_HOSTS:
            raise ValueError(f"the simulator binds loopback only, not {host!r}")
        name = module_cls.name
        faults = FaultSet(simulation.scenario.seed)
        hub = WsHub(name, faults, heartbeat=module_cls.ws_heartbeat)
        self.ctx = VenueContext(name, simulation.engine(name), simulation, faults, hub, host, port)
        self.module = module_cls(self.ctx)
        self.control = control
        self._runner: web.AppRunner | None = None

    def build_app(self) -> web.Application:
        middlewares: list[Middleware] = [self._fault_middleware()]
        if self.control:
            middlewares.insert(0, loopback_only)
        app = web.Application(middlewares=middlewares)
        self.module.setup_routes(app)
        if self.control:
            add_control_routes(app, self)
        return app

    def _fault_middleware(self) -> Middleware:
        faults, module = self.ctx.faults, self.module

        @web.middleware
        async def fault_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            path = request.path
            if path.startswith(PREFIX):
                return await handler(request)
            if faults.peek(FaultKind.MAINTENANCE, path) is not None:
                return module.error_response(ErrorKind.MAINTENANCE, 503, "system under maintenance")
            fault = faults.take(FaultKind.RATE_LIMIT, path)
            if fault is not None:
                response = module.error_response(ErrorKind.RATE_LIMIT, 429, "too many requests",
                                                 fault.retry_after_s)
                response.headers.setdefault("Retry-After", str(max(1, math.ceil(fault.retry_after_s))))
                return response
            fault = faults.take(FaultKind.SERVER_ERROR, path)
            if fault is not None:
                return module.error_response(ErrorKind.SERVER_ERROR, fault.status,
                                             fault.message or "internal error")
            fault = faults.take(FaultKind.DELAY, path)
            if fault is not None and fault.delay_ms:
                await asyncio.sleep(fault.delay_ms / 1000)
            return await handler(request)

        return fault_middleware

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        family = socket.AF_INET6 if ":" in self.ctx.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.ctx.host, self.ctx.port))
        except OSError:
            sock.close()
            await self._runner.cleanup()
            raise
        await web.SockSite(self._runner, sock).start()
        self.ctx.port = sock.getsockname()[1]
        host = "127.0.0.1" if self.ctx.host == "localhost" else self.ctx.host
        base = f"{host}:{self.ctx.port}" if ":" not in host else f"[{host}]:{self.ctx.port}"
        self.ctx.rest_url = f"http://{base}{self.module.rest_prefix}"
        self.ctx.ws_url = f"ws://{base}{self.module.ws_path}"
        self.ctx.control_url = f"http://{base}{PREFIX}" if self.control else ""
        await self.module.start()

    async def stop(self) -> None:
        await self.module.stop()
        await self.ctx.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def create_account(self, usd: Decimal, label: str | None = None) -> dict[str, Any]:
        """A funded engine account with credentials in the venue's native form."""
        account = self.module.create_account(usd, label)
        return {"venue": self.ctx.venue, "account_id": account.id, "usd": usd,
                "credentials": self.module.issue_credentials(account)}


class SimulatorServer:
    def __init__(self, venues: list[str] | None = None, scenario: Scenario | str | Path | None = None, *,
                 port_base: int = 0, speed: float | None = None, manual: bool = False,
                 start_ms: int | None = None, modules: dict[str, type[VenueModule]] | None = None,
                 control: bool = True, host: str = "127.0.0.1") -> None:
        available = modules if modules is not None else registered_venues()
        if not available:
            raise NoVenuesError("no simulator venue modules are registered yet "
                                "(simulator/venues/<venue>.py): nothing to serve")
        names = canonical_order(venues or list(available))
        unknown = [v for v in names if v not in available]
        if unknown:
            raise NoVenuesError(f"no simulator venue module for {', '.join(unknown)} "
                                f"(registered: {', '.join(available)})")
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.simulation = Simulation(
            self.scenario, names, speed=speed, manual=manual, start_ms=start_ms,
            providers={n: available[n].markets for n in names},
            configs={n: c for n in names if (c := available[n].engine_config()) is not None})
        self.servers = {n: VenueServer(available[n], self.simulation, host=host,
                                       port=port_for(n, port_base, list(available)), control=control)
                        for n in names}
        self._started: list[VenueServer] = []

    async def start(self) -> dict[str, Any]:
        try:
            for server in self.servers.values():
                await server.start()
                self._started.append(server)
        except BaseException:
            await self.stop()
            raise
        self.simulation.start()
        return self.endpoints()

    async def stop(self) -> None:
        await self.simulation.stop()
        started, self._started = self._started, []
        for server in reversed(started):
            await server.stop()

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    def endpoints(self) -> dict[str, Any]:
        clock = self.simulation.clock
        return {"scenario": self.scenario.name, "speed": clock.speed, "manual": clock.manual,
                "venues": {n: s.module.describe() for n, s in self.servers.items()}}


async def serve(venues: list[str] | None, scenario: str | Path | None, *, port_base: int,
                speed: float | None, on_ready: Callable[[dict[str, Any]], None]) -> None:
    """Run until SIGINT/SIGTERM (``perpdex sim up``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with SimulatorServer(venues, scenario, port_base=port_base, speed=speed) as server:
            on_ready(server.endpoints())
            await stop.wait()
            _log.info("simulator stopping")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
