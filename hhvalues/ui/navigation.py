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

from hhvalues.ui import nodelay, server_tuning
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

PUBLIC_PAGES: list[Callable[[], st.Page]] = []
"""Pages for a visitor without a participant link and not signed in (the console's sign-in)."""


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


def pages_for(role: Role, *, link: bool = True) -> list[st.Page] | dict[str, list[st.Page]]:
    """The pages one role may reach: participants get the flow only; console roles add theirs.

    ``link=False`` (no ``?t=``/``?study=`` in the request) adds :data:`PUBLIC_PAGES` for a
    visitor, so the console's sign-in page is reachable from the landing page but never from a
    participant link.
    """
    if role is Role.PARTICIPANT or role not in CONSOLE_PAGES:
        if link:
            return participant_pages()
        return participant_pages() + [make() for make in PUBLIC_PAGES]
    return {"Participant view": participant_pages(), **CONSOLE_PAGES[role]()}


def _register_console() -> None:
    from hhvalues.ui.console.pages import register  # the console builds on this module

    register()


def build() -> st.Page:
    """Configure the page and ``st.navigation`` for this request; returns the page to run."""
    nodelay.install()
    server_tuning.install()
    st.set_page_config(page_title="HH-Values Studio", page_icon="🧭", layout="centered")
    _register_console()
    role = current_role()
    link = any(k in st.query_params for k in PARTICIPANT_PARAMS)
    pages = pages_for(role, link=link)
    single = isinstance(pages, list) and len(pages) == 1
    return st.navigation(pages, position="hidden" if single else "sidebar")


__all__ = [
    "CONSOLE_PAGES", "PARTICIPANT_PARAMS", "PUBLIC_PAGES", "ROLE_RESOLVERS", "Role", "build", "current_role",
    "pages_for", "participant_pages",
]
