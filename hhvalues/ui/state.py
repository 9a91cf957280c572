"""Widget keys (stable selectors for browser tests and bots) and session-state keys.

Session state only caches display things (which item the widgets were seeded for, a one-shot
notice); the participant's state itself is rebuilt from the database on every run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

# --- widget keys: stable selectors (CSS class ``st-key-<key>``) -------------------------------
CONSENT = "consent"
"""Button: agree to take part."""
DECLINE = "decline"
"""Button: refuse; nothing is stored but the refusal."""
START = "start"
"""Button on the instructions page: start the session clock."""
SUBMIT = "submit"
"""Button: submit the current item (scoped to it, see :func:`scoped`)."""
NEXT = "next"
"""Button on a training feedback page: go on."""
COUNTDOWN = "countdown"
"""Container showing the item's remaining seconds (a bare number)."""
RATIONALE = "rationale"
"""Text area: why (when the study asks)."""
INTAKE_FORM = "intake"
"""Form of the intake questions; each question is ``intake-<question id>``."""


SCOPE = "~~"
"""Between an answer widget's key and the item it belongs to (no id contains ``~``; the CSS
class ``st-key-…`` shows it as ``--``)."""


def scoped(key: str, item_id: str) -> str:
    """The key of an answer widget on the page of item ``item_id``: ``<key>~~<item id>``.

    Every answer widget (each probe's radio and confidence, the hypothesis sliders, the
    rationale, submit) is keyed per item, so it is a different widget on the next item: a
    click sent from a page that was already replaced (the old item's radio at 0 s, a second
    click landing while the next item is drawn) names a widget the new page does not have,
    and Streamlit drops it instead of applying it to the option of the same key there."""
    return f"{key}{SCOPE}{item_id}"


def unscoped(key: str) -> str:
    """The key without its item (``probe-p1~~i003`` → ``probe-p1``)."""
    return key.partition(SCOPE)[0]


def probe_key(probe_id: str, item_id: str) -> str:
    """Radio of one probe: ``probe-<probe id>`` (scoped), value ``"A"`` or ``"B"`` as shown."""
    return scoped(f"probe-{probe_id}", item_id)


def hypothesis_key(feature_id: str, item_id: str) -> str:
    """Slider of one feature: ``hypothesis-<feature id>`` (scoped)."""
    return scoped(f"hypothesis-{feature_id}", item_id)


def confidence_key(probe_id: str, item_id: str) -> str:
    """Slider 50..100 (%) of one probe: ``confidence-<probe id>`` (scoped)."""
    return scoped(f"confidence-{probe_id}", item_id)


def replay_key(item_id: str, demo: int) -> str:
    """Slider of the step-by-step replay of one demonstration."""
    return f"replay-{item_id}-{demo}"


def intake_key(question_id: str) -> str:
    """Input of one intake question."""
    return f"intake-{question_id}"


TIME_UP = "hhv-time-up"
"""Container of the notice that the last item's time ran out."""

# --- session-state keys (display cache only) -------------------------------------------------
BAR = "hhv-bar"
"""Key of the bar pinned to the top of a participant page (title and timer)."""
SHOWN_PAGE = "hhv.shown_page"
"""Session state: which participant page this browser session showed last (scroll to top on
a new one)."""
GUARD = "hhv.guard"
"""Session state: the page this run drew anew, whose last script lifts its click guard."""
STIMULUS = "hhv.stimulus"
"""Session state: (key, ItemStimulus) of the item this session showed last (a display cache)."""
SEEDED_ITEM = "hhv.seeded_item"
"""Item id whose answer widgets were last filled from the stored draft."""
NOTICE = "hhv.notice"
"""A one-shot message for the next run, as (level, text)."""
DECLINED = "hhv.declined"
"""Set when this session just declined, to thank instead of calling the link used up: the
study's (decline code, decline URL, contact), kept here since the participant row keeps
nothing after a refusal."""
STUDY_KIND = "hhv.study_kind"
"""(token, kind of its study): fixed when the study is created, so read once per session."""
KEEP_TOKEN = "hhv.keep_token"
"""(cookie name, token) this browser keeps: set when it enrolled through a study link."""
SUBMITTED = "hhv.submitted"
"""Item ids this session submitted: a duplicate of one of them is a double click, of another
item one submitted elsewhere (a second tab)."""


def set_notice(level: str, text: str) -> None:
    """Show ``text`` once on the next run (``level``: info, success, warning, error)."""
    st.session_state[NOTICE] = (level, text)


def has_notice() -> bool:
    """Whether a callback left a message the page has not shown yet."""
    return NOTICE in st.session_state


def pop_notice() -> tuple[str, str] | None:
    """The pending one-shot message, removed."""
    value: Any = st.session_state.pop(NOTICE, None)
    return value if isinstance(value, tuple) else None


__all__ = [
    "BAR",
    "CONSENT",
    "COUNTDOWN",
    "DECLINE",
    "DECLINED",
    "GUARD",
    "INTAKE_FORM",
    "KEEP_TOKEN",
    "NEXT",
    "NOTICE",
    "RATIONALE",
    "SCOPE",
    "SEEDED_ITEM",
    "SHOWN_PAGE",
    "START",
    "STIMULUS",
    "SUBMIT",
    "SUBMITTED",
    "TIME_UP",
    "confidence_key",
    "has_notice",
    "hypothesis_key",
    "intake_key",
    "pop_notice",
    "probe_key",
    "replay_key",
    "scoped",
    "set_notice",
    "unscoped",
]
