"""Live monitoring: participants by state, answer rate, item times, catch and fast flags, and the
human–model comparison item by item. Refreshes itself every few seconds (one fragment)."""

from __future__ import annotations

import streamlit as st

from hhvalues.errors import HHValuesError
from hhvalues.store.analysis import monitor, monitor_items
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common

REFRESH_SECONDS = 10


def _fmt(x: float | None, pct: bool = False) -> str | None:
    if x is None:
        return None
    return f"{x:.0%}" if pct else f"{x:.1f}"


def _comparison(slug: str) -> None:
    rows = monitor_items(backend.engine(), slug, now=backend.now)
    if not rows:
        st.info("No answers yet.")
        return
    flagged = [r.item for r in rows if r.flagged]
    if flagged:
        st.warning("Humans time out but models succeed on: " + ", ".join(flagged))
    st.dataframe(
        [
            {
                "item": r.item,
                "split": r.split,
                "ceiling": _fmt(r.ceiling, True),
                "human acc": _fmt(r.human_accuracy, True),
                "human norm.": _fmt(r.human_normalized),
                "human n": r.human_n,
                "human s/item": _fmt(r.human_seconds),
                "human timeouts": _fmt(r.human_timeout_share, True),
                "model acc": _fmt(r.model_accuracy, True),
                "model norm.": _fmt(r.model_normalized),
                "model n": r.model_n,
                "model s/item": _fmt(r.model_seconds),
                "flag": "⚠️" if r.flagged else "",
            }
            for r in rows
        ],
        hide_index=True,
    )
    st.caption("Error consistency and the paired comparison with CIs are on the Results page.")


@st.fragment(run_every=REFRESH_SECONDS)
def live(slug: str) -> None:
    """The self-refreshing part of the page."""
    try:
        m = monitor(backend.engine(), slug, now=backend.now)
    except HHValuesError as exc:
        st.error(str(exc))
        return
    st.caption(f"Updated {m.at:%H:%M:%S} UTC; refreshes every {REFRESH_SECONDS} s.")
    cols = st.columns(len(m.by_state))
    for col, (state, n) in zip(cols, m.by_state.items(), strict=True):
        col.metric(state.replace("_", " "), n)
    c1, c2, c3 = st.columns(3)
    c1.metric("Median s per item", _fmt(m.median_seconds) or "—")
    c2.metric("Catch failures", m.catch_failures)
    c3.metric("Fast answers", m.fast_answers)
    st.subheader("Answers per minute (last 30 min)")
    st.bar_chart(
        {
            "minute": [t for t, _ in m.answers_per_minute],
            "answers": [n for _, n in m.answers_per_minute],
        },
        x="minute",
        y="answers",
        height=180,
    )
    st.subheader("Participants")
    st.dataframe(
        [
            {
                "id": p.id,
                "external id": p.external_pid,
                "state": p.state,
                "version": p.config_version,
                "answered": f"{p.answered}/{p.assigned}",
                "last seen": p.last_seen_at,
                "catch failures": p.catch_failures,
                "catch flag": p.catch_flag,
                "fast answers": p.fast_answers,
            }
            for p in m.participants
        ],
        hide_index=True,
    )
    st.subheader("Humans and models, item by item")
    _comparison(slug)


def render() -> None:
    """The Live monitoring page."""
    auth.require()
    st.title("📡 Live monitoring")
    study = common.pick_study()
    if study is not None:
        live(study.slug)


if __name__ == "__main__":
    render()
