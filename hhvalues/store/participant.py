"""Participants: enrolment by link, consent or refusal, intake, item assignment, session start.

Every function takes the link token and an injected clock ``now``; a bad link raises
:class:`LinkError` (or :class:`NotFoundError`) before anything is written. Item order and A/B
sides are drawn once, at enrolment, from ``default_rng([config.seed, participant id])``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Engine, bindparam, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hhvalues.core.answers import make_respondent
from hhvalues.core.bank import Split
from hhvalues.errors import InputError, LinkError, NotFoundError
from hhvalues.store.config import StudyConfig, StudyStatus, parse_config
from hhvalues.store.engine import as_utc, write_session
from hhvalues.store.study import hash_token, new_token, study_row
from hhvalues.store.tables import (
    BankRow,
    EventRow,
    ItemRow,
    ParticipantRow,
    StudyConfigRow,
    StudyRow,
)
from hhvalues.store.views import EnrolResult, ParticipantState

Clock = Callable[[], datetime]
EXTERNAL_KEYS = ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_EXTERNAL = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_MAX_INTAKE = 500
S = ParticipantState


class Loaded(NamedTuple):
    """A participant with its study and the configuration version it runs under."""

    participant: ParticipantRow
    study: StudyRow
    config: StudyConfig
    bank_hash: str | None = None
    """The content hash of the study's bank when it was read with the rest (saves a query)."""


def clock_value(now: Clock) -> datetime:
    """The injected clock's time as aware UTC."""
    value = as_utc(now())
    assert value is not None
    return value


def respondent_of(study_slug: str, participant_id: int) -> str:
    """The respondent id of a participant: ``human:<study>/<participant id>``."""
    return make_respondent("human", f"{study_slug}/{participant_id}")


