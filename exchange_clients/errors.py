"""Typed error hierarchy shared by every venue.

Every error carries the venue, the venue's own code (when it sent one), a message and
whether retrying the *same request* may succeed. Callers branch on the class, never on
message text. Each venue maps its codes to these classes in one table
(``<venue>/client/utils/errors.py`` or the venue's converters), built on
:class:`ErrorTable`.

Messages never contain secrets: venue error bodies are passed through
``helpers.unified_logger.redact`` before they are stored on an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from helpers.unified_logger import redact

__all__ = [
    "ExchangeError", "AuthenticationError", "RateLimitError", "InsufficientMarginError",
    "InvalidOrderError", "OrderNotFoundError", "MarketNotFoundError", "ExchangeUnavailableError",
    "NonceError", "NetworkError", "StaleDataError", "NotSupportedError", "ConfigurationError",
    "DuplicateOrderError", "ErrorTable",
]


class ExchangeError(Exception):
    """Base of every error a client raises.

    :param venue: venue name (``"lighter"``), or ``""`` for venue-independent errors.
    :param code: the venue's error code as a string (``"21104"``, ``"-2019"``), or ``None``.
    :param message: human-readable reason, secrets redacted.
    :param retryable: whether the same request may succeed if sent again later. Order
        submissions are never retried blindly even when ``retryable`` is true: see
        ``OrderManager`` (lookup by client order id first).
    """

    default_retryable = False

    def __init__(self, venue: str, message: str, *, code: str | int | None = None,
                 retryable: bool | None = None) -> None:
        self.venue = venue
        self.code = None if code is None else str(code)
        self.message = redact(str(message))
        self.retryable = self.default_retryable if retryable is None else retryable
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"[{self.venue}]" if self.venue else ""
        code = f" ({self.code})" if self.code is not None else ""
        return f"{where}{code} {self.message}".strip()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(venue={self.venue!r}, code={self.code!r}, "
                f"message={self.message!r}, retryable={self.retryable})")


class AuthenticationError(ExchangeError):
    """Credentials missing, malformed, rejected, expired, or a signature did not verify."""


class RateLimitError(ExchangeError):
    """The venue (or our own limiter) refused for rate; ``retry_after`` seconds if known."""

    default_retryable = True

    def __init__(self, venue: str, message: str, *, code: str | int | None = None,
                 retry_after: float | None = None, retryable: bool | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(venue, message, code=code, retryable=retryable)


class InsufficientMarginError(ExchangeError):
    """Not enough available collateral for the order or leverage change."""


class InvalidOrderError(ExchangeError):
    """The order itself is wrong: off-tick price, off-step size, below min size/notional,
    post-only would cross, reduce-only would increase, non-finite or non-positive numbers.

    Raised before any network call when our validation catches it (``code`` is then one of
    ``"TICK"``, ``"STEP"``, ``"MIN_SIZE"``, ``"MIN_NOTIONAL"``, ``"NON_POSITIVE"``,
    ``"NOT_FINITE"``, ``"PRICE_FORMAT"``), or mapped from the venue's rejection otherwise.
    """

    def __init__(self, venue: str, message: str, *, code: str | int | None = None,
                 field: str | None = None, retryable: bool | None = None) -> None:
        self.field = field
        super().__init__(venue, message, code=code, retryable=retryable)


class DuplicateOrderError(InvalidOrderError):
    """A client order id was reused while the earlier order is known to the venue."""


class OrderNotFoundError(ExchangeError):
    """No order with that id (or client id) exists for this account."""


class MarketNotFoundError(ExchangeError):
    """Unknown symbol, or a market that exists but is not tradeable (paused, delisted)."""


class ExchangeUnavailableError(ExchangeError):
    """Maintenance, 5xx, or a market temporarily closed; retry later."""

    default_retryable = True


class NonceError(ExchangeError):
    """A nonce was rejected (reused, not increasing, out of window)."""

    default_retryable = True


class NetworkError(ExchangeError):
    """Connection refused/reset, DNS failure or timeout: the venue was not reached or did not
    answer. For a submission, whether the order exists is *unknown* until looked up."""

    default_retryable = True


class StaleDataError(ExchangeError):
    """Market data asked for is not live (book out of sync, feed silent past its limit)."""

    default_retryable = True


class NotSupportedError(ExchangeError):
    """The venue does not offer this feature; documented per venue in docs/venues/."""


class ConfigurationError(ExchangeError):
    """The client was configured wrongly (missing credentials, bad URL, unknown venue)."""


class ErrorTable:
    """One venue's mapping from its error codes to typed errors.

    ``ErrorTable("lighter", {"21104": NonceError, ...}).build(code, message)`` returns the
    exception instance; unknown codes become plain :class:`ExchangeError` (not retryable),
    so an unexpected rejection is never mistaken for a transient one.
    """

    def __init__(self, venue: str, table: Mapping[str, type[ExchangeError]],
                 default: type[ExchangeError] = ExchangeError) -> None:
        self.venue = venue
        self._table = {str(k): v for k, v in table.items()}
        self._default = default

    def classify(self, code: str | int | None) -> type[ExchangeError]:
        if code is None:
            return self._default
        return self._table.get(str(code), self._default)

    def build(self, code: str | int | None, message: str, *,
              retry_after: float | Decimal | None = None) -> ExchangeError:
        cls = self.classify(code)
        if issubclass(cls, RateLimitError):
            return cls(self.venue, message, code=code,
                       retry_after=None if retry_after is None else float(retry_after))
        return cls(self.venue, message, code=code)
