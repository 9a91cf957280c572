"""The audit log of console actions: who created, edited or exported what, and when.

Every export is logged with the SHA-256 of the file that left the server. Rows are append-only;
nothing in the package updates or deletes them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hhvalues.store.db.deadlines import Clock, as_utc, read_clock
from hhvalues.store.db.engine import read_session, write_session
from hhvalues.store.db.tables import AuditRow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One logged console action."""

    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    sha256: str | None


def add_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    at: datetime,
    target: str = "",
    detail: dict[str, Any] | None = None,
    sha256: str | None = None,
) -> None:
    """Append an entry inside the caller's write transaction (committed with the action)."""
    session.add(
        AuditRow(
            actor=actor[:300],
            action=action,
            target=target[:300],
            detail=dict(detail or {}),
            sha256=sha256,
            at=at,
        )
    )


def record(
    engine: Engine,
    *,
    actor: str,
    action: str,
    now: Clock,
    target: str = "",
    detail: dict[str, Any] | None = None,
    sha256: str | None = None,
) -> None:
    """Append an entry in its own transaction (for actions that write nothing else, e.g. an
    export; an action that writes adds its entry to its own transaction with :func:`add_audit`)."""
    at = read_clock(now)
    with write_session(engine) as session:
        add_audit(
            session, actor=actor, action=action, at=at, target=target, detail=detail, sha256=sha256
        )


def list_audit(engine: Engine, *, limit: int = 500, action: str | None = None) -> list[AuditEntry]:
    """The newest ``limit`` entries, newest first (optionally of one action)."""
    with read_session(engine) as session:
        query = select(AuditRow)
        if action is not None:
            query = query.where(AuditRow.action == action)
        rows = session.exec(query.order_by(col(AuditRow.id).desc()).limit(limit)).all()
        return [
            AuditEntry(as_utc(r.at), r.actor, r.action, r.target, dict(r.detail), r.sha256)
            for r in rows
        ]


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


__all__ = ["AuditEntry", "add_audit", "list_audit", "record", "sha256_file"]
