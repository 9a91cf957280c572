"""Shared display pieces: exact-PNG images, cached stimuli, the countdown fragment, notices.

Images go to the browser as ``data:image/png;base64`` URIs of the bytes the core rendered:
``st.image`` passes such a URI through untouched (no resize, no re-encode, no ``/media`` file),
so the pixels shown are the ones hashed into each answer's ``stimulus``.
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


def same_tab_link(label: str, url: str, *, button: bool = False) -> None:
    """A link that opens in this tab (Streamlit's Markdown links and ``st.link_button`` open a
    new one: a participant sent on to the platform, or into the demo, lost the tab they were
    in); ``button`` draws it as the page's primary button."""
    cls = ' class="hhv-link-button"' if button else ""
    st.html(f'<a{cls} href="{html.escape(url, quote=True)}">{html.escape(label)}</a>')


def png_width(png: bytes) -> int:
    """The pixel width of PNG bytes (from the IHDR chunk that opens every PNG)."""
    return int.from_bytes(png[16:20], "big")


def show_legend(png: bytes, *, alt: str, width: int = IMAGE_WIDTH) -> None:
    """Show an item's legend (two columns of entries, :func:`~hhvalues.core.render.
    render_legend_png`): whole, at most ``width`` px wide; on a phone as its two columns one
    above the other, each at its own pixel size, so its text stays as large as it was drawn
    (the whole legend scaled to a phone's width made it ~9 px). The same bytes either way."""
    uri, half = png_uri(png), png_width(png) // 2
    st.html(
        f'<div class="hhv-legend" role="img" aria-label="{html.escape(alt)}">'
        f'<img class="hhv-legend-whole" src="{uri}" alt="" style="width: min(100%, {width}px)">'
        f'<div class="hhv-legend-half" style="width: {half}px"><img src="{uri}" alt=""></div>'
        f'<div class="hhv-legend-half" style="width: {half}px">'
        f'<img src="{uri}" alt="" style="margin-left: -{half}px"></div></div>'
    )


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
# grey is 4.4:1 on white, below WCAG AA). On a phone the walks go one to a row and every map is
# shown at its own pixel size (no text on it below the 11 px it was drawn at; two walks to a
# row made move numbers ~6 px), the legend as its two columns.
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
.hhv-link-button {
  display: inline-block; padding: 0.45rem 0.9rem; border-radius: 0.5rem; background: #1c64d8;
  color: #ffffff !important; font-weight: 600; text-decoration: none;
}
.hhv-link-button:hover, .hhv-link-button:focus-visible { background: #1550b0; }
.hhv-legend-half { display: none; overflow: hidden; }
.hhv-legend-half img { max-width: none; }
.st-key-hhv-questions-2 { display: block !important; column-count: 2; column-gap: 0.5rem; }
.st-key-hhv-questions-2 > * { break-inside: avoid; margin-bottom: 0.4rem; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"]:has(.st-key-hhv-bar) { padding-top: 4.4rem; }
  .st-key-hhv-bar {
    padding: 0.3rem 0.7rem; font-size: 0.92rem; flex-direction: column; align-items: flex-start;
  }
  .st-key-hhv-bar [data-testid="stMarkdownContainer"] p { font-size: 1rem; }
  .st-key-hhv-questions-2 { column-count: 1; }
  .st-key-hhv-walks [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 0.6rem; }
  .st-key-hhv-walks [data-testid="stColumn"] { flex: 0 1 100% !important; max-width: 100%; }
  [data-testid="stImage"] img { width: auto !important; max-width: 100% !important; }
  .hhv-legend-whole { display: none; }
  .hhv-legend-half { display: block; }
}
</style>"""


NOTICE_SECONDS = 10
"""The time-up notice goes away after this long, or at the participant's first answer on the
page, whichever comes first (it used to stay up for the whole next item)."""


def time_up_notice(up: TimeUp) -> None:
    """Say on the next page that the last item ended because its time ran out, and what of it
    counts, numbering question sets as the page title does (the store keeps this until the
    participant finishes another item, so a refresh says it again)."""
    practice = " (practice)" if up.phase == "train" else ""
    kept = (
        f"The answers you had chosen for {up.chosen} question{'s' if up.chosen != 1 else ''} "
        "were kept and count"
        if up.chosen
        else "No answer had been chosen yet"
    )
    with st.container(key=state.TIME_UP):
        st.warning(
            f"Time ran out for question set {up.number}{practice}. {kept}; a question left "
            "unanswered counts as wrong.",
            icon=":material/timer_off:",
        )
        st.html(
            f"<script data-item={json.dumps(up.item_id)}>(() => {{"
            f" const box = document.querySelector('.st-key-{state.TIME_UP}');"
            " if (!box) return;"
            " const hide = () => { box.style.display = 'none'; };"
            f" setTimeout(hide, {NOTICE_SECONDS * 1000});"
            " document.addEventListener('change', hide, {once: true}); })();</script>",
            unsafe_allow_javascript=True,
        )


def style() -> None:
    """The participant pages' layout rules (see :data:`STYLE`)."""
    st.html(STYLE)


GUARD_MS = 400
"""For this long after a new page is drawn nothing on it can be clicked: no click made before
the participant could see a page (a double click that landed as the page changed, a click
sent from the page it replaced) is taken as an answer on it."""
# The new page's first script (scroll_to_top) makes the page inert at once: while the server
# draws the next page, the browser still shows the last one, and a click there must not reach
# the new one. The page's last script (page_ready) lifts it GUARD_MS later; a page that fails
# half-way is lifted after FALLBACK_MS. Neither lifts a page whose clock reached 0.
_LIFT = (
    "const hhvLift = () => { if (document.querySelector('.hhv-clock[data-over]')) return;"
    " const m = document.querySelector('[data-testid=stMain]'); if (m) m.inert = false; };"
)
FALLBACK_MS = 5000


def scroll_to_top(page_id: str) -> None:
    """Start a new page at its top (Streamlit keeps the last page's scroll position, which left
    participants at the bottom of the next item) and inert until :func:`page_ready`. Runs once
    per new page of this session."""
    if st.session_state.get(state.SHOWN_PAGE) == page_id:
        return
    st.session_state[state.SHOWN_PAGE] = page_id
    st.session_state[state.GUARD] = page_id
    st.html(
        f"<script data-page={json.dumps(page_id)}>(() => {{ {_LIFT}"
        " const main = document.querySelector('[data-testid=stMain]');"
        " if (main) main.inert = true;"
        f" clearTimeout(window.hhvFallback); window.hhvFallback = setTimeout(hhvLift, {FALLBACK_MS});"
        " const top = () => {"
        " for (const el of document.querySelectorAll("
        "'[data-testid=stMain], [data-testid=stAppViewContainer]')) el.scrollTop = 0;"
        " window.scrollTo(0, 0); }; top(); setTimeout(top, 60); setTimeout(top, 250);"
        " if (document.activeElement) document.activeElement.blur(); })();</script>",
        unsafe_allow_javascript=True,
    )


def page_ready() -> None:
    """The last element of a new page: lift the inert of :func:`scroll_to_top`
    :data:`GUARD_MS` after the page is drawn."""
    page_id = st.session_state.get(state.GUARD)
    if page_id is None:
        return
    st.html(
        f"<script data-ready={json.dumps(page_id)}>(() => {{ {_LIFT}"
        f" setTimeout(hhvLift, {GUARD_MS}); }})();</script>",
        unsafe_allow_javascript=True,
    )
    del st.session_state[state.GUARD]  # only once the script is on its way


def countdown(
    deadline_at: datetime | None,
    session_deadline_at: datetime | None,
    what: str = "",
    *,
    title: str = "",
) -> None:
    """The bar pinned to the top of the page: ``title``, then the seconds left (for ``what``,
    keyed ``countdown``; amber in the last :data:`LOW_SECONDS`) and the session minutes left.

    Display only: the deadlines come from the database and the store
    enforces them. The browser counts down by itself from the seconds left when the page was
    drawn and, at 0, makes the page inert (nothing can be clicked or typed any more); the
    server wakes once, :data:`WAKE_AFTER` after the deadline, to record the timeout and move on
    (:func:`wake_interval`). A server rerun every second cost 65–78% of the server's CPU under a
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
        due = [d for d in (deadline_at, session_deadline_at) if d is not None]
        wake = min((d - at).total_seconds() for d in due) + WAKE_AFTER
        st.fragment(run_every=wake_interval(wake))(_watch)(due)


WAKE_AFTER = 0.3
"""How long after a deadline the server wakes to end the item (seconds): the browser's 0 is
never before the server's deadline (it counts from when the page arrived)."""
WAKE_AT_MOST = 60.0
"""The server checks the deadlines at least this often (seconds), whatever the browser shows."""


def wake_interval(wake: float) -> float:
    """The ``run_every`` interval of the deadline watch: the ``wake`` seconds until the server
    should wake, cut into equal parts of at most :data:`WAKE_AT_MOST`, so that one firing falls
    on ``wake`` exactly.

    The browser runs the interval from when the page arrives and keeps an interval it already
    runs when a page asks for the same one again; a fixed interval (60 s) therefore fired up to
    a minute after the deadline, and its phase came from an earlier page."""
    if wake <= WAKE_AFTER:
        return WAKE_AFTER
    return wake / math.ceil(wake / WAKE_AT_MOST)


# Counts down from the milliseconds left when the page was drawn (never the browser's own
# clock, which may be off); one interval per page, replaced when the server redraws the clock.
# At 0 the page becomes inert at once (no click, key or drag reaches it) and says time is up;
# the next page lifts that (page_ready).
_CLOCK_SCRIPT = """<script>(() => {
  if (window.hhvClock) clearInterval(window.hhvClock);
  const t0 = performance.now();
  let over = false;
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
      if (left <= 0 && !over) {
        over = true;
        const main = document.querySelector('[data-testid=stMain]');
        if (main) main.inert = true;
        el.setAttribute('data-over', '');
        const note = el.querySelector('.hhv-over');
        if (note) note.hidden = false;
      }
    }
  };
  tick();
  window.hhvClock = setInterval(tick, 100);
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
    over = '<span class="hhv-over" hidden><b>Time is up.</b></span>'
    body = f'<div class="hhv-clock" role="timer"{low}>{" ".join(parts)}{over}</div>'
    return body + _CLOCK_SCRIPT.replace("LOW_MS", str(LOW_SECONDS * 1000))


def _watch(due: list[datetime]) -> None:
    """Once a deadline has passed the whole app reruns, so the server records the timeout and
    moves on (the participant page reads its step with no grace: the browser stopped taking
    input at 0); the next page says why (``Step.time_up``)."""
    if any(backend.now() > d for d in due):
        st.rerun(scope="app")


__all__ = [
    "GUARD_MS",
    "LOW_SECONDS",
    "NOTICE_SECONDS",
    "STYLE",
    "countdown",
    "page_ready",
    "png_uri",
    "png_width",
    "question",
    "replay_png",
    "same_tab_link",
    "scroll_to_top",
    "show_legend",
    "show_notice",
    "show_png",
    "shown_hash",
    "stimulus",
    "style",
    "time_up_notice",
    "wake_interval",
]
