"""Altair charts of the Results page (display only: every number comes from the store)."""

from __future__ import annotations

from dataclasses import asdict

import altair as alt
import pandas as pd

from hhvalues.store.analysis import Monitor, Results

Layered = alt.LayerChart | alt.FacetChart
"""What Altair's layering returns (a facet chart when every layer facets alike)."""


_LEGEND = alt.Legend(orient="bottom", direction="vertical", labelLimit=0)
"""A legend under the chart, one whole label a line: respondent ids of model conditions share
their first 20 characters (``model:openai-compatible/…``), which Vega's default 160 px cut off,
so two conditions read the same."""

ROW_PIXELS = 40
"""Height of one respondent's row in the accuracy chart: its whole label on one line above its
interval, so no label is dropped or cut, however long, on a phone as on a desktop."""


def accuracy_chart(results: Results) -> Layered:
    """Accuracy with its 95% CI for every row (the row's label written above it, across the
    whole width), chance as a dashed rule."""
    df = pd.DataFrame([asdict(r) for r in results.rows])
    df["accuracy_text"] = [f"{a:.1%}" for a in df["accuracy"]]
    base = alt.Chart(df).encode(y=alt.Y("label:N", sort=None, title=None, axis=None))
    x = alt.X("ci_low:Q", title="accuracy (95% CI)", scale=alt.Scale(domain=[0, 1]))
    bars = base.mark_rule(yOffset=6, strokeWidth=1.5).encode(x=x, x2="ci_high:Q")
    ends = [
        base.mark_tick(yOffset=6, size=10, thickness=1.5).encode(x=f"{end}:Q")
        for end in ("ci_low", "ci_high")
    ]
    points = base.mark_point(filled=True, size=60, yOffset=6).encode(
        x="accuracy:Q",
        color=alt.Color("kind:N", title="respondent", legend=alt.Legend(orient="bottom")),
        tooltip=["label", alt.Tooltip("accuracy:Q", format=".1%"), "n", "n_probes"],
    )
    labels = base.mark_text(align="left", baseline="bottom", dy=-3, fontSize=12).encode(
        x=alt.value(0), text=alt.Text("label:N")
    )
    values = base.mark_text(align="right", baseline="bottom", dy=-3, fontSize=12).encode(
        x=alt.value("width"), text=alt.Text("accuracy_text:N")
    )
    chance = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    chart: Layered = alt.layer(chance, bars, *ends, points, labels, values).properties(
        height=alt.Step(ROW_PIXELS)
    )
    return chart


_HH_MM = (
    "(utchours(datum.value) < 10 ? '0' : '') + utchours(datum.value) + ':' + "
    "(utcminutes(datum.value) < 10 ? '0' : '') + utcminutes(datum.value)"
)
"""A time axis label ``HH:MM`` in UTC, as a Vega expression."""


def answers_per_minute_chart(m: Monitor) -> alt.Chart:
    """Human answers submitted per minute; the time axis in UTC, every label ``HH:MM``.

    The minutes go to the browser as milliseconds since the epoch (the instants they are), and
    each label is written by a Vega expression of the UTC hour and minute: the format
    ``%H:%M`` drew afternoon times 12 hours off in Streamlit's chart (14:47 as 02:47, in every
    browser time zone, seen in Chromium). The count axis shows whole numbers from 0, and 0 to
    1 when no answer came in (a flat zero drew one tick labelled 0.000000).
    """
    df = pd.DataFrame(
        {
            "minute": [int(t.timestamp() * 1000) for t, _ in m.answers_per_minute],
            "answers": [n for _, n in m.answers_per_minute],
        }
    )
    df["time"] = [f"{t:%H:%M}" for t, _ in m.answers_per_minute]
    top = max([1, *df["answers"]])
    chart: alt.Chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(
                "minute:T",
                title="minute (UTC)",
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(labelExpr=_HH_MM, labelOverlap=True),
            ),
            y=alt.Y(
                "answers:Q",
                title="answers",
                scale=alt.Scale(domain=[0, top], nice=True),
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            tooltip=[alt.Tooltip("time:N", title="minute (UTC)"), "answers:Q"],
        )
        .properties(height=180)
    )
    return chart


def item_scatter(results: Results) -> Layered:
    """Per item: human pool accuracy (x) against each model condition's (y)."""
    df = pd.DataFrame([asdict(p) for p in results.points])
    diag = (
        alt.Chart(pd.DataFrame({"a": [0, 1], "b": [0, 1]}))
        .mark_line(strokeDash=[4, 4], color="grey")
        .encode(x="a:Q", y="b:Q")
    )
    dots = (
        alt.Chart(df)
        .mark_circle(size=50, opacity=0.7)
        .encode(
            x=alt.X(
                "human_accuracy:Q", title="humans (item accuracy)", scale=alt.Scale(domain=[0, 1])
            ),
            y=alt.Y(
                "model_accuracy:Q", title="model (item accuracy)", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("model:N", title="model condition", legend=_LEGEND),
            tooltip=["item", "model", "human_accuracy", "model_accuracy"],
        )
    )
    chart: Layered = (diag + dots).properties(height=360)
    return chart


def calibration_chart(results: Results) -> Layered:
    """Stated confidence against accuracy per bin, for humans and each model condition."""
    df = pd.DataFrame([asdict(c) for c in results.calibration])
    diag = (
        alt.Chart(pd.DataFrame({"a": [0.5, 1], "b": [0.5, 1]}))
        .mark_line(strokeDash=[4, 4], color="grey")
        .encode(x="a:Q", y="b:Q")
    )
    lines = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("confidence:Q", scale=alt.Scale(domain=[0.5, 1])),
            y=alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("respondent:N", title="respondent", legend=_LEGEND),
            tooltip=["respondent", "confidence", "accuracy", "n"],
        )
    )
    chart: Layered = (diag + lines).properties(height=300)
    return chart


__all__ = [
    "ROW_PIXELS",
    "accuracy_chart",
    "answers_per_minute_chart",
    "calibration_chart",
    "item_scatter",
]
