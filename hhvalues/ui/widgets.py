"""Shared display pieces: exact-PNG images, cached stimuli, the countdown fragment, notices.

Images go to the browser as ``data:image/png;base64`` URIs of the bytes the core rendered:
``st.image`` passes such a URI through untouched (no resize, no re-encode, no ``/media`` file),
so the pixels shown are the ones hashed into each answer's ``stimulus`` (STREAMLIT.md rule 6).
"""

from __future__ import annotations

import base64
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
"""Display width in CSS pixels; the browser scales, the bytes stay the rendered ones."""


def show_png(png: bytes, *, caption: str | None = None) -> None:
    """Show exact PNG bytes (never a PIL image, which Streamlit would re-encode as JPEG)."""
    st.image(png_uri(png), caption=caption, width=IMAGE_WIDTH)


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
        return stimulus_hash(stim.images, stim.texts)
    return stimulus_hash(stim.images[: len(view.item.demos)], ())


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


def countdown(
    deadline_at: datetime | None, session_deadline_at: datetime | None, what: str = "this item"
) -> None:
    """The one top-level timer: seconds left for ``what`` (keyed ``countdown``; an item, or a
    walk) and session minutes left.

    Display only: the deadlines come from the database and the store enforces them. The label
    is drawn by the page and only the numbers by the timer fragment: a browser reruns it every
    second, and every run holds the server for Streamlit's own ~5 ms plus what it draws.
    """
    if deadline_at is not None:
        st.markdown(f":material/timer: Seconds left for {what}:")
    _time_left(deadline_at, session_deadline_at)


@st.fragment(run_every="1s")
def _time_left(deadline_at: datetime | None, session_deadline_at: datetime | None) -> None:
    """Once a deadline has passed (plus the store's grace) the whole app reruns, so the server
    records the timeout and moves on."""
    at = backend.now()
    if any(at > d + GRACE for d in (deadline_at, session_deadline_at) if d is not None):
        st.rerun(scope="app")
    if deadline_at is not None:
        with st.container(key=state.COUNTDOWN):
            st.markdown(f"**{_seconds(deadline_at, at)}**")
    if session_deadline_at is not None:
        minutes = math.ceil(_seconds(session_deadline_at, at) / 60)
        st.caption(f"Time left for the whole session: about {minutes} min")


__all__ = [
    "countdown",
    "png_uri",
    "question",
    "replay_png",
    "show_notice",
    "show_png",
    "shown_hash",
    "stimulus",
]
