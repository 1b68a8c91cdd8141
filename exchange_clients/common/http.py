"""One aiohttp session per client, with timeouts, rate limiting, error mapping and safe retries.

* The session is created inside the running loop on first use (or :meth:`HttpClient.start`)
  and closed by :meth:`HttpClient.close`; never one session per request.
* Every request first takes its weight from the client's :class:`RateLimiter`.
* The venue's ``error_mapper(status, body, headers)`` turns a response into a typed
  :class:`ExchangeError` (or ``None`` for success). It sees every response, because some
  venues report errors inside HTTP 200 (Hyperliquid ``{"status": "err"}``). Generic status
  handling applies when the mapper has no opinion: 429 → ``RateLimitError`` (and the limiter
  is penalised with ``Retry-After``), 401/403 → ``AuthenticationError``, 404 →
  ``ExchangeError`` (not found), 5xx/503 → ``ExchangeUnavailableError``.
* Retries only for idempotent requests (GET/HEAD by default, or ``idempotent=True``): on
  ``NetworkError``, 5xx, and 429 after its ``Retry-After``. An order submission is never
  retried here; a timeout on it surfaces as ``NetworkError`` and the caller resolves it by
  client order id (``exchange_clients.common.submission``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import orjson

from exchange_clients.common.rate_limit import RateLimiter
from exchange_clients.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailableError,
    NetworkError,
    RateLimitError,
)
from helpers.time import utc_now
from helpers.unified_logger import get_logger

__all__ = ["HttpClient", "ErrorMapper", "parse_retry_after", "HttpResponse"]

ErrorMapper = Callable[[int, Any, Mapping[str, str]], ExchangeError | None]
ResponseHook = Callable[[int, Mapping[str, str]], None]

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class HttpResponse:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        self.status = status
        self.body = body
        self.headers = headers


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - utc_now()).total_seconds(), 0.0)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


class HttpClient:
    def __init__(self, venue: str, base_url: str, *, timeout: float = 10.0,
                 connect_timeout: float = 5.0, limiter: RateLimiter | None = None,
                 error_mapper: ErrorMapper | None = None, retries: int = 2,
                 backoff: float = 0.2, headers: Mapping[str, str] | None = None,
                 on_response: ResponseHook | None = None) -> None:
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self.limiter = limiter
        self._error_mapper = error_mapper
        self._retries = retries
        self._backoff = backoff
        self._headers = dict(headers or {})
        self._on_response = on_response
        self._session: aiohttp.ClientSession | None = None
        self._log = get_logger("http", venue)
        self.requests_sent = 0

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, headers=self._headers,
                json_serialize=lambda obj: orjson.dumps(obj).decode())
        return self._session

    async def start(self) -> None:
        _ = self.session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.request("POST", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        return await self.request("DELETE", path, **kwargs)

    async def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                      json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None,
                      weight: float = 1.0, idempotent: bool | None = None) -> Any:
        """Send one request; return the decoded body (JSON → Python, else text)."""
        return (await self.request_full(method, path, params=params, json=json, data=data,
                                        headers=headers, weight=weight, idempotent=idempotent)).body

    async def request_full(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                           json: Any = None, data: Any = None,
                           headers: Mapping[str, str] | None = None, weight: float = 1.0,
                           idempotent: bool | None = None) -> HttpResponse:
        method = method.upper()
        safe = method in _IDEMPOTENT if idempotent is None else idempotent
        attempts = 1 + (self._retries if safe else 0)
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        last: ExchangeError | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self._retry_delay(attempt, last))
            try:
                return await self._send_once(method, url, params, json, data, headers, weight)
            except (NetworkError, ExchangeUnavailableError, RateLimitError) as exc:
                last = exc
                if attempt + 1 < attempts:
                    self._log.info("retrying %s %s after %s (attempt %d/%d)", method, path,
                                   type(exc).__name__, attempt + 2, attempts)
        assert last is not None
        raise last

    def _retry_delay(self, attempt: int, last: ExchangeError | None) -> float:
        if isinstance(last, RateLimitError) and last.retry_after is not None:
            return float(last.retry_after)
        jitter: float = 0.5 + random.random()
        return float(self._backoff * (2 ** (attempt - 1)) * jitter)

    async def _send_once(self, method: str, url: str, params: Mapping[str, Any] | None, json: Any,
                         data: Any, headers: Mapping[str, str] | None, weight: float) -> HttpResponse:
        if self.limiter is not None:
            await self.limiter.acquire(weight)
        self.requests_sent += 1
        try:
            async with self.session.request(method, url, params=params, json=json, data=data,
                                            headers=headers) as resp:
                raw = await resp.read()
                status, resp_headers = resp.status, resp.headers
        except TimeoutError:
            raise NetworkError(self.venue, f"{method} {_path(url)} timed out", code="TIMEOUT") from None
        except aiohttp.ClientError as exc:
            raise NetworkError(self.venue, f"{method} {_path(url)} failed: {type(exc).__name__}: {exc}",
                               code="CONNECTION") from None
        body = _decode(raw)
        if self._on_response is not None:
            self._on_response(status, resp_headers)
        error = self._error_mapper(status, body, resp_headers) if self._error_mapper else None
        if error is None and status >= 400:
            error = self._generic_error(status, body, resp_headers)
        if error is not None:
            if isinstance(error, RateLimitError) and self.limiter is not None:
                error.retry_after = self.limiter.penalize(error.retry_after)
            raise error
        return HttpResponse(status, body, resp_headers)

    def _generic_error(self, status: int, body: Any, headers: Mapping[str, str]) -> ExchangeError:
        text = body if isinstance(body, str) else orjson.dumps(body).decode() if body else ""
        message = f"HTTP {status}: {text[:300]}"
        if status == 429 or status == 418:
            return RateLimitError(self.venue, message, code=str(status),
                                  retry_after=parse_retry_after(headers.get("Retry-After")))
        if status in (401, 403):
            return AuthenticationError(self.venue, message, code=str(status))
        if status >= 500:
            return ExchangeUnavailableError(self.venue, message, code=str(status))
        return ExchangeError(self.venue, message, code=str(status))


def _path(url: str) -> str:
    """The path of a URL without its query string (which may carry signatures)."""
    return url.split("?", 1)[0]
