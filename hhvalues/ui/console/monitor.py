"""Live monitoring: participants by state, answer rate, item times, catch and fast flags, and the
human–model comparison item by item. Refreshes itself every few seconds (one fragment)."""

from __future__ import annotations

import streamlit as st

from hhvalues.store.analysis import monitor, monitor_items
from hhvalues.store.studies import ParticipantState, StudyInfo
from hhvalues.ui import backend
from hhvalues.ui.console import auth, charts, common
from hhvalues.ui.guard import guarded
from hhvalues.ui.text import plain

REFRESH_SECONDS = 10
# What each participant count is, in words (a participant is in exactly one state).
STATES: dict[str, str] = {
    ParticipantState.INVITED.value: "not consented yet",
    ParticipantState.CONSENTED.value: "consented, not started",
    ParticipantState.IN_PROGRESS.value: "answering now",
    ParticipantState.FINISHED.value: "finished",
    ParticipantState.TIMED_OUT.value: "sessions timed out",
    ParticipantState.DECLINED.value: "declined",
}


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return ""
    return f"{x:.0%}" if pct else f"{x:.1f}"


def _comparison(slug: str) -> None:
    rows = monitor_items(backend.engine(), slug, now=backend.now)
    if not rows:
        st.info("No answers yet.")
        return
    flagged = [r.item for r in rows if r.flagged]
    if flagged:
        st.warning("Humans time out but models succeed on: " + plain(", ".join(flagged)))
    st.dataframe(
        [
            {
                "item": r.item,
                "split": r.split,
                "ceiling": _fmt(r.ceiling, True),
                "human acc": _fmt(r.human_accuracy, True),
                "human norm.": _fmt(r.human_normalized),
                "human answers": r.human_n,
                "human s/item": _fmt(r.human_seconds),
                "human answers timed out": _fmt(r.human_timeout_share, True),
                "model acc": _fmt(r.model_accuracy, True),
                "model norm.": _fmt(r.model_normalized),
                "model answers": r.model_n,
                "model s/item": _fmt(r.model_seconds),
                "flag": "⚠️" if r.flagged else "",
            }
            for r in rows
        ],
        hide_index=True,
    )
    st.caption("Error consistency and the paired comparison with CIs are on the Results page.")


@st.fragment(run_every=REFRESH_SECONDS)
@guarded
def live(study: StudyInfo) -> None:
    """The self-refreshing part of the page."""
    m = monitor(backend.engine(), study.slug, now=backend.now)
    st.caption(f"Updated {m.at:%H:%M:%S} UTC; refreshes every {REFRESH_SECONDS} s.")
    st.markdown(f"**Participants** ({len(m.participants)} with a link), by where they are now:")
    cols = [*st.columns(3), *st.columns(3)]  # two rows: each label fits on a phone too
    for col, (state, label) in zip(cols, STATES.items(), strict=True):
        col.metric(label, m.by_state.get(state, 0))
    st.markdown("**Answers** (one per item and participant):")
    c1, c2 = st.columns(2)
    c1.metric("median seconds per item", _fmt(m.median_seconds) or "—")
    c2.metric("items timed out", m.items_timed_out)
    c3, c4 = st.columns(2)
    c3.metric("catch items failed", m.catch_failures)
    fast = study.config.min_answer_seconds
    c4.metric(f"answered in under {fast:g} s", m.fast_answers)
    st.subheader("Answers per minute (last 30 min, UTC)")
    st.altair_chart(charts.answers_per_minute_chart(m), width="stretch")
    st.subheader("Participants")
    st.dataframe(
        [
            {
                "id": p.id,
                "external id": p.external_pid or "",
                "state": STATES.get(p.state, p.state),
                "items answered / assigned": f"{p.answered}/{p.assigned}",
                "items timed out": p.timed_out,
                "last seen (UTC)": f"{p.last_seen_at:%Y-%m-%d %H:%M:%S}" if p.last_seen_at else "",
                "catch items failed": p.catch_failures,
                "catch flag": p.catch_flag,
                "fast answers": p.fast_answers,
                "config version": p.config_version,
                "rehearsal bot": "yes" if p.rehearsal else "",
            }
            for p in m.participants
        ],
        hide_index=True,
    )
    st.subheader("Humans and models, item by item")
    _comparison(study.slug)


def render() -> None:
    """The Live monitoring page."""
    auth.require()
    st.title("📡 Live monitoring")
    study = common.pick_study()
    if study is not None:
        live(study)


if __name__ == "__main__":
    render()
