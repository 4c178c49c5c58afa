"""Alembic environment: townhall hands in an open connection (see store.database.migrate)."""

from __future__ import annotations

from alembic import context

from townhall.store.schema import metadata

connection = context.config.attributes.get("connection")
if (
    connection is None
):  # pragma: no cover - only for `alembic revision --autogenerate` by developers
    import os

    from sqlalchemy import create_engine

    url = os.environ.get("TOWNHALL_AUTOGEN_URL", "sqlite:///./autogen.sqlite3")
    connection = create_engine(url).connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
