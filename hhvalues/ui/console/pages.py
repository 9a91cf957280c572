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


def _page(name: str, title: str, icon: str) -> st.Page:
    return st.Page(HERE / f"{name}.py", title=title, icon=icon, url_path=name)


def account_page() -> st.Page:
    """Sign in (anonymous visitors) or the account and sign-out page (signed in)."""
    return st.Page(ACCOUNT, title="Console sign-in", icon="🔐", url_path="console")


def researcher_pages() -> dict[str, list[st.Page]]:
    """What a researcher may use."""
    return {
        "Studies": [_page("studies", "Studies", "🧪"), _page("invites", "Invites", "✉️"),
                    _page("monitor", "Live monitoring", "📡"), _page("results", "Results", "📊"),
                    _page("exports", "Exports", "⬇️"), _page("recordings", "Recorded walks", "🚶")],
        "Banks": [_page("banks", "Upload / generate", "🗂️"), _page("browse", "Browse items", "🔎")],
        "Account": [account_page()],
    }


def admin_pages() -> dict[str, list[st.Page]]:
    """A researcher's pages plus user management and the audit log."""
    pages = researcher_pages()
    account = pages.pop("Account")
    return pages | {"Admin": [_page("users", "Users", "👥"), _page("audit", "Audit log", "📜")],
                    "Account": account}


__all__ = ["account_page", "admin_pages", "researcher_pages"]
