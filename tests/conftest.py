"""Shared fixtures: a seeded rng, the tiny hand-made bank, and database engines.

Store tests run on SQLite (a file under ``tmp_path``) and on the PostgreSQL server named by
``HHVALUES_TEST_POSTGRES_URL``. When that variable is unset the PostgreSQL tests *fail* with
instructions: nothing is skipped silently.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from hhvalues.core.bank import Bank, load_bank

TINY_BANK = Path(__file__).parent / "data" / "examples" / "tiny_bank.json"
PG_ENV = "HHVALUES_TEST_POSTGRES_URL"
PG_HELP = (
    f"{PG_ENV} is not set: the store tests need a real PostgreSQL server. Start a throw-away one "
    'with  eval "$(.ci/start-postgres.sh)"  (PostgreSQL 15 binaries, runs as a non-root user) '
    "and run pytest again in the same shell."
)


PG_FIXTURES = frozenset({"pg_database_url", "pg_engine"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the PostgreSQL server ``postgres``, so ``-m "not postgres"``
    deselects it: the ``postgres`` case of ``backend`` carries the mark already; a test that
    asks for a PostgreSQL fixture by name gets it here."""
    for item in items:
        if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def tiny_bank() -> Bank:
    """The hand-made four-item bank of tests/data/examples."""
    return load_bank(TINY_BANK)


class FakeClock:
    """An injectable clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    """A clock at 2025-01-01 12:00 UTC that moves with ``clock.advance(seconds)``."""
    return FakeClock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite file (never ``:memory:``)."""
    return f"sqlite:///{tmp_path / 'hhvalues.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """An engine on a fresh, migrated SQLite file."""
    from hhvalues.store.db import make_engine, upgrade

    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def postgres_server_url() -> str:
    """The test server's URL; fails the test (with how to start one) when unset."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.fail(PG_HELP, pytrace=False)
    return url


@pytest.fixture(scope="module")
def pg_database_url() -> Iterator[str]:
    """A fresh, empty database on the test server, for one test module; dropped afterwards."""
    server = make_url(postgres_server_url())
    name = f"hh_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_engine(pg_database_url: str) -> Iterator[Engine]:
    """An engine on the module's PostgreSQL database, migrated and emptied for each test."""
    from hhvalues.store.db import make_engine, metadata, upgrade

    engine = make_engine(pg_database_url)
    upgrade(engine)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a parametrised store test runs on."""
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty engine on each backend in turn (SQLite file, then PostgreSQL)."""
    return request.getfixturevalue("sqlite_engine" if backend == "sqlite" else "pg_engine")


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A URL of an empty, never-migrated database on each backend in turn."""
    if backend == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    url = str(request.getfixturevalue("pg_database_url"))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    return url
