"""Lighter (zkLighter) perps on the simulator: REST ``/api/v1/...`` at the host root and the
WebSocket ``/stream``, spoken as lighter-sdk expects them.

See docs/venues/lighter.md ("Simulator") for what is served and the choices made.
"""

from simulator.venues.lighter.venue import LighterVenue

__all__ = ["LighterVenue"]
