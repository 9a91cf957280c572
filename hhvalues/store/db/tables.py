"""SQLModel tables: the schema of the store, and nothing else.

Rows never leave :mod:`hhvalues.store`; queries convert them to frozen values first.
Times are aware UTC datetimes (SQLModel's ``UTCDateTime``: ``timestamptz`` on PostgreSQL, UTC
wall time on SQLite, aware UTC when read back); a naive datetime is refused on write.
JSON columns are immutable snapshots: replace the whole value, never edit it in place.

    banks ─< items ─< answers >─ studies ─< study_configs
                 └─< presentations >─ participants >─ studies
    events (participant/actor log)
    participants ─< walks ─< moves          (demonstration studies, issue 6)
    users ─< console_sessions; sso_allowlist; login_throttle; audit_log (console actions)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Set before any table is declared: constraint names are fixed when a table is built.
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


class BankRow(SQLModel, table=True):
    """An imported bank, identified by its content hash; the full document stays server-side."""

    __tablename__ = "banks"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    version: str = Field(max_length=100)
    content_hash: str = Field(max_length=64, unique=True)
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    imported_at: datetime


class ItemRow(SQLModel, table=True):
    """One item of a bank: the public part and, separately, its truth."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("bank_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    bank_id: int = Field(foreign_key="banks.id", index=True)
    item_id: str = Field(max_length=200)
    split: str = Field(max_length=16)
    position: int
    public: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    truth: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))


class StudyRow(SQLModel, table=True):
    """A study on one bank; ``config`` is the snapshot of version ``config_version``."""

    __tablename__ = "studies"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True)
    bank_id: int = Field(foreign_key="banks.id", index=True)
    kind: str = Field(default="answer", max_length=32)
    status: str = Field(default="open", max_length=16)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    config_version: int = 1
    created_at: datetime
    closed_at: datetime | None = None


