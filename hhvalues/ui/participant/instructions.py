"""Instructions with a worked example, then the ``start`` button (the session clock starts)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.features import CATALOGUE, FeatureSet
from hhvalues.core.probes import Probe, ProbeKind
from hhvalues.core.render import describe_probe, render_demo_png
from hhvalues.errors import HHValuesError
from hhvalues.store.participation import Step, start_session
from hhvalues.ui import backend, state, widgets

# The worked example uses the catalogue's own features, so it looks like the real items.
_FEATURES = FeatureSet(tuple(f for f in CATALOGUE if f.id in ("puddle", "cafe", "library")))
_GRID = ("S..pC", "...p.", ".....", ".#...", "L....")
_PATH = "DDRRRRUU"
_PROBES = (Probe("ex1", ProbeKind.SIGN, ("puddle",)), Probe("ex2", ProbeKind.COMPARE, ("cafe", "library")))


@st.cache_data(show_spinner=False)
def _example_png() -> bytes:
    return render_demo_png(_FEATURES, _GRID, _PATH, horizon=20)


def _start(engine: Engine, token: str) -> None:
    try:
        start_session(engine, token, now=backend.now)
    except HHValuesError as exc:
        state.set_notice("error", exc.message)


def render(engine: Engine, token: str, step: Step) -> None:
    """How the task works, one worked example, and the start button."""
    st.title("How it works")
    st.markdown(
        "Each question set shows how one person walked through a small map. Every person cares "
        "about some things on the map and dislikes others: they may **seek out** or **avoid** "
        "a kind of ground (like puddles), and they end their walk at the **destination** they "
        "like best among those within reach, unless the way there costs too much. Walking also "
        "takes effort, so long detours tell you something.\n\n"
        "Your job: from the walk, work out what this person values, and answer a few **A or B** "
        "questions about it.")
    st.subheader("A worked example")
    widgets.show_png(_example_png(), caption="The walk starts at S; the numbers show the steps "
                     "in order. Entering a destination ends the walk.")
    st.markdown(
        "The person walked 8 steps around the **puddles** to reach the **café**, although the "
        "**library** was only 4 steps straight down and the café only 4 steps straight across, "
        "through the puddles. So they probably *avoid puddles* and *value the café more than "
        "the library*.")
    (a1, b1), (a2, b2) = (describe_probe(_FEATURES, p) for p in _PROBES)
    st.markdown(f"- *Does this person seek out or avoid the puddles?* A: {a1} · B: {b1} → **B**\n"
                f"- *Which does this person value more: the café or the library?* A: {a2} · "
                f"B: {b2} → **A**")
    st.markdown(
        "Some questions show a **new map with two paths**, A (blue, solid) and B (orange, "
        "dashed): pick the one this person would take. Under each walk, a **replay slider** "
        "lets you go through it step by step.")
    st.subheader("Before you begin")
    items = f"{step.progress.total} question sets" if step.progress else "the question sets"
    st.markdown(
        f"- You will answer {items}. The first ones are **practice**: after each you see the "
        "right answers.\n"
        "- After practice, each question set has a **time limit** shown at the top. When the "
        "time is up, what you have selected is saved and the next one appears.\n"
        "- Your choices are saved as you make them; if the page reloads, you continue where "
        "you were.\n"
        "- The session as a whole also has a time limit.")
    st.button("Start", key=state.START, type="primary", on_click=_start, args=(engine, token))


__all__ = ["render"]
