"""One entry point for every export format, audited: what ``hhvalues export`` and the console's
Exports page call.

:data:`EXPORTS` is the one table of formats: the CLI's ``--format`` choices and the console's
download buttons are read from it. Every file written here is logged in the audit log with its
SHA-256, its row count and the name it is handed out under, by the operation itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from sqlalchemy import Engine

from hhvalues.store.db import Clock, record
from hhvalues.store.exports.answers import (
    write_answers_csv,
    write_answers_jsonl,
    write_answers_parquet,
)
from hhvalues.store.exports.bundle import write_bundle
from hhvalues.store.exports.files import Written
from hhvalues.store.exports.summaries import write_items, write_scores


class ExportFormat(StrEnum):
    """What ``hhvalues export --format`` and the Exports page can write."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"
    SCORES = "scores"
    ITEMS = "items"
    BUNDLE = "bundle"


class ExportSpec(NamedTuple):
    """One export format."""

    write: Callable[..., Written]
    """``write(engine, study slug, out, now=clock, rehearsal=False)``: the file, atomically,
    with its SHA-256 (the timeouts due at the clock's time recorded first; rehearsal
    participants only with ``rehearsal``)."""
    title: str
    """What the file is, in words (the console's button)."""
    file_name: str
    """The name it is handed out under, after the study's slug."""
    media_type: str
    counts: str
    """What :attr:`Written.rows` counts: ``answers`` or ``rows``."""


EXPORTS: Mapping[ExportFormat, ExportSpec] = MappingProxyType(
    {
        ExportFormat.JSONL: ExportSpec(
            write_answers_jsonl,
            "Answers (JSON Lines)",
            "answers.jsonl",
            "application/jsonl",
            "answers",
        ),
        ExportFormat.CSV: ExportSpec(
            write_answers_csv, "Answers (CSV)", "answers.csv", "text/csv", "answers"
        ),
        ExportFormat.PARQUET: ExportSpec(
            write_answers_parquet,
            "Answers (Parquet)",
            "answers.parquet",
            "application/vnd.apache.parquet",
            "answers",
        ),
        ExportFormat.SCORES: ExportSpec(
            write_scores, "Per-respondent scores (JSON)", "scores.json", "application/json", "rows"
        ),
        ExportFormat.ITEMS: ExportSpec(
            write_items, "Per-item table (CSV)", "items.csv", "text/csv", "rows"
        ),
        ExportFormat.BUNDLE: ExportSpec(
            write_bundle, "Study bundle (zip)", "bundle.zip", "application/zip", "answers"
        ),
    }
)
"""Format → :class:`ExportSpec`, in the order the console offers them."""


def write_export(
    engine: Engine,
    slug: str,
    fmt: ExportFormat | str,
    out: str | os.PathLike[str],
    *,
    actor: str,
    now: Clock,
    file_name: str | None = None,
    rehearsal: bool = False,
) -> Written:
    """Write one export of a study and log it (format, rows, ``file_name`` — default the file's
    own name — and SHA-256) in the audit log. Rehearsal participants (``hhvalues bots``) are
    left out unless ``rehearsal``."""
    fmt = ExportFormat(fmt)
    written = EXPORTS[fmt].write(engine, slug, out, now=now, rehearsal=rehearsal)
    name = file_name or Path(out).name
    record(
        engine,
        actor=actor,
        action="export",
        target=slug,
        now=now,
        sha256=written.sha256,
        detail={"format": fmt.value, "rows": written.rows, "file": name}
        | ({"rehearsal": True} if rehearsal else {}),
    )
    return written


__all__ = ["EXPORTS", "ExportFormat", "ExportSpec", "write_export"]
