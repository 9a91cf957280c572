"""Alembic environment: migrations run on the connection handed over by ``engine.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hhvalues.store.db import make_engine, metadata  # metadata: every table, registered

config = context.config


def run_migrations_online() -> None:
    """Run on ``config.attributes["connection"]`` (set by :func:`hhvalues.store.db.upgrade`)."""
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url") or None
        with make_engine(url).connect() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them on a database")
run_migrations_online()
