"""Engine set-up, URL resolution and Alembic migrations on both backends."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from database import migrate
from database.engine import Database
from database.errors import DatabaseError, SchemaError
from database.models import Base, Market
from database.paths import data_dir, database_url, normalize_url
from database.repositories import MarketInput

APP_TABLES = set(Base.metadata.tables)


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    return names - {"alembic_version"}


async def test_upgrade_then_downgrade_to_base(empty_db_url: str) -> None:
    db = Database(empty_db_url, auto_upgrade=False)
    try:
        assert await migrate.current_revision(db.engine) is None
        await migrate.upgrade(db.engine)
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
        assert await _tables(db) == APP_TABLES
        await migrate.upgrade(db.engine)  # idempotent
        await migrate.downgrade(db.engine, "base")
        assert await migrate.current_revision(db.engine) is None
        assert await _tables(db) == set()
        await migrate.upgrade(db.engine)  # and back up again
        assert await _tables(db) == APP_TABLES
    finally:
        await db.dispose()


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    """Autogenerate finds nothing to do: the migration and the models describe one schema."""
    def diff(conn: object) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_without_auto_upgrade_a_missing_schema_is_refused(empty_db_url: str) -> None:
    db = Database(empty_db_url, auto_upgrade=False)
    with pytest.raises(SchemaError, match="perpdex db upgrade"):
        await db.__aenter__()
    try:
        assert await migrate.current_revision(db.engine) is None  # and nothing was created
    finally:
        await db.dispose()


def test_only_sqlite_is_upgraded_automatically(tmp_path: Path) -> None:
    assert Database(f"sqlite:///{tmp_path / 'x.db'}").auto_upgrade is True
    assert Database("postgresql://u@127.0.0.1:1/x").auto_upgrade is False


async def test_embedded_default_is_created_and_upgraded_on_first_use(isolated_env: Path) -> None:
    async with Database() as db:
        assert db.is_embedded_default and db.backend == "sqlite"
        assert db.sqlite_path == (isolated_env / "perpdex.db").resolve()
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
    mode = stat.S_IMODE(db.sqlite_path.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert stat.S_IMODE(isolated_env.stat().st_mode) == 0o700


async def test_unknown_newer_revision_is_refused(empty_db_url: str) -> None:
    fresh = Database(empty_db_url, auto_upgrade=False)
    try:
        await migrate.upgrade(fresh.engine)
        async with fresh.engine.begin() as conn:
            await conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_future'")
        with pytest.raises(SchemaError, match="newer perpdex"):
            await fresh.prepare()
        with pytest.raises(SchemaError, match="newer perpdex"):
            await migrate.upgrade(fresh.engine)
    finally:
        await fresh.dispose()


async def test_decimals_and_utc_times_round_trip_exactly(db: Database) -> None:
    tiny = Decimal("0.000000012345678901234567890123")
    huge = Decimal("123456789012345678901234.5")
    await db.markets.upsert([MarketInput(
        venue="lighter", symbol="PEPE", venue_symbol="kPEPE", market_id="7", base_asset="PEPE",
        tick_size=tiny, step_size=Decimal("1"), min_size=Decimal("0"), min_notional=Decimal("10"),
        max_leverage=Decimal("20"), maker_fee=Decimal("-0.0001"), taker_fee=Decimal("0.0005"),
        funding_interval_hours=Decimal("1"), multiplier=huge)])
    market = await db.markets.get("lighter", "PEPE")
    assert market is not None
    assert market.tick_size == tiny and str(market.tick_size) == str(tiny)
    assert market.multiplier == huge and market.maker_fee == Decimal("-0.0001")
    assert market.updated_at.tzinfo is not None and market.updated_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_and_floats_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        await db.notifications.enqueue("log", "test", "t", "b",
                                       available_at=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(TypeError, match="Decimal"):
        await db.runs.set_state((await db.runs.start("s", "a")).id, {"x": 0.1})


async def test_other_timezones_are_stored_as_utc(db: Database) -> None:
    plus_two = timezone(timedelta(hours=2))
    note = await db.notifications.enqueue("log", "test", "t", "b",
                                          available_at=datetime(2026, 1, 1, 12, tzinfo=plus_two))
    assert note is not None
    async with db.sessions() as session:
        from database.models import Notification

        stored = await session.scalar(select(Notification.available_at))
    assert stored == datetime(2026, 1, 1, 10, tzinfo=timezone.utc)  # noqa: UP017
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_url_resolution(tmp_path: Path) -> None:
    env = {"PERPDEX_DATA_DIR": str(tmp_path)}
    url, embedded = database_url(env)
    assert embedded and url.drivername == "sqlite+aiosqlite"
    assert url.database == str(tmp_path / "perpdex.db")
    assert data_dir(env) == tmp_path
    url, embedded = database_url({**env, "DATABASE_URL": "postgres://u:pw@h:5433/x"})
    assert not embedded and url.drivername == "postgresql+asyncpg" and url.port == 5433
    assert normalize_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    with pytest.raises(DatabaseError, match="synchronous"):
        normalize_url("postgresql+psycopg2://h/x")
    with pytest.raises(DatabaseError, match="unsupported"):
        normalize_url("mysql://h/x")


def test_display_url_hides_the_password() -> None:
    db = Database("postgresql://user:hunter2secret@127.0.0.1:1/x")
    assert "hunter2secret" not in db.display_url and "hunter2secret" not in repr(db)


def test_market_model_is_mapped() -> None:
    assert Market.__tablename__ in APP_TABLES
