"""Consent: agree (button ``consent``) or decline (button ``decline``, only the refusal is kept)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.errors import HHValuesError
from hhvalues.store.participation import Step, consent, decline
from hhvalues.ui import backend, faults, state


def _agree(engine: Engine, token: str) -> None:
    try:
        consent(engine, token, now=backend.now)
    except HHValuesError as exc:
        faults.notice(exc, token, "consent")


def _decline(engine: Engine, token: str, step: Step) -> None:
    try:
        decline(engine, token, now=backend.now)
    except HHValuesError as exc:
        faults.notice(exc, token, "decline")
        return
    # what the thank-you page shows (the participant row keeps nothing after a refusal)
    st.session_state[state.DECLINED] = (step.decline_code, step.decline_url, step.contact)


def render(engine: Engine, token: str, step: Step) -> None:
    """The consent text and the two buttons."""
    st.title("Before you start")
    with st.container(border=True):
        st.markdown(step.consent_text)
    st.markdown("Do you agree to take part?")
    yes, no = st.columns(2)
    yes.button(
        "I agree — continue",
        key=state.CONSENT,
        type="primary",
        on_click=_agree,
        args=(engine, token),
        use_container_width=True,
    )
    no.button(
        "I do not want to take part",
        key=state.DECLINE,
        on_click=_decline,
        args=(engine, token, step),
        use_container_width=True,
    )


__all__ = ["render"]
