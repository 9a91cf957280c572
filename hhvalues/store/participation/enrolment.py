"""Participants: enrolment by link, consent or refusal, intake, session start.

Every function takes the link token and an injected clock ``now``; a bad link raises
:class:`LinkError` (or :class:`NotFoundError`) before anything is written. Item order and A/B
sides are drawn once, at enrolment (:mod:`hhvalues.store.studies.assignment`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hhvalues.errors import InputError, LinkError, NotFoundError
from hhvalues.store.db import (
    Clock,
    EventRow,
    ParticipantRow,
    deadline_after,
    read_clock,
    write_session,
)
from hhvalues.store.participation.views import EnrolResult
from hhvalues.store.studies import (
    DECLINED_MESSAGE,
    SLUG_PATTERN,
    ParticipantState,
    StudyConfig,
    StudyStatus,
    check_token,
    hash_token,
    load_active,
    log,
    new_participant,
    new_token,
    study_row,
)

EXTERNAL_KEYS = ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")
_EXTERNAL = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_MAX_INTAKE = 500
S = ParticipantState


def _external_ids(params: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key in EXTERNAL_KEYS:
        value = params.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or not _EXTERNAL.match(value):
            raise LinkError(f"this link is not valid: {key} is malformed")
        out[key] = value
    return out


def enrol(
    engine: Engine,
    study_slug: object,
    *,
    params: Mapping[str, Any] | None = None,
    browser_token: object = None,
    now: Clock,
) -> EnrolResult:
    """Open enrolment (``?study=SLUG``): mint a token for a new participant.

    ``params`` may carry Prolific's ``PROLIFIC_PID``, ``STUDY_ID`` and ``SESSION_ID``; they are
    recorded. A ``PROLIFIC_PID`` is not a secret (it is in the platform's exports and
    messages), so coming back with one that has already enrolled resumes that participant only
    in the browser that holds the participant's own link token (``browser_token``, kept there
    in a cookie, see :mod:`hhvalues.ui.link`): the same token comes back and nothing is written.
    From anywhere else the link is refused (:data:`TAKEN`) and the participant is left as it
    was; the researcher can issue a new link (:func:`~hhvalues.store.studies.relink`). A PID that
    declined is refused as declined (:data:`DECLINED`): a refusal keeps a salted hash of it.

    Without a PID, a browser that holds the token of a participant of this study whose session
    is still under way (not finished, timed out or declined) goes on with that participant:
    the browser's Back button, or the study link opened again, must not enrol a second one
    (left "invited" in the study) and show consent again. A finished one enrols anew.
    """
    if not isinstance(study_slug, str) or not SLUG_PATTERN.match(study_slug):
        raise LinkError("this link is not valid: the study name in it is malformed")
    external = _external_ids(params or {})
    at = read_clock(now)
    for attempt in range(2):
        token = new_token()
        try:
            with write_session(engine) as session:
                try:
                    study = study_row(session, study_slug)
                except NotFoundError:
                    raise LinkError(
                        f"this link is not valid: no study named {study_slug!r}"
                    ) from None
                contact = str((study.config or {}).get("contact") or "")
                if study.status != StudyStatus.OPEN.value:
                    raise LinkError(f"study {study_slug!r} is closed", closed=True, contact=contact)
                pid = external.get("PROLIFIC_PID")
                old = None if pid is None else _by_pid(session, study.id or 0, pid)
                if old is None and pid is None:
                    going = _under_way(session, study.id or 0, browser_token)
                    if going is not None:
                        return EnrolResult(going, resumed=True)
                if old is None:
                    new_participant(session, study, token, at=at, external=external)
                    return EnrolResult(token, resumed=False)
                return EnrolResult(_resume(old, browser_token, contact), resumed=True)
        except IntegrityError:  # the same PROLIFIC_PID enrolled concurrently: look again
            if attempt:
                raise
    raise AssertionError("unreachable")


_OVER = (S.FINISHED.value, S.TIMED_OUT.value, S.DECLINED.value)


def _under_way(session: Session, study_id: int, browser_token: object) -> str | None:
    """``browser_token`` when it is the link of a participant of this study still under way."""
    if not isinstance(browser_token, str):
        return None
    try:
        digest = hash_token(check_token(browser_token))
    except LinkError:
        return None
    row = session.exec(
        select(ParticipantRow.state).where(
            ParticipantRow.study_id == study_id, ParticipantRow.token_hash == digest
        )
    ).first()
    return browser_token if row is not None and row not in _OVER else None


TAKEN = (
    "this study was already started with this participant ID in another browser. Please go "
    "on in the browser where you started (reopen the study link there). If you cannot, "
    "contact the researcher, who can send you a new link"
)
"""Why a ``PROLIFIC_PID`` that has enrolled is refused in a browser without its token."""
DECLINED = DECLINED_MESSAGE
"""Why a declined participant's link (or ``PROLIFIC_PID``) is refused."""


