"""The end: the completion code (and redirect), reached only after the last answer is committed."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.store.participation import Step
from hhvalues.ui import widgets


def render(engine: Engine, token: str, step: Step) -> None:
    """Thank the participant and show the study's completion code and redirect link."""
    st.title("Thank you!")
    if step.timed_out:
        st.info("The time for this session has run out. Everything you answered was saved.")
    else:
        st.success("All your answers are saved. You have finished the study.")
    if step.completion_code:
        st.markdown("Your completion code:")
        st.code(step.completion_code, language=None)
        st.caption("Copy it into the platform that sent you here, if it asks for one.")
    if step.redirect_url:
        widgets.same_tab_link("Return to the study platform", step.redirect_url, button=True)
    else:
        st.markdown("You can close this tab now.")


__all__ = ["render"]
