"""First start: an empty database gets the shipped demo bank and an open study ``demo``.

Idempotent and race-safe: the bank import is keyed on its content hash and the study on its
unique slug, so two sessions (or two replicas) starting at once end with one bank and one study.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from hhvalues.core.validate import load_valid_bank
from hhvalues.errors import HHValuesError, InputError
from hhvalues.store.db import Clock, import_bank, write_session
from hhvalues.store.studies import Mode, StudyConfig, create_study, get_study, list_studies

DEMO_SLUG = "demo"
DEMO_BANK = Path(__file__).resolve().parents[2] / "data" / "banks" / "demo.json"
DEMO_CONFIG = StudyConfig(
    items=5,
    train=2,
    catch=1,
    item_seconds=120.0,
    session_minutes=30.0,
    mode=Mode.PROBES,
    min_answer_seconds=3.0,
)
"""A session a newcomer finishes in a few minutes: two training items, five test, one catch."""

_log = logging.getLogger(__name__)


def ensure_demo_study(engine: Engine, *, now: Clock, bank_path: Path = DEMO_BANK) -> bool:
    """Create the demo study when the database has no study yet; True if this call created it."""
    if list_studies(engine) or not bank_path.is_file():
        return False
    bank = load_valid_bank(bank_path)
    for attempt in range(3):
        try:
            with write_session(engine) as session:
                info = import_bank(session, bank, now=now)
            create_study(
                engine,
                slug=DEMO_SLUG,
                bank_id=info.id,
                config=DEMO_CONFIG,
                now=now,
                actor="first-start",
            )
            _log.info("first start: created study %r on the demo bank", DEMO_SLUG)
            return True
        except InputError:  # another session created it a moment ago
            return False
        except IntegrityError:  # unique-constraint race on PostgreSQL: look again
            if _exists(engine):
                return False
            if attempt == 2:
                raise
    return False


def _exists(engine: Engine) -> bool:
    try:
        get_study(engine, DEMO_SLUG)
    except HHValuesError:
        return False
    return True


__all__ = ["DEMO_BANK", "DEMO_CONFIG", "DEMO_SLUG", "ensure_demo_study"]
