"""One item: the walks (exact PNGs, step-by-step replay), A/B probes in words and pictures,
optional sliders and rationale, and ``submit``; a countdown from the stored deadline on top.

Only the public item reaches this page (``ItemView`` has no truth); the images and option texts
come from :func:`hhvalues.core.render.item_stimulus` in this participant's A/B order, and the
same bytes are hashed into the answer's ``stimulus``.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.render import ItemStimulus
from hhvalues.store.participation import ItemView, Step
from hhvalues.ui import state, widgets
from hhvalues.ui.participant import answer


def header(step: Step, view: ItemView) -> None:
    """Progress bar, which item of which phase, and the countdown fragment."""
    if step.progress is not None and step.progress.total:
        done, total = step.progress.answered, step.progress.total
        st.progress(done / total, text=f"{done} of {total} question sets done")
    phase = "Practice" if view.phase == "train" else "Question set"
    st.markdown(f"### {phase} {view.number} of {view.phase_total}")
    if view.deadline_at is not None or step.session_deadline_at is not None:
        widgets.countdown(view.deadline_at, step.session_deadline_at)


@st.fragment
def _demo(view: ItemView, stim: ItemStimulus, d: int) -> None:
    """One walk with its replay slider; moving the slider reruns only this fragment."""
    n = len(view.item.demos)
    title = "How this person walked" + (f" — walk {d + 1} of {n}" if n > 1 else "")
    st.markdown(f"**{title}**")
    steps = len(view.item.demos[d].path)
    upto = steps
    if steps:
        upto = st.slider(
            "Replay the walk step by step",
            0,
            steps,
            value=steps,
            key=state.replay_key(view.item.id, d),
            help="Drag to see where the person was after each step.",
        )
    png = stim.images[d] if upto == steps else widgets.replay_png(view, d, upto)
    widgets.show_png(png, caption=f"Step {upto} of {steps}" if upto != steps else None)


def _labeller(texts: dict[str, str]) -> Callable[[str], str]:
    """Radio labels: the letter, then the option spelled out as in the stimulus."""
    return lambda letter: f"{letter}: {texts[letter]}"


def _probes(engine: Engine, token: str, view: ItemView, stim: ItemStimulus) -> None:
    """Each probe in its box: the question and a ``predict`` probe's paths are drawn by the page,
    the answer widgets by the probe's own fragment, so a click reruns that probe's widgets only
    (not every probe and picture of the item: each run holds the server for its whole length)."""
    fs = view.bank.features
    image = len(view.item.demos)
    st.markdown("**Questions** — choose A or B for each.")
    for k, probe in enumerate(view.item.probes):
        texts = {"A": stim.texts[2 * k], "B": stim.texts[2 * k + 1]}
        with st.container(border=True):
            st.markdown(f"{k + 1}. {widgets.question(fs, probe)}")
            if probe.kind.shows_paths:
                widgets.show_png(
                    stim.images[image], caption="Path A: blue, solid. Path B: orange, dashed."
                )
                image += 1
            _probe_answer(engine, token, view, k, texts)


@st.fragment
def _probe_answer(
    engine: Engine, token: str, view: ItemView, k: int, texts: dict[str, str]
) -> None:
    """One probe's A/B choice (and confidence); a change saves the draft (its on_change)."""
    _leave_on_notice()
    probe, args = view.item.probes[k], (engine, token, view)
    st.radio(
        f"Question {k + 1}",
        ["A", "B"],
        index=None,
        key=state.probe_key(probe.id),
        format_func=_labeller(texts),
        on_change=answer.save,
        args=args,
        label_visibility="collapsed",
    )
    if view.asks_confidence:
        st.slider(
            "How sure are you?",
            50,
            100,
            step=5,
            format="%d%%",
            key=state.confidence_key(probe.id),
            on_change=answer.save,
            args=args,
        )


@st.fragment
def _other_answers(engine: Engine, token: str, view: ItemView) -> None:
    """Hypothesis sliders and rationale; a change saves the draft and reruns only these."""
    _leave_on_notice()
    answer.widgets(engine, token, view)


def _leave_on_notice() -> None:
    """A draft could not be saved (e.g. time ran out): show the whole page anew, with the notice."""
    if state.has_notice():
        st.rerun(scope="app")


def render(engine: Engine, token: str, step: Step) -> None:
    """The item page of ``step.item``."""
    view = step.item
    assert view is not None
    header(step, view)
    answer.seed(view)
    stim = widgets.stimulus(view)
    for d in range(len(view.item.demos)):
        _demo(view, stim, d)
    if view.asks_choices:
        _probes(engine, token, view, stim)
    if view.asks_hypothesis or view.asks_rationale:
        _other_answers(engine, token, view)
    st.button(
        "Submit answer",
        key=state.SUBMIT,
        type="primary",
        on_click=answer.do_submit,
        args=(engine, token, view, widgets.shown_hash(view, stim)),
    )


__all__ = ["header", "render"]
