"""Export a study's answers: JSON Lines in the DESIGN §3 format, or CSV with timing columns.

Timed-out answers are included (they grade as wrong); drafts are not answers and are left out.
Files are written atomically. CSV text cells starting with ``= + - @`` are prefixed with ``'``
so a spreadsheet does not run them as formulas.
"""

from __future__ import annotations

import csv
import io
import json
import os
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine

from hhvalues.core.answers import dumps_answer
from hhvalues.core.bank import write_text_atomic
from hhvalues.store.engine import read_session
from hhvalues.store.queries import StoredAnswer, iter_answers
from hhvalues.store.study import study_row

CSV_COLUMNS = ("respondent", "item", "split", "epoch", "status", "choices", "hypothesis",
               "confidence", "rationale", "stimulus", "participant", "config_version",
               "started_at", "submitted_at", "seconds", "fast")


class ExportFormat(StrEnum):
    """File formats of :func:`export_answers`."""

    JSONL = "jsonl"
    CSV = "csv"


def study_answers(engine: Engine, slug: str) -> list[StoredAnswer]:
    """Every final answer of a study (timeouts included), in a stable order."""
    with read_session(engine) as session:
        study = study_row(session, slug)
        return list(iter_answers(session, study_id=study.id))


def export_answers(engine: Engine, slug: str, fmt: ExportFormat, out: str | os.PathLike[str]) -> int:
    """Write a study's answers to ``out``; returns the number of answers written."""
    rows = study_answers(engine, slug)
    text = _jsonl(rows) if fmt is ExportFormat.JSONL else _csv(rows)
    write_text_atomic(Path(out), text)
    return len(rows)


def _jsonl(rows: list[StoredAnswer]) -> str:
    return "".join(dumps_answer(r.answer) + "\n" for r in rows)


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv(rows: list[StoredAnswer]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    dump = lambda v: "" if v is None else json.dumps(v, sort_keys=True, ensure_ascii=False)
    for r in rows:
        a = r.answer
        writer.writerow([
            _safe(a.respondent), _safe(a.item), r.split, a.epoch, a.status.value, dump(dict(a.choices)),
            dump(a.hypothesis), dump(a.confidence), _safe(a.rationale), a.stimulus or "",
            "" if r.participant_id is None else r.participant_id,
            "" if r.config_version is None else r.config_version,
            r.started_at.isoformat() if r.started_at else "",
            r.submitted_at.isoformat() if r.submitted_at else "",
            "" if r.seconds is None else f"{r.seconds:.3f}", int(r.fast),
        ])
    return buf.getvalue()


__all__ = ["CSV_COLUMNS", "ExportFormat", "export_answers", "study_answers"]
