"""Resolving an order submission whose outcome is unknown.

A submit that times out, or whose connection drops before the reply, may or may not have
been accepted. Resending blindly risks a duplicate order (TRAPS.md). The rule is:

1. Look the order up by its client order id, a few times (venues index asynchronously).
2. Found → that is the result (the caller reports it as if the reply had arrived).
3. Not found after every attempt → raise :class:`OrderOutcomeUnknownError` (a
   ``NetworkError``). The caller may retry **with the same client order id**: if the first
   submission surfaces late, the venue rejects the duplicate id instead of trading twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from exchange_clients.errors import ExchangeError, NetworkError
from exchange_clients.models import OrderInfo
from helpers.unified_logger import get_logger

__all__ = ["resolve_by_client_id", "OrderOutcomeUnknownError"]


class OrderOutcomeUnknownError(NetworkError):
    """The venue did not answer a submission and the order was not found by client id."""


async def resolve_by_client_id(venue: str, client_order_id: str,
                               lookup: Callable[[], Awaitable[OrderInfo | None]], *,
                               cause: BaseException, attempts: int = 4,
                               delay: float = 0.25) -> OrderInfo:
    log = get_logger("submission", venue)
    log.warning("submission of %s has an unknown outcome (%s); looking it up by client id",
                client_order_id, type(cause).__name__)
    last_error: ExchangeError | None = None
    for attempt in range(attempts):
        if attempt:
            await asyncio.sleep(delay * attempt)
        try:
            found = await lookup()
        except ExchangeError as exc:  # the lookup itself may fail while the venue is degraded
            last_error = exc
            continue
        if found is not None:
            log.info("order %s found after unknown submission: %s", client_order_id, found.status)
            return found
    detail = f"; last lookup error: {last_error}" if last_error else ""
    raise OrderOutcomeUnknownError(
        venue, f"submission of client order id {client_order_id} got no answer ({cause!r}) and "
        f"the order was not found after {attempts} lookups{detail}. Retry with the same client "
        "order id so the venue rejects a late duplicate.", code="OUTCOME_UNKNOWN")
