"""Notifications outbox: enqueue now, deliver later, at least once.

A dispatcher ``claim``s due rows under a lease (status ``sending``, ``claimed_until``); two
dispatchers never claim the same row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the
``BEGIN IMMEDIATE`` write lock on SQLite). A dispatcher that dies mid-send leaves a lease that
expires, and the row is claimed again: delivery is at least once, so channels should be
idempotent where they can (``dedupe_key`` prevents enqueuing the same event twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from database.errors import NotFoundError
from database.models import Notification, NotificationStatus
from database.session import SessionFactory
from helpers.time import ensure_utc, utc_now
from helpers.unified_logger import redact

__all__ = ["NotificationRepository"]


class NotificationRepository:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def enqueue(self, channel: str, category: str, title: str, body: str, *,
                      severity: str = "info", payload: Mapping[str, Any] | None = None,
                      dedupe_key: str | None = None, available_at: datetime | None = None
                      ) -> Notification | None:
        """Add a notification; ``None`` when ``dedupe_key`` was already enqueued."""
        note = Notification(channel=channel, category=category, severity=severity,
                            title=redact(title), body=redact(body), payload=dict(payload or {}),
                            dedupe_key=dedupe_key, status=NotificationStatus.PENDING.value,
                            attempts=0, available_at=ensure_utc(available_at or utc_now()))
        try:
            async with self._sessions.begin() as session:
                session.add(note)
        except IntegrityError:
            if dedupe_key is None:
                raise
            return None
        return note

    async def claim(self, worker: str, *, limit: int = 10, lease: timedelta = timedelta(seconds=60),
                    channel: str | None = None, now: datetime | None = None) -> list[Notification]:
        """Claim up to ``limit`` due notifications for ``worker`` (pending and due, or
        ``sending`` with an expired lease), oldest first."""
        now = ensure_utc(now or utc_now())
        due = or_(
            and_(Notification.status == NotificationStatus.PENDING.value,
                 Notification.available_at <= now),
            and_(Notification.status == NotificationStatus.SENDING.value,
                 Notification.claimed_until < now))
        query = select(Notification).where(due)
        if channel is not None:
            query = query.where(Notification.channel == channel)
        query = (query.order_by(Notification.available_at, Notification.id).limit(limit)
                 .with_for_update(skip_locked=True))
        async with self._sessions.begin() as session:
            claimed = list(await session.scalars(query))
            for note in claimed:
                note.status = NotificationStatus.SENDING.value
                note.claimed_by = worker
                note.claimed_until = now + lease
                note.attempts += 1
        return claimed

    async def mark_sent(self, notification_id: int, worker: str) -> None:
        async with self._sessions.begin() as session:
            note = await self._claimed(session, notification_id, worker)
            note.status = NotificationStatus.SENT.value
            note.sent_at = utc_now()
            note.claimed_until = None

    async def mark_failed(self, notification_id: int, worker: str, error: str, *,
                          retry_at: datetime | None) -> None:
        """Record a failed attempt: retry at ``retry_at``, or give up when it is ``None``."""
        async with self._sessions.begin() as session:
            note = await self._claimed(session, notification_id, worker)
            note.last_error = redact(error)
            note.claimed_until = None
            if retry_at is None:
                note.status = NotificationStatus.FAILED.value
            else:
                note.status = NotificationStatus.PENDING.value
                note.available_at = ensure_utc(retry_at)

    async def list(self, *, status: NotificationStatus | None = None, limit: int = 100
                   ) -> list[Notification]:
        query = select(Notification).order_by(Notification.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Notification.status == status.value)
        async with self._sessions() as session:
            return list(await session.scalars(query))

    async def count(self, status: NotificationStatus) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Notification).where(
                Notification.status == status.value)) or 0)

    async def purge_sent(self, before: datetime) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(Notification).where(
                Notification.status == NotificationStatus.SENT.value,
                Notification.sent_at < ensure_utc(before)).returning(Notification.id))
            return len(result.all())

    @staticmethod
    async def _claimed(session: Any, notification_id: int, worker: str) -> Notification:
        note = await session.get(Notification, notification_id, with_for_update=True)
        if note is None:
            raise NotFoundError(f"no notification {notification_id}")
        if note.claimed_by != worker or note.status != NotificationStatus.SENDING.value:
            raise NotFoundError(f"notification {notification_id} is not claimed by {worker!r} "
                                "(its lease expired and another dispatcher took it?)")
        return note  # type: ignore[no-any-return]
