"""Console edits of a study's configuration, frozen once the first participant has started.

Until a participant of the current configuration version has consented, an edit replaces that
version in place (invited participants get their item order drawn again under it). From then on
the version is frozen: an edit creates a new version (``update_study_config``) and participants
already enrolled keep theirs; every answer records the version it was given under.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from hhvalues.store.db import (
    Clock,
    ParticipantRow,
    StudyConfigRow,
    StudyRow,
    add_audit,
    read_clock,
    read_session,
    write_session,
)
from hhvalues.store.studies.assignment import assign_items
from hhvalues.store.studies.config import ParticipantState, StudyConfig
from hhvalues.store.studies.studies import (
    StudyInfo,
    check_config,
    get_study,
    study_row,
    update_study_config,
)


def is_frozen(engine: Engine, slug: str) -> bool:
    """Whether a participant of the current version has gone past the invitation."""
    with read_session(engine) as session:
        return _frozen(session, study_row(session, slug))


def _frozen(session: Session, study: StudyRow) -> bool:
    rows = session.exec(
        select(ParticipantRow.state).where(
            ParticipantRow.study_id == study.id,
            ParticipantRow.config_version == study.config_version,
        )
    ).all()
    return any(s != ParticipantState.INVITED.value for s in rows)


def edit_study_config(
    engine: Engine, slug: str, config: StudyConfig, *, now: Clock, actor: str
) -> tuple[StudyInfo, bool]:
    """Apply a configuration edit; returns the study and whether a new version was created."""
    at = read_clock(now)
    with write_session(engine) as session:
        study = study_row(session, slug)
        frozen = _frozen(session, study)
        if not frozen:
            check_config(session, study.bank_id, config)
            study.config = config.to_json()
            row = session.exec(
                select(StudyConfigRow).where(
                    StudyConfigRow.study_id == study.id,
                    StudyConfigRow.version == study.config_version,
                )
            ).one()
            row.config = study.config
            participants = session.exec(
                select(ParticipantRow).where(
                    ParticipantRow.study_id == study.id,
                    ParticipantRow.config_version == study.config_version,
                )
            ).all()
            for p in participants:
                p.assignment = assign_items(session, study.bank_id, config, p.id or 0).to_json()
            add_audit(
                session,
                actor=actor,
                action="study_edit",
                target=slug,
                detail={"config_version": study.config_version, "new_version": False},
                at=at,
            )
    if not frozen:
        return get_study(engine, slug), False
    return update_study_config(engine, slug, config, now=now, actor=actor), True


__all__ = ["edit_study_config", "is_frozen"]
