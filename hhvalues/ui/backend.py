"""The process's database engine and clock, as the pages reach them.

One engine per process and database URL (``st.cache_resource``); the first
page run on a URL upgrades the schema and runs the first-start bootstrap. The clock is the
module-level :func:`now`: pages pass ``now=backend.now`` to the store at call time, so a test
replaces it (``monkeypatch.setattr(backend, "now", clock)``) and moves time without waiting
(AppTest never fires ``run_every``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy import Engine

from hhvalues.settings import load_settings
from hhvalues.store.db import make_engine, resolve_url, upgrade
from hhvalues.store.participation import sweep_timeouts
from hhvalues.ui.first_start import ensure_demo_study

SWEEP_EVERY_SECONDS = 300.0
"""How often a page run also records timeouts of participants who went away."""

_log = logging.getLogger(__name__)


def now() -> datetime:
    """The current time (aware UTC); tests replace this function."""
    return datetime.now(UTC)


class _Sweeper:
    """Process-wide record of the last timeout sweep, so one run in a while does it."""

    def __init__(self) -> None:
        self.last = float("-inf")
        self.lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    ensure_demo_study(engine, now=lambda: now())
    return engine


@st.cache_resource(show_spinner=False)
def _sweeper(url: str) -> _Sweeper:
    return _Sweeper()


def database_url() -> str:
    """The URL this process uses (``HHVALUES_DATABASE_URL`` or the default SQLite file)."""
    return resolve_url(settings=load_settings())


def engine() -> Engine:
    """The engine of this process, upgraded and bootstrapped; StoreError when unreachable."""
    url = database_url()
    eng = _engine(url)
    _maybe_sweep(eng, _sweeper(url))
    return eng


def _maybe_sweep(eng: Engine, sweeper: _Sweeper) -> None:
    """Record timeouts of absent participants at most every :data:`SWEEP_EVERY_SECONDS`."""
    if time.monotonic() - sweeper.last < SWEEP_EVERY_SECONDS or not sweeper.lock.acquire(False):
        return
    try:
        sweeper.last = time.monotonic()
        sweep_timeouts(eng, now=lambda: now())
    except Exception:  # noqa: BLE001 - a failed sweep must not break a participant's page
        _log.exception("timeout sweep failed")
    finally:
        sweeper.lock.release()


__all__ = ["SWEEP_EVERY_SECONDS", "database_url", "engine", "now"]
