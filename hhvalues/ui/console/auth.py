"""Console sessions in the browser: a signed, HttpOnly, SameSite=Strict cookie.

Signing in opens a session in the database (:func:`hhvalues.store.accounts.login`); the page
keeps its token in the Streamlit session and hands it to the browser's cookie through a
one-time code (:func:`start_cookie_handoff`, then the route ``/hhv/session``), so a reload, a
new tab or a typed console URL stay signed in. Each page run takes the token from the Streamlit
session or, failing that, from the cookie (:mod:`hhvalues.ui.console.cookie`) and re-checks it
against the database (:func:`resolve_role`): an expired, idle, revoked or disabled session
loses its pages at the next click or reload. Single sign-on (``st.login``) is offered when
``[auth]`` is configured in secrets; the identity's e-mail address must be on the admins'
allow-list, which gives the role.
"""

from __future__ import annotations

import json

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitSecretNotFoundError

from hhvalues.settings import load_settings
from hhvalues.store.accounts import (
    ConsoleRole,
    ConsoleUser,
    check_session,
    issue_handoff,
    login_sso,
)
from hhvalues.ui import backend
from hhvalues.ui.console import cookie
from hhvalues.ui.console.routes import CONSOLE, SESSION_PATH, SIGNOUT_PATH
from hhvalues.ui.roles import Role

TOKEN = "hhv.console.token"
"""Session-state key of the console session token (never rendered)."""
USER = "hhv.console.user"
"""Session-state key of this run's :class:`ConsoleUser` (set by :func:`resolve_role`)."""
GO = "hhv.console.go"
"""Session-state key of a server route the browser is to be sent to on the next run."""


def sso_configured() -> bool:
    """Whether ``[auth]`` is present in the secrets (OIDC through ``st.login``)."""
    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):  # no secrets file at all
        return False


def _sso_email() -> str | None:
    if not sso_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
    except (AttributeError, KeyError, StreamlitAPIException):
        return None
    return str(email) if email else None


def cookie_token() -> str | None:
    """The session token of the browser's console cookie, if its signature holds."""
    try:
        value = st.context.cookies.get(cookie.NAME)
    except (AttributeError, KeyError, RuntimeError):  # no browser request (bare runs)
        return None
    return cookie.unsign(value)


def resolve_role() -> Role | None:
    """The console role of this browser session, re-checked against the database; else None."""
    st.session_state.pop(USER, None)
    eng = backend.engine()
    user = None
    for token in (st.session_state.get(TOKEN), cookie_token()):
        user = check_session(eng, token, now=backend.now) if token else None
        if user is not None:
            st.session_state[TOKEN] = token
            break
    if user is None:
        st.session_state.pop(TOKEN, None)
        email = _sso_email()
        token = login_sso(eng, email, now=backend.now) if email else None
        user = check_session(eng, token, now=backend.now) if token else None
        if user is None:
            return None
        st.session_state[TOKEN] = token
    st.session_state[USER] = user
    return Role.ADMIN if user.role is ConsoleRole.ADMIN else Role.RESEARCHER


def current_user() -> ConsoleUser | None:
    """The user resolved for this run (None when nobody is signed in)."""
    user = st.session_state.get(USER)
    return user if isinstance(user, ConsoleUser) else None


def require(role: ConsoleRole = ConsoleRole.RESEARCHER) -> ConsoleUser:
    """The signed-in user if allowed on this page; otherwise an error and ``st.stop()``.

    Defence in depth: navigation already leaves pages out for roles that may not use them.
    Console pages use the whole width of the window: their tables have many columns (a
    centred column cut them off even on a wide screen).
    """
    st.set_page_config(layout="wide")
    user = current_user()
    if user is None or (role is ConsoleRole.ADMIN and user.role is not ConsoleRole.ADMIN):
        st.error("This page is not available to you.")
        st.stop()
    assert user is not None
    return user


def client_address() -> str:
    """Who a sign-in attempt comes from, for throttling: the connection's address, or the last
    ``X-Forwarded-For`` entry behind a trusted proxy (``HHVALUES_TRUST_X_FORWARDED_FOR``)."""
    try:
        if load_settings().trust_forwarded_for:
            forwarded = st.context.headers.get("X-Forwarded-For")
            last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
            if last:
                return last
        address = st.context.ip_address
    except (AttributeError, KeyError, RuntimeError):  # no browser request (bare runs)
        return "unknown"
    return address if isinstance(address, str) and address else "unknown"


def start_cookie_handoff(token: str) -> None:
    """After sign-in: on the next run, send the browser to the route that sets the cookie."""
    code = issue_handoff(backend.engine(), token, now=backend.now)
    if code is not None:
        st.session_state[GO] = f"{SESSION_PATH}?code={code}&next={CONSOLE}"


def go_to_pending_route() -> None:
    """Send the browser to the route a callback asked for (a top-level navigation, so the
    route's cookie is set for the whole site); nothing happens without a browser."""
    target = st.session_state.pop(GO, None)
    if isinstance(target, str) and target.startswith("/hhv/"):
        st.html(
            f"<script>window.location.replace({json.dumps(target)});</script>",
            unsafe_allow_javascript=True,
        )


def sign_out_of_cookie() -> None:
    """After sign-out: on the next run, send the browser to the route that clears the cookie."""
    st.session_state[GO] = f"{SIGNOUT_PATH}?next={CONSOLE}"


__all__ = [
    "GO",
    "TOKEN",
    "USER",
    "client_address",
    "cookie_token",
    "current_user",
    "go_to_pending_route",
    "require",
    "resolve_role",
    "sign_out_of_cookie",
    "sso_configured",
    "start_cookie_handoff",
]
