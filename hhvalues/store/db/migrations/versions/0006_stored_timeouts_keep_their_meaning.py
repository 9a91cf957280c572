"""answers: timeouts stored before issue 14 keep scoring 0 (their selections set aside, ungraded)

Since issue 14 a ``timeout`` answer is graded on what it holds, as an ``ok`` answer: the choices,
hypothesis and confidence the participant had selected when time ran out. Until then every
timeout scored 0 whatever it held, and the store kept the selection in the graded fields all the
same. So that answers already stored keep the meaning they had when they were collected, this
revision moves the choices, hypothesis and confidence of every stored final ``timeout`` answer
that holds any into ``extra["ungraded"]`` (with a note saying why), leaving ``choices`` empty
and ``hypothesis`` and ``confidence`` null: graded, they are all wrong and unanswered, as they
scored before. The rationale, the status and the timings stay. Downgrading moves them back.
No schema change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNGRADED = "ungraded"
"""The key of ``extra`` that holds a stored timeout's selection, set aside."""
NOTE = (
    "selected before time ran out; stored before timeouts were graded on what was selected "
    "(migration 0006), so set aside: this answer scores as it did when it was collected"
)
_BATCH = 1000

_answers = sa.table(
    "answers",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("draft", sa.Boolean),
    sa.column("choices", sa.JSON),
    sa.column("hypothesis", sa.JSON(none_as_null=True)),
    sa.column("confidence", sa.JSON(none_as_null=True)),
    sa.column("extra", sa.JSON),
)


def _holds_something(choices: Any, hypothesis: Any, confidence: Any) -> bool:
    return bool(choices) or hypothesis is not None or confidence is not None


def _rows(conn: sa.Connection) -> list[Any]:
    """Every final timeout answer's id and the fields this revision moves."""
    a = _answers.c
    query = (
        sa.select(a.id, a.choices, a.hypothesis, a.confidence, a.extra)
        .where(a.status == "timeout", a.draft.is_(False))
        .order_by(a.id)
    )
    return list(conn.execute(query))


def _write(conn: sa.Connection, updates: list[dict[str, Any]]) -> None:
    stmt = (
        sa.update(_answers)
        .where(_answers.c.id == sa.bindparam("row_id"))
        .values(
            choices=sa.bindparam("new_choices", type_=sa.JSON),
            hypothesis=sa.bindparam("new_hypothesis", type_=sa.JSON(none_as_null=True)),
            confidence=sa.bindparam("new_confidence", type_=sa.JSON(none_as_null=True)),
            extra=sa.bindparam("new_extra", type_=sa.JSON),
        )
    )
    for start in range(0, len(updates), _BATCH):
        conn.execute(stmt, updates[start : start + _BATCH])


def upgrade() -> None:
    """Set aside the selections of stored timeouts."""
    conn = op.get_bind()
    updates = []
    for r in _rows(conn):
        if not _holds_something(r.choices, r.hypothesis, r.confidence):
            continue
        extra = dict(r.extra or {})
        extra[UNGRADED] = {
            "choices": r.choices or {},
            "hypothesis": r.hypothesis,
            "confidence": r.confidence,
            "note": NOTE,
        }
        updates.append(
            {
                "row_id": r.id,
                "new_choices": {},
                "new_hypothesis": None,
                "new_confidence": None,
                "new_extra": extra,
            }
        )
    _write(conn, updates)


def downgrade() -> None:
    """Put the set-aside selections back (the scoring of that time grades timeouts as 0)."""
    conn = op.get_bind()
    updates = []
    for r in _rows(conn):
        extra = dict(r.extra or {})
        kept = extra.pop(UNGRADED, None)
        if not isinstance(kept, dict):
            continue
        updates.append(
            {
                "row_id": r.id,
                "new_choices": kept.get("choices") or {},
                "new_hypothesis": kept.get("hypothesis"),
                "new_confidence": kept.get("confidence"),
                "new_extra": extra,
            }
        )
    _write(conn, updates)
