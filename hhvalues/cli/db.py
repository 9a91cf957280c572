"""``hhvalues db upgrade``: bring the database schema to the latest migration, once.

Run it before starting app replicas that share one PostgreSQL database (the app also upgrades
on start, serialised by an advisory lock, but one explicit step keeps deploys predictable).
"""

from __future__ import annotations

import click

from hhvalues.cli.app import cli


@cli.group()
def db() -> None:
    """Database schema maintenance."""


@db.command("upgrade")
@click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Database URL (default: $HHVALUES_DATABASE_URL or data/hhvalues.db).",
)
def upgrade_cmd(db_url: str | None) -> None:
    """Apply every pending Alembic migration (a new or older database alike)."""
    from hhvalues.store.db import current_revision, make_engine, resolve_url, upgrade

    engine = make_engine(db_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    from sqlalchemy.engine import make_url

    where = make_url(resolve_url(db_url)).render_as_string(hide_password=True)
    click.echo(f"{where}: schema at {after}" + ("" if before == after else f" (was {before})"))
