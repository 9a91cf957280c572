"""Role-based navigation: each role's ``st.navigation`` holds only the pages it may use.

A page left out of ``st.navigation`` cannot be reached by URL (STREAMLIT.md rule 5), so a
participant link never carries a console page. The console (issue 4) registers its pages per
role in :data:`CONSOLE_PAGES` and decides the role in :func:`current_role` from its login; a
request carrying a participant link (``?t=`` or ``?study=``) is always a participant's.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import streamlit as st

from hhvalues.ui.participant import flow

PARTICIPANT_PARAMS = ("t", "study")
"""Query parameters that make a request a participant's, whatever else it carries."""


class Role(StrEnum):
    """Who is using the app in this browser session."""

    PARTICIPANT = "participant"
    RESEARCHER = "researcher"
    ADMIN = "admin"


CONSOLE_PAGES: dict[Role, Callable[[], dict[str, list[st.Page]]]] = {}
"""Role → factory of that role's console pages by section (filled by the console, issue 4).

A factory returns e.g. ``{"Studies": [st.Page(...), ...]}``; :data:`Role.PARTICIPANT` must never
appear here.
"""

ROLE_RESOLVERS: list[Callable[[], Role | None]] = []
"""Functions the console adds to recognise a logged-in researcher or admin (first non-None wins)."""


def participant_pages() -> list[st.Page]:
    """The participant's only page: the link landing and the whole session flow."""
    return [st.Page(flow.render, title="HH-Values Studio", icon="🧭", url_path="session",
                    default=True)]


def current_role() -> Role:
    """The role of this request: a participant link, else the console's login, else participant."""
    if any(k in st.query_params for k in PARTICIPANT_PARAMS):
        return Role.PARTICIPANT
    for resolve in ROLE_RESOLVERS:
        role = resolve()
        if role is not None:
            return role
    return Role.PARTICIPANT


def pages_for(role: Role) -> list[st.Page] | dict[str, list[st.Page]]:
    """The pages one role may reach: participants get the flow only; console roles add theirs."""
    if role is Role.PARTICIPANT or role not in CONSOLE_PAGES:
        return participant_pages()
    return {"Participant view": participant_pages(), **CONSOLE_PAGES[role]()}


def build() -> st.Page:
    """Configure the page and ``st.navigation`` for this request; returns the page to run."""
    st.set_page_config(page_title="HH-Values Studio", page_icon="🧭", layout="centered")
    role = current_role()
    pages = pages_for(role)
    return st.navigation(pages, position="hidden" if isinstance(pages, list) else "sidebar")


__all__ = [
    "CONSOLE_PAGES", "PARTICIPANT_PARAMS", "ROLE_RESOLVERS", "Role", "build", "current_role",
    "pages_for", "participant_pages",
]
