"""Credential verification: log in to a venue with a config and read the balance.

Used by ``perpdex accounts add --verify`` directly, and by
``database/scripts/add_account.py --verify`` through the ``perpdex.credential_verifiers``
entry point (``database`` may not import ``exchange_clients``; this module may).
"""

from __future__ import annotations

from exchange_clients.registry import create_client
from helpers.unified_logger import get_logger
from helpers.venue_config import VenueConfig

__all__ = ["verify_credentials"]

_log = get_logger("verify")


async def verify_credentials(venue: str, config: VenueConfig) -> str:
    """Connect, read the available balance, disconnect. Raises the client's typed error
    (``AuthenticationError``, ``NetworkError``, ``ConfigurationError`` for a venue that is
    not installed, ...) when the credentials cannot be confirmed."""
    client = create_client(venue, config)
    try:
        await client.connect()
        balance = await client.get_account_balance()
    finally:
        await client.disconnect()
    _log.info("credentials verified on %s", venue)
    return f"logged in to {config.resolved_rest_url()}; available balance {balance}"
