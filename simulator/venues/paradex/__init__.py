"""Paradex in the simulator: its real REST (``/v1``), JSON-RPC WebSocket, Stark-signed onboarding,
auth and orders (signatures verified with starknet-py), JWTs, asynchronous order acceptance and
continuous funding. See docs/venues/paradex.md ("Simulator")."""

from simulator.venues.paradex.venue import JWT_LIFETIME_S, ParadexVenue, PdxIdentity

__all__ = ["JWT_LIFETIME_S", "ParadexVenue", "PdxIdentity"]
