"""Role-based navigation: each role's ``st.navigation`` holds only the pages it may use.

A page left out of ``st.navigation`` cannot be reached by URL, so a
participant link never carries a console page. A request carrying a participant link (``?t=`` or
``?study=``) is always a participant's; otherwise the console's login decides the role
(:func:`hhvalues.ui.console.auth.resolve_role`).
"""

from __future__ import annotations

import streamlit as st

from hhvalues.ui import faults, link, nodelay, server_tuning
from hhvalues.ui.console import auth
from hhvalues.ui.console.pages import account_page, admin_pages, researcher_pages
from hhvalues.ui.guard import shown_errors
from hhvalues.ui.roles import Role

PARTICIPANT_PARAMS = ("t", "study", server_tuning.OVERSIZED_PARAM)
"""Query parameters that make a request a participant's, whatever else it carries."""
CONSOLE_PAGES = {Role.RESEARCHER: researcher_pages, Role.ADMIN: admin_pages}
"""Role → factory of that role's console pages by section; never :data:`Role.PARTICIPANT`."""


def participant_pages() -> list[st.Page]:
    """The participant's only page: the link landing and the whole session flow."""
    return [
        st.Page(link.render, title="HH-Values Studio", icon="🧭", url_path="session", default=True)
    ]


def current_role() -> Role:
    """The role of this request: a participant link, else the console's login, else participant."""
    if any(k in st.query_params for k in PARTICIPANT_PARAMS):
        return Role.PARTICIPANT
    return auth.resolve_role() or Role.PARTICIPANT


def pages_for(role: Role, *, link: bool = True) -> list[st.Page] | dict[str, list[st.Page]]:
    """The pages one role may reach: participants get the flow only; console roles add theirs.

    ``link=False`` (no ``?t=``/``?study=`` in the request) adds the console's sign-in page for a
    visitor, so it is reachable from the landing page but never from a participant link.
    """
    if role not in CONSOLE_PAGES:
        return participant_pages() if link else [*participant_pages(), account_page()]
    return {"Participant view": participant_pages(), **CONSOLE_PAGES[role]()}


def run() -> None:
    """Run this request's page (``app.py``): any error on the way is one message on the page,
    never Streamlit's exception box (:mod:`hhvalues.ui.guard`)."""
    with shown_errors():
        build().run()


def build() -> st.Page:
    """Configure the page and ``st.navigation`` for this request; returns the page to run."""
    nodelay.install()
    server_tuning.install()
    faults.install_log_handler()
    st.set_page_config(page_title="HH-Values Studio", page_icon="🧭", layout="centered")
    role = current_role()
    has_link = any(k in st.query_params for k in PARTICIPANT_PARAMS)
    pages = pages_for(role, link=has_link)
    single = isinstance(pages, list) and len(pages) == 1
    return st.navigation(pages, position="hidden" if single else "sidebar")


__all__ = [
    "CONSOLE_PAGES",
    "PARTICIPANT_PARAMS",
    "build",
    "current_role",
    "pages_for",
    "participant_pages",
    "run",
]