def declined_pid(study_id: int, pid: str) -> str:
    """What a declined participant keeps of its ``PROLIFIC_PID``: a hash salted with the study
    (``#`` cannot occur in a PID, so it never equals one)."""
    return "#" + hashlib.sha256(f"{study_id}:{pid}".encode()).hexdigest()


def _by_pid(session: Session, study_id: int, pid: str) -> ParticipantRow | None:
    return session.exec(
        select(ParticipantRow)
        .where(
            ParticipantRow.study_id == study_id,
            col(ParticipantRow.external_pid).in_([pid, declined_pid(study_id, pid)]),
        )
        .with_for_update()
    ).first()


def _resume(old: ParticipantRow, browser_token: object, contact: str = "") -> str:
    """The participant's own token when this browser holds it; LinkError otherwise."""
    if old.state == S.DECLINED:
        raise LinkError(DECLINED, contact=contact)
    if isinstance(browser_token, str):
        with contextlib.suppress(LinkError):
            if hash_token(check_token(browser_token)) == old.token_hash:
                return browser_token
    raise LinkError(TAKEN, contact=contact)


# --- consent, intake, start --------------------------------------------------------------------


def consent(engine: Engine, token: object, *, now: Clock) -> None:
    """Record consent (idempotent once given)."""
    at = read_clock(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        p = loaded.participant
        if p.state == S.INVITED:
            p.state, p.consented_at, p.last_seen_at = S.CONSENTED.value, at, at
            log(session, loaded, "consent", at)


def decline(engine: Engine, token: object, *, now: Clock) -> None:
    """Record a refusal: the participant row keeps nothing but the refusal, its time and, when
    it came with a ``PROLIFIC_PID``, that PID's salted hash (to recognise it coming back)."""
    at = read_clock(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        p = loaded.participant
        if p.state != S.INVITED:
            raise LinkError("consent was already given; the session cannot be declined now")
        p.state, p.finished_at = S.DECLINED.value, at
        pid = p.external_pid and declined_pid(p.study_id, p.external_pid)
        p.external, p.external_pid, p.intake, p.assignment = {}, pid, None, []
        session.exec(delete(EventRow).where(col(EventRow.participant_id) == p.id))
        log(session, loaded, "decline", at)


def submit_intake(engine: Engine, token: object, answers: Mapping[str, Any], *, now: Clock) -> None:
    """Store the intake answers; InputError naming the question when one is missing or invalid."""
    at = read_clock(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        p = loaded.participant
        if p.state != S.CONSENTED:
            raise LinkError("intake questions are answered after consent and before the start")
        p.intake = check_intake(loaded.config, answers)
        p.last_seen_at = at
        log(session, loaded, "intake", at)


def check_intake(config: StudyConfig, answers: Mapping[str, Any]) -> dict[str, str]:
    """The cleaned intake answers; InputError for unknown, missing or invalid ones."""
    known = {q.id: q for q in config.intake}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InputError(f"unknown intake question {unknown[0]!r}")
    out = {}
    for q in config.intake:
        value = answers.get(q.id)
        value = "" if value is None else str(value).strip()
        if len(value) > _MAX_INTAKE:
            raise InputError(f"at most {_MAX_INTAKE} characters", where=f"intake {q.id}")
        if q.required and not value:
            raise InputError("an answer is required", where=f"intake {q.id}")
        if value and q.options and value not in q.options:
            raise InputError(f"choose one of {', '.join(q.options)}", where=f"intake {q.id}")
        out[q.id] = value
    return out


def start_session(engine: Engine, token: object, *, now: Clock) -> None:
    """Leave the instructions: the session clock starts (idempotent once started)."""
    at = read_clock(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        p = loaded.participant
        if p.state == S.IN_PROGRESS:
            return
        if p.state != S.CONSENTED:
            raise LinkError("the session starts after consent")
        if loaded.config.intake and p.intake is None:
            raise LinkError("please answer the intake questions first")
        p.state, p.started_at, p.last_seen_at = S.IN_PROGRESS.value, at, at
        p.session_deadline_at = deadline_after(at, minutes=loaded.config.session_minutes)
        log(session, loaded, "start", at)


__all__ = [
    "DECLINED",
    "EXTERNAL_KEYS",
    "TAKEN",
    "check_intake",
    "consent",
    "decline",
    "declined_pid",
    "enrol",
    "start_session",
    "submit_intake",
]
