"""The participant page: read the link, rebuild the state from the database, show that step.

A link of a demonstration study goes to :mod:`hhvalues.ui.demonstrate`, any other to the answer
flow's pages in :mod:`hhvalues.ui.participant`. Every run asks the store for the current
:class:`Step` (STREAMLIT.md rule 1); nothing about the participant's progress is kept in session
state. Store and link errors are caught here, at the page top, and shown as a plain page without
exception text.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy import Engine

from hhvalues.errors import HHValuesError, LinkError, StoreError
from hhvalues.store.demonstration import token_study_kind
from hhvalues.store.participation import EXTERNAL_KEYS, StepKind, current_step, enrol
from hhvalues.store.studies import StudyKind
from hhvalues.ui import backend, state, widgets
from hhvalues.ui.demonstrate import page as demonstrate_page
from hhvalues.ui.participant import (
    consent,
    done,
    feedback,
    instructions,
    intake,
    item,
    landing,
    problem,
)

_log = logging.getLogger(__name__)
_PAGES = {
    StepKind.CONSENT: consent.render,
    StepKind.INTAKE: intake.render,
    StepKind.INSTRUCTIONS: instructions.render,
    StepKind.ITEM: item.render,
    StepKind.FEEDBACK: feedback.render,
    StepKind.DONE: done.render,
}


def _single(name: str) -> str | None:
    """One query parameter; LinkError when it is repeated (a tampered link)."""
    values = st.query_params.get_all(name)
    if len(values) > 1:
        raise LinkError(f"this link is not valid: '{name}' appears more than once")
    return values[0] if values else None


def _token_from_link() -> str | None:
    """The token of ``?t=``, minting one for ``?study=`` (then ``t`` replaces it in the URL)."""
    token = _single("t")
    if token is not None:
        return token
    slug = _single("study")
    if slug is None:
        return None
    params = {k: _single(k) for k in EXTERNAL_KEYS}
    result = enrol(
        backend.engine(), slug, params={k: v for k, v in params.items() if v}, now=backend.now
    )
    st.query_params.from_dict({"t": result.token})  # a refresh now resumes this participant
    return result.token


def _study_kind(engine: Engine, token: str) -> str | None:
    """The kind of the token's study, looked up once per browser session."""
    known = st.session_state.get(state.STUDY_KIND)
    if known is not None and known[0] == token:
        return str(known[1])
    kind = token_study_kind(engine, token)
    if kind is not None:
        st.session_state[state.STUDY_KIND] = (token, kind)
    return kind


def render() -> None:
    """Run the participant page for this request."""
    if st.session_state.get(state.DECLINED):
        problem.declined()
        return
    try:
        token = _token_from_link()
        if token is None:
            landing.render(backend.engine())
            return
        eng = backend.engine()
        if _study_kind(eng, token) == StudyKind.DEMONSTRATE.value:
            demonstrate_page.render(eng, token)
            return
        step = current_step(eng, token, now=backend.now)
        if step.kind in (StepKind.INVALID, StepKind.CLOSED):
            problem.invalid(step.message)
            return
        widgets.show_notice()
        _PAGES[step.kind](eng, token, step)
    except LinkError as exc:
        problem.invalid(exc.message)
    except StoreError:
        _log.exception("database unavailable")
        problem.unavailable()
    except HHValuesError:
        _log.exception("participant page failed")
        problem.unavailable()


__all__ = ["render"]
