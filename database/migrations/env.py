"""Alembic environment for perpdex. Run through ``database.migrate`` (``perpdex db ...``),
which supplies an open connection; there is no alembic.ini and no offline mode."""

from __future__ import annotations

from alembic import context

from database.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("perpdex migrations run through database.migrate (`perpdex db upgrade`), "
                       "which supplies the database connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things: batch mode rebuilds tables for future migrations
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
