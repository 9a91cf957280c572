"""Studies: create, configure (versioned), open/close, invite.

Every operation that changes a study writes its audit-log entry in its own transaction, so a
study made or changed from the console, the CLI or a script is logged alike.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hhvalues.core.bank import Bank, Split
from hhvalues.errors import InputError, NotFoundError
from hhvalues.store.db import (
    BankInfo,
    Clock,
    EventRow,
    ParticipantRow,
    RehearsalRow,
    StudyConfigRow,
    StudyRow,
    add_audit,
    get_bank_info,
    import_bank,
    read_clock,
    read_session,
    write_session,
)
from hhvalues.store.studies.config import (
    ParticipantState,
    StudyConfig,
    StudyKind,
    StudyStatus,
    check_slug,
    parse_config,
)
from hhvalues.store.studies.participants import hash_token, new_participant, new_token


@dataclass(frozen=True, slots=True)
class StudyInfo:
    """A study and its current configuration."""

    id: int
    slug: str
    kind: str
    status: str
    bank: BankInfo
    config: StudyConfig
    config_version: int
    created_at: datetime
    participants: Mapping[str, int] = field(default_factory=dict)
    """Participant count per state."""


def new_completion_code() -> str:
    """A short code participants paste back into a recruitment platform."""
    return secrets.token_hex(4).upper()


def study_row(session: Session, slug: str) -> StudyRow:
    """The row of a study by slug; NotFoundError when unknown (for store modules only)."""
    row = session.exec(select(StudyRow).where(StudyRow.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no study named {slug!r}")
    return row


def _info(session: Session, row: StudyRow) -> StudyInfo:
    assert row.id is not None
    counts = dict(
        session.exec(
            select(ParticipantRow.state, func.count())
            .where(ParticipantRow.study_id == row.id)
            .group_by(ParticipantRow.state)
        ).all()
    )
    return StudyInfo(
        row.id,
        row.slug,
        row.kind,
        row.status,
        get_bank_info(session, row.bank_id),
        parse_config(row.config),
        row.config_version,
        row.created_at,
        {s.value: int(counts.get(s.value, 0)) for s in ParticipantState},
    )


def check_config(session: Session, bank_id: int, config: StudyConfig) -> None:
    """InputError when a field is out of its limits or the bank has too few items of a split."""
    check_config_counts(get_bank_info(session, bank_id).items, config)


def check_config_counts(counts: Mapping[str, int], config: StudyConfig) -> None:
    """:func:`check_config` against a bank's item count per split (``{"test": n, ...}``): what
    a command checks before it opens the database at all."""
    config.check_limits()
    wanted = {Split.TEST: config.items, Split.TRAIN: config.train, Split.CATCH: config.catch}
    for split, n in wanted.items():
        have = counts.get(split.value, 0)
        if n is not None and n > have:
            raise InputError(f"the bank has {have} {split.value} item(s), the study asks for {n}")
    test = config.items if config.items is not None else counts.get(Split.TEST.value, 0)
    if test + config.catch == 0:
        raise InputError("the study would have no test or catch items")


def bank_split_counts(bank: Bank) -> dict[str, int]:
    """Items per split of a bank not stored yet, as :class:`BankInfo` counts them."""
    return {s.value: sum(1 for it in bank.items if it.split is s) for s in Split}


def create_study(
    engine: Engine,
    *,
    slug: str,
    bank_id: int | None = None,
    bank: Bank | None = None,
    config: StudyConfig,
    now: Clock,
    actor: str,
    kind: StudyKind = StudyKind.ANSWER,
) -> StudyInfo:
    """Create an open study (configuration version 1) on a stored bank (``bank_id``) or on
    ``bank``, imported (and its ``bank_import`` logged) in the same transaction: InputError if
    the slug is taken or the configuration does not fit, and then nothing is written at all."""
    if (bank_id is None) == (bank is None):
        raise TypeError("create_study takes exactly one of bank_id and bank")
    check_slug(slug)
    at = read_clock(now)
    if not config.completion_code:
        config = config.with_changes(completion_code=new_completion_code())
    with write_session(engine) as session:
        if session.exec(select(StudyRow.id).where(StudyRow.slug == slug)).first() is not None:
            raise InputError(f"a study named {slug!r} already exists")
        if bank is not None:
            config.check_limits()
            check_config_counts(bank_split_counts(bank), config)
            imported = import_bank(session, bank, now=lambda: at)
            add_audit(
                session,
                actor=actor,
                action="bank_import",
                target=imported.name,
                at=at,
                detail={"content_hash": imported.content_hash, "items": dict(imported.items)},
            )
            bank_id = imported.id
        assert bank_id is not None
        check_config(session, bank_id, config)
        row = StudyRow(
            slug=slug,
            bank_id=bank_id,
            kind=kind.value,
            status=StudyStatus.OPEN.value,
            config=config.to_json(),
            config_version=1,
            created_at=at,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(
            StudyConfigRow(
                study_id=row.id, version=1, config=row.config, created_at=at, created_by=actor
            )
        )
        session.add(
            EventRow(
                study_id=row.id,
                actor=actor,
                kind="study_create",
                payload={"bank_id": bank_id, "config_version": 1},
                at=at,
            )
        )
        session.flush()
        info = _info(session, row)
        add_audit(
            session,
            actor=actor,
            action="study_create",
            target=slug,
            at=at,
            detail={"bank": info.bank.content_hash, "config_version": 1, "kind": kind.value},
        )
        return info


def update_study_config(
    engine: Engine, slug: str, config: StudyConfig, *, now: Clock, actor: str
) -> StudyInfo:
    """Store a new configuration version; participants already enrolled keep theirs."""
    at = read_clock(now)
    with write_session(engine) as session:
        row = study_row(session, slug)
        assert row.id is not None
        check_config(session, row.bank_id, config)
        row.config_version += 1
        row.config = config.to_json()
        session.add(
            StudyConfigRow(
                study_id=row.id,
                version=row.config_version,
                config=row.config,
                created_at=at,
                created_by=actor,
            )
        )
        session.add(
            EventRow(
                study_id=row.id,
                actor=actor,
                kind="study_config",
                payload={"config_version": row.config_version},
                at=at,
            )
        )
        add_audit(
            session,
            actor=actor,
            action="study_edit",
            target=slug,
            at=at,
            detail={"config_version": row.config_version, "new_version": True},
        )
        session.flush()
        return _info(session, row)


def set_study_status(
    engine: Engine, slug: str, status: StudyStatus, *, now: Clock, actor: str
) -> StudyInfo:
    """Open or close a study; a closed study accepts no enrolment and no answers."""
    at = read_clock(now)
    with write_session(engine) as session:
        row = study_row(session, slug)
        row.status = status.value
        row.closed_at = at if status is StudyStatus.CLOSED else None
        session.add(EventRow(study_id=row.id, actor=actor, kind=f"study_{status.value}", at=at))
        add_audit(session, actor=actor, action=f"study_{status.value}", target=slug, at=at)
        session.flush()
        return _info(session, row)


def get_study(engine: Engine, slug: str) -> StudyInfo:
    """A study by slug; NotFoundError when unknown."""
    with read_session(engine) as session:
        return _info(session, study_row(session, slug))


def list_studies(engine: Engine) -> list[StudyInfo]:
    """Every study, newest first."""
    with read_session(engine) as session:
        rows = session.exec(select(StudyRow).order_by(col(StudyRow.id).desc())).all()
        return [_info(session, r) for r in rows]


def config_version(engine: Engine, slug: str, version: int) -> StudyConfig:
    """One stored configuration version of a study."""
    with read_session(engine) as session:
        row = study_row(session, slug)
        cfg = session.exec(
            select(StudyConfigRow.config).where(
                StudyConfigRow.study_id == row.id, StudyConfigRow.version == version
            )
        ).first()
        if cfg is None:
            raise NotFoundError(f"study {slug!r} has no configuration version {version}")
        return parse_config(cfg)


def invite(engine: Engine, slug: str, count: int, *, now: Clock, actor: str) -> list[str]:
    """Create ``count`` invited participants; returns their tokens (shown once, stored hashed)."""
    if count < 1:
        raise InputError("count must be at least 1")
    at = read_clock(now)
    tokens = [new_token() for _ in range(count)]
    with write_session(engine) as session:
        row = study_row(session, slug)
        if row.status != StudyStatus.OPEN.value:
            raise InputError(f"study {slug!r} is closed")
        for token in tokens:
            new_participant(session, row, token, at=at)
        session.add(
            EventRow(study_id=row.id, actor=actor, kind="invite", payload={"count": count}, at=at)
        )
        add_audit(
            session, actor=actor, action="invite", target=slug, at=at, detail={"count": count}
        )
    return tokens


def relink(engine: Engine, slug: str, pid: str, *, now: Clock, actor: str) -> str:
    """A new link token for the participant who enrolled with ``PROLIFIC_PID`` ``pid`` (their
    old link stops working): what a researcher sends a participant who lost their browser.

    The session goes on where it was. NotFoundError when no such participant took part or it
    declined."""
    at = read_clock(now)
    token = new_token()
    with write_session(engine) as session:
        row = study_row(session, slug)
        p = session.exec(
            select(ParticipantRow)
            .where(ParticipantRow.study_id == row.id, ParticipantRow.external_pid == pid)
            .with_for_update()
        ).first()
        if p is None or p.state == ParticipantState.DECLINED.value:
            raise NotFoundError(f"no participant of study {slug!r} has PROLIFIC_PID {pid!r}")
        p.token_hash = hash_token(token)
        session.add(
            EventRow(study_id=row.id, participant_id=p.id, actor=actor, kind="relink", at=at)
        )
        add_audit(
            session, actor=actor, action="relink", target=slug, at=at, detail={"participant": p.id}
        )
    return token


def mark_rehearsal(engine: Engine, token: str, *, now: Clock, actor: str) -> bool:
    """Mark the participant of link ``token`` as a rehearsal (a simulated participant of
    ``hhvalues bots``), so Results and exports leave it out unless asked to include it; False
    when no participant has the token. Idempotent."""
    at = read_clock(now)
    with write_session(engine) as session:
        p = session.exec(
            select(ParticipantRow).where(ParticipantRow.token_hash == hash_token(token))
        ).first()
        if p is None or p.id is None:
            return False
        marked = select(RehearsalRow.id).where(RehearsalRow.participant_id == p.id)
        if session.exec(marked).first() is None:
            session.add(
                RehearsalRow(
                    participant_id=p.id, study_id=p.study_id, marked_at=at, marked_by=actor
                )
            )
            session.add(
                EventRow(
                    study_id=p.study_id, participant_id=p.id, actor=actor, kind="rehearsal", at=at
                )
            )
    return True


__all__ = [
    "StudyInfo",
    "bank_split_counts",
    "check_config",
    "check_config_counts",
    "config_version",
    "create_study",
    "get_study",
    "invite",
    "list_studies",
    "mark_rehearsal",
    "new_completion_code",
    "relink",
    "set_study_status",
    "study_row",
    "update_study_config",
]