def check_token(token: object) -> str:
    """The token if it is well-formed; LinkError otherwise (nothing is looked up)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise LinkError("this link is not valid: the token in it is malformed")
    return token


def load(session: Session, token: object, *, lock: bool = True) -> Loaded:
    """The participant of a token, locked for this transaction; LinkError when unknown."""
    token_hash = hash_token(check_token(token))
    row = session.exec(_load_query(lock), params={"token_hash": token_hash}).first()
    if row is None:
        raise LinkError("this link is not valid: no participant has this token")
    participant, study, config, bank_hash = row
    return Loaded(participant, study, parse_config(config), bank_hash)


@functools.cache
def _load_query(lock: bool) -> Any:
    # One statement for the three rows, built once (every participant request starts here).
    query = (select(ParticipantRow, StudyRow, StudyConfigRow.config, BankRow.content_hash)
             .join(StudyRow, StudyRow.id == ParticipantRow.study_id)  # type: ignore[arg-type]
             .join(BankRow, BankRow.id == StudyRow.bank_id)  # type: ignore[arg-type]
             .join(StudyConfigRow, (StudyConfigRow.study_id == ParticipantRow.study_id)  # type: ignore[arg-type]
                   & (StudyConfigRow.version == ParticipantRow.config_version))
             .where(ParticipantRow.token_hash == bindparam("token_hash")))
    return query.with_for_update(of=ParticipantRow) if lock else query


def loaded_of(session: Session, participant: ParticipantRow) -> Loaded:
    """A participant row with its study and the configuration version it runs under."""
    study = session.get(StudyRow, participant.study_id)
    assert study is not None
    cfg = session.exec(select(StudyConfigRow.config).where(
        StudyConfigRow.study_id == study.id,
        StudyConfigRow.version == participant.config_version)).one()
    return Loaded(participant, study, parse_config(cfg))


def load_active(session: Session, token: object) -> Loaded:
    """Like :func:`load`, refusing declined participants and closed studies."""
    loaded = load(session, token)
    check_active(loaded.participant.state, loaded.study.status, loaded.study.slug)
    return loaded


def check_active(state: str, study_status: str, study_slug: str) -> None:
    """LinkError for a declined participant or a closed study (what :func:`load_active` refuses)."""
    if state == S.DECLINED:
        raise LinkError("this link has been used up: participation was declined")
    if study_status != StudyStatus.OPEN.value:
        raise LinkError(f"study {study_slug!r} is closed")


def log(session: Session, loaded: Loaded, kind: str, at: datetime, **payload: Any) -> None:
    """Append an event of this participant."""
    session.add(EventRow(study_id=loaded.study.id, participant_id=loaded.participant.id, kind=kind,
                         payload=payload, at=at))


# --- enrolment ---------------------------------------------------------------------------------


def new_participant(session: Session, study: StudyRow, token: str, *, at: datetime,
                    external: Mapping[str, str] | None = None) -> ParticipantRow:
    """Insert an invited participant with its seeded item order and A/B sides."""
    external = dict(external or {})
    row = ParticipantRow(study_id=study.id or 0, token_hash=hash_token(token),
                         external_pid=external.get("PROLIFIC_PID"), external=external,
                         state=S.INVITED.value, config_version=study.config_version, created_at=at)
    session.add(row)
    session.flush()
    assert row.id is not None
    row.assignment = assign_items(session, study, parse_config(study.config), row.id)
    session.add(EventRow(study_id=study.id, participant_id=row.id, kind="enrol", at=at))
    session.flush()
    return row


def assign_items(session: Session, study: StudyRow, config: StudyConfig,
                 participant_id: int) -> list[dict[str, Any]]:
    """Training items first, then test and catch items shuffled; per-probe A/B flips balanced."""
    rng = np.random.default_rng([config.seed, participant_id])
    rows = session.exec(select(ItemRow.item_id, ItemRow.split, ItemRow.public)
                        .where(ItemRow.bank_id == study.bank_id).order_by(ItemRow.position)).all()
    by_split: dict[str, list[tuple[str, list[str]]]] = {s.value: [] for s in Split}
    for item_id, split, public in rows:
        by_split[split].append((item_id, [p["id"] for p in public["probes"]]))

    def draw(split: Split, n: int | None) -> list[tuple[str, str, list[str]]]:
        pool = by_split[split.value]
        n = len(pool) if n is None else n
        picks = rng.permutation(len(pool))[:n]
        return [(split.value, *pool[int(i)]) for i in picks]

    train = draw(Split.TRAIN, config.train)
    block = draw(Split.TEST, config.items) + draw(Split.CATCH, config.catch)
    block = [block[int(i)] for i in rng.permutation(len(block))]
    chosen = train + block
    n_probes = sum(len(p) for _, _, p in chosen)
    flips = np.zeros(n_probes, dtype=bool)
    flips[: n_probes // 2] = True
    if n_probes % 2:
        flips[n_probes // 2] = bool(rng.integers(2))
    flips = flips[rng.permutation(n_probes)]
    out, k = [], 0
    for split, item_id, probes in chosen:
        flipped = [pid for j, pid in enumerate(probes) if flips[k + j]]
        k += len(probes)
        out.append({"item": item_id, "split": split, "flip": flipped})
    return out


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


def enrol(engine: Engine, study_slug: object, *, params: Mapping[str, Any] | None = None,
          now: Clock) -> EnrolResult:
    """Open enrolment (``?study=SLUG``): mint a token for a new participant.

    ``params`` may carry Prolific's ``PROLIFIC_PID``, ``STUDY_ID`` and ``SESSION_ID``; they are
    recorded. Coming back with the same ``PROLIFIC_PID`` resumes that participant under a new
    token (the old one stops working), since the platform's link carries no token of ours.
    """
    if not isinstance(study_slug, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{0,62}$", study_slug):
        raise LinkError("this link is not valid: the study name in it is malformed")
    external = _external_ids(params or {})
    at = clock_value(now)
    for attempt in range(2):
        token = new_token()
        try:
            with write_session(engine) as session:
                try:
                    study = study_row(session, study_slug)
                except NotFoundError:
                    raise LinkError(f"this link is not valid: no study named {study_slug!r}") from None
                if study.status != StudyStatus.OPEN.value:
                    raise LinkError(f"study {study_slug!r} is closed")
                pid = external.get("PROLIFIC_PID")
                old = None if pid is None else session.exec(
                    select(ParticipantRow).where(ParticipantRow.study_id == study.id,
                                                 ParticipantRow.external_pid == pid)
                    .with_for_update()).first()
                if old is None:
                    new_participant(session, study, token, at=at, external=external)
                    return EnrolResult(token, resumed=False)
                if old.state == S.DECLINED:
                    raise LinkError("this link has been used up: participation was declined")
                old.token_hash = hash_token(token)
                session.add(EventRow(study_id=study.id, participant_id=old.id, kind="reenrol", at=at))
                return EnrolResult(token, resumed=True)
        except IntegrityError:  # the same PROLIFIC_PID enrolled concurrently: resume it
            if attempt:
                raise
    raise AssertionError("unreachable")


# --- consent, intake, start --------------------------------------------------------------------


def consent(engine: Engine, token: object, *, now: Clock) -> None:
    """Record consent (idempotent once given)."""
    at = clock_value(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        p = loaded.participant
        if p.state == S.INVITED:
            p.state, p.consented_at, p.last_seen_at = S.CONSENTED.value, at, at
            log(session, loaded, "consent", at)


def decline(engine: Engine, token: object, *, now: Clock) -> None:
    """Record a refusal: the participant row keeps nothing but the refusal and its time."""
    at = clock_value(now)
    with write_session(engine) as session:
        loaded = load_active(session, token)
        p = loaded.participant
        if p.state != S.INVITED:
            raise LinkError("consent was already given; the session cannot be declined now")
        p.state, p.finished_at = S.DECLINED.value, at
        p.external, p.external_pid, p.intake, p.assignment = {}, None, None, []
        session.exec(delete(EventRow).where(EventRow.participant_id == p.id))
        log(session, loaded, "decline", at)


def submit_intake(engine: Engine, token: object, answers: Mapping[str, Any], *, now: Clock) -> None:
    """Store the intake answers; InputError naming the question when one is missing or invalid."""
    at = clock_value(now)
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
    at = clock_value(now)
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
        p.session_deadline_at = at + timedelta(minutes=loaded.config.session_minutes)
        log(session, loaded, "start", at)


__all__ = [
    "EXTERNAL_KEYS",
    "Loaded",
    "assign_items",
    "check_intake",
    "check_token",
    "clock_value",
    "consent",
    "decline",
    "enrol",
    "load",
    "load_active",
    "loaded_of",
    "new_participant",
    "respondent_of",
    "start_session",
    "submit_intake",
]
