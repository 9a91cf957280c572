"""``hhvalues db upgrade``: bring the database schema to the latest migration, once.

Run it before starting app replicas that share one PostgreSQL database (the app also upgrades
on start, serialised by an advisory lock, but one explicit step keeps deploys predictable).
"""

from __future__ import annotations

import click

from hhvalues.cli.app import DB_OPTION, cli


@cli.group()
def db() -> None:
    """Database schema maintenance."""


@db.command("upgrade")
@DB_OPTION
def upgrade_cmd(db_url: str | None) -> None:
    """Apply every pending Alembic migration (a new or older database alike)."""
    from hhvalues.store.db import current_revision, display_url, locate, make_engine, upgrade

    where = locate(db_url)
    engine = make_engine(where.url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(
        f"{display_url(where.url)} ({where.source}): schema at {after}"
        + ("" if before == after else f" (was {before})")
    )
