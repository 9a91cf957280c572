"""Shared display pieces: exact-PNG images, cached stimuli, the countdown fragment, notices.

Images go to the browser as ``data:image/png;base64`` URIs of the bytes the core rendered:
``st.image`` passes such a URI through untouched (no resize, no re-encode, no ``/media`` file),
so the pixels shown are the ones hashed into each answer's ``stimulus`` (STREAMLIT.md rule 6).
"""

from __future__ import annotations

import base64
import html
import json
import math
from datetime import datetime
from typing import cast

import streamlit as st

from hhvalues.core.bank import Bank, Item
from hhvalues.core.probes import Probe
from hhvalues.core.render import (
    ItemStimulus,
    item_stimulus,
    page_stimulus_hash,
    question_words,
    render_demo_png,
)
from hhvalues.store.db import GRACE
from hhvalues.store.participation import ItemView, TimeUp
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
    bank_hash: str,
    item_id: str,
    order: tuple[tuple[str, str, str], ...],
    questions: bool,
    _bank: Bank,
    _item: Item,
) -> ItemStimulus:
    order_of = {pid: (a, b) for pid, a, b in order}
    return item_stimulus(_bank, _item, order=order_of, questions=questions)


def stimulus(view: ItemView) -> ItemStimulus:
    """The item's images and option texts in this participant's display order, as the page
    shows them (no predict maps when it asks no question; cached).

    The browser session keeps the one it showed last: a ``st.cache_data`` lookup costs about
    0.5–0.8 ms, a twentieth of the item page's whole run, and the page asks again at every run."""
    key = (view.bank.content_hash, view.item.id, _order_key(view), view.asks_choices)
    shown = st.session_state.get(state.STIMULUS)
    if shown is not None and shown[0] == key:
        return cast(ItemStimulus, shown[1])
    stim = _stimulus(*key, view.bank, view.item)
    st.session_state[state.STIMULUS] = (key, stim)
    return stim


def shown_hash(view: ItemView, stim: ItemStimulus) -> str:
    """Hash of what the item page shows (:func:`~hhvalues.core.render.page_stimulus_hash`)."""
    return page_stimulus_hash(stim, len(view.item.demos), choices=view.asks_choices)


@st.cache_data(show_spinner=False, max_entries=4096)
def _replay(bank_hash: str, item_id: str, demo: int, upto: int, _bank: Bank, _item: Item) -> bytes:
    d = _item.demos[demo]
    return render_demo_png(_bank.features, d.grid, d.path, horizon=_bank.model.horizon, upto=upto)


def replay_png(view: ItemView, demo: int, upto: int) -> bytes:
    """The demonstration's first ``upto`` steps (cached)."""
    return _replay(view.bank.content_hash, view.item.id, demo, upto, view.bank, view.item)


def question(view: ItemView, probe: Probe) -> str:
    """A probe's question in this participant's display order: the words the models are sent,
    feature names in bold."""
    return question_words(
        view.bank, probe, order=dict(view.order), mark=lambda label: f"**{label}**"
    )[0]


def show_notice() -> None:
    """Show the one-shot message left by a callback, if any."""
    notice = state.pop_notice()
    if notice is not None:
        getattr(st, notice[0], st.info)(notice[1])


def _seconds(until: datetime, at: datetime) -> int:
    return max(0, math.ceil((until - at).total_seconds()))


LOW_SECONDS = 20
"""The timer turns amber when this many seconds or fewer are left."""


# The participant pages' own layout: a bar pinned to the top of the viewport (title and timer,
# amber when time is short) in place of Streamlit's header, tight margins so an item fits one
# screen, each question's fragment drawn as a card, darker small print (Streamlit's caption
# grey is 4.4:1 on white, below WCAG AA), and the walks side by side on a phone, two to a row
# (three in one row are too small to read there).
STYLE = """<style>
header[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding: 1.2rem 1rem 1.5rem; max-width: 1280px; }
[data-testid="stMainBlockContainer"]:has(.st-key-hhv-bar) { padding-top: 2.6rem; }
.st-key-hhv-bar {
  position: fixed; top: 0; left: 0; right: 0; z-index: 999990; gap: 0 1.2rem;
  padding: 0.45rem 1rem; background: #ffffff; border-bottom: 1px solid #8a9099;
  align-items: center; font-size: 1rem;
}
.st-key-hhv-bar:has(.hhv-clock[data-low]) { background: #ffd766; border-bottom-color: #7a5600; }
.hhv-clock { display: flex; flex-wrap: wrap; gap: 0 1.2rem; align-items: baseline; }
.hhv-clock .hhv-session { font-size: 0.9rem; }
.st-key-hhv-bar p, .st-key-hhv-bar div { margin-top: 0 !important; margin-bottom: 0 !important; }
.st-key-hhv-bar [data-testid="stMarkdownContainer"] p { font-size: 1.1rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stImageCaption"], .stCaptionContainer, .stCaptionContainer p {
  color: #4d5259 !important; opacity: 1 !important;
}
.st-key-hhv-walks [data-testid="stColumn"] { min-width: 0 !important; }
[data-testid="stMainBlockContainer"]:has([class*="st-key-probe-"], [class*="st-key-replay-"])
  [data-testid="stVerticalBlock"] { gap: 0.4rem; }
[data-testid="stVerticalBlock"]:has(> [class*="st-key-probe-"]) {
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; padding: 0.55rem 0.8rem;
}
[class*="st-key-probe-"] [data-testid="stWidgetLabel"] p { font-size: 1rem; line-height: 1.5; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"]:has(.st-key-hhv-bar) { padding-top: 4.4rem; }
  .st-key-hhv-bar {
    padding: 0.3rem 0.7rem; font-size: 0.92rem; flex-direction: column; align-items: flex-start;
  }
  .st-key-hhv-bar [data-testid="stMarkdownContainer"] p { font-size: 1rem; }
  .st-key-hhv-walks [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 0.6rem; }
  .st-key-hhv-walks [data-testid="stColumn"] {
    flex: 0 1 calc(50% - 0.5rem) !important; max-width: calc(50% - 0.5rem);
  }
}
</style>"""


