"""One typed event stream per client, consumable as callbacks or async iterators.

Producers (a venue's websocket handlers) call :meth:`EventStream.publish`. Consumers either
register a callback (sync or async; async ones run as tasks that the stream owns and
cancels on :meth:`close`) or iterate::

    async with client.events.subscribe(kinds={"order", "fill"}) as stream:
        async for event in stream:
            ...

Order, fill, position and liquidation events are never dropped. BBO events are high-rate
and only *latest* matters, so a subscriber that falls behind keeps the newest BBO per
symbol instead of an ever-growing backlog.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from exchange_clients.models import ClientEvent
from helpers.unified_logger import get_logger

__all__ = ["EventStream", "EventSubscription", "EventCallback"]

EventCallback = Callable[[ClientEvent], Awaitable[None] | None]


class EventSubscription:
    """An async iterator over events of the chosen kinds."""

    def __init__(self, kinds: frozenset[str] | None) -> None:
        self.kinds = kinds
        self._queue: deque[ClientEvent] = deque()
        self._latest_bbo: OrderedDict[str, ClientEvent] = OrderedDict()
        self._wakeup = asyncio.Event()
        self._closed = False

    def wants(self, event: ClientEvent) -> bool:
        return self.kinds is None or event.kind in self.kinds

    def push(self, event: ClientEvent) -> None:
        if event.kind == "bbo":
            symbol = event.bbo.symbol  # type: ignore[union-attr]
            self._latest_bbo.pop(symbol, None)
            self._latest_bbo[symbol] = event
        else:
            self._queue.append(event)
        self._wakeup.set()

    def close(self) -> None:
        self._closed = True
        self._wakeup.set()

    def __aiter__(self) -> EventSubscription:
        return self

    async def __anext__(self) -> ClientEvent:
        while True:
            if self._queue:
                return self._queue.popleft()
            if self._latest_bbo:
                return self._latest_bbo.popitem(last=False)[1]
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()

    async def get(self, timeout: float | None = None) -> ClientEvent:
        """Next event, or ``asyncio.TimeoutError`` after ``timeout`` seconds."""
        return await asyncio.wait_for(self.__anext__(), timeout)


class EventStream:
    def __init__(self, venue: str) -> None:
        self.venue = venue
        self._callbacks: list[tuple[EventCallback, frozenset[str] | None]] = []
        self._subscriptions: list[EventSubscription] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._log = get_logger("events", venue)
        self.callback_errors = 0

    def add_callback(self, callback: EventCallback, kinds: Iterable[str] | None = None) -> None:
        self._callbacks.append((callback, frozenset(kinds) if kinds is not None else None))

    def remove_callback(self, callback: EventCallback) -> None:
        self._callbacks = [(cb, k) for cb, k in self._callbacks if cb is not callback]

    @asynccontextmanager
    async def subscribe(self, kinds: Iterable[str] | None = None) -> AsyncIterator[EventSubscription]:
        sub = EventSubscription(frozenset(kinds) if kinds is not None else None)
        self._subscriptions.append(sub)
        try:
            yield sub
        finally:
            sub.close()
            self._subscriptions.remove(sub)

    def publish(self, event: ClientEvent) -> None:
        for sub in self._subscriptions:
            if sub.wants(event):
                sub.push(event)
        for callback, kinds in self._callbacks:
            if kinds is not None and event.kind not in kinds:
                continue
            try:
                result = callback(event)
            except Exception:  # noqa: BLE001 — a consumer bug must not stop the feed
                self.callback_errors += 1
                self._log.exception("event callback %r failed on %s event", callback, event.kind)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.callback_errors += 1
            self._log.error("async event callback failed: %r", task.exception())

    async def close(self) -> None:
        for sub in list(self._subscriptions):
            sub.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
