"""A study's scores and per-item table as files (the numbers of the Results page).

``scores.json`` is the scores JSON of docs/formats.md §3 of the test split with the human group row; the
item table puts humans and models side by side, item by item. Both are of the participants who
finished (:func:`hhvalues.store.analysis.scope_answers`), as the Results page by default.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from sqlalchemy import Engine

from hhvalues.core.scoring import scores_to_json
from hhvalues.store.analysis import Results, load_study_answers, results_of
from hhvalues.store.db import Clock, system_clock
from hhvalues.store.exports.files import Written, neutralise, write_atomic


def scores_text(results: Results) -> str:
    """The scores JSON of the Results (as written to ``scores.json``)."""
    return json.dumps(scores_to_json(results.scores), ensure_ascii=False, indent=1) + "\n"


ITEM_COLUMNS = (
    "item",
    "split",
    "ceiling",
    "human_accuracy",
    "human_normalized",
    "human_n",
    "human_median_seconds",
    "human_timeout_share",
    "model_accuracy",
    "model_normalized",
    "model_n",
    "model_median_seconds",
    "flag_humans_time_out",
)


def items_csv(results: Results) -> str:
    """The per-item table as CSV text (as written to ``items.csv``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ITEM_COLUMNS)

    def f(x: float | None) -> str:
        return "" if x is None else f"{x:.6g}"

    for it in results.items:
        w.writerow(
            [
                neutralise(it.item),
                it.split,
                f(it.ceiling),
                f(it.human_accuracy),
                f(it.human_normalized),
                it.human_n,
                f(it.human_seconds),
                f(it.human_timeout_share),
                f(it.model_accuracy),
                f(it.model_normalized),
                it.model_n,
                f(it.model_seconds),
                int(it.flagged),
            ]
        )
    return buf.getvalue()


def write_scores(
    engine: Engine,
    slug: str,
    out: str | os.PathLike[str],
    *,
    seed: int = 0,
    n_boot: int = 2000,
    now: Clock = system_clock,
    rehearsal: bool = False,
) -> Written:
    """Per-respondent scores of the test split (docs/formats.md §3, with the human group), of the
    participants who finished, as the Results page shows by default."""
    results = results_of(
        load_study_answers(engine, slug, now=now), seed=seed, n_boot=n_boot, rehearsal=rehearsal
    )
    text = scores_text(results)
    digest = write_atomic(Path(out), lambda fh: fh.write(text), binary=False)
    return Written(Path(out), len(results.scores.rows), digest)


def write_items(
    engine: Engine,
    slug: str,
    out: str | os.PathLike[str],
    *,
    now: Clock = system_clock,
    rehearsal: bool = False,
) -> Written:
    """The per-item table (humans and models side by side) as CSV."""
    results = results_of(load_study_answers(engine, slug, now=now), n_boot=200, rehearsal=rehearsal)
    text = items_csv(results)
    digest = write_atomic(Path(out), lambda fh: fh.write(text), binary=False)
    return Written(Path(out), len(results.items), digest)


__all__ = ["ITEM_COLUMNS", "items_csv", "scores_text", "write_items", "write_scores"]