def time_up_notice(up: TimeUp) -> None:
    """Say on the next page that the last item ended because its time ran out, and what of it
    counts (the store keeps this until the participant finishes another item)."""
    name = "Practice question set" if up.phase == "train" else "Question set"
    kept = (
        f"The answers you had chosen for {up.chosen} question{'s' if up.chosen != 1 else ''} "
        "were kept and count"
        if up.chosen
        else "No answer had been chosen yet"
    )
    st.warning(
        f"Time ran out for {name.lower()} {up.number}. {kept}; a question left unanswered "
        "counts as wrong.",
        icon=":material/timer_off:",
    )


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
        " window.scrollTo(0, 0); }; top(); setTimeout(top, 60); setTimeout(top, 250);"
        " if (document.activeElement) document.activeElement.blur(); })();</script>",
        unsafe_allow_javascript=True,
    )


def countdown(
    deadline_at: datetime | None,
    session_deadline_at: datetime | None,
    what: str = "",
    *,
    title: str = "",
) -> None:
    """The bar pinned to the top of the page: ``title``, then the seconds left (for ``what``,
    keyed ``countdown``; amber in the last :data:`LOW_SECONDS`) and the session minutes left.

    Display only (STREAMLIT.md rule 3): the deadlines come from the database and the store
    enforces them. The browser counts down by itself from the seconds left when the page was
    drawn; the server wakes once, when a deadline (plus the store's grace) has passed, to record
    the timeout and move on. A server rerun every second cost 65–78% of the server's CPU under a
    launch burst (bench/RESULTS.md).
    """
    with st.container(key=state.BAR, horizontal=True, gap=None, vertical_alignment="center"):
        if title:
            st.markdown(f"**{title}**", width="content")
        if deadline_at is None and session_deadline_at is None:
            return
        at = backend.now()
        with st.container(key=state.COUNTDOWN, width="content"):
            st.html(
                _clock_html(deadline_at, session_deadline_at, at, what),
                unsafe_allow_javascript=True,
            )
        due = [d + GRACE for d in (deadline_at, session_deadline_at) if d is not None]
        wake = min((d - at).total_seconds() for d in due) + 0.5
        st.fragment(run_every=min(max(wake, 1.0), WAKE_AT_MOST))(_watch)(due)


WAKE_AT_MOST = 60.0
"""The server checks the deadlines at least this often (seconds), whatever the browser shows."""
# Counts down from the milliseconds left when the page was drawn (never the browser's own
# clock, which may be off); one interval per page, replaced when the server redraws the clock.
_CLOCK_SCRIPT = """<script>(() => {
  if (window.hhvClock) clearInterval(window.hhvClock);
  const t0 = performance.now();
  const tick = () => {
    const all = document.querySelectorAll('.hhv-clock');
    const el = all[all.length - 1];
    if (!el) return;
    const gone = performance.now() - t0;
    for (const part of el.querySelectorAll('[data-left-ms]')) {
      const left = Math.max(0, Number(part.dataset.leftMs) - gone);
      const out = part.querySelector('b');
      if (part.dataset.unit === 's') {
        out.textContent = Math.ceil(left / 1000) + ' s';
        el.toggleAttribute('data-low', left <= LOW_MS);
      } else {
        out.textContent = Math.ceil(left / 60000) + ' min';
      }
    }
  };
  tick();
  window.hhvClock = setInterval(tick, 250);
})();</script>"""


def _clock_html(
    deadline_at: datetime | None, session_deadline_at: datetime | None, at: datetime, what: str
) -> str:
    """The countdown as drawn now; the script keeps it counting in the browser."""
    parts = []
    if deadline_at is not None:
        ms = max(0, round((deadline_at - at).total_seconds() * 1000))
        low = " data-low" if ms <= LOW_SECONDS * 1000 else ""
        parts.append(
            f'<span data-left-ms="{ms}" data-unit="s">Time: '
            f"<b>{_seconds(deadline_at, at)} s</b> left{f' for {html.escape(what)}' if what else ''}"
            "</span>"
        )
    else:
        low = ""
    if session_deadline_at is not None:
        ms = max(0, round((session_deadline_at - at).total_seconds() * 1000))
        minutes = math.ceil(_seconds(session_deadline_at, at) / 60)
        parts.append(
            f'<span class="hhv-session" data-left-ms="{ms}" data-unit="min">'
            f"Session: about <b>{minutes} min</b> left</span>"
        )
    body = f'<div class="hhv-clock" role="timer"{low}>{" ".join(parts)}</div>'
    return body + _CLOCK_SCRIPT.replace("LOW_MS", str(LOW_SECONDS * 1000))


def _watch(due: list[datetime]) -> None:
    """Once a deadline (plus the store's grace) has passed the whole app reruns, so the server
    records the timeout and moves on; the next page says why (``Step.time_up``)."""
    if any(backend.now() > d for d in due):
        st.rerun(scope="app")


__all__ = [
    "LOW_SECONDS",
    "STYLE",
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
    "time_up_notice",
]