class StudyConfigRow(SQLModel, table=True):
    """Every configuration version a study has had (answers record the one they were given under)."""

    __tablename__ = "study_configs"
    __table_args__ = (UniqueConstraint("study_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="studies.id", index=True)
    version: int
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime
    created_by: str | None = Field(default=None, max_length=200)


class ParticipantRow(SQLModel, table=True):
    """A human respondent of one study; only the sha256 of the link token is stored."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("study_id", "external_pid"),
        Index("ix_participants_study_state", "study_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    study_id: int = Field(foreign_key="studies.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    external_pid: str | None = Field(default=None, max_length=200)
    external: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    intake: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    state: str = Field(default="invited", max_length=16)
    assignment: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    config_version: int
    created_at: datetime
    consented_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_seen_at: datetime | None = None
    session_deadline_at: datetime | None = None
    catch_failures: int = 0
    catch_flag: str = Field(default="", max_length=16)


class RehearsalRow(SQLModel, table=True):
    """A participant who is a simulated one (``hhvalues bots``), not a person: Results and
    exports leave it out unless asked to include it (a table of its own, so the participants
    table and every query of it stay as they were)."""

    __tablename__ = "rehearsals"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participants.id", unique=True)
    study_id: int = Field(foreign_key="studies.id", index=True)
    marked_at: datetime
    marked_by: str = Field(max_length=200)


class PresentationRow(SQLModel, table=True):
    """When an item was first shown to a participant and until when it may be answered."""

    __tablename__ = "presentations"
    __table_args__ = (
        UniqueConstraint("participant_id", "item_id"),
        ForeignKeyConstraint(["bank_id", "item_id"], ["items.bank_id", "items.item_id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participants.id")
    bank_id: int
    item_id: str = Field(max_length=200)
    position: int
    shown_at: datetime
    deadline_at: datetime | None = None
    feedback_seen_at: datetime | None = None


class AnswerRow(SQLModel, table=True):
    """One answer of any respondent kind (human, model, agent) to one item in one epoch.

    ``study_key`` is the study id or 0: unique constraints treat NULLs as distinct, so the
    nullable ``study_id`` alone could not keep model answers outside a study unique.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("respondent", "bank_id", "study_key", "item_id", "epoch"),
        ForeignKeyConstraint(["bank_id", "item_id"], ["items.bank_id", "items.item_id"]),
        Index("ix_answers_study_submitted", "study_id", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    respondent: str = Field(max_length=300)
    respondent_kind: str = Field(max_length=32, index=True)
    bank_id: int
    study_id: int | None = Field(default=None, foreign_key="studies.id", index=True)
    study_key: int = 0
    participant_id: int | None = Field(default=None, foreign_key="participants.id", index=True)
    item_id: str = Field(max_length=200)
    epoch: int = 0
    choices: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    hypothesis: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    confidence: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    status: str = Field(default="ok", max_length=16)
    rationale: str = Field(default="", sa_type=Text)
    stimulus: str | None = Field(default=None, max_length=64)
    draft: bool = False
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    seconds: float | None = None
    fast: bool = False
    config_version: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime


class EventRow(SQLModel, table=True):
    """An append-only log line: what happened to whom (participant) or by whom (actor), when."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_participant_at", "participant_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    study_id: int | None = Field(default=None, foreign_key="studies.id", index=True)
    participant_id: int | None = Field(default=None, foreign_key="participants.id")
    actor: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    at: datetime


class UserRow(SQLModel, table=True):
    """A console account (researcher or admin); only a scrypt hash of the password is kept."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=300)
    disabled: bool = False
    created_at: datetime
    last_login_at: datetime | None = None


class ConsoleSessionRow(SQLModel, table=True):
    """A console login: only the sha256 of its token (kept in the browser's signed cookie and
    the Streamlit session), and of a one-time code that hands the token over to the cookie."""

    __tablename__ = "console_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    email: str | None = Field(default=None, max_length=300)
    """Set for a single-sign-on login (no local account)."""
    role: str = Field(max_length=16)
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime
    revoked: bool = False
    handoff_hash: str | None = Field(default=None, max_length=64, unique=True)
    """sha256 of the one-time code that moves the session into the browser's cookie."""
    handoff_expires_at: datetime | None = None


class LoginThrottleRow(SQLModel, table=True):
    """Failed sign-ins of one client address or one typed user name (known or not): how many,
    the earliest next attempt, and the failures not yet written to the audit log."""

    __tablename__ = "login_throttle"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=320, unique=True)
    """``client:<address>`` or ``account:<user name as typed, lower case>``."""
    failures: int = 0
    last_failure_at: datetime | None = None
    next_allowed_at: datetime | None = None
    unaudited: int = 0
    """Failed or refused attempts since the last audit entry of this key."""
    names: list[str] = Field(default_factory=list, sa_type=JSON)
    """The distinct user names tried since the last audit entry (at most a few)."""
    audited_at: datetime | None = None


class SsoAllowRow(SQLModel, table=True):
    """Allow-list of single sign-on (OIDC) identities: e-mail address → console role."""

    __tablename__ = "sso_allowlist"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=300, unique=True)
    role: str = Field(max_length=16)
    created_at: datetime
    created_by: str | None = Field(default=None, max_length=200)


class AuditRow(SQLModel, table=True):
    """One console action: who did what to which object, when (exports carry the file's sha256)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor: str = Field(max_length=300)
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=300)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    sha256: str | None = Field(default=None, max_length=64)
    at: datetime


class WalkRow(SQLModel, table=True):
    """One world a participant of a demonstration study walks, with the values they were given.

    The weights and the instruction are recorded with every walk; ``path`` holds the moves that
    moved (a cache of the ``moves`` rows without bumps), ``n_moves`` the next move index.
    """

    __tablename__ = "walks"
    __table_args__ = (UniqueConstraint("participant_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participants.id", index=True)
    position: int
    practice: bool = False
    grid: list[str] = Field(default_factory=list, sa_type=JSON)
    weights: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    instruction: str = Field(max_length=16)
    horizon: int
    path: str = Field(default="", sa_type=Text)
    n_moves: int = 0
    n_bumps: int = 0
    score: float = 0.0
    started_at: datetime | None = None
    deadline_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = Field(default="", max_length=16)
    feedback_seen_at: datetime | None = None


class MoveRow(SQLModel, table=True):
    """One key press of a walk, stored as it happens; (walk, index) is unique, so a repeated
    submit of the same move cannot be stored twice. A bump (wall or edge) does not move."""

    __tablename__ = "moves"
    __table_args__ = (UniqueConstraint("walk_id", "index"),)

    id: int | None = Field(default=None, primary_key=True)
    walk_id: int = Field(foreign_key="walks.id")
    index: int
    direction: str = Field(max_length=1)
    bumped: bool = False
    from_state: int
    to_state: int
    reward: float = 0.0
    at: datetime


__all__ = [
    "NAMING_CONVENTION",
    "AnswerRow",
    "AuditRow",
    "BankRow",
    "ConsoleSessionRow",
    "EventRow",
    "ItemRow",
    "LoginThrottleRow",
    "MoveRow",
    "ParticipantRow",
    "PresentationRow",
    "RehearsalRow",
    "SsoAllowRow",
    "StudyConfigRow",
    "StudyRow",
    "UserRow",
    "WalkRow",
    "metadata",
]
