"""Instructions with a worked example, then the ``start`` button (the session clock starts)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.bank import Bank
from hhvalues.core.explain import describe_rules, worked_example
from hhvalues.core.render import render_demo_png
from hhvalues.errors import HHValuesError
from hhvalues.store.participation import Step, start_session
from hhvalues.ui import backend, faults, state, widgets


@st.cache_data(show_spinner=False)
def _example(bank_hash: str, _bank: Bank) -> tuple[bytes, str, list[str]]:
    """The worked example under this bank's model: picture, what it shows, and the rules."""
    ex = worked_example(_bank)
    png = render_demo_png(ex.features, ex.grid, ex.path, horizon=_bank.model.horizon)
    return png, ex.text, describe_rules(_bank.features, _bank.model, _bank.step_cost)


def _start(engine: Engine, token: str) -> None:
    try:
        start_session(engine, token, now=backend.now)
    except HHValuesError as exc:
        faults.notice(exc, token, "start")


def render(engine: Engine, token: str, step: Step) -> None:
    """How the task works, the rules of this bank's world, one worked example, and start."""
    st.title("How it works")
    st.markdown(
        "Each question set shows how one person walked through small maps. Every person cares "
        "about the places on the map and minds some kinds of ground more than others. Your job: "
        "from the walks, work out what this person values, and answer a few **A or B** "
        "questions about it."
    )
    if step.bank is not None:
        png, text, rules = _example(step.bank.content_hash, step.bank)
        st.subheader("The rules of these maps")
        st.markdown("\n".join(f"- {line}" for line in rules))
        st.subheader("A worked example")
        widgets.show_png(
            png,
            caption="The walk starts at the circle; the numbers show the moves in "
            "order. Entering a place ends the walk.",
        )
        st.markdown(text)
    st.markdown(
        "Questions ask whether the person **seeks out or avoids** a place, which of two places "
        "or kinds of ground they **value more** (for ground: which bothers them less), or show a "
        "**new map with two paths**, A (blue, solid) and B (orange, dashed), and ask which one "
        "this person would take. Under each walk, a **replay slider** lets you go through it step "
        "by step."
    )
    st.subheader("Before you begin")
    items = f"{step.progress.total} question sets" if step.progress else "the question sets"
    st.markdown(
        f"- You will answer {items}. The first ones are **practice**: after each you see the "
        "right answers and what the walks showed.\n"
        "- After practice, each question set has a **time limit** shown at the top. When the "
        "time is up, what you have selected so far is submitted and counts; questions left "
        "unanswered count as wrong. Then the next one appears.\n"
        "- Your choices are saved as you make them; if the page reloads, you continue where "
        "you were.\n"
        "- The session as a whole also has a time limit."
    )
    st.button("Start", key=state.START, type="primary", on_click=_start, args=(engine, token))


__all__ = ["render"]
