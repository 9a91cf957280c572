"""Users (admins only): accounts, roles, disable/enable, and the single sign-on allow-list."""

from __future__ import annotations

import streamlit as st

from hhvalues.store.accounts import (
    ConsoleRole,
    add_user,
    allow_sso,
    list_sso,
    list_users,
    revoke_sso,
    set_disabled,
)
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common
from hhvalues.ui.guard import shown_errors

ROLES = [r.value for r in ConsoleRole]


def _accounts() -> None:
    eng = backend.engine()
    users = list_users(eng, now=backend.now)
    st.dataframe(
        [
            {
                "name": u.name,
                "role": u.role.value,
                "disabled": u.disabled,
                "failed sign-ins": u.failed_logins,
                "next sign-in from": u.delayed_until,
                "last login": u.last_login_at,
            }
            for u in users
        ],
        hide_index=True,
    )
    with st.form("add-user", clear_on_submit=True):
        c1, c2 = st.columns(2)
        name = c1.text_input("Name", key="user-name")
        role = c2.selectbox("Role", ROLES, key="user-role")
        password = st.text_input(
            "Initial password (≥ 10 characters)", type="password", key="user-password"
        )
        if st.form_submit_button("Add user", key="user-add"):
            add_user(eng, name.strip(), role, password, now=backend.now, actor=common.actor())
            st.rerun()
    me = auth.require(ConsoleRole.ADMIN).name
    others = [u for u in users if u.name != me]
    if others:
        who = st.selectbox("Account", others, format_func=lambda u: u.name, key="user-pick")
        label = "Enable" if who.disabled else "Disable"
        if st.button(label, key="user-toggle"):
            set_disabled(eng, who.name, not who.disabled, now=backend.now, actor=common.actor())
            st.rerun()


def _sso() -> None:
    eng = backend.engine()
    st.caption(
        "Single sign-on is offered when [auth] is configured in the secrets "
        + ("(it is)." if auth.sso_configured() else "(it is not).")
    )
    entries = list_sso(eng)
    st.dataframe([{"email": e, "role": r.value} for e, r in entries], hide_index=True)
    with st.form("sso-allow", clear_on_submit=True):
        c1, c2 = st.columns(2)
        email = c1.text_input("E-mail", key="sso-email")
        role = c2.selectbox("Role", ROLES, key="sso-role")
        if st.form_submit_button("Allow", key="sso-add"):
            allow_sso(eng, email, role, now=backend.now, actor=common.actor())
            st.rerun()
    if entries:
        gone = st.selectbox("Remove", [e for e, _ in entries], key="sso-pick")
        if st.button("Remove from allow-list", key="sso-remove"):
            revoke_sso(eng, gone, now=backend.now, actor=common.actor())
            st.rerun()


def render() -> None:
    """The Users page."""
    auth.require(ConsoleRole.ADMIN)
    st.title("👥 Users")
    st.caption(
        "Failed sign-ins slow down the next attempt for that name (up to a minute) and for "
        "that client (up to 15 minutes); no account is ever locked. Enabling an account or "
        "setting its password clears its delay."
    )
    with shown_errors():
        _accounts()
    st.subheader("Single sign-on allow-list")
    with shown_errors():
        _sso()


if __name__ == "__main__":
    render()
