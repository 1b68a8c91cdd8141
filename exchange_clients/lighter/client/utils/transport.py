"""REST transport for Lighter: lighter-sdk's generated API classes behind our rate limiter and
error table.

One ``lighter.ApiClient`` (one aiohttp session) per client, created inside the running loop.
Every call takes its weight from the shared ``RateLimiter`` (Lighter: standard tier 60
requests/min; premium 24,000 weight/min with sendTx weight 6), and every failure — an
``ApiException`` with Lighter's ``{code, message}`` body, a timeout or a dropped connection — is
mapped to the typed errors. Results come back as plain dicts (``to_dict()`` of the SDK model),
which the pure converters in ``converters.py`` turn into our models.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import lighter
from lighter.exceptions import ApiException

from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import NetworkError
from exchange_clients.lighter.client.utils.errors import error_from_api_exception
from helpers.venue_config import RateLimitTier, VenueConfig

__all__ = ["LighterTransport", "limiter_for", "WEIGHTS"]

VENUE = "lighter"

#: request weights of the premium tier (apidocs.lighter.xyz rate limits); others weigh 300
WEIGHTS = {"sendTx": 6, "sendTxBatch": 6, "nextNonce": 6, "apikeys": 150,
           "accountInactiveOrders": 100, "trades": 600, "recentTrades": 600}
DEFAULT_WEIGHT = 300


def limiter_for(tier: RateLimitTier) -> RateLimiter | None:
    """Standard: 60 requests per rolling minute regardless of weight; premium: 24,000 weight
    per minute; unlimited: no client-side limit (the simulator, benchmarks)."""
    if tier is RateLimitTier.UNLIMITED:
        return None
    if tier is RateLimitTier.PREMIUM:
        return RateLimiter(VENUE, [(24_000, 60.0)])
    return RateLimiter(VENUE, [(60, 60.0)])


class LighterTransport:
    def __init__(self, config: VenueConfig) -> None:
        self.config = config
        self.base_url = config.resolved_rest_url()
        self.limiter = limiter_for(config.rate_limit_tier)
        self._premium = config.rate_limit_tier is RateLimitTier.PREMIUM
        self._api_client: lighter.ApiClient | None = None
        self._apis: dict[str, Any] = {}

    @property
    def started(self) -> bool:
        return self._api_client is not None

    def start(self, api_client: lighter.ApiClient | None = None) -> None:
        """Create the SDK client (its aiohttp session needs the running loop), or adopt the
        signer's, so that one client has one session."""
        if self._api_client is not None:
            return
        client = api_client or lighter.ApiClient(configuration=lighter.Configuration(host=self.base_url))
        self._api_client = client
        self._apis = {"order": lighter.OrderApi(client), "account": lighter.AccountApi(client),
                      "funding": lighter.FundingApi(client), "tx": lighter.TransactionApi(client)}

    def _api(self, name: str) -> Any:
        self.start()
        return self._apis[name]

    # the generated API classes, created on first use inside the running loop
    @property
    def order(self) -> Any:
        return self._api("order")

    @property
    def account(self) -> Any:
        return self._api("account")

    @property
    def funding(self) -> Any:
        return self._api("funding")

    @property
    def tx(self) -> Any:
        return self._api("tx")

    async def close(self) -> None:
        client, self._api_client = self._api_client, None
        self._apis = {}
        if client is not None:
            await client.close()

    async def call(self, endpoint: str, fn: Callable[..., Awaitable[Any]], /, *args: Any,
                   **kwargs: Any) -> dict[str, Any]:
        """Call one SDK API method as ``endpoint`` (for its weight); return the body as a dict."""
        if self.limiter is not None:
            weight = WEIGHTS.get(endpoint, DEFAULT_WEIGHT) if self._premium else 1
            await self.limiter.acquire(weight)
        kwargs.setdefault("_request_timeout", self.config.request_timeout)
        try:
            result = await fn(*args, **kwargs)
        except ApiException as exc:
            error = error_from_api_exception(exc)
            if self.limiter is not None and exc.status == 429:
                self.limiter.penalize(getattr(error, "retry_after", None))
            raise error from None
        except TimeoutError:
            raise NetworkError(VENUE, f"{endpoint} timed out after {self.config.request_timeout}s",
                               code="TIMEOUT") from None
        except aiohttp.ClientError as exc:
            raise NetworkError(VENUE, f"{endpoint} failed: {type(exc).__name__}: {exc}",
                               code="CONNECTION") from None
        body: dict[str, Any] = result.to_dict() if hasattr(result, "to_dict") else dict(result)
        return body
