"""Shared display pieces: exact-PNG images, cached stimuli, the countdown fragment, notices.

Images go to the browser as ``data:image/png;base64`` URIs of the bytes the core rendered:
``st.image`` passes such a URI through untouched (no resize, no re-encode, no ``/media`` file),
so the pixels shown are the ones hashed into each answer's ``stimulus`` (STREAMLIT.md rule 6).
"""

from __future__ import annotations

import base64
import json
import math
from datetime import datetime

import streamlit as st

from hhvalues.core.bank import Bank, Item
from hhvalues.core.features import FeatureSet
from hhvalues.core.probes import Probe
from hhvalues.core.render import (
    ItemStimulus,
    item_stimulus,
    probe_question,
    render_demo_png,
    stimulus_hash,
)
from hhvalues.store.db import GRACE
from hhvalues.store.participation import ItemView
from hhvalues.ui import backend, state


def png_uri(png: bytes) -> str:
    """The PNG bytes as a data URI (what the browser receives, byte for byte)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


IMAGE_WIDTH = 520
"""Largest display width in CSS pixels; the browser scales, the bytes stay the rendered ones."""


def show_png(
    png: bytes, *, alt: str, caption: str | None = None, width: int | str = IMAGE_WIDTH
) -> None:
    """Show exact PNG bytes (never a PIL image, which Streamlit would re-encode as JPEG), with
    its text alternative (``alt``: the words a model reads for the same picture)."""
    st.image(png_uri(png), caption=caption, width=width, alt=alt)  # type: ignore[arg-type]


def _order_key(view: ItemView) -> tuple[tuple[str, str, str], ...]:
    return tuple((pid, *sides) for pid, sides in sorted(view.order.items()))


@st.cache_data(show_spinner=False, max_entries=4096)
def _stimulus(
    bank_hash: str, item_id: str, order: tuple[tuple[str, str, str], ...], _bank: Bank, _item: Item
) -> ItemStimulus:
    return item_stimulus(_bank, _item, order={pid: (a, b) for pid, a, b in order})


def stimulus(view: ItemView) -> ItemStimulus:
    """The item's images and option texts in this participant's display order (cached)."""
    return _stimulus(view.bank.content_hash, view.item.id, _order_key(view), view.bank, view.item)


def shown_hash(view: ItemView, stim: ItemStimulus) -> str:
    """Hash of what the item page shows: everything when probes are asked, else the walks."""
    if view.asks_choices:
        return stimulus_hash(stim.pictures, stim.texts)
    return stimulus_hash((*stim.images[: len(view.item.demos)], stim.legend), ())


@st.cache_data(show_spinner=False, max_entries=4096)
def _replay(bank_hash: str, item_id: str, demo: int, upto: int, _bank: Bank, _item: Item) -> bytes:
    d = _item.demos[demo]
    return render_demo_png(_bank.features, d.grid, d.path, horizon=_bank.model.horizon, upto=upto)


def replay_png(view: ItemView, demo: int, upto: int) -> bytes:
    """The demonstration's first ``upto`` steps (cached)."""
    return _replay(view.bank.content_hash, view.item.id, demo, upto, view.bank, view.item)


def question(features: FeatureSet, probe: Probe) -> str:
    """A probe's question: the words the models are sent, feature names in bold."""
    return probe_question(features, probe, mark=lambda label: f"**{label}**")


def show_notice() -> None:
    """Show the one-shot message left by a callback, if any."""
    notice = state.pop_notice()
    if notice is not None:
        getattr(st, notice[0], st.info)(notice[1])


def _seconds(until: datetime, at: datetime) -> int:
    return max(0, math.ceil((until - at).total_seconds()))


LOW_SECONDS = 20
"""The timer turns amber when this many seconds or fewer are left."""
TIME_UP = (
    "Time ran out for the last question set. The answers you had selected were kept; a "
    "question left unanswered counts as wrong."
)
"""The notice on the page after an item whose time ran out while it was shown."""

