"""The root ``hhvalues`` click group; command modules attach themselves to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from hhvalues import __version__

if TYPE_CHECKING:
    from sqlalchemy import Engine

# The store (SQLAlchemy, Alembic) is imported inside the commands: every other command, and
# `hhvalues --help`, starts without it.

DB_OPTION = click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Database URL (default: $HHVALUES_DATABASE_URL, else hhvalues.db in the project's "
    "data directory, else in the per-user data directory; the command prints which).",
)
"""The ``--db`` option of every command that uses the database."""


def now() -> datetime:
    """The commands' clock: the current time, aware UTC."""
    return datetime.now(UTC)


@contextmanager
def database(url: str | None, *, create: bool = False) -> Iterator[Engine]:
    """The upgraded engine of one command, disposed after it; says on stderr which database.

    Only a command that makes something (``create=True``: a study, an account) may start a new
    database; any other refuses, with exit status 2, to run on one that does not exist yet.
    """
    from hhvalues.errors import InputError
    from hhvalues.store.db import database_exists, display_url, locate, make_engine, upgrade

    where = locate(url)
    shown = display_url(where.url)
    exists = database_exists(where.url)
    if not exists and not create:
        raise InputError(
            f"no hhvalues database at {shown} ({where.source}); create one with "
            "'hhvalues study create' or 'hhvalues user add', or name yours with --db URL "
            "or HHVALUES_DATABASE_URL"
        )
    click.echo(f"database: {shown} ({where.source}){'' if exists else ', new'}", err=True)
    engine = make_engine(where.url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A click.Choice whose values are read from the package when first needed (so ``hhvalues
    --help`` and unrelated commands start without importing the store or the harness)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load: Callable[[], Sequence[str]] = load
        self._values: tuple[str, ...] | None = None
        super().__init__([])

    @property
    def choices(self) -> tuple[str, ...]:  # click 8.5 types it as a tuple, 8.4 as a Sequence
        if self._values is None:
            self._values = tuple(self._load())
        return self._values

    @choices.setter
    def choices(self, _: object) -> None:
        pass


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hhvalues")
def cli() -> None:
    """HH-Values Studio: item banks, scoring, studies and model runs."""
