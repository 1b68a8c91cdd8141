"""Registry of simulator venue modules.

A venue module ``simulator/venues/<name>.py`` defines a ``VenueModule`` subclass and decorates
it with ``@register_venue``. The built-in names below are imported on first use if their file
exists, so adding a venue needs no edit here; any other module registers itself when imported
(tests register tiny test venues this way), and modules named in the environment variable
``PERPDEX_SIM_VENUE_MODULES`` (comma-separated import paths) are imported too, so that a
``perpdex sim up`` process can serve an out-of-tree venue. ``perpdex sim up`` serves whatever is
registered.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Iterable
from typing import TypeVar

from simulator.venues.base import VenueModule

__all__ = ["BUILTIN_VENUES", "register_venue", "unregister_venue", "registered_venues", "venue_module",
           "import_errors", "canonical_order"]

#: built-in venue names, in port order (`--port-base N`: lighter N, paradex N+1, ...)
BUILTIN_VENUES = ("lighter", "paradex", "aster", "backpack", "hyperliquid")

_REGISTRY: dict[str, type[VenueModule]] = {}
_IMPORT_ERRORS: dict[str, str] = {}
_loaded = False

V = TypeVar("V", bound=type[VenueModule])


def register_venue(cls: V) -> V:
    """Class decorator: make a ``VenueModule`` subclass available under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"simulator venue {cls.name!r} is already registered by {existing.__qualname__}")
    _REGISTRY[cls.name] = cls
    return cls


def unregister_venue(name: str) -> None:
    _REGISTRY.pop(name, None)


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    extra = [m.strip() for m in os.environ.get("PERPDEX_SIM_VENUE_MODULES", "").split(",") if m.strip()]
    for name in BUILTIN_VENUES:
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            _import(name, f"{__name__}.{name}")
    for module in extra:
        _import(module, module)


def _import(name: str, module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as exc:   # e.g. a venue extra not installed: report, serve the others
        _IMPORT_ERRORS[name] = f"{type(exc).__name__}: {exc}"


def registered_venues() -> dict[str, type[VenueModule]]:
    """Every registered venue module, built-in names first in port order."""
    _load_builtins()
    return {name: _REGISTRY[name] for name in canonical_order(_REGISTRY)}


def venue_module(name: str) -> type[VenueModule]:
    venues = registered_venues()
    if name not in venues:
        known = ", ".join(venues) or "none"
        raise KeyError(f"no simulator venue {name!r} is registered (registered: {known})")
    return venues[name]


def import_errors() -> dict[str, str]:
    """Built-in venue modules that exist but failed to import, with the reason."""
    _load_builtins()
    return dict(_IMPORT_ERRORS)


def canonical_order(names: Iterable[str]) -> list[str]:
    """Built-in names in their fixed order, then any others alphabetically."""
    unique = set(names)
    return [n for n in BUILTIN_VENUES if n in unique] + sorted(unique - set(BUILTIN_VENUES))
