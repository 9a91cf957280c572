"""The participant page: read the link, rebuild the state from the database, show that step.

A link of a demonstration study goes to :mod:`hhvalues.ui.demonstrate`, any other to the answer
flow's pages in :mod:`hhvalues.ui.participant`. Every run asks the store for the current
:class:`Step`; nothing about the participant's progress is kept in session
state. Store and link errors are caught here, at the page top, and shown as a plain page without
exception text (the detail goes to the server log, see :mod:`hhvalues.ui.faults`).

A platform's link (``?study=SLUG&PROLIFIC_PID=...``) carries no secret of ours, and a PID is
not one either. So the browser that enrols through a study link keeps the participant's token
in a cookie (:func:`_keep_in_browser`, set by a line of JavaScript, since Streamlit can only
read cookies) and in its session state (cookies are read once per browser session): coming
back with that PID resumes the session only in a browser that holds the token, and any other
browser is refused; without a PID, the same browser goes on with its session while it is under
way (the browser's Back button returns to the ``?study=`` link), see
:func:`hhvalues.store.participation.enrol`.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from sqlalchemy import Engine

from hhvalues.errors import HHValuesError, LinkError
from hhvalues.store.demonstration import token_study_kind
from hhvalues.store.participation import (
    DECLINED,
    EXTERNAL_KEYS,
    TAKEN,
    Step,
    StepKind,
    current_step,
    enrol,
)
from hhvalues.store.studies import StudyKind
from hhvalues.ui import backend, faults, server_tuning, state, widgets
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

NO_GRACE = timedelta(0)
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


COOKIE_DAYS = 30
"""How long a browser keeps a participant's token for coming back through the platform link."""


def cookie_name(slug: str) -> str:
    """The cookie holding the token of the participant this browser enrolled in study ``slug``."""
    return f"hhv-{slug}"


def _token_from_link() -> str | None:
    """The token of ``?t=``, minting one for ``?study=`` (then ``t`` replaces it in the URL)."""
    if _single(server_tuning.OVERSIZED_PARAM) is not None:
        raise LinkError("this link is not valid: it is far too long")
    token = _single("t")
    if token is not None:
        return token
    slug = _single("study")
    if slug is None:
        return None
    params = {k: v for k in EXTERNAL_KEYS if (v := _single(k))}
    kept = st.session_state.get(state.KEEP_TOKEN)
    if not (kept and kept[0] == cookie_name(slug)):  # a Back in this browser session, or not
        kept = (None, st.context.cookies.get(cookie_name(slug)) if isinstance(slug, str) else None)
    result = enrol(backend.engine(), slug, params=params, browser_token=kept[1], now=backend.now)
    st.query_params.from_dict({"t": result.token})  # a refresh now resumes this participant
    st.session_state[state.KEEP_TOKEN] = (cookie_name(slug), result.token)
    return result.token


def _keep_in_browser() -> None:
    """Set the cookie of a participant enrolled with a PID in this browser session (every run
    of the session until a reload: the first run may be cut short; setting it again is
    harmless). Names and tokens are URL-safe characters, so they need no quoting."""
    kept = st.session_state.get(state.KEEP_TOKEN)
    if not kept:
        return
    name, token = kept
    st.html(
        f"<script>document.cookie = '{name}={token}; path=/; "
        f"max-age={COOKIE_DAYS * 86400}; SameSite=Lax';</script>",
        unsafe_allow_javascript=True,
    )


def _study_kind(engine: Engine, token: str) -> str | None:
    """The kind of the token's study, looked up once per browser session."""
    known = st.session_state.get(state.STUDY_KIND)
    if known is not None and known[0] == token:
        return str(known[1])
    kind = token_study_kind(engine, token)
    if kind is not None:
        st.session_state[state.STUDY_KIND] = (token, kind)
    return kind


def _refused(message: str, *, closed: bool = False, contact: str = "") -> None:
    """The page of a link refused: a participant who declined is thanked again; a closed
    study says so (there is nothing to check in the link); one whose session lives in another
    browser is told what to do, not to check the link."""
    if message == DECLINED:
        problem.declined(earlier=True, contact=contact)
    elif closed:
        problem.closed(contact)
    else:
        problem.invalid(message, check_link=message != TAKEN, contact=contact)


def _page_id(step: Step) -> str:
    """Which page this is: a new one (another step or item) starts scrolled to its top."""
    item = step.item.item.id if step.item is not None else ""
    return f"{step.kind.value}:{item}:{step.feedback_item or ''}"


def render() -> None:
    """Run the participant page for this request."""
    widgets.style()
    _render()
    widgets.page_ready()  # not in a finally: an interrupted run leaves it to the next one


def _render() -> None:
    if declined := st.session_state.get(state.DECLINED):
        widgets.scroll_to_top("declined")
        code, url, contact = declined if isinstance(declined, tuple) else ("", None, "")
        problem.declined(code=code, url=url, contact=contact)
        return
    token: str | None = None
    try:
        token = _token_from_link()
        if token is None:
            landing.render(backend.engine())
            return
        eng = backend.engine()
        if _study_kind(eng, token) == StudyKind.DEMONSTRATE.value:
            demonstrate_page.render(eng, token)
            _keep_in_browser()
            return
        # No grace here: the browser took no input after its countdown reached 0, so a page
        # drawn past a deadline ends that item now (the store's grace is for answers in flight).
        step = current_step(eng, token, now=backend.now, grace=NO_GRACE)
        if step.kind in (StepKind.INVALID, StepKind.CLOSED):
            widgets.scroll_to_top(f"refused:{step.message}")
            _refused(step.message, closed=step.kind is StepKind.CLOSED, contact=step.contact)
            return
        widgets.scroll_to_top(_page_id(step))
        widgets.show_notice()
        if step.time_up is not None:
            widgets.time_up_notice(step.time_up)
        _PAGES[step.kind](eng, token, step)
        _keep_in_browser()
    except LinkError as exc:
        widgets.scroll_to_top(f"refused:{exc.message}")
        _refused(exc.message, closed=exc.closed, contact=exc.contact)
    except HHValuesError as exc:  # StoreError: the database is away; anything else is a bug
        faults.log_failure(exc, token, "participant page")
        widgets.scroll_to_top("unavailable")
        problem.unavailable()


__all__ = ["COOKIE_DAYS", "cookie_name", "render"]
