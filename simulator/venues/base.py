"""What a venue module is: the contract between the server scaffold and one venue's protocol.

A venue module subclasses ``VenueModule``, sets ``name`` (and ``rest_prefix``/``ws_path``),
registers itself with ``@register_venue`` (``simulator.venues``), and implements:

* ``setup_routes(app)`` — the venue's real REST paths and WebSocket route(s) on an aiohttp app
  (serve WebSockets with ``self.ctx.hub.serve(...)``);
* ``issue_credentials(account)`` — make credentials in the venue's native form for a new
  engine account, remember them for its auth checks, return them (``perpdex sim accounts
  create`` prints them);
* optionally ``markets()`` (its listings; default: the catalog), ``engine_config()`` (self-trade
  and reduce-only policies), ``create_account()`` (venue-style account ids and defaults),
  ``error_response()`` (its error body for 429/5xx/maintenance), ``start()``/``stop()``
  (background tasks such as keep-alive pings).

Everything the module needs is on ``self.ctx`` (``VenueContext``): the venue's ``Engine``, the
``Simulation`` (clock, other venues), its ``FaultSet``, its ``WsHub`` and its URLs. See
docs/SIMULATOR.md for a walk-through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from aiohttp import web

from helpers.unified_logger import get_logger
from simulator.engine.accounts import Account
from simulator.engine.catalog import default_markets
from simulator.engine.core import EngineConfig
from simulator.engine.engine import Engine
from simulator.engine.faults import FaultSet
from simulator.engine.market import MarketSpec
from simulator.engine.simulation import Simulation
from simulator.venues.hub import WsHub, dumps

__all__ = ["ErrorKind", "VenueContext", "VenueModule"]


class ErrorKind(StrEnum):
    """Errors the scaffold answers on the venue's behalf (faults, unknown routes)."""

    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    MAINTENANCE = "maintenance"


@dataclass
class VenueContext:
    venue: str
    engine: Engine
    simulation: Simulation
    faults: FaultSet
    hub: WsHub
    host: str = "127.0.0.1"
    port: int = 0
    rest_url: str = ""       # set once the server is bound
    ws_url: str = ""
    control_url: str = ""
    log: Any = field(default=None)

    def __post_init__(self) -> None:
        if self.log is None:
            self.log = get_logger("venue", venue=self.venue)

    def wall_ms(self) -> int:
        return self.simulation.clock.wall_ms()


class VenueModule(ABC):
    #: registry key and engine venue name, e.g. "lighter"
    name: ClassVar[str] = ""
    #: REST base path: the REST URL printed by `sim up` is http://127.0.0.1:PORT + rest_prefix
    rest_prefix: ClassVar[str] = ""
    #: the WebSocket URL path clients connect to (printed by `sim up`)
    ws_path: ClassVar[str] = "/ws"
    #: aiohttp-level ping interval for WebSocket connections (None: the venue pings itself)
    ws_heartbeat: ClassVar[float | None] = None

    def __init__(self, ctx: VenueContext) -> None:
        self.ctx = ctx

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    # -- class-level hooks (used before the engine exists) ---------------------------------------
    @classmethod
    def markets(cls, venue: str, count: int | None, symbols: list[str]) -> list[MarketSpec]:
        """The venue's listings for ``symbols`` (and generated ones up to ``count``)."""
        return default_markets(venue, count, symbols)

    @classmethod
    def engine_config(cls) -> EngineConfig | None:
        """Engine policies of this venue (self-trade, reduce-only); None: the defaults."""
        return None

    # -- instance hooks --------------------------------------------------------------------------
    def create_account(self, usd: Decimal, label: str | None = None) -> Account:
        """A funded engine account for the control API. Override to choose venue-style ids
        (``engine.create_account(usd, account_id=...)``) or set the venue's account defaults."""
        return self.engine.create_account(usd, label=label)

    @abstractmethod
    def setup_routes(self, app: web.Application) -> None:
        """Add the venue's REST routes and WebSocket route(s) to ``app``."""

    @abstractmethod
    def issue_credentials(self, account: Account) -> dict[str, Any]:
        """Create credentials in the venue's native form for ``account`` and remember them."""

    def error_response(self, kind: ErrorKind, status: int, message: str,
                       retry_after: float | None = None) -> web.Response:
        """The venue's error body for a scaffold-level error (override with the real shape)."""
        return web.Response(status=status, text=dumps({"error": kind.value, "message": message}),
                            content_type="application/json")

    async def start(self) -> None:
        """Start background tasks (after the server is bound). Default: there are none."""
        return None

    async def stop(self) -> None:
        """Stop what ``start`` started (before WebSockets are closed). Default: nothing to stop."""
        return None

    def describe(self) -> dict[str, str]:
        return {"rest": self.ctx.rest_url, "ws": self.ctx.ws_url, "control": self.ctx.control_url}
