"""Venue registry: the only way strategies and services obtain clients.

``create_client("lighter", config)`` imports the venue package lazily (an extra that is not
installed fails with an instruction, not an ImportError deep inside), validates the config
against the venue's config model (a mapping is accepted and validated) and returns the
client. Callers never import a venue module.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

from exchange_clients.base_client import BaseExchangeClient
from exchange_clients.base_funding_adapter import BaseFundingAdapter
from exchange_clients.base_websocket import BaseWebSocketManager
from exchange_clients.errors import ConfigurationError
from helpers.venue_config import PUBLIC_CONFIGS, VENUE_CONFIGS, VenueConfig

__all__ = ["create_client", "create_funding_adapter", "supported_exchanges", "register_venue",
           "config_model", "VenueEntry", "registered_venues", "create_websocket_manager",
           "websocket_manager_class", "public_config_model"]


class VenueEntry(NamedTuple):
    module: str          # "exchange_clients.lighter"
    client: str          # "LighterClient"
    funding_adapter: str
    websocket: str
    extra: str           # pip extra that installs its dependencies


_VENUES: dict[str, VenueEntry] = {}


def register_venue(name: str, entry: VenueEntry) -> None:
    _VENUES[name] = entry


def _builtin(name: str, cls_prefix: str) -> VenueEntry:
    return VenueEntry(f"exchange_clients.{name}", f"{cls_prefix}Client",
                      f"{cls_prefix}FundingAdapter", f"{cls_prefix}WebSocketManager", name)


for _name, _prefix in (("lighter", "Lighter"), ("paradex", "Paradex"), ("aster", "Aster"),
                       ("backpack", "Backpack"), ("hyperliquid", "Hyperliquid")):
    register_venue(_name, _builtin(_name, _prefix))


def registered_venues() -> list[str]:
    """Every venue perpdex knows of, whether or not its package is importable here."""
    return sorted(_VENUES)


def supported_exchanges() -> list[str]:
    """Venues whose package is present and importable in this installation."""
    available = []
    for name in sorted(_VENUES):
        try:
            _load(name, "client")
        except ConfigurationError:
            continue
        available.append(name)
    return available


def config_model(venue: str) -> type[VenueConfig]:
    try:
        return VENUE_CONFIGS[venue]
    except KeyError:
        raise ConfigurationError(venue, f"unknown venue {venue!r}; known: "
                                 f"{', '.join(registered_venues())}", code="UNKNOWN_VENUE") from None


def public_config_model(venue: str) -> type[VenueConfig]:
    config_model(venue)
    return PUBLIC_CONFIGS[venue]


def _load(venue: str, attr: str) -> Any:
    entry = _VENUES.get(venue)
    if entry is None:
        raise ConfigurationError(venue, f"unknown venue {venue!r}; known: "
                                 f"{', '.join(registered_venues())}", code="UNKNOWN_VENUE")
    try:
        module = importlib.import_module(entry.module)
    except ModuleNotFoundError as exc:
        raise ConfigurationError(venue, f"venue {venue!r} is not available: {exc}. Install it "
                                 f"with: pip install 'perpdex[{entry.extra}]'",
                                 code="NOT_INSTALLED") from exc
    try:
        return getattr(module, getattr(entry, attr))
    except AttributeError as exc:
        raise ConfigurationError(venue, f"venue package {entry.module} lacks {exc.name}",
                                 code="NOT_INSTALLED") from exc


def _coerce(venue: str, config: VenueConfig | Mapping[str, Any] | None, *,
            public: bool) -> VenueConfig:
    model = config_model(venue)
    wanted = PUBLIC_CONFIGS[venue] if public else model
    if config is None:
        if not public:
            raise ConfigurationError(venue, "a trading client needs a config with credentials",
                                     code="NO_CONFIG")
        return wanted()
    if isinstance(config, VenueConfig):
        if not isinstance(config, wanted):
            raise ConfigurationError(venue, f"expected {wanted.__name__}, got "
                                     f"{type(config).__name__}", code="BAD_CONFIG")
        return config
    data = dict(config)
    if public and any(k not in VenueConfig.model_fields for k in data):
        wanted = model  # a full config passed to a public adapter is fine
    try:
        return wanted.model_validate(data)
    except ValueError as exc:
        raise ConfigurationError(venue, f"invalid {venue} config: {_field_errors(exc)}",
                                 code="BAD_CONFIG") from None


def _field_errors(exc: ValueError) -> str:
    """Name the fields and reasons, never the offending values (they may be secrets)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return "validation failed"
    parts = []
    for err in errors():
        where = ".".join(str(p) for p in err.get("loc", ())) or "config"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def create_client(venue: str, config: VenueConfig | Mapping[str, Any]) -> BaseExchangeClient:
    """A trading client for ``venue``. Not connected: ``await client.connect()`` or use
    ``async with``. Raises ``ConfigurationError`` for an unknown venue, a missing extra or an
    invalid config (message names the field, never its value)."""
    validated = _coerce(venue, config, public=False)
    cls = _load(venue, "client")
    return cls(validated)  # type: ignore[no-any-return]


def create_funding_adapter(venue: str, config: VenueConfig | Mapping[str, Any] | None = None
                           ) -> BaseFundingAdapter:
    """A credential-free funding adapter; ``config`` may carry only URLs/timeouts."""
    validated = _coerce(venue, config, public=True)
    cls = _load(venue, "funding_adapter")
    return cls(validated)  # type: ignore[no-any-return]


def websocket_manager_class(venue: str) -> type[BaseWebSocketManager]:
    """The venue's manager class, for callers that inject a market resolver or transport
    (``cls(config, resolve_market=..., connector=...)``), e.g. benchmarks."""
    cls: type[BaseWebSocketManager] = _load(venue, "websocket")
    return cls


def create_websocket_manager(venue: str, config: VenueConfig | Mapping[str, Any] | None = None
                             ) -> BaseWebSocketManager:
    """A standalone public market-data manager for ``venue``."""
    validated = _coerce(venue, config, public=True)
    cls = _load(venue, "websocket")
    return cls(validated)  # type: ignore[no-any-return]
