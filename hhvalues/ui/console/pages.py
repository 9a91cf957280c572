"""The console's pages per role (the navigation gives each role only its own).

Pages are files (``st.Page(path)``) so AppTest can ``switch_page`` to them; each file renders
only when run as a page. Researchers get studies, banks and exports; admins also users and the
audit log. Participant links never reach any of these (navigation decides that first).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
ACCOUNT = HERE / "login.py"

RESEARCHER_SECTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Studies": (
        ("studies", "Studies", "🧪"),
        ("invites", "Invites", "✉️"),
        ("monitor", "Live monitoring", "📡"),
        ("results", "Results", "📊"),
        ("exports", "Exports", "⬇️"),
        ("recordings", "Recorded walks", "🚶"),
    ),
    "Banks": (("banks", "Upload / generate", "🗂️"), ("browse", "Browse items", "🔎")),
}
"""Section → (page file name, title, icon) of every researcher page, in menu order."""
ADMIN_SECTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Admin": (("users", "Users", "👥"), ("audit", "Audit log", "📜")),
}
"""The sections an admin gets beside a researcher's."""


def _page(name: str, title: str, icon: str) -> st.Page:
    return st.Page(HERE / f"{name}.py", title=title, icon=icon, url_path=name)


def _sections(table: dict[str, tuple[tuple[str, str, str], ...]]) -> dict[str, list[st.Page]]:
    return {section: [_page(*entry) for entry in entries] for section, entries in table.items()}


def account_page() -> st.Page:
    """Sign in (anonymous visitors) or the account and sign-out page (signed in)."""
    return st.Page(ACCOUNT, title="Console sign-in", icon="🔐", url_path="console")


def researcher_pages() -> dict[str, list[st.Page]]:
    """What a researcher may use."""
    return _sections(RESEARCHER_SECTIONS) | {"Account": [account_page()]}


def admin_pages() -> dict[str, list[st.Page]]:
    """A researcher's pages plus user management and the audit log."""
    return (
        _sections(RESEARCHER_SECTIONS) | _sections(ADMIN_SECTIONS) | {"Account": [account_page()]}
    )


__all__ = [
    "ADMIN_SECTIONS",
    "RESEARCHER_SECTIONS",
    "account_page",
    "admin_pages",
    "researcher_pages",
]
