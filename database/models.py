"""ORM models: the whole schema in one place (docs/DATABASE.md describes it table by table).

Conventions: every ``datetime`` column is :class:`~database.coltypes.UTCDateTime`, every
``Decimal`` column :class:`~database.coltypes.ExactDecimal`, every free-form ``dict``
:class:`~database.coltypes.JSONValue` (mapped through ``type_annotation_map``, so a model
cannot forget). Status columns are short strings checked by the enums below in Python, not
native database enums, so that adding a status needs no ``ALTER TYPE`` migration.

Strategy tables refer to accounts by *name* (a plain column, not a foreign key): a strategy's
history must survive removing and re-adding that account's credentials, and a run against
the simulator needs no stored account at all.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from database.coltypes import ExactDecimal, JSONValue, UTCDateTime
from helpers.time import utc_now

__all__ = [
    "Base", "Account", "VenueCredential", "CredentialSecret", "CryptoMeta", "FundingRateSample",
    "LatestFundingRate", "Market", "StrategyRun", "StrategyStateEntry", "StrategyPosition",
    "PositionLeg", "OrderRecord", "FillRecord", "Notification", "RunnerLockRecord",
    "RunStatus", "PositionStatus", "LegStatus", "OrderState", "NotificationStatus",
]

# BIGINT on PostgreSQL; on SQLite only "INTEGER PRIMARY KEY" is the auto-incrementing rowid
BigId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_uuid() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        Decimal: ExactDecimal(),
        dict[str, Any]: JSONValue(),
    }


# ---- status vocabularies ------------------------------------------------------------------

class RunStatus(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    COMPLETED = "completed"
    FAILED = "failed"


class PositionStatus(StrEnum):
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"


class LegStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"


class OrderState(StrEnum):
    """Life of an order in our audit. Values after ``PENDING`` match
    ``exchange_clients.models.OrderStatus`` so a venue status is stored as is."""

    INTENT = "intent"                # written before sending: nothing has left the process
    PENDING = "pending"              # sent, not yet acknowledged
    UNKNOWN = "unknown"              # send outcome unknown (timeout): look up by client id
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"                # definitely never reached the venue

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_ORDER_STATES


_TERMINAL_ORDER_STATES = frozenset({OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED,
                                    OrderState.EXPIRED, OrderState.FAILED})


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# ---- accounts and credentials -------------------------------------------------------------

class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # bound into every ciphertext's associated data: immutable and never reused, unlike
    # the name (which a user may free and take again) or a SQLite rowid
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    venues: Mapped[list[VenueCredential]] = relationship(
        back_populates="account", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="VenueCredential.venue")


class VenueCredential(Base):
    """One account's access to one venue: non-secret settings in clear, secrets apart."""

    __tablename__ = "venue_credentials"
    __table_args__ = (UniqueConstraint("account_id", "venue"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    venue: Mapped[str] = mapped_column(String(32))
    #: non-secret config values (environment, URLs, addresses, indices) as given
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    verified_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship(back_populates="venues", lazy="raise")
    secrets: Mapped[list[CredentialSecret]] = relationship(
        back_populates="credential", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="CredentialSecret.field")


class CredentialSecret(Base):
    """One encrypted secret field. ``ciphertext`` = version | key id | nonce | AES-GCM output,
    authenticated with (account uid, venue, field) as associated data."""

    __tablename__ = "credential_secrets"
    __table_args__ = (UniqueConstraint("credential_id", "field"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("venue_credentials.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    credential: Mapped[VenueCredential] = relationship(back_populates="secrets", lazy="raise")


class CryptoMeta(Base):
    """Single row (id 1): which key encrypts this database, and a check value that only that
    key decrypts, so a wrong key is detected before anything is read or written."""

    __tablename__ = "crypto_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16))
    check_value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    rotated_at: Mapped[datetime | None]


# ---- market data --------------------------------------------------------------------------

class _RateColumns:
    """Columns shared by the history and the latest-rate tables."""

    raw_rate: Mapped[Decimal]
    normalized_rate: Mapped[Decimal]          # 8-hour equivalent
    interval_hours: Mapped[Decimal]           # 0 = continuous accrual
    mark_price: Mapped[Decimal | None]
    index_price: Mapped[Decimal | None]
    open_interest_usd: Mapped[Decimal | None]
    volume_24h_usd: Mapped[Decimal | None]
    next_funding_at: Mapped[datetime | None]


class FundingRateSample(_RateColumns, Base):
    __tablename__ = "funding_rate_samples"
    __table_args__ = (
        # the time-range query per (venue, symbol); unique also makes re-collection idempotent
        Index("ix_funding_rate_samples_venue_symbol_time", "venue", "symbol", "sampled_at",
              unique=True),
        Index("ix_funding_rate_samples_symbol_time", "symbol", "sampled_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    venue: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    sampled_at: Mapped[datetime]


class LatestFundingRate(_RateColumns, Base):
    __tablename__ = "latest_funding_rates"

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    sampled_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Market(Base):
    __tablename__ = "markets"

    venue: Mapped[str] = mapped_column(String(32), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    venue_symbol: Mapped[str] = mapped_column(String(64))
    market_id: Mapped[str] = mapped_column(String(64))
    base_asset: Mapped[str] = mapped_column(String(32))
    quote_asset: Mapped[str] = mapped_column(String(32))
    tick_size: Mapped[Decimal]
    step_size: Mapped[Decimal]
    min_size: Mapped[Decimal]
    min_notional: Mapped[Decimal]
    max_leverage: Mapped[Decimal]
    maker_fee: Mapped[Decimal]
    taker_fee: Mapped[Decimal]
    funding_interval_hours: Mapped[Decimal]
    multiplier: Mapped[Decimal]
    tradeable: Mapped[bool] = mapped_column(Boolean)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


# ---- strategies ---------------------------------------------------------------------------

class StrategyRun(Base):
    __tablename__ = "strategy_runs"
    __table_args__ = (Index(None, "strategy", "account", "started_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uuid)
    strategy: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    stopped_at: Mapped[datetime | None]
    stop_reason: Mapped[str | None] = mapped_column(Text)


class StrategyStateEntry(Base):
    """Key-value state of one run (what a strategy needs to resume after a restart)."""

    __tablename__ = "strategy_state"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("strategy_runs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONValue())
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class StrategyPosition(Base):
    __tablename__ = "strategy_positions"
    __table_args__ = (Index(None, "account", "status"), Index(None, "strategy", "status"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uuid)
    run_id: Mapped[str | None] = mapped_column(
        ForeignKey("strategy_runs.id", ondelete="SET NULL"))
    strategy: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=PositionStatus.OPENING.value)
    entry_spread: Mapped[Decimal | None]
    exit_spread: Mapped[Decimal | None]
    funding_collected: Mapped[Decimal] = mapped_column(default=Decimal(0))
    fees: Mapped[Decimal] = mapped_column(default=Decimal(0))
    realized_pnl: Mapped[Decimal | None]
    opened_at: Mapped[datetime] = mapped_column(default=utc_now)
    closed_at: Mapped[datetime | None]
    exit_reason: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

    legs: Mapped[list[PositionLeg]] = relationship(
        back_populates="position", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="PositionLeg.leg_index")


class PositionLeg(Base):
    __tablename__ = "position_legs"
    __table_args__ = (UniqueConstraint("position_id", "leg_index"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    position_id: Mapped[str] = mapped_column(
        ForeignKey("strategy_positions.id", ondelete="CASCADE"))
    leg_index: Mapped[int] = mapped_column(Integer)
    venue: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))            # "buy" (long) | "sell" (short)
    size: Mapped[Decimal]                                   # normalised underlying units
    entry_price: Mapped[Decimal | None]
    exit_price: Mapped[Decimal | None]
    fees: Mapped[Decimal] = mapped_column(default=Decimal(0))
    funding_collected: Mapped[Decimal] = mapped_column(default=Decimal(0))
    status: Mapped[str] = mapped_column(String(16), default=LegStatus.PENDING.value)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    position: Mapped[StrategyPosition] = relationship(back_populates="legs", lazy="raise")


class OrderRecord(Base):
    """Audit of every order, written as an intent *before* it is sent (write-ahead), so that
    after a crash each unacknowledged order can be resolved by its client order id."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("account", "venue", "client_order_id"),
                      Index(None, "status"), Index(None, "run_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    client_order_id: Mapped[str] = mapped_column(String(64))
    exchange_order_id: Mapped[str | None] = mapped_column(String(128))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("strategy_runs.id", ondelete="SET NULL"))
    position_id: Mapped[str | None] = mapped_column(
        ForeignKey("strategy_positions.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(8))
    order_type: Mapped[str] = mapped_column(String(16))
    time_in_force: Mapped[str | None] = mapped_column(String(16))
    quantity: Mapped[Decimal]
    price: Mapped[Decimal | None]
    reduce_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=OrderState.INTENT.value)
    filled_quantity: Mapped[Decimal] = mapped_column(default=Decimal(0))
    average_fill_price: Mapped[Decimal | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class FillRecord(Base):
    __tablename__ = "fills"
    __table_args__ = (UniqueConstraint("account", "venue", "trade_id"),
                      Index(None, "account", "venue", "symbol", "filled_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    account: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(32))
    trade_id: Mapped[str] = mapped_column(String(128))
    exchange_order_id: Mapped[str | None] = mapped_column(String(128))
    client_order_id: Mapped[str | None] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    price: Mapped[Decimal]
    quantity: Mapped[Decimal]
    fee: Mapped[Decimal]
    liquidity: Mapped[str | None] = mapped_column(String(8))
    filled_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)


# ---- notifications and locks --------------------------------------------------------------

class Notification(Base):
    """Outbox: written in the same process that decides to notify, delivered by a dispatcher
    that claims rows with a lease, so a crash between "decide" and "send" loses nothing."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "status", "available_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(default=utc_now)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None]


class RunnerLockRecord(Base):
    """Who holds a runner lock. Liveness is *not* judged from this row (see database/locks.py):
    it only names the holder in the refusal message and for ``perpdex db locks``."""

    __tablename__ = "runner_locks"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder_id: Mapped[str] = mapped_column(String(32))
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255))
    purpose: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(default=utc_now)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utc_now)
