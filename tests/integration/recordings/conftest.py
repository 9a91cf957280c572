"""Fixtures of the demonstration-study tests: a migrated database with a ``demonstrate`` study."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from hhvalues.core.bank import Bank, load_bank
from hhvalues.store.db import import_bank, write_session
from hhvalues.store.demonstration import DemoConfig, demonstrate_config
from hhvalues.store.studies import StudyConfig, StudyKind, create_study

DEMO_BANK = Path(__file__).resolve().parents[3] / "data" / "banks" / "demo.json"


@pytest.fixture(scope="session")
def source_bank() -> Bank:
    """The shipped demo bank: its features, size, step cost and prior drive the worlds."""
    return load_bank(DEMO_BANK)


@pytest.fixture
def study_engine(request: pytest.FixtureRequest) -> Engine:
    """The test's database: ``engine`` (SQLite and PostgreSQL) when it asks for it, else SQLite."""
    return request.getfixturevalue(
        "engine" if "engine" in request.fixturenames else "sqlite_engine"
    )


@pytest.fixture
def demo_study(study_engine: Engine, source_bank: Bank, clock) -> Callable[..., str]:
    """``demo_study(slug="d", **demo)`` → slug of an open demonstration study."""
    sqlite_engine = study_engine

    def make(slug: str = "d", *, session_minutes: float = 60.0, **demo: Any) -> str:
        with write_session(sqlite_engine) as session:
            info = import_bank(session, source_bank, now=clock)
        config = demonstrate_config(
            StudyConfig(session_minutes=session_minutes), DemoConfig(**demo)
        )
        create_study(
            sqlite_engine,
            slug=slug,
            bank_id=info.id,
            config=config,
            now=clock,
            kind=StudyKind.DEMONSTRATE,
            actor="test",
        )
        return slug

    return make
