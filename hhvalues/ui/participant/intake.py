"""Intake questions configured per study (e.g. degree, field, experience), asked after consent.

A form is fine here: the page is untimed and nothing is lost by a reload before submitting.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.errors import InputError
from hhvalues.store.participation import Step, submit_intake
from hhvalues.ui import backend, state


def render(engine: Engine, token: str, step: Step) -> None:
    """One input per question; stored when the form is submitted, errors shown in place."""
    st.title("A few questions about you")
    st.markdown("These help us describe who took part. They are stored without your name.")
    with st.form(state.INTAKE_FORM):
        for q in step.intake:
            label = q.label + ("" if q.required else " (optional)")
            if q.options:
                st.selectbox(
                    label,
                    q.options,
                    index=None,
                    key=state.intake_key(q.id),
                    placeholder="Choose one",
                )
            else:
                st.text_input(label, key=state.intake_key(q.id), max_chars=500)
        sent = st.form_submit_button("Continue", type="primary")
    if not sent:
        return
    answers = {q.id: st.session_state.get(state.intake_key(q.id)) for q in step.intake}
    try:
        submit_intake(engine, token, answers, now=backend.now)
    except InputError as exc:
        labels = [q.label for q in step.intake if exc.where == f"intake {q.id}"]
        st.error(f"{labels[0]}: {exc.message}" if labels else exc.message)
        return
    st.rerun()


__all__ = ["render"]
