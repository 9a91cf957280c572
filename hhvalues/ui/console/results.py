"""Results: humans, the human group, model conditions and reference agents in one table
(computed by :func:`hhvalues.store.analysis.build_results`; this page only renders it)."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import streamlit as st

from hhvalues.core.ablations import AblationReport, condition_of
from hhvalues.core.scoring import Comparison
from hhvalues.store.analysis import Results, answers_fingerprint, study_results
from hhvalues.ui import backend
from hhvalues.ui.console import auth, charts, common
from hhvalues.ui.text import plain

TABLE = "results-table"
BASELINE = "ablation-baseline"
PCT = st.column_config.NumberColumn(format="percent")
NUM = st.column_config.NumberColumn(format="%.3f")


FINISHED = "results-finished"
REHEARSAL = "results-rehearsal"


@st.cache_resource(max_entries=8, show_spinner="Scoring…")
def _results(
    slug: str,
    fingerprint: tuple[int, str],
    baseline: str | None,
    finished_only: bool,
    rehearsal: bool = False,
) -> Results:
    return study_results(
        backend.engine(),
        slug,
        baseline=baseline,
        finished_only=finished_only,
        rehearsal=rehearsal,
        now=backend.now,
    )


def _pct(label: str, help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="percent", help=help)


def _num(label: str, help: str | None = None, fmt: str = "%.3f") -> Any:
    return st.column_config.NumberColumn(label, format=fmt, help=help)


def _table(results: Results) -> None:
    rows = [{k: v for k, v in asdict(r).items() if k not in ("respondent",)} for r in results.rows]
    longest = max((len(str(r["label"])) for r in rows), default=10)
    rows, config = common.table(
        rows,
        {
            "label": st.column_config.TextColumn(
                "respondent", width=min(560, 8 * longest + 32), pinned=True
            ),
            "accuracy": _pct("accuracy"),
            "ci_low": _pct("95% CI low"),
            "ci_high": _pct("95% CI high"),
            "n": _num("n", "test items answered; participants for a group row", "%d"),
            "n_probes": _num("probes", "probe answers scored", "%d"),
            "ceiling": _pct("ceiling", "the ideal observer on the same probes"),
            "normalized": _num("normalized", "(accuracy − 0.5) / (ceiling − 0.5)"),
            "refused": _num("answers refused", fmt="%d"),
            "invalid": _num("answers invalid", fmt="%d"),
            "timeout": _num(
                "answers timed out", "graded on what was selected when time ran out", "%d"
            ),
            "unanswered": _num(
                "probes unanswered", "left without a choice in ok and timed-out answers", "%d"
            ),
            "other_status": _num("other non-ok answers", "truncated, empty, error", "%d"),
            "accuracy_ok": _pct("accuracy on ok answers"),
            "catch_accuracy": _pct("catch accuracy"),
            "catch_failures": _num("catch items failed", "per epoch for models", "%.1f"),
            "excluded": st.column_config.CheckboxColumn("excluded by the catch rule"),
            "brier": _num("Brier", "where confidence was asked"),
        },
    )
    st.dataframe(rows, hide_index=True, key=TABLE, column_config=config)
    st.caption(
        "Test items; 95% CI by bootstrap over items (group rows: over participants and "
        "items). A timed-out answer is graded on what was selected when time ran out; "
        "questions left unanswered count as wrong and are counted as unanswered. Other "
        "non-ok answers count as wrong and are counted by status. Catch accuracy "
        "is attention for humans, laziness for models; 'excluded' marks respondents the "
        "study's exclusion rule (catch failures ≥ threshold) leaves out of the second "
        "group row."
    )


def _comparisons(results: Results) -> None:
    def rows(cs: tuple[Comparison, ...]) -> list[dict[str, object]]:
        return [
            {
                "a": c.a,
                "b": c.b,
                "items": c.n_items,
                "acc a": c.accuracy_a,
                "acc b": c.accuracy_b,
                "diff": c.diff,
                "ci_low": c.ci_low,
                "ci_high": c.ci_high,
                "p": c.p_value,
                "p (Holm)": c.p_holm,
                "McNemar p": c.mcnemar.p_value,
                "error consistency κ": c.kappa,
                "κ low": c.kappa_low,
                "κ high": c.kappa_high,
            }
            for c in cs
        ]

    cfg = {"acc a": PCT, "acc b": PCT, "diff": NUM, "ci_low": NUM, "ci_high": NUM}
    st.subheader("Humans vs each model condition (paired over items)")
    if results.comparisons:
        data, config = common.table(rows(results.comparisons), cfg)
        st.dataframe(data, hide_index=True, column_config=config)
    else:
        st.caption("Needs human and model answers.")


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "–"
    return f"[{100 * low:+.1f}%, {100 * high:+.1f}%]"


def _report(rep: AblationReport) -> None:
    st.markdown(f"**{plain(rep.model)}** — conditions vs {plain(rep.baseline)}")
    st.dataframe(
        [
            {
                "condition": condition_of(c.a)[1],
                "acc": c.accuracy_a,
                "baseline acc": c.accuracy_b,
                "diff": c.diff,
                "95% CI": _ci(c.ci_low, c.ci_high),
                "p": c.p_value,
                "p Holm": c.p_holm,
                "McNemar p": c.mcnemar.p_value,
                "items": c.n_items,
            }
            for c in rep.comparisons
        ],
        hide_index=True,
        column_config={
            "acc": PCT,
            "baseline acc": PCT,
            "diff": PCT,
            "p": NUM,
            "p Holm": NUM,
            "McNemar p": NUM,
        },
    )
    st.dataframe(
        [
            {
                "epochs": r.epochs,
                "n effective": r.n_effective,
                "MDE vs chance": r.mde_vs_chance,
                "MDE paired": r.mde_paired,
            }
            for r in rep.power
        ],
        hide_index=True,
        column_config={
            "n effective": st.column_config.NumberColumn(format="%.1f"),
            "MDE vs chance": PCT,
            "MDE paired": PCT,
        },
    )
    st.caption(rep.power_note())


def _ablations(results: Results) -> None:
    st.subheader("Ablations: each model's conditions vs a baseline (test items, Holm-corrected)")
    if not results.conditions:
        st.caption("Needs model answers.")
        return
    if st.session_state.get(BASELINE) not in results.conditions:  # first visit, other study
        st.session_state[BASELINE] = results.baseline
    st.selectbox("Baseline condition", results.conditions, key=BASELINE)
    if not results.ablations:
        st.caption("Needs a model with answers under two conditions, one of them the baseline.")
    for rep in results.ablations:
        _report(rep)
    st.caption("The numbers of `hhvalues ablations --baseline <condition>` on the study's answers.")


def render() -> None:
    """The Results page."""
    auth.require()
    st.title("📊 Results")
    study = common.pick_study()
    if study is None:
        return
    finished_only = st.toggle(
        "Finished participants only",
        value=True,
        key=FINISHED,
        help="Leave out participants who timed out, stopped or are still answering: their "
        "unanswered items would count as wrong in the human rows.",
    )
    rehearsal = st.toggle(
        "Include rehearsal bots",
        value=False,
        key=REHEARSAL,
        help="Participants simulated by 'hhvalues bots' are not people: they are left out of "
        "the human rows unless this is on.",
    )
    eng = backend.engine()
    baseline = st.session_state.get(BASELINE)
    results = _results(
        study.slug,
        answers_fingerprint(eng, study.slug, now=backend.now),
        baseline,
        bool(finished_only),
        bool(rehearsal),
    )
    if results.scope is not None:
        st.caption(plain(results.scope.describe()))
    if not results.rows:
        st.info("No answers on test items yet.")
        return
    _table(results)
    st.altair_chart(charts.accuracy_chart(results), width="stretch")
    _comparisons(results)
    _ablations(results)
    st.subheader("By probe type")
    data, config = common.table(
        [asdict(r) for r in results.by_type], {"accuracy": PCT, "ci_low": PCT, "ci_high": PCT}
    )
    st.dataframe(data, hide_index=True, column_config=config)
    st.subheader("By item")
    data, config = common.table([asdict(r) for r in results.items])
    st.dataframe(data, hide_index=True, column_config=config)
    if results.points:
        st.subheader("Per item: humans vs models")
        st.altair_chart(charts.item_scatter(results), width="stretch")
    if results.calibration:
        st.subheader("Calibration (where confidence was asked)")
        st.altair_chart(charts.calibration_chart(results), width="stretch")


if __name__ == "__main__":
    render()
