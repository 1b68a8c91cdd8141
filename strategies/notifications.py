"""Notifications through the database outbox: decided now, delivered at least once.

``Notifier.notify`` logs the event at once and enqueues one outbox row per channel
(``log`` always, ``telegram`` when configured) in the same process that decided it, so a
crash between deciding and sending loses nothing. ``NotificationDispatcher`` claims due rows
under a lease, delivers them and marks them sent, or failed with a retry time (exponential
back-off, given up after ``max_attempts``). Titles and bodies pass through the log redactor
(database/repositories/notifications.py); the Telegram token is registered as a secret.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

import aiohttp

from database import Database
from database.models import Notification
from helpers.time import utc_now
from helpers.unified_logger import get_logger, register_secret

__all__ = ["Notifier", "NotificationDispatcher", "Channel", "LogChannel", "TelegramChannel",
           "DeliveryError"]

_log = get_logger("strategies.notifications")
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR,
           "critical": logging.CRITICAL}


class DeliveryError(Exception):
    """A channel could not deliver a notification (retried later)."""


class Channel(Protocol):
    name: str

    async def send(self, note: Notification) -> None: ...
    async def close(self) -> None: ...


class LogChannel:
    """Delivers to the application log (always configured)."""

    name = "log"

    def __init__(self) -> None:
        self._log = get_logger("notifications")

    async def send(self, note: Notification) -> None:
        self._log.log(_LEVELS.get(note.severity, logging.INFO), "[%s] %s: %s", note.category,
                      note.title, note.body)

    async def close(self) -> None:
        return None


class TelegramChannel:
    """Bot API ``sendMessage``: ``{api_url}/bot{token}/sendMessage``."""

    name = "telegram"

    def __init__(self, bot_token: str, chat_id: str, api_url: str = "https://api.telegram.org",
                 timeout: float = 10.0) -> None:
        register_secret(bot_token)
        self._url = f"{api_url.rstrip('/')}/bot{bot_token}/sendMessage"
        self._chat_id = chat_id
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send(self, note: Notification) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        text = f"{note.severity.upper()} · {note.title}\n{note.body}"
        try:
            async with self._session.post(self._url, json={"chat_id": self._chat_id, "text": text}) as resp:
                if resp.status >= 400:
                    raise DeliveryError(f"telegram answered HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"telegram unreachable: {type(exc).__name__}") from None

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class Notifier:
    """Decide-and-enqueue side of the outbox."""

    def __init__(self, db: Database, channels: list[str] | None = None, *, source: str = "") -> None:
        self._db = db
        self.channels = channels or ["log"]
        self.source = source

    async def notify(self, category: str, title: str, body: str = "", *, severity: str = "info",
                     payload: Mapping[str, Any] | None = None, dedupe_key: str | None = None) -> None:
        prefix = f"{self.source}: " if self.source else ""
        for channel in self.channels:
            key = f"{channel}:{dedupe_key}" if dedupe_key else None
            await self._db.notifications.enqueue(channel, category, prefix + title, body,
                                                 severity=severity, payload=payload, dedupe_key=key)


class NotificationDispatcher:
    """Deliver-side of the outbox: ``await dispatcher.dispatch()`` delivers what is due."""

    def __init__(self, db: Database, channels: list[Channel], *, max_attempts: int = 8,
                 lease: timedelta = timedelta(seconds=60)) -> None:
        self._db = db
        self._channels = {c.name: c for c in channels}
        self._worker = f"dispatcher-{os.getpid()}-{id(self):x}"
        self._max_attempts = max_attempts
        self._lease = lease
        self.delivered = 0
        self.failed = 0

    async def dispatch(self, limit: int = 50) -> int:
        """Deliver due notifications of the configured channels; returns how many were sent."""
        sent = 0
        for name, channel in self._channels.items():
            for note in await self._db.notifications.claim(self._worker, limit=limit, lease=self._lease,
                                                           channel=name):
                try:
                    await channel.send(note)
                except DeliveryError as exc:
                    self.failed += 1
                    retry = None if note.attempts >= self._max_attempts else \
                        utc_now() + timedelta(seconds=min(2 ** note.attempts, 300))
                    _log.warning("notification %d via %s failed (%s); %s", note.id, name, exc,
                                 "giving up" if retry is None else "will retry")
                    await self._db.notifications.mark_failed(note.id, self._worker, str(exc),
                                                             retry_at=retry)
                    continue
                await self._db.notifications.mark_sent(note.id, self._worker)
                sent += 1
        self.delivered += sent
        return sent

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
