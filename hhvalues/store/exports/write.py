"""One entry point for every export format, audited: what ``hhvalues export`` and the console's
Exports page call.

Every file written here is logged in the audit log with its SHA-256, its row count and the
name it is handed out under, by the operation itself (console and CLI alike).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

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


WRITERS: dict[ExportFormat, Callable[[Engine, str, str | os.PathLike[str]], Written]] = {
    ExportFormat.JSONL: write_answers_jsonl,
    ExportFormat.CSV: write_answers_csv,
    ExportFormat.PARQUET: write_answers_parquet,
    ExportFormat.SCORES: write_scores,
    ExportFormat.ITEMS: write_items,
    ExportFormat.BUNDLE: write_bundle,
}
"""The writer of each format: ``writer(engine, study slug, out) -> Written``."""


def write_export(
    engine: Engine,
    slug: str,
    fmt: ExportFormat | str,
    out: str | os.PathLike[str],
    *,
    actor: str,
    now: Clock,
    file_name: str | None = None,
) -> Written:
    """Write one export of a study and log it (format, rows, ``file_name`` — default the file's
    own name — and SHA-256) in the audit log."""
    fmt = ExportFormat(fmt)
    written = WRITERS[fmt](engine, slug, out)
    name = file_name or Path(out).name
    record(
        engine,
        actor=actor,
        action="export",
        target=slug,
        now=now,
        sha256=written.sha256,
        detail={"format": fmt.value, "rows": written.rows, "file": name},
    )
    return written


__all__ = ["WRITERS", "ExportFormat", "write_export"]
