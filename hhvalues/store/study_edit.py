"""Console edits of a study's configuration, frozen once the first participant has started.

Until a participant of the current configuration version has consented, an edit replaces that
version in place (invited participants get their item order drawn again under it). From then on
the version is frozen: an edit creates a new version (``update_study_config``) and participants
already enrolled keep theirs; every answer records the version it was given under.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import select

from hhvalues.store.audit import add_audit, record
from hhvalues.store.config import StudyConfig, StudyStatus
from hhvalues.store.engine import as_utc, read_session, write_session
from hhvalues.store.participant import assign_items
from hhvalues.store.study import (
    check_config,
    get_study,
    set_study_status,
    study_row,
    update_study_config,
)
from hhvalues.store.tables import ParticipantRow, StudyConfigRow
from hhvalues.store.views import ParticipantState, StudyInfo

Clock = Callable[[], datetime]


def is_frozen(engine: Engine, slug: str) -> bool:
    """Whether a participant of the current version has gone past the invitation."""
    with read_session(engine) as session:
        return _frozen(session, study_row(session, slug))


def _frozen(session: object, study: object) -> bool:
    rows = session.exec(select(ParticipantRow.state).where(  # type: ignore[attr-defined]
        ParticipantRow.study_id == study.id,  # type: ignore[attr-defined]
        ParticipantRow.config_version == study.config_version)).all()  # type: ignore[attr-defined]
    return any(s != ParticipantState.INVITED.value for s in rows)


def edit_study_config(engine: Engine, slug: str, config: StudyConfig, *, now: Clock,
                      actor: str) -> tuple[StudyInfo, bool]:
    """Apply a configuration edit; returns the study and whether a new version was created."""
    at = as_utc(now())
    assert at is not None
    with write_session(engine) as session:
        study = study_row(session, slug)
        frozen = _frozen(session, study)
        if not frozen:
            check_config(session, study.bank_id, config)
            study.config = config.to_json()
            row = session.exec(select(StudyConfigRow).where(
                StudyConfigRow.study_id == study.id,
                StudyConfigRow.version == study.config_version)).one()
            row.config = study.config
            for p in session.exec(select(ParticipantRow).where(
                    ParticipantRow.study_id == study.id,
                    ParticipantRow.config_version == study.config_version)).all():
                p.assignment = assign_items(session, study, config, p.id or 0)
            add_audit(session, actor=actor, action="study_edit", target=slug,
                      detail={"config_version": study.config_version, "new_version": False}, at=at)
    if not frozen:
        return get_study(engine, slug), False
    info = update_study_config(engine, slug, config, now=now, actor=actor)
    record(engine, actor=actor, action="study_edit", target=slug, now=now,
           detail={"config_version": info.config_version, "new_version": True})
    return info, True


def set_status(engine: Engine, slug: str, status: StudyStatus, *, now: Clock, actor: str) -> StudyInfo:
    """Open or close a study, logged in the audit log."""
    info = set_study_status(engine, slug, status, now=now, actor=actor)
    record(engine, actor=actor, action=f"study_{status.value}", target=slug, now=now)
    return info


__all__ = ["edit_study_config", "is_frozen", "set_status"]
