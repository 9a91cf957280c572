"""The answer widgets of an item and their callbacks: drafts on every change, one submit.

Widget values live under stable keys scoped to the item (``probe-<id>``,
``hypothesis-<feature>``, ``confidence-<id>``, ``rationale``, each ``~~<item id>``:
:func:`hhvalues.ui.state.scoped`). They are filled from the stored draft whenever another item
appears or a session starts (a refresh), and every change is saved at once as a draft
so a timeout, a refresh or a crash keeps what was selected.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy import Engine

from hhvalues.core.explain import hypothesis_scale
from hhvalues.errors import InputError, StoreError
from hhvalues.store.participation import ItemView, save_draft, submit
from hhvalues.ui import backend, faults, state

CONFIDENCE_DEFAULT = 75
SUBMITTED_ELSEWHERE = (
    "That question set had already been submitted in another tab or window, so the choices "
    "on this page were not saved. Here is where your session is now."
)
"""The notice of a submit that came second, from a page left open in another tab."""
ALREADY_FINAL = (
    "That question set was already finished (submitted in another tab or window, or its time "
    "ran out), so your last change was not saved. Here is where your session is now."
)
"""The notice of a change made on a page whose item is final already."""


def seed(view: ItemView) -> None:
    """Fill the widgets from the stored draft when this session has not shown this item yet."""
    if st.session_state.get(state.SEEDED_ITEM) == view.item.id:
        return
    d, ss, item = view.draft, st.session_state, view.item.id
    for probe in view.item.probes:
        ss[state.probe_key(probe.id, item)] = d.choices.get(probe.id)
        conf = (d.confidence or {}).get(probe.id)
        ss[state.confidence_key(probe.id, item)] = (
            CONFIDENCE_DEFAULT if conf is None else round(conf * 100)
        )
    for f, (lo, hi) in hypothesis_scale(view.bank.features, view.bank.model).items():
        ss[state.hypothesis_key(f, item)] = min(max(round((d.hypothesis or {}).get(f, 0)), lo), hi)
    ss[state.scoped(state.RATIONALE, item)] = d.rationale
    ss[state.SEEDED_ITEM] = view.item.id


def _values(view: ItemView) -> dict[str, Any]:
    """Everything entered so far, as the store's save_draft/submit take it."""
    ss, probes, item = st.session_state, view.item.probes, view.item.id
    out: dict[str, Any] = {}
    if view.asks_choices:
        out["choices"] = {p.id: ss.get(state.probe_key(p.id, item)) for p in probes}
        if view.asks_confidence:
            out["confidence"] = {
                p.id: ss.get(state.confidence_key(p.id, item), CONFIDENCE_DEFAULT) / 100
                for p in probes
                if ss.get(state.probe_key(p.id, item)) is not None
            }
    if view.asks_hypothesis:
        scale = hypothesis_scale(view.bank.features, view.bank.model)
        out["hypothesis"] = {
            f: float(lo if lo == hi else ss.get(state.hypothesis_key(f, item), 0))
            for f, (lo, hi) in scale.items()
        }
    if view.asks_rationale:
        out["rationale"] = str(ss.get(state.scoped(state.RATIONALE, item)) or "")
    return out


def save(engine: Engine, token: str, view: ItemView) -> None:
    """on_change of every answer widget: upsert the draft."""
    try:
        saved = save_draft(engine, token, view.item.id, **_values(view), now=backend.now)
    except (InputError, StoreError) as exc:
        faults.notice(exc, token, "save_draft", lead="Your last change could not be saved: ")
        return
    if not saved:  # final already: answered in another tab, or its time ran out
        state.set_notice("warning", ALREADY_FINAL)


def do_submit(engine: Engine, token: str, view: ItemView, stimulus: str) -> None:
    """on_click of ``submit``: store the final answer once (the store makes it idempotent)."""
    values = _values(view)
    missing = [p for p, c in values.get("choices", {}).items() if c is None]
    if missing and view.seconds_left(backend.now()) != 0:
        state.set_notice("warning", "Please answer every question before submitting.")
        return
    try:
        result = submit(engine, token, view.item.id, **values, stimulus=stimulus, now=backend.now)
    except (InputError, StoreError) as exc:
        faults.notice(exc, token, "submit", lead="Your answer could not be saved: ")
        return
    submitted = st.session_state.setdefault(state.SUBMITTED, set())
    # a submit after the deadline stored what was selected as a timeout: the next page says so
    # (Step.time_up), from the database, so a refresh says it again
    if (
        result.status != "timeout" and result.duplicate and view.item.id not in submitted
    ):  # not a double click of this tab
        state.set_notice("warning", SUBMITTED_ELSEWHERE)
    submitted.add(view.item.id)


def widgets(engine: Engine, token: str, view: ItemView) -> None:
    """Hypothesis sliders, rationale: the parts below the probes."""
    args = (engine, token, view)
    if view.asks_hypothesis:
        st.markdown(
            "**How much does this person like or dislike each thing?** "
            "(below 0 = avoids or minds it, 0 = does not care, above 0 = seeks it out)"
        )
        scale = hypothesis_scale(view.bank.features, view.bank.model)
        for f in view.bank.features:
            lo, hi = scale[f.id]
            if lo < hi:
                st.slider(
                    f.label,
                    lo,
                    hi,
                    step=1,
                    key=state.hypothesis_key(f.id, view.item.id),
                    on_change=save,
                    args=args,
                )
    if view.asks_rationale:
        st.text_area(
            "Why? (optional)",
            key=state.scoped(state.RATIONALE, view.item.id),
            max_chars=2000,
            on_change=save,
            args=args,
            placeholder="A sentence or two about what gave it away",
        )


__all__ = [
    "ALREADY_FINAL",
    "CONFIDENCE_DEFAULT",
    "SUBMITTED_ELSEWHERE",
    "do_submit",
    "save",
    "seed",
    "widgets",
]
