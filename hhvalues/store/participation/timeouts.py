"""Timeouts that came due while nobody looked: found in one query, recorded by :func:`expire`.

A participant who walks away leaves items whose deadline passes with no request to record
them. Every reader that reports answers (exports, the Results page, monitoring) first records
the timeouts due at its own clock, so what it reports is complete as of that time even in an
app nobody has opened for hours; the app also sweeps every few minutes
(:mod:`hhvalues.ui.backend`). Recording a timeout is :func:`expire`'s job, as on a participant's
own next page: the draft kept, a catch failure counted, the participant finished or timed out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, exists, or_, select
from sqlmodel import Session, col

from hhvalues.store.db import (
    GRACE,
    AnswerRow,
    Clock,
    ParticipantRow,
    PresentationRow,
    read_clock,
    read_session,
    write_session,
)
from hhvalues.store.participation.session import expire
from hhvalues.store.studies import ParticipantState, loaded_of, study_row


def _due(at: datetime, study_id: int | None) -> Any:
    """Participants in progress with a session deadline, or a shown item's deadline without a
    final answer, more than :data:`GRACE` ago (what :func:`expire` would record)."""
    p, pr, a = ParticipantRow, PresentationRow, AnswerRow
    cutoff = at - GRACE
    item_due = exists().where(
        col(pr.participant_id) == p.id,
        col(pr.deadline_at) < cutoff,
        # The presentation's own participant: an inner ``p.id`` would not correlate two levels
        # up, and anyone's final answer to the item would then hide this timeout.
        ~exists().where(
            col(a.participant_id) == pr.participant_id,
            col(a.item_id) == pr.item_id,
            col(a.draft).is_(False),
        ),
    )
    where = and_(
        col(p.state) == ParticipantState.IN_PROGRESS.value,
        or_(col(p.session_deadline_at) < cutoff, item_due),
    )
    if study_id is not None:
        where = and_(where, col(p.study_id) == study_id)
    return select(col(p.id)).where(where).order_by(col(p.id))


def record_due_timeouts(session: Session, at: datetime, *, study_id: int | None = None) -> int:
    """Record, in the caller's write transaction, every timeout due at ``at`` (of one study, or
    of all); returns the number of answers written. Each participant is locked first."""
    written = 0
    for pid in session.execute(_due(at, study_id)).scalars().all():
        p = session.get(ParticipantRow, pid, with_for_update=True, populate_existing=True)
        if p is not None and p.state == ParticipantState.IN_PROGRESS:
            written += expire(session, loaded_of(session, p), at)
    return written


def settle_timeouts(engine: Engine, slug: str, *, now: Clock) -> int:
    """Record the timeouts of study ``slug`` due now, in a write transaction of their own (for
    readers that read in several transactions, or in another process)."""
    at = read_clock(now)
    with write_session(engine) as session:
        return record_due_timeouts(session, at, study_id=study_row(session, slug).id)


def sweep_timeouts(engine: Engine, *, now: Clock) -> int:
    """Record the timeouts due in every study, each participant in a short transaction of its
    own (the app runs it on start and every few minutes); returns the answers written."""
    at = read_clock(now)
    with read_session(engine) as session:
        candidates = session.execute(_due(at, None)).scalars().all()
    written = 0
    for pid in candidates:
        with write_session(engine) as session:
            p = session.get(ParticipantRow, pid, with_for_update=True, populate_existing=True)
            if p is not None and p.state == ParticipantState.IN_PROGRESS:
                written += expire(session, loaded_of(session, p), at)
    return written


__all__ = ["record_due_timeouts", "settle_timeouts", "sweep_timeouts"]
