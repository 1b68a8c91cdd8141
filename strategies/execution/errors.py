"""Typed errors of the execution layer."""

from __future__ import annotations

__all__ = ["ExecutionError", "SubmissionUnknownError", "ExecutionConfigError"]


class ExecutionError(Exception):
    """Base of the errors the executors raise themselves (venue errors stay ``ExchangeError``)."""


class SubmissionUnknownError(ExecutionError):
    """An order was sent, the venue did not answer, and looking it up by its client order id
    found nothing yet. It may still surface: the id stays tracked and is looked up again
    before the execution reports its result. Never resend blindly (TRAPS.md)."""

    def __init__(self, venue: str, client_order_id: str, cause: BaseException) -> None:
        self.venue = venue
        self.client_order_id = client_order_id
        self.cause = cause
        super().__init__(f"[{venue}] outcome of order {client_order_id} unknown after "
                         f"{type(cause).__name__}: {cause}")


class ExecutionConfigError(ExecutionError):
    """The parameters cannot be executed safely (e.g. the unhedged bound is below the
    venues' minimum order notional)."""
