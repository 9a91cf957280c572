"""A demonstration study's walks read back: the key presses of a walk, every walk of a study.

What the console's Recorded walks page, ``hhvalues recordings`` and the bank built from the
walks (:mod:`~hhvalues.store.demonstration.to_bank`) read; the participant's own flow is
:mod:`~hhvalues.store.demonstration.walking`.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import col, select

from hhvalues.core.bank import Bank
from hhvalues.core.recorded import RecordedWalk
from hhvalues.core.walks import QualityRule
from hhvalues.errors import InputError
from hhvalues.store.db import MoveRow, ParticipantRow, WalkRow, get_bank, read_session
from hhvalues.store.demonstration.setup import DemoConfig
from hhvalues.store.studies import StudyKind, parse_config, respondent_of, study_row


class StoredMove(NamedTuple):
    """One stored key press."""

    number: int
    """The move index within its walk (0, 1, …)."""
    direction: str
    bumped: bool
    from_state: int
    to_state: int
    at: datetime


def walk_moves(engine: Engine, walk_id: int) -> list[StoredMove]:
    """The key presses of a walk in order."""
    with read_session(engine) as session:
        rows = session.exec(
            select(MoveRow).where(MoveRow.walk_id == walk_id).order_by(col(MoveRow.index))
        ).all()
        return [
            StoredMove(r.index, r.direction, r.bumped, r.from_state, r.to_state, r.at) for r in rows
        ]


class StudyRecordings(NamedTuple):
    """A demonstration study's bank, exclusion rule and every walk recorded so far."""

    slug: str
    bank: Bank
    rule: QualityRule
    walks: list[RecordedWalk]
    ended: dict[str, str]
    """Walk id → how it ended (``destination``, ``horizon``, ``timeout``; ``""`` while open)."""


def study_recordings(engine: Engine, slug: str) -> StudyRecordings:
    """Every walk of a demonstration study (practice and unfinished ones included, marked)."""
    with read_session(engine) as session:
        study = study_row(session, slug)
        if study.kind != StudyKind.DEMONSTRATE.value:
            raise InputError(f"study {slug!r} is a {study.kind!r} study, not a demonstration study")
        bank = get_bank(session, study.bank_id)
        rule = DemoConfig.of(parse_config(study.config)).quality
        rows = session.exec(
            select(WalkRow)
            .join(ParticipantRow, col(ParticipantRow.id) == WalkRow.participant_id)
            .where(ParticipantRow.study_id == study.id)
            .order_by(col(WalkRow.participant_id), col(WalkRow.position))
        ).all()
        walks, ended = [], {}
        for r in rows:
            wid = f"walk:{r.id}"
            walks.append(
                RecordedWalk(
                    wid,
                    respondent_of(slug, r.participant_id),
                    tuple(r.grid),
                    r.path,
                    bank.features.weights_vector(r.weights),
                    r.instruction,
                    r.practice,
                    r.n_bumps,
                )
            )
            ended[wid] = r.end_reason if r.ended_at is not None else ""
        return StudyRecordings(slug, bank, rule, walks, ended)


__all__ = ["StoredMove", "StudyRecordings", "study_recordings", "walk_moves"]
