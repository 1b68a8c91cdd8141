"""Initial schema: accounts and encrypted credentials, market data, strategy state,
orders and fills audit, notifications outbox, runner locks.

Column types are spelled out here (not imported from database.coltypes) so this revision
stays what it was when later revisions change the models.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:50:16.825516
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# what database.coltypes' decorators and models.BigId map to on each backend
UTC_DATETIME = sa.DateTime(timezone=True)
DECIMAL = sa.Numeric().with_variant(sa.String(length=80), "sqlite")
JSON_VALUE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_accounts_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_accounts_uid")),
    )
    op.create_table(
        "crypto_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("check_value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("rotated_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_meta")),
    )
    op.create_table(
        "funding_rate_samples",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("sampled_at", UTC_DATETIME, nullable=False),
        sa.Column("raw_rate", DECIMAL, nullable=False),
        sa.Column("normalized_rate", DECIMAL, nullable=False),
        sa.Column("interval_hours", DECIMAL, nullable=False),
        sa.Column("mark_price", DECIMAL, nullable=True),
        sa.Column("index_price", DECIMAL, nullable=True),
        sa.Column("open_interest_usd", DECIMAL, nullable=True),
        sa.Column("volume_24h_usd", DECIMAL, nullable=True),
        sa.Column("next_funding_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_rate_samples")),
    )
    op.create_index(
        "ix_funding_rate_samples_symbol_time", "funding_rate_samples", ["symbol", "sampled_at"], unique=False
    )
    op.create_index(
        "ix_funding_rate_samples_venue_symbol_time",
        "funding_rate_samples",
        ["venue", "symbol", "sampled_at"],
        unique=True,
    )

    op.create_table(
        "latest_funding_rates",
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("sampled_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("raw_rate", DECIMAL, nullable=False),
        sa.Column("normalized_rate", DECIMAL, nullable=False),
        sa.Column("interval_hours", DECIMAL, nullable=False),
        sa.Column("mark_price", DECIMAL, nullable=True),
        sa.Column("index_price", DECIMAL, nullable=True),
        sa.Column("open_interest_usd", DECIMAL, nullable=True),
        sa.Column("volume_24h_usd", DECIMAL, nullable=True),
        sa.Column("next_funding_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("venue", "symbol", name=op.f("pk_latest_funding_rates")),
    )
    op.create_table(
        "markets",
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("venue_symbol", sa.String(length=64), nullable=False),
        sa.Column("market_id", sa.String(length=64), nullable=False),
        sa.Column("base_asset", sa.String(length=32), nullable=False),
        sa.Column("quote_asset", sa.String(length=32), nullable=False),
        sa.Column("tick_size", DECIMAL, nullable=False),
        sa.Column("step_size", DECIMAL, nullable=False),
        sa.Column("min_size", DECIMAL, nullable=False),
        sa.Column("min_notional", DECIMAL, nullable=False),
        sa.Column("max_leverage", DECIMAL, nullable=False),
        sa.Column("maker_fee", DECIMAL, nullable=False),
        sa.Column("taker_fee", DECIMAL, nullable=False),
        sa.Column("funding_interval_hours", DECIMAL, nullable=False),
        sa.Column("multiplier", DECIMAL, nullable=False),
        sa.Column("tradeable", sa.Boolean(), nullable=False),
        sa.Column("extra", JSON_VALUE, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("venue", "symbol", name=op.f("pk_markets")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", JSON_VALUE, nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index(
        op.f("ix_notifications_status_available_at"),
        "notifications",
        ["status", "available_at"],
        unique=False,
    )

    op.create_table(
        "runner_locks",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("holder_id", sa.String(length=32), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("purpose", sa.String(length=255), nullable=False),
        sa.Column("acquired_at", UTC_DATETIME, nullable=False),
        sa.Column("heartbeat_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_runner_locks")),
    )
    op.create_table(
        "strategy_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("config", JSON_VALUE, nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("stopped_at", UTC_DATETIME, nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_runs")),
    )
    op.create_index(
        op.f("ix_strategy_runs_strategy_account_started_at"),
        "strategy_runs",
        ["strategy", "account", "started_at"],
        unique=False,
    )

    op.create_table(
        "strategy_positions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entry_spread", DECIMAL, nullable=True),
        sa.Column("exit_spread", DECIMAL, nullable=True),
        sa.Column("funding_collected", DECIMAL, nullable=False),
        sa.Column("fees", DECIMAL, nullable=False),
        sa.Column("realized_pnl", DECIMAL, nullable=True),
        sa.Column("opened_at", UTC_DATETIME, nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column("exit_reason", sa.Text(), nullable=True),
        sa.Column("extra", JSON_VALUE, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["strategy_runs.id"],
            name=op.f("fk_strategy_positions_run_id_strategy_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_positions")),
    )
    op.create_index(
        op.f("ix_strategy_positions_account_status"),
        "strategy_positions",
        ["account", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_strategy_positions_strategy_status"),
        "strategy_positions",
        ["strategy", "status"],
        unique=False,
    )

    op.create_table(
        "strategy_state",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", JSON_VALUE, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["strategy_runs.id"],
            name=op.f("fk_strategy_state_run_id_strategy_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "key", name=op.f("pk_strategy_state")),
    )
    op.create_table(
        "venue_credentials",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("settings", JSON_VALUE, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("verified_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_venue_credentials_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_credentials")),
        sa.UniqueConstraint("account_id", "venue", name=op.f("uq_venue_credentials_account_id_venue")),
    )
    op.create_table(
        "credential_secrets",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("credential_id", BIG_ID, nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["venue_credentials.id"],
            name=op.f("fk_credential_secrets_credential_id_venue_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_secrets")),
        sa.UniqueConstraint("credential_id", "field", name=op.f("uq_credential_secrets_credential_id_field")),
    )
    op.create_table(
        "orders",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("exchange_order_id", sa.String(length=128), nullable=True),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("position_id", sa.String(length=32), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("time_in_force", sa.String(length=16), nullable=True),
        sa.Column("quantity", DECIMAL, nullable=False),
        sa.Column("price", DECIMAL, nullable=True),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("filled_quantity", DECIMAL, nullable=False),
        sa.Column("average_fill_price", DECIMAL, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("submitted_at", UTC_DATETIME, nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["strategy_positions.id"],
            name=op.f("fk_orders_position_id_strategy_positions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["strategy_runs.id"], name=op.f("fk_orders_run_id_strategy_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "account", "venue", "client_order_id", name=op.f("uq_orders_account_venue_client_order_id")
        ),
    )
    op.create_index(op.f("ix_orders_run_id"), "orders", ["run_id"], unique=False)
    op.create_index(op.f("ix_orders_status"), "orders", ["status"], unique=False)

    op.create_table(
        "position_legs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("position_id", sa.String(length=32), nullable=False),
        sa.Column("leg_index", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("size", DECIMAL, nullable=False),
        sa.Column("entry_price", DECIMAL, nullable=True),
        sa.Column("exit_price", DECIMAL, nullable=True),
        sa.Column("fees", DECIMAL, nullable=False),
        sa.Column("funding_collected", DECIMAL, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["strategy_positions.id"],
            name=op.f("fk_position_legs_position_id_strategy_positions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_legs")),
        sa.UniqueConstraint("position_id", "leg_index", name=op.f("uq_position_legs_position_id_leg_index")),
    )
    op.create_table(
        "fills",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("order_id", BIG_ID, nullable=True),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("venue", sa.String(length=32), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("trade_id", sa.String(length=128), nullable=False),
        sa.Column("exchange_order_id", sa.String(length=128), nullable=True),
        sa.Column("client_order_id", sa.String(length=64), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("price", DECIMAL, nullable=False),
        sa.Column("quantity", DECIMAL, nullable=False),
        sa.Column("fee", DECIMAL, nullable=False),
        sa.Column("liquidity", sa.String(length=8), nullable=True),
        sa.Column("filled_at", UTC_DATETIME, nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_fills_order_id_orders"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.UniqueConstraint("account", "venue", "trade_id", name=op.f("uq_fills_account_venue_trade_id")),
    )
    op.create_index(
        op.f("ix_fills_account_venue_symbol_filled_at"),
        "fills",
        ["account", "venue", "symbol", "filled_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fills_account_venue_symbol_filled_at"), table_name="fills")

    op.drop_table("fills")
    op.drop_table("position_legs")
    op.drop_index(op.f("ix_orders_status"), table_name="orders")
    op.drop_index(op.f("ix_orders_run_id"), table_name="orders")

    op.drop_table("orders")
    op.drop_table("credential_secrets")
    op.drop_table("venue_credentials")
    op.drop_table("strategy_state")
    op.drop_index(op.f("ix_strategy_positions_strategy_status"), table_name="strategy_positions")
    op.drop_index(op.f("ix_strategy_positions_account_status"), table_name="strategy_positions")

    op.drop_table("strategy_positions")
    op.drop_index(op.f("ix_strategy_runs_strategy_account_started_at"), table_name="strategy_runs")

    op.drop_table("strategy_runs")
    op.drop_table("runner_locks")
    op.drop_index(op.f("ix_notifications_status_available_at"), table_name="notifications")

    op.drop_table("notifications")
    op.drop_table("markets")
    op.drop_table("latest_funding_rates")
    op.drop_index("ix_funding_rate_samples_venue_symbol_time", table_name="funding_rate_samples")
    op.drop_index("ix_funding_rate_samples_symbol_time", table_name="funding_rate_samples")

    op.drop_table("funding_rate_samples")
    op.drop_table("crypto_meta")
    op.drop_table("accounts")
