"""Store fixtures: a study on the tiny bank, tokens, and a snapshot of every table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from hhvalues.store.db import import_bank, metadata, read_session, write_session
from hhvalues.store.studies import StudyConfig, create_study

StudyFactory = Callable[..., str]


@pytest.fixture
def make_study(engine: Engine, tiny_bank, clock) -> StudyFactory:
    """``make_study(slug="s", **config)`` → slug of an open study on the tiny bank."""

    def make(slug: str = "s", **config: Any) -> str:
        with write_session(engine) as session:
            bank = import_bank(session, tiny_bank, now=clock)
        create_study(
            engine,
            slug=slug,
            bank_id=bank.id,
            config=StudyConfig(**config),
            now=clock,
            actor="test",
        )
        return slug

    return make


@pytest.fixture
def snapshot() -> Callable[[Engine], dict[str, list[tuple]]]:
    """``snapshot(engine)``: every row of every table, for "nothing was written" checks."""
    return _snapshot


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with read_session(engine) as s:
        return {
            t.name: [
                tuple(map(str, r))
                for r in s.exec(text(f'SELECT * FROM "{t.name}" ORDER BY id')).all()
            ]
            for t in metadata.sorted_tables
        }
