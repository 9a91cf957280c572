"""AppTest fixtures: the app on a SQLite file under tmp_path, an injected clock, a study maker.

The app reads ``HHVALUES_DATABASE_URL``; its clock is ``hhvalues.ui.backend.now``, replaced by
the shared ``FakeClock`` so timeouts are tested by moving time (AppTest never fires run_every).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from hhvalues.core.bank import Bank
from hhvalues.store.db import (
    import_bank,
    make_engine,
    metadata,
    read_session,
    upgrade,
    write_session,
)
from hhvalues.store.studies import StudyConfig, create_study
from hhvalues.ui import backend

APP = Path(__file__).resolve().parents[3] / "app.py"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite file the app (and the test) use."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("HHVALUES_DATABASE_URL", url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The test's own engine on the app's database (migrated)."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def app_clock(clock, monkeypatch: pytest.MonkeyPatch):
    """The app's clock is the test's FakeClock."""
    monkeypatch.setattr(backend, "now", clock)
    return clock


@pytest.fixture
def open_app() -> Callable[..., AppTest]:
    """``open_app(t=..., study=...)``: a new browser session on that query string, run once."""

    def run(**query: Any) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        return at.run()

    return run


@pytest.fixture
def make_study(engine: Engine, tiny_bank: Bank, clock) -> Callable[..., str]:
    """``make_study(slug="s", bank=tiny_bank, **config)`` → slug of an open study."""

    def make(slug: str = "s", bank: Bank | None = None, **config: Any) -> str:
        with write_session(engine) as session:
            info = import_bank(session, bank or tiny_bank, now=clock)
        config.setdefault("completion_code", "DONE-7Q4Z")
        create_study(
            engine,
            slug=slug,
            bank_id=info.id,
            config=StudyConfig(**config),
            now=clock,
            actor="test",
        )
        return slug

    return make


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, for "nothing was written" checks."""
    with read_session(engine) as s:
        return {
            t.name: [
                tuple(map(str, r))
                for r in s.exec(text(f'SELECT * FROM "{t.name}" ORDER BY id')).all()
            ]
            for t in metadata.sorted_tables
        }


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    """Rows of a raw SQL query."""
    with read_session(engine) as s:
        return list(s.exec(text(sql), params=params).all())