# The participant pages' own layout: a bar pinned to the top of the viewport (title and timer,
# amber when time is short) in place of Streamlit's header, tight margins so an item fits one
# screen, darker small print (Streamlit's caption grey is 4.4:1 on white, below WCAG AA), and
# the walks' columns kept side by side on a phone.
STYLE = """<style>
header[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding: 3.6rem 1rem 1.5rem; max-width: 1280px; }
.st-key-hhv-bar {
  position: fixed; top: 0; left: 0; right: 0; z-index: 999990; gap: 0.1rem 1.2rem;
  padding: 0.35rem 1rem; background: #ffffff; border-bottom: 1px solid #c9ced6;
  min-height: 2.9rem; align-items: center;
}
.st-key-hhv-bar:has(.st-key-timer-low) { background: #ffd766; border-bottom-color: #b07d00; }
.st-key-hhv-bar p { margin: 0; }
.st-key-hhv-bar [data-testid="stHeading"] h2 { font-size: 1.15rem; padding: 0; margin: 0; }
.st-key-countdown p { font-size: 1.15rem; font-weight: 700; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stImageCaption"] { color: #4d5259 !important; }
.st-key-hhv-walks [data-testid="stColumn"] { min-width: 0 !important; }
.st-key-hhv-item [data-testid="stVerticalBlock"] { gap: 0.45rem; }
.st-key-hhv-item [data-testid="stSlider"] { padding-top: 0; }
.st-key-hhv-item [data-testid="stMarkdownContainer"] p { margin-bottom: 0.15rem; }
</style>"""


def style() -> None:
    """The participant pages' layout rules (see :data:`STYLE`)."""
    st.html(STYLE)


def scroll_to_top(page_id: str) -> None:
    """Start a new page at its top: Streamlit keeps the last page's scroll position, which left
    participants at the bottom of the next item. Runs once per new page of this session."""
    if st.session_state.get(state.SHOWN_PAGE) == page_id:
        return
    st.session_state[state.SHOWN_PAGE] = page_id
    st.html(
        f"<script data-page={json.dumps(page_id)}>(() => {{ const top = () => {{"
        " for (const el of document.querySelectorAll("
        "'[data-testid=stMain], [data-testid=stAppViewContainer]')) el.scrollTop = 0;"
        " window.scrollTo(0, 0); }; top(); setTimeout(top, 60); setTimeout(top, 400);"
        " if (document.activeElement) document.activeElement.blur(); })();</script>",
        unsafe_allow_javascript=True,
    )


def countdown(
    deadline_at: datetime | None,
    session_deadline_at: datetime | None,
    what: str = "this question set",
    *,
    title: str = "",
) -> None:
    """The bar pinned to the top of the page: ``title``, then the seconds left for ``what``
    (keyed ``countdown``; amber in the last :data:`LOW_SECONDS`) and the session minutes left.

    Display only: the deadlines come from the database and the store enforces them. The title
    is drawn by the page and only the numbers by the timer fragment: a browser reruns it every
    second, and every run holds the server for Streamlit's own ~5 ms plus what it draws.
    """
    with st.container(key=state.BAR, horizontal=True, gap=None):
        if title:
            st.markdown(f"## {title}")
        if deadline_at is not None or session_deadline_at is not None:
            _time_left(deadline_at, session_deadline_at, what)


@st.fragment(run_every="1s")
def _time_left(
    deadline_at: datetime | None, session_deadline_at: datetime | None, what: str
) -> None:
    """Once a deadline has passed (plus the store's grace) the whole app reruns, so the server
    records the timeout and moves on; the next page says why."""
    at = backend.now()
    if any(at > d + GRACE for d in (deadline_at, session_deadline_at) if d is not None):
        if deadline_at is not None and at > deadline_at + GRACE:
            state.set_notice("warning", TIME_UP)
        st.rerun(scope="app")
    with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
        if deadline_at is not None:
            left = _seconds(deadline_at, at)
            low = left <= LOW_SECONDS
            with st.container(key="timer-low" if low else "timer", horizontal=True, gap="small"):
                st.markdown(f":material/timer: Time left for {what}:")
                with st.container(key=state.COUNTDOWN, width="content"):
                    st.markdown(f"{left} s")
        if session_deadline_at is not None:
            minutes = math.ceil(_seconds(session_deadline_at, at) / 60)
            st.markdown(f"Whole session: about {minutes} min left")


__all__ = [
    "LOW_SECONDS",
    "STYLE",
    "TIME_UP",
    "countdown",
    "png_uri",
    "question",
    "replay_png",
    "scroll_to_top",
    "show_notice",
    "show_png",
    "shown_hash",
    "stimulus",
    "style",
]
