"""Recorded walks of a demonstration study: every walk with its quality and why it is (not) used,
the human demonstrators beside the simulated one, and a bank built from the walks (issue 6)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from hhvalues.core.bank import dumps_bank
from hhvalues.core.walks import DEFAULT_LAPSE
from hhvalues.store.accounts import ConsoleUser
from hhvalues.store.demonstration import (
    StudyRecordings,
    compare_recordings,
    store_recorded_bank,
    study_recordings,
    walk_lines,
)
from hhvalues.store.studies import StudyKind
from hhvalues.ui import backend
from hhvalues.ui.console import auth, common
from hhvalues.ui.guard import shown_errors
from hhvalues.ui.text import plain

NUM = st.column_config.NumberColumn(format="%.2f")


def _walks(rec: StudyRecordings) -> None:
    lines = walk_lines(rec)
    if not lines:
        st.info("No walk recorded yet: invite participants on the Invites page.")
        return
    st.dataframe(
        [
            {
                "walk": ln.walk.id,
                "participant": ln.walk.participant,
                "instruction": ln.walk.instruction,
                "practice": ln.walk.practice,
                "ended": ln.ended or "in progress",
                "moves": ln.quality.n_moves,
                "bumps": ln.quality.n_bumps,
                "return": ln.quality.ret,
                "optimal": ln.quality.optimal,
                "random": ln.quality.random,
                "score": ln.quality.score,
                "flags": ", ".join(f.value for f in ln.quality.flags),
                "excluded by rule": ln.quality.excluded,
            }
            for ln in lines
        ],
        hide_index=True,
        key="walks-table",
        column_config={"return": NUM, "optimal": NUM, "random": NUM, "score": NUM},
    )
    r = rec.rule
    st.caption(
        f"Score = (return − random) / (optimal − random). The study's rule flags a score "
        f"below {r.min_score:g}, idle walks (≤ {r.idle_moves} moves) and back-and-forth "
        f"above {r.max_back_and_forth:.0%}; it excludes "
        f"{', '.join(f.value for f in r.exclude) or 'nothing'}. Excluded walks stay listed."
    )


def _comparison_chart(df: pd.DataFrame) -> alt.Chart:
    base = alt.Chart(df).encode(y=alt.Y("demonstrator:N", title=None))
    bars = base.mark_bar().encode(
        x=alt.X("mean_score:Q", title="mean score (0 random, 1 optimal)"),
        color=alt.Color("demonstrator:N", legend=None),
        tooltip=[
            "demonstrator",
            "n_walks",
            alt.Tooltip("mean_length:Q", format=".1f"),
            alt.Tooltip("mean_return:Q", format=".2f"),
            alt.Tooltip("median_beta:Q", format=".2f"),
        ],
    )
    chart: alt.Chart = bars.properties(height=max(90, 40 * len(df)))
    return chart


def _compare(rec: StudyRecordings) -> None:
    c1, c2 = st.columns(2)
    samples = c1.number_input("Simulated walks per recorded walk", 1, 500, 20, key="cmp-samples")
    seed = c2.number_input("Seed", 0, 2**31 - 1, 0, key="cmp-seed")
    if not st.button("Compare with the simulated demonstrator", key="cmp-run"):
        return
    with st.spinner("Simulating…"):
        rows, summary = compare_recordings(rec, samples=int(samples), seed=int(seed))
    if not rows:
        st.info("No finished, non-practice walk to compare yet.")
        return
    df = pd.DataFrame([s._asdict() for s in summary])
    st.dataframe(
        df,
        hide_index=True,
        key="cmp-summary",
        column_config={k: NUM for k in ("mean_length", "mean_return", "mean_score", "median_beta")},
    )
    st.altair_chart(_comparison_chart(df), width="stretch")
    st.dataframe([r._asdict() for r in rows], hide_index=True, key="cmp-walks")
    st.caption(
        "Same world and weights for both; the simulated demonstrator is the hard-Q "
        "Boltzmann planner with β drawn from the bank's rationality levels. β is the "
        "maximum-likelihood rationality of each walk (with the lapse rate)."
    )


def _build(user: ConsoleUser, slug: str) -> None:
    with st.form("recorded-bank"):
        c1, c2, c3 = st.columns(3)
        floor = c1.number_input(
            "Minimum score (empty: the study's rule)", -5.0, 1.0, value=None, key="rec-min-quality"
        )
        lapse = c2.number_input("Lapse rate", 0.0, 0.49, DEFAULT_LAPSE, key="rec-lapse")
        per = c3.number_input("Walks per item", 1, 5, 3, key="rec-per-item")
        seed = c1.number_input("Probe seed", 0, 2**31 - 1, 0, key="rec-seed")
        name = c2.text_input("Bank name", f"recorded-{slug}", key="rec-name")
        go = st.form_submit_button("Build and store the bank", key="rec-build")
    if not go:
        return
    with st.spinner("Building items from the walks…"):
        made, info = store_recorded_bank(
            backend.engine(),
            slug,
            now=backend.now,
            actor=common.actor(),
            min_quality=None if floor is None else float(floor),
            lapse=float(lapse),
            demos_per_item=int(per),
            seed=int(seed),
            name=name.strip(),
        )
    bank = made.built.bank
    used = sum(1 for r in made.built.walks if r.item)
    st.success(
        f"Stored bank {plain(info.name)} v{plain(info.version)} ({info.content_hash[:12]}): "
        f"{len(bank.items)} items from {used} of {len(made.built.walks)} finished walks "
        f"({made.in_progress} still in progress). Create an ordinary study on it on the "
        "Studies page; Browse items shows it."
    )
    common.download_link(
        user,
        "Download the bank (JSON, with truth)",
        key="rec-download",
        file_name=f"{info.name}.json",
        media_type="application/json",
        make=lambda: dumps_bank(bank).encode("utf-8"),
    )


def render() -> None:
    """The Recorded walks page."""
    user = auth.require()
    st.title("🚶 Recorded walks")
    study = common.pick_study()
    if study is None:
        return
    if study.kind != StudyKind.DEMONSTRATE.value:
        st.info(
            f"{study.slug} is an answering study. Recorded walks come from demonstration "
            "studies (Studies → Create → kind “demonstrate”)."
        )
        return
    rec = study_recordings(backend.engine(), study.slug)
    walks, compare, build = st.tabs(["Walks", "Human vs simulated", "Build a bank"])
    with walks, shown_errors():
        _walks(rec)
    with compare, shown_errors():
        _compare(rec)
    with build, shown_errors():
        _build(user, study.slug)


if __name__ == "__main__":
    render()
