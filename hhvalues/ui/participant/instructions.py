"""Instructions with a worked example, then the ``start`` button (the session clock starts)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.bank import Bank, Demonstration
from hhvalues.core.explain import describe_rules, worked_example
from hhvalues.core.render import legend_entries, render_demo_png, render_legend_png
from hhvalues.core.render_text import PREDICT_QUESTION, demo_lines
from hhvalues.errors import HHValuesError
from hhvalues.store.participation import Step, start_session
from hhvalues.ui import backend, faults, state, widgets
from hhvalues.ui.participant.item import COORDINATES


@st.cache_data(show_spinner=False)
def _example(bank_hash: str, _bank: Bank) -> tuple[bytes, bytes, str, str, str, list[str]]:
    """The worked example under this bank's model: map, legend, their text alternatives (the
    words a model reads), what the walk shows, and the rules."""
    ex, horizon = worked_example(_bank), _bank.model.horizon
    png = render_demo_png(ex.features, ex.grid, ex.path, horizon=horizon)
    demo = Demonstration(ex.grid, ex.path)
    alt = "\n".join(demo_lines(ex.features, demo, horizon=horizon, n=1, total=1))
    present = [i for i, f in enumerate(ex.features) if f.symbol in "".join(ex.grid)]
    legend = render_legend_png(ex.features, present, demo=True)
    words = legend_entries(ex.features, present, demo=True, paths=False)
    legend_alt = "Legend of the map: " + "; ".join(w for _, w in words) + "."
    rules = describe_rules(_bank.features, _bank.model, _bank.step_cost)
    return png, legend, alt, legend_alt, ex.text, rules


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
        png, legend, alt, legend_alt, text, rules = _example(step.bank.content_hash, step.bank)
        st.subheader("The rules of these maps")
        st.markdown("\n".join(f"- {line}" for line in rules))
        st.subheader("A worked example")
        left, right = st.columns([1, 1])
        with left:
            widgets.show_png(
                png,
                alt=alt,
                caption="The walk starts at the green ring; the number in a cell counts the "
                "move that entered it. Entering a destination ends the walk.",
                width=330,
            )
        with right:
            widgets.show_png(legend, alt=legend_alt, width=510)
            st.markdown(text)
        st.caption(COORDINATES)
    st.markdown(
        "Questions ask whether the person **seeks out or avoids** a place, which of two places "
        "they **value more**, which of two kinds of ground they **mind less**, or show a "
        "**new map with two paths**, A (blue, solid) and B (orange, dashed), and ask: "
        f"*{PREDICT_QUESTION}* Neither path need be the walk the person would make; the "
        "right answer is the one of the two that is worth more to them. Under each walk, a "
        "**replay slider** lets you go through it step by step."
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
