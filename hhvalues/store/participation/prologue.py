"""The start every participant page shares, answering items or walking worlds alike.

Both flows (:func:`hhvalues.store.participation.current_step` and
:func:`hhvalues.store.demonstration.demo_step`) open a link the same way: a malformed or unknown
token, a declined participant or a link of the other kind of study is refused as ``invalid``;
a closed study is refused as ``closed`` unless the participant has already finished; then an
invited participant sees the consent page, a consented one the intake questions (when the study
has any left unanswered) or the instructions. What follows is each flow's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from hhvalues.errors import LinkError
from hhvalues.store.db import Clock, read_clock, write_session
from hhvalues.store.participation.views import StepKind
from hhvalues.store.studies import (
    DECLINED_MESSAGE,
    Loaded,
    ParticipantState,
    StudyKind,
    StudyStatus,
    check_token,
    load,
)

_KIND_NAMES = {StudyKind.ANSWER: "an answer", StudyKind.DEMONSTRATE: "a demonstration"}
_ENDED = (ParticipantState.FINISHED.value, ParticipantState.TIMED_OUT.value)


class Refusal(NamedTuple):
    """Why a link shows no page of its flow: ``invalid`` or ``closed``, with the message."""

    kind: StepKind
    message: str
    loaded: Loaded | None = None
    """The participant, when the link is valid but its study is closed."""


class Opened(NamedTuple):
    """A participant page's request, opened: its transaction, its time and its participant."""

    session: Session
    at: datetime
    loaded: Loaded


@contextmanager
def begin_step(
    engine: Engine, token: object, *, now: Clock, kind: StudyKind
) -> Iterator[Opened | Refusal]:
    """The write transaction of one participant page with its link opened (:func:`open_link`),
    or the link's refusal; a malformed token is refused before any transaction begins. The
    transaction commits when the block ends.
    """
    try:
        check_token(token)
    except LinkError as exc:
        yield Refusal(StepKind.INVALID, str(exc))
        return
    at = read_clock(now)
    with write_session(engine) as session:
        link = open_link(session, token, kind=kind)
        yield link if isinstance(link, Refusal) else Opened(session, at, link)


def open_link(session: Session, token: object, *, kind: StudyKind) -> Loaded | Refusal:
    """The participant of a link in a flow of ``kind``, locked for this transaction, or why not."""
    try:
        loaded = load(session, token)
    except LinkError as exc:
        return Refusal(StepKind.INVALID, str(exc))
    p, study = loaded.participant, loaded.study
    if p.state == ParticipantState.DECLINED:
        return Refusal(StepKind.INVALID, DECLINED_MESSAGE)
    if study.kind != kind.value:
        return Refusal(StepKind.INVALID, f"this link is not one of {_KIND_NAMES[kind]} study")
    if p.state not in _ENDED and study.status != StudyStatus.OPEN.value:
        return Refusal(StepKind.CLOSED, f"study {study.slug!r} is closed", loaded)
    return loaded


def entry_page(loaded: Loaded) -> StepKind | None:
    """Consent, intake or instructions before the session has started; None once it has."""
    p, config = loaded.participant, loaded.config
    if p.state == ParticipantState.INVITED:
        return StepKind.CONSENT
    if p.state == ParticipantState.CONSENTED:
        return StepKind.INTAKE if config.intake and p.intake is None else StepKind.INSTRUCTIONS
    return None


__all__ = ["Opened", "Refusal", "begin_step", "entry_page", "open_link"]
