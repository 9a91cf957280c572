"""Console fixtures: the app on a SQLite file, an injected clock, accounts and a study with answers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from hhvalues.core.validate import load_valid_bank
from hhvalues.store.accounts import add_user
from hhvalues.store.db import import_bank, make_engine, upgrade, write_session
from hhvalues.store.studies import StudyConfig, create_study
from hhvalues.ui import backend

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "app.py"
DEMO = ROOT / "data" / "banks" / "demo.json"
PASSWORD = "correct horse battery"


def page(name: str) -> str:
    """A console page's path for ``AppTest.switch_page``."""
    return f"hhvalues/ui/console/{name}.py"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("HHVALUES_DATABASE_URL", url)
    return url


@pytest.fixture
def app_engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def app_clock(clock, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(backend, "now", clock)
    return clock


@pytest.fixture
def accounts(app_engine: Engine, clock) -> dict[str, str]:
    """An admin ``ada`` and a researcher ``rui`` (password :data:`PASSWORD`)."""
    add_user(app_engine, "ada", "admin", PASSWORD, now=clock)
    add_user(app_engine, "rui", "researcher", PASSWORD, now=clock)
    return {"admin": "ada", "researcher": "rui"}


@pytest.fixture
def demo_study(app_engine: Engine, clock) -> str:
    """An open study ``s1`` on the demo bank (4 test, 1 train, 1 catch per participant)."""
    with write_session(app_engine) as session:
        info = import_bank(session, load_valid_bank(DEMO), now=clock)
    create_study(
        app_engine,
        slug="s1",
        bank_id=info.id,
        config=StudyConfig(items=4, train=1, catch=1),
        now=clock,
        actor="test",
    )
    return "s1"


@pytest.fixture
def open_app() -> Callable[..., AppTest]:
    """``open_app(**query)``: a new browser session, run once."""

    def run(**query: Any) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        return at.run()

    return run


def shown(markdown: str) -> str:
    """The text a Markdown message shows (the backslash escapes of ``plain`` removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """Fill the console's sign-in form and submit it."""
    at.switch_page(page("login")).run()
    at.text_input(key="login-name").input(name)
    at.text_input(key="login-password").input(password)
    at.button(key="login-submit").click()
    return at.run()
