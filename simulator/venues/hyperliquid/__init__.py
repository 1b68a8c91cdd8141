"""Hyperliquid perps on the simulator: ``POST /info``, ``POST /exchange``, WebSocket ``/ws``.

See docs/venues/hyperliquid.md ("Simulator") for what is served and the choices made.
"""

from simulator.venues.hyperliquid.venue import HyperliquidVenue

__all__ = ["HyperliquidVenue"]
