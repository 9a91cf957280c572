"""Audit log (admins only): who created, edited, exported what and when, with file hashes."""

from __future__ import annotations

import streamlit as st

from hhvalues.store.accounts import ConsoleRole
from hhvalues.store.db import list_audit
from hhvalues.ui import backend
from hhvalues.ui.console import auth


def render() -> None:
    """The Audit log page."""
    auth.require(ConsoleRole.ADMIN)
    st.title("📜 Audit log")
    only = st.selectbox(
        "Action",
        [
            "all",
            "export",
            "login",
            "login_failed",
            "logout",
            "study_create",
            "study_edit",
            "invite",
            "bank_upload",
            "bank_generate",
            "user_add",
            "user_disable",
        ],
        key="audit-action",
    )
    entries = list_audit(backend.engine(), limit=1000, action=None if only == "all" else only)
    st.dataframe(
        [
            {
                "at": e.at,
                "who": e.actor,
                "action": e.action,
                "target": e.target,
                "sha256": e.sha256,
                "detail": str(e.detail),
            }
            for e in entries
        ],
        hide_index=True,
        key="audit-table",
    )


if __name__ == "__main__":
    render()
