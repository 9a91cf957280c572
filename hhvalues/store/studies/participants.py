"""Participants of a study: link tokens, creation with an assignment, loading by token, events.

A token is 160 random bits from :mod:`secrets`, shown once; only its sha256 is stored. Every
participant request starts with :func:`load` (one statement for the participant, its study,
the configuration version it runs under and the bank's content hash); a bad link raises
:class:`LinkError` before anything is written.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from hhvalues.core.answers import make_respondent
from hhvalues.errors import LinkError
from hhvalues.store.db import BankRow, EventRow, ParticipantRow, StudyConfigRow, StudyRow
from hhvalues.store.studies.assignment import Assignment, assign_items
from hhvalues.store.studies.config import ParticipantState, StudyConfig, StudyStatus, parse_config

TOKEN_BYTES = 20
DECLINED_MESSAGE = "this link has been used up: participation was declined"
"""Why the link (or the ``PROLIFIC_PID``) of a participant who declined is refused."""
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def new_token() -> str:
    """A fresh URL-safe link token (160 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of a token: sha256 hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token(token: object) -> str:
    """The token if it is well-formed; LinkError otherwise (nothing is looked up)."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise LinkError("this link is not valid: the token in it is malformed")
    return token


def respondent_of(study_slug: str, participant_id: int) -> str:
    """The respondent id of a participant: ``human:<study>/<participant id>``."""
    return make_respondent("human", f"{study_slug}/{participant_id}")


class Loaded(NamedTuple):
    """A participant with its study and the configuration version it runs under."""

    participant: ParticipantRow
    study: StudyRow
    config: StudyConfig
    assignment: Assignment
    """The participant's items, read from ``participant.assignment``."""
    bank_hash: str | None = None
    """The content hash of the study's bank when it was read with the rest (saves a query)."""


def load(session: Session, token: object, *, lock: bool = True) -> Loaded:
    """The participant of a token, locked for this transaction; LinkError when unknown."""
    token_hash = hash_token(check_token(token))
    row = session.exec(_load_query(lock), params={"token_hash": token_hash}).first()
    if row is None:
        raise LinkError("this link is not valid: no participant has this token")
    participant, study, config, bank_hash = row
    return Loaded(
        participant,
        study,
        parse_config(config),
        Assignment.parse(participant.assignment),
        bank_hash,
    )


@functools.cache
def _load_query(lock: bool) -> Any:
    # One statement for the three rows, built once (every participant request starts here).
    p, st, sc = ParticipantRow, StudyRow, StudyConfigRow
    query = (
        select(p, st, sc.config, BankRow.content_hash)
        .join(st, col(st.id) == p.study_id)
        .join(BankRow, col(BankRow.id) == st.bank_id)
        .join(sc, (col(sc.study_id) == p.study_id) & (col(sc.version) == p.config_version))
        .where(p.token_hash == bindparam("token_hash"))
    )
    return query.with_for_update(of=p) if lock else query


def loaded_of(session: Session, participant: ParticipantRow) -> Loaded:
    """A participant row with its study and the configuration version it runs under."""
    study = session.get(StudyRow, participant.study_id)
    assert study is not None
    cfg = session.exec(
        select(StudyConfigRow.config).where(
            StudyConfigRow.study_id == study.id,
            StudyConfigRow.version == participant.config_version,
        )
    ).one()
    return Loaded(participant, study, parse_config(cfg), Assignment.parse(participant.assignment))


def check_active(state: str, study_status: str, study_slug: str) -> None:
    """LinkError for a declined participant or a closed study (what :func:`load_active` refuses)."""
    if state == ParticipantState.DECLINED:
        raise LinkError(DECLINED_MESSAGE)
    if study_status != StudyStatus.OPEN.value:
        raise LinkError(f"study {study_slug!r} is closed")


def load_active(session: Session, token: object) -> Loaded:
    """Like :func:`load`, refusing declined participants and closed studies."""
    loaded = load(session, token)
    check_active(loaded.participant.state, loaded.study.status, loaded.study.slug)
    return loaded


def log(session: Session, loaded: Loaded, kind: str, at: datetime, **payload: Any) -> None:
    """Append an event of this participant."""
    session.add(
        EventRow(
            study_id=loaded.study.id,
            participant_id=loaded.participant.id,
            kind=kind,
            payload=payload,
            at=at,
        )
    )


def new_participant(
    session: Session,
    study: StudyRow,
    token: str,
    *,
    at: datetime,
    external: Mapping[str, str] | None = None,
) -> ParticipantRow:
    """Insert an invited participant with its seeded item order and A/B sides."""
    external = dict(external or {})
    row = ParticipantRow(
        study_id=study.id or 0,
        token_hash=hash_token(token),
        external_pid=external.get("PROLIFIC_PID"),
        external=external,
        state=ParticipantState.INVITED.value,
        config_version=study.config_version,
        created_at=at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    config = parse_config(study.config)
    row.assignment = assign_items(session, study.bank_id, config, row.id).to_json()
    session.add(EventRow(study_id=study.id, participant_id=row.id, kind="enrol", at=at))
    session.flush()
    return row


__all__ = [
    "DECLINED_MESSAGE",
    "TOKEN_BYTES",
    "Loaded",
    "check_active",
    "check_token",
    "hash_token",
    "load",
    "load_active",
    "loaded_of",
    "log",
    "new_participant",
    "new_token",
    "respondent_of",
]
