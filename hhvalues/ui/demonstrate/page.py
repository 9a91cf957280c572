"""The demonstration-study participant page: consent, the value profile, practice and recorded
walks, practice feedback, the completion code.

Reached from the participant flow when the link's study is of kind ``demonstrate``. The state is
rebuilt from the database on every run (:func:`hhvalues.store.demonstration.demo_step`); consent,
intake and the final page reuse the participant app's pages.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.errors import HHValuesError
from hhvalues.store.demonstration import (
    INSTRUCTION_TEXT,
    DemoStep,
    DemoStepKind,
    acknowledge_practice,
    demo_step,
    profile_lines,
)
from hhvalues.store.participation import Step, StepKind, start_session
from hhvalues.ui import backend, faults, state, widgets
from hhvalues.ui.demonstrate.board import board, show_walk
from hhvalues.ui.participant import consent, done, intake, problem


def _profile(step: DemoStep) -> None:
    assert step.features is not None
    lines = profile_lines(step.features, step.weights, step.step_cost)
    st.markdown("**Your values** — entering a cell earns you:")
    st.markdown("\n".join(f"- {line}" for line in lines))
    st.markdown(f"**Your task:** {INSTRUCTION_TEXT[step.instruction]}")


def _start(engine: Engine, token: str) -> None:
    try:
        start_session(engine, token, now=backend.now)
    except HHValuesError as exc:
        faults.notice(exc, token, "start")


def _instructions(engine: Engine, token: str, step: DemoStep) -> None:
    st.title("Walk through small worlds")
    st.markdown(
        "You will walk through a few small grid worlds, one at a time. Each kind of cell "
        "is worth points to you; every step costs points. Entering a destination "
        "(capital letter) ends the walk; so does running out of steps."
    )
    _profile(step)
    st.markdown(
        "Move with the **arrow keys** on your keyboard or the arrow buttons under the "
        "world. Walls (dark cells) and the edge cannot be crossed. "
        + ("The first world is practice." if step.walks_total > 0 else "")
    )
    st.button("Start", key=state.START, type="primary", on_click=_start, args=(engine, token))


def _walk(engine: Engine, token: str, step: DemoStep) -> None:
    walk = step.walk
    assert walk is not None and step.features is not None
    phase = "Practice world" if walk.practice else "World"
    st.markdown(f"### {phase} {walk.number} of {walk.phase_total}")
    if step.walks_total:
        st.progress(
            step.walks_done / step.walks_total,
            text=f"{step.walks_done} of {step.walks_total} worlds done",
        )
    if not walk.ended and (walk.deadline_at is not None or step.session_deadline_at is not None):
        widgets.countdown(walk.deadline_at, step.session_deadline_at, what="this walk")
    with st.expander("Your values", expanded=True):
        _profile(step)
    board(engine, token, step.features)


def _next(engine: Engine, token: str, walk_id: int) -> None:
    try:
        acknowledge_practice(engine, token, walk_id, now=backend.now)
    except HHValuesError as exc:
        faults.notice(exc, token, "practice")


def _practice_done(engine: Engine, token: str, step: DemoStep) -> None:
    walk = step.walk
    assert walk is not None and step.features is not None
    st.title("Practice done")
    st.markdown(
        f"You scored **{walk.score:g}** points in {len(walk.path)} steps"
        + (f" (best possible: **{step.optimal:g}**)." if step.optimal is not None else ".")
    )
    show_walk(step.features, walk.grid, walk.path, walk.horizon)
    st.markdown("Next come the worlds that are recorded. Keep the same values in mind.")
    st.button(
        "Continue", key=state.NEXT, type="primary", on_click=_next, args=(engine, token, walk.id)
    )


def render(engine: Engine, token: str) -> None:
    """Show this link's current page (called by the participant flow)."""
    step = demo_step(engine, token, now=backend.now)
    if step.kind is not DemoStepKind.WALK:  # the board shows notices inside its fragment
        widgets.show_notice()
    if step.kind in (DemoStepKind.INVALID, DemoStepKind.CLOSED):
        problem.invalid(step.message)
    elif step.kind is DemoStepKind.CONSENT:
        consent.render(engine, token, Step(StepKind.CONSENT, consent_text=step.consent_text))
    elif step.kind is DemoStepKind.INTAKE:
        intake.render(engine, token, Step(StepKind.INTAKE, intake=step.intake))
    elif step.kind is DemoStepKind.INSTRUCTIONS:
        _instructions(engine, token, step)
    elif step.kind is DemoStepKind.WALK:
        _walk(engine, token, step)
    elif step.kind is DemoStepKind.PRACTICE_DONE:
        _practice_done(engine, token, step)
    else:
        done.render(
            engine,
            token,
            Step(
                StepKind.DONE,
                completion_code=step.completion_code,
                redirect_url=step.redirect_url,
                timed_out=step.timed_out,
            ),
        )


__all__ = ["render"]
