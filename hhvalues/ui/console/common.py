"""Small shared pieces of console pages: the study picker, the actor name, download links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from hhvalues.store.accounts import ConsoleUser
from hhvalues.store.studies import StudyInfo, list_studies
from hhvalues.ui import backend
from hhvalues.ui.console import auth, downloads

STUDY = "console-study"
"""Widget key of the study picker, shared by the study pages (the choice carries over)."""


def actor() -> str:
    """Who the audit log names for this session's actions."""
    user = auth.current_user()
    return f"console:{user.name}" if user else "console:?"


def pick_study() -> StudyInfo | None:
    """A select box of studies (newest first); None (with a hint) when there is none."""
    studies = list_studies(backend.engine())
    if not studies:
        st.info("No study yet: create one on the Studies page.")
        return None
    by_slug = {s.slug: s for s in studies}
    if st.session_state.get(STUDY) not in by_slug:
        st.session_state[STUDY] = studies[0].slug
    slug = st.selectbox(
        "Study", list(by_slug), key=STUDY, format_func=lambda s: f"{s} ({by_slug[s].status})"
    )
    return by_slug[slug]


def base_url() -> str:
    """This site's address as the browser used it (for invite links)."""
    url = st.context.url or ""
    if "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"
    return "http://localhost:8501"


def download_link(
    user: ConsoleUser,
    label: str,
    *,
    key: str,
    file_name: str,
    media_type: str,
    make: Callable[[], downloads.Content],
) -> None:
    """A button that downloads a file made on request, for this console session only
    (:mod:`hhvalues.ui.console.downloads`); nothing is made or stored before it is used."""
    url = downloads.offer(
        user.session_id, key, file_name=file_name, media_type=media_type, make=make
    )
    st.link_button(label, url, key=key, icon=":material/download:")


__all__ = ["STUDY", "actor", "base_url", "download_link", "pick_study", "table"]


def table(
    rows: list[dict[str, Any]], config: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows and column settings for ``st.dataframe`` in which a missing value is an empty cell,
    not the word "None": a column with any missing value is written as text, in the format its
    number column asked for (``percent``, ``%.3f``, ``%d``), keeping its label and help."""
    config = dict(config or {})
    blanks = {k for r in rows for k, v in r.items() if v is None}
    for key in blanks:
        spec = config.get(key) if isinstance(config.get(key), dict) else {}
        fmt = (spec.get("type_config") or {}).get("format") if spec else None
        for r in rows:
            r[key] = _cell(r.get(key), fmt)
        config[key] = st.column_config.TextColumn(
            spec.get("label") if spec else None, help=spec.get("help") if spec else None
        )
    return rows, config


def _cell(value: Any, fmt: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if fmt == "percent":
        return f"{value:.1%}"
    if fmt and fmt.startswith("%"):
        return fmt % value
    return f"{value:.3g}" if isinstance(value, float) else str(value)
