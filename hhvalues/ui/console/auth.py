"""Console sessions in the browser: a server-side session token kept in ``st.session_state``.

The token is re-checked against the database on every run (:func:`resolve_role`), so an expired,
idle, revoked or disabled session loses its pages at the next click. Single sign-on (``st.login``)
is offered when ``[auth]`` is configured in secrets; the identity's e-mail address must be on the
admins' allow-list, which gives the role.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitSecretNotFoundError

from hhvalues.store.accounts import ConsoleRole, ConsoleUser, check_session, login_sso
from hhvalues.ui import backend
from hhvalues.ui.roles import Role

TOKEN = "hhv.console.token"
"""Session-state key of the console session token (never rendered)."""
USER = "hhv.console.user"
"""Session-state key of this run's :class:`ConsoleUser` (set by :func:`resolve_role`)."""


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


def resolve_role() -> Role | None:
    """The console role of this browser session, re-checked against the database; else None."""
    st.session_state.pop(USER, None)
    token = st.session_state.get(TOKEN)
    eng = backend.engine()
    if token is None:
        email = _sso_email()
        token = login_sso(eng, email, now=backend.now) if email else None
        if token is None:
            return None
        st.session_state[TOKEN] = token
    user = check_session(eng, token, now=backend.now)
    if user is None:
        st.session_state.pop(TOKEN, None)
        return None
    st.session_state[USER] = user
    return Role.ADMIN if user.role is ConsoleRole.ADMIN else Role.RESEARCHER


def current_user() -> ConsoleUser | None:
    """The user resolved for this run (None when nobody is signed in)."""
    user = st.session_state.get(USER)
    return user if isinstance(user, ConsoleUser) else None


def require(role: ConsoleRole = ConsoleRole.RESEARCHER) -> ConsoleUser:
    """The signed-in user if allowed on this page; otherwise an error and ``st.stop()``.

    Defence in depth: navigation already leaves pages out for roles that may not use them.
    """
    user = current_user()
    if user is None or (role is ConsoleRole.ADMIN and user.role is not ConsoleRole.ADMIN):
        st.error("This page is not available to you.")
        st.stop()
    assert user is not None
    return user


__all__ = ["TOKEN", "USER", "current_user", "require", "resolve_role", "sso_configured"]
