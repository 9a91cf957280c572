"""Exports: one download button per format of the store's export table (answers as JSONL, CSV
or Parquet, scores, the item table, the study bundle).

Each file is generated only when its button is clicked (``st.download_button(data=callable)``)
on this role-gated page, written to a temporary file in streamed chunks, logged in the audit log
with its SHA-256, and handed to the browser as an open file (no ``/media`` URL exists before).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import streamlit as st
from sqlalchemy import Engine

from hhvalues.store.db import Clock
from hhvalues.store.exports import EXPORTS, ExportFormat, count_answers, write_export
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common


def make_export(
    engine: Engine, slug: str, fmt: ExportFormat, actor: str, now: Clock
) -> Callable[[], BinaryIO]:
    """The on-click generator of one export file (audited, SHA-256 recorded)."""

    def generate() -> BinaryIO:
        fd, tmp = tempfile.mkstemp(prefix="hhvalues-export-")
        os.close(fd)
        path = Path(tmp)
        try:
            write_export(
                engine, slug, fmt, path, actor=actor, now=now, file_name=EXPORTS[fmt].file_name
            )
            fh = path.open("rb")
        finally:
            path.unlink(missing_ok=True)  # the open handle keeps the data until it is read
        return fh

    return generate


def render() -> None:
    """The Exports page."""
    auth.require()
    st.title("⬇️ Exports")
    study = common.pick_study()
    if study is None:
        return
    eng = backend.engine()
    st.caption(
        f"{count_answers(eng, study.slug)} answers (timed-out and empty ones included). "
        "Every file is generated when you click and logged with its SHA-256."
    )
    for fmt, spec in EXPORTS.items():
        st.download_button(
            spec.title,
            data=make_export(eng, study.slug, fmt, common.actor(), backend.now),
            file_name=f"{study.slug}-{spec.file_name}",
            mime=spec.media_type,
            key=f"export-{fmt.value}",
            on_click="ignore",
        )
    st.caption(
        "The bundle re-scores to the Results page's numbers: unzip it and run the "
        "command in its README.md (hhvalues score … --split test --group human)."
    )


if __name__ == "__main__":
    render()
