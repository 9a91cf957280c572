"""The one scoring core: grade every answer alike, then score respondents (docs/formats.md §3).

This module is the public face; import from here. The work lives in one module per concept:

- :mod:`hhvalues.core.answer_lines`: reading answer files fast (:class:`LineAnswer`).
- :mod:`hhvalues.core.graded`: the :class:`Graded` table, one row per probe answer.
- :mod:`hhvalues.core.grading`: :func:`grade`, :func:`grade_files`, :func:`grade_located`.
- :mod:`hhvalues.core.score_tables`: :func:`score`, :func:`group_score`, hypothesis metrics, JSON.
- :mod:`hhvalues.core.comparison`: :func:`compare`, :func:`compare_many`.

The statistics are those of :mod:`hhvalues.core.stats` (pure array math, below all of these).

Grading rules
    An explicit choice wins. Where ``choices`` lacks a probe (or holds null) and a hypothesis is
    given, the choice is derived from the hypothesis by the bank's own rule (``probe_values`` then
    ``choices_from_values`` of :mod:`hhvalues.core.probes`);
    a tie, or a probe that needs a feature the hypothesis leaves out, gives no choice. No choice
    is wrong, and is counted as unanswered (``n_unanswered``).
Statuses
    Every answer is counted by its status. ``ok`` and ``timeout`` answers
    (:data:`GRADED_STATUSES`) are graded alike on the choices, hypothesis and confidence they
    hold: a timeout holds what the respondent had selected when time ran out, so its selected
    choices count, and each probe it left without a choice is wrong and unanswered. Any other
    status (``refused``, ``truncated``, ``empty``, ``invalid``, ``error``) makes all of that
    answer's probes wrong, whatever it holds. Accuracy on ``ok`` answers alone is reported
    beside (``accuracy_ok``).
Intervals
    Bootstrap over items with each item's epochs averaged first (Miller 2024); within one item
    (``by="item"``) the unit is the probe. Each row draws from its own generator seeded by
    (seed, respondent, group), so a row's interval does not depend on the other rows.
"""

from hhvalues.core.answer_lines import LineAnswer, iter_located_answers, read_answer_fast
from hhvalues.core.comparison import Comparison, compare, compare_many, comparison_to_json
from hhvalues.core.graded import (
    DIFFICULTIES,
    GRADED_STATUSES,
    KINDS,
    SCORED_SPLITS,
    SPLITS,
    STATUSES,
    Graded,
)
from hhvalues.core.grading import grade, grade_files, grade_located
from hhvalues.core.score_tables import (
    CHANCE,
    By,
    GroupScore,
    HypothesisMetrics,
    RespondentScore,
    Scores,
    group_score,
    group_to_json,
    hypothesis_metrics,
    kendall_tau_b,
    normalize,
    row_to_json,
    score,
    scores_to_json,
)

__all__ = [
    "CHANCE",
    "DIFFICULTIES",
    "GRADED_STATUSES",
    "KINDS",
    "SCORED_SPLITS",
    "SPLITS",
    "STATUSES",
    "By",
    "Comparison",
    "Graded",
    "GroupScore",
    "HypothesisMetrics",
    "LineAnswer",
    "RespondentScore",
    "Scores",
    "compare",
    "compare_many",
    "comparison_to_json",
    "grade",
    "grade_files",
    "grade_located",
    "group_score",
    "group_to_json",
    "hypothesis_metrics",
    "iter_located_answers",
    "kendall_tau_b",
    "normalize",
    "read_answer_fast",
    "row_to_json",
    "score",
    "scores_to_json",
]
