"""Console sign-in (visitors) and the account page with sign-out (signed-in users).

No default password exists: without an admin account the page says which command creates one.
"""

from __future__ import annotations

import streamlit as st

from hhvalues.store.accounts import IDLE_MINUTES, AuthError, has_admin, login, logout
from hhvalues.ui import backend
from hhvalues.ui.console import auth
from hhvalues.ui.text import plain

# The commands the sign-in page names (a comment: this file runs as a page).
CREATE_ADMIN = "hhvalues user add NAME --role admin"
CREATE_RESEARCHER = "hhvalues user add NAME --role researcher"


def _sign_in() -> None:
    st.title("🔐 Console sign-in")
    eng = backend.engine()
    if not has_admin(eng):
        st.warning("No admin account exists yet. Create one on the server with:")
        st.code(CREATE_ADMIN, language="bash")
        st.caption(
            "The password is asked for at the prompt (or read from standard input when it "
            "is piped); there is no default password."
        )
    with st.form("login"):
        # what a password manager needs to offer the saved account, not a new password
        name = st.text_input("User name", key="login-name", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="login-password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", key="login-submit")
    if has_admin(eng):
        st.caption(
            "No account yet? Accounts are made by an admin of this console: on its Users "
            f"page, or on the server with `{CREATE_RESEARCHER}`. There is no self sign-up."
        )
    if submitted:
        try:
            token = login(
                eng, name.strip(), password, client=auth.client_address(), now=backend.now
            )
        except AuthError as exc:
            st.error(plain(exc))
        else:
            st.session_state[auth.TOKEN] = token
            auth.start_cookie_handoff(token)
            st.rerun()
    if auth.sso_configured():
        st.divider()
        st.button("Sign in with single sign-on", key="login-sso", on_click=st.login)
        if st.user.is_logged_in:
            st.error(
                f"{plain(st.user.get('email'))} is not on the console's allow-list; ask an admin."
            )
            st.button("Sign out of single sign-on", on_click=st.logout)


def _account() -> None:
    user = auth.current_user()
    assert user is not None
    st.title("🔐 Console")
    st.markdown(
        f"Signed in as **{plain(user.name)}** ({user.role.value}); this session ends at "
        f"{user.expires_at:%Y-%m-%d %H:%M} UTC, or after {IDLE_MINUTES:g} minutes without "
        "activity. It lasts across reloads and new tabs of this browser until then."
    )
    st.markdown(
        "Use the menu on the left: studies, invites, live monitoring, results, exports "
        "and banks" + (", users and the audit log." if user.role.value == "admin" else ".")
    )
    if st.button("Sign out", key="logout"):
        logout(backend.engine(), st.session_state.pop(auth.TOKEN, None), now=backend.now)
        st.session_state.pop(auth.USER, None)
        auth.sign_out_of_cookie()
        if auth.sso_configured() and st.user.is_logged_in:
            st.logout()
        st.rerun()


def render() -> None:
    """Sign-in form, or the account page when a valid session is present."""
    auth.go_to_pending_route()
    if auth.current_user() is None:
        _sign_in()
    else:
        _account()


if __name__ == "__main__":
    render()
