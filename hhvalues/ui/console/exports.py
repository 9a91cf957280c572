"""Exports: one download per format of the store's export table (answers as JSONL, CSV or
Parquet, scores, the item table, the study bundle).

Each file is generated only when its link is followed, for the signed-in session that was
shown the link and no one else (:mod:`hhvalues.ui.console.downloads`): written to a temporary
file in streamed chunks, logged in the audit log with its SHA-256, streamed to the browser and
deleted. No copy waits on the server for anyone who knows its address.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from sqlalchemy import Engine

from hhvalues.store.db import Clock
from hhvalues.store.exports import EXPORTS, ExportFormat, count_answers, write_export
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common

REHEARSAL = "exports-rehearsal"


def make_export(
    engine: Engine,
    slug: str,
    fmt: ExportFormat,
    actor: str,
    now: Clock,
    *,
    rehearsal: bool = False,
) -> Callable[[], Path]:
    """The on-request maker of one export file (audited, SHA-256 recorded): a temporary file
    the download route streams and then deletes; rehearsal bots only with ``rehearsal``."""

    def generate() -> Path:
        fd, tmp = tempfile.mkstemp(prefix="hhvalues-export-")
        os.close(fd)
        path = Path(tmp)
        try:
            write_export(
                engine,
                slug,
                fmt,
                path,
                actor=actor,
                now=now,
                file_name=EXPORTS[fmt].file_name,
                rehearsal=rehearsal,
            )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    return generate


def render() -> None:
    """The Exports page."""
    user = auth.require()
    st.title("⬇️ Exports")
    study = common.pick_study()
    if study is None:
        return
    eng = backend.engine()
    rehearsal = bool(
        st.toggle(
            "Include rehearsal bots",
            value=False,
            key=REHEARSAL,
            help="Participants simulated by 'hhvalues bots' are left out of every file unless "
            "this is on.",
        )
    )
    st.caption(
        f"{count_answers(eng, study.slug)} answers of people (timed-out and empty ones "
        "included; rehearsal bots left out). Every file is generated when you click, for this "
        "signed-in session only, and logged with its SHA-256."
    )
    for fmt, spec in EXPORTS.items():
        common.download_link(
            user,
            spec.title,
            key=f"export-{fmt.value}" + ("-rehearsal" if rehearsal else ""),
            file_name=f"{study.slug}-{spec.file_name}",
            media_type=spec.media_type,
            make=make_export(
                eng, study.slug, fmt, common.actor(), backend.now, rehearsal=rehearsal
            ),
        )
    st.caption(
        "The bundle re-scores to the Results page's numbers: unzip it and run the "
        "command in its README.md (hhvalues score … --split test --group human)."
    )


if __name__ == "__main__":
    render()
