"""The analysis room: what a study's answers say, for the Results and monitoring pages.

* :mod:`~hhvalues.store.analysis.results`: the Results table (pure: a bank and answers in,
  frozen rows out, every statistic through the one scoring core).
* :mod:`~hhvalues.store.analysis.collection`: what a study has collected: its answers loaded for
  the Results page, and live monitoring.

Builds on :mod:`hhvalues.store.studies` and :mod:`hhvalues.store.db`.
"""

from hhvalues.store.analysis.collection import (
    WINDOW_MINUTES,
    Monitor,
    ParticipantLine,
    StudyAnswers,
    answers_fingerprint,
    load_study_answers,
    monitor,
    monitor_items,
    results_of,
    scope_answers,
    study_results,
)
from hhvalues.store.analysis.results import (
    HUMAN_GROUP,
    HUMAN_POOL,
    MODEL_SUCCESS,
    TIMEOUT_FLAG_SHARE,
    CalibrationPoint,
    HumanScope,
    ItemLine,
    ItemPoint,
    ResultRow,
    Results,
    TypeRow,
    build_results,
    item_table,
    pool_humans,
)

__all__ = [
    "HUMAN_GROUP",
    "HUMAN_POOL",
    "MODEL_SUCCESS",
    "TIMEOUT_FLAG_SHARE",
    "WINDOW_MINUTES",
    "CalibrationPoint",
    "HumanScope",
    "ItemLine",
    "ItemPoint",
    "Monitor",
    "ParticipantLine",
    "ResultRow",
    "Results",
    "StudyAnswers",
    "TypeRow",
    "answers_fingerprint",
    "build_results",
    "item_table",
    "load_study_answers",
    "monitor",
    "monitor_items",
    "pool_humans",
    "results_of",
    "scope_answers",
    "study_results",
]
