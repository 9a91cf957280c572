"""Feedback on a submitted practice item: the right answers and the person's true values.

The one place truth reaches a participant, through the store's ``training_feedback`` (which
refuses any test item and any item not yet submitted).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.explain import describe_values, explain_answer
from hhvalues.errors import HHValuesError
from hhvalues.store.participation import Step, acknowledge_feedback, training_feedback
from hhvalues.ui import backend, faults, state, widgets
from hhvalues.ui.participant.item import display_order


def _go_on(engine: Engine, token: str, item_id: str) -> None:
    try:
        acknowledge_feedback(engine, token, item_id, now=backend.now)
    except HHValuesError as exc:
        faults.notice(exc, token, "feedback")


def render(engine: Engine, token: str, step: Step) -> None:
    """How the answers compare with the truth of this practice item, and ``next``."""
    view, item_id = step.item, step.feedback_item
    assert view is not None and item_id is not None
    fb = training_feedback(engine, token, item_id)
    stim = widgets.stimulus(view)
    st.title(f"Practice {view.number} of {view.phase_total}: the answers")
    right = sum(fb.chosen.get(p) == c for p, c in fb.correct.items())
    st.markdown(f"You got **{right} of {len(fb.correct)}** right.")
    for n, k in enumerate(display_order(view.item.probes), start=1):  # as the item page
        probe = view.item.probes[k]
        texts = {"A": stim.texts[2 * k], "B": stim.texts[2 * k + 1]}
        correct, chosen = fb.correct.get(probe.id), fb.chosen.get(probe.id)
        mark = ":green[:material/check_circle:]" if chosen == correct else ":red[:material/cancel:]"
        yours = f"{chosen}: {texts[chosen]}" if chosen else "no answer"
        why = ""
        if correct:
            bank_side = view.order.get(probe.id, ("A", "B"))["AB".index(correct)]
            why = "  \n" + explain_answer(view.bank, view.item, probe, bank_side, fb.weights)
        st.markdown(
            f"{mark} {n}. {widgets.question(view, probe)}  \n"
            f"Right answer — **{correct}: {texts[correct] if correct else ''}**  \n"
            f"Your answer — {yours}{why}"
        )
    st.markdown("**What this person really valued:**")
    st.markdown(
        "\n".join(
            f"- {line}"
            for line in describe_values(
                view.bank.features, view.bank.model, fb.weights, view.bank.step_cost
            )
        )
    )
    with st.expander("See the walks again"), st.container(key="hhv-walks"):
        walks = len(view.item.demos)  # the item page's walks: one to a row on a phone
        for col, png, alt in zip(
            st.columns(walks, wrap=False), stim.images[:walks], stim.alts[:walks], strict=True
        ):
            with col:
                widgets.show_png(png, alt=alt, width=330)
        widgets.show_legend(stim.legend, alt=stim.alts[-1], width=510)
    st.button(
        "Continue", key=state.NEXT, type="primary", on_click=_go_on, args=(engine, token, item_id)
    )


__all__ = ["render"]
