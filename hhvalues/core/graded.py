"""The graded table: every probe answer as one row of parallel arrays (output of grading)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.answers import Status
from hhvalues.core.bank import Split
from hhvalues.core.probes import Difficulty, ProbeKind

STATUSES: tuple[Status, ...] = tuple(Status)
"""Status codes: ``Graded.status[row]`` indexes this tuple (0 is ``ok``)."""
GRADED_STATUSES: tuple[Status, ...] = (Status.OK, Status.TIMEOUT)
"""Statuses whose answers are graded on the choices, hypothesis and confidence they hold: ``ok``,
and ``timeout`` (what was selected when time ran out; its probes left without a choice are wrong
and counted as unanswered). Every other status makes all of its answer's probes wrong."""
_GRADED_CODES = np.array([STATUSES.index(s) for s in GRADED_STATUSES], np.int8)
KINDS: tuple[ProbeKind, ...] = tuple(ProbeKind)
DIFFICULTIES: tuple[Difficulty, ...] = tuple(Difficulty)
SPLITS: tuple[Split, ...] = tuple(Split)
SCORED_SPLITS: tuple[Split, ...] = (Split.TEST,)
"""The items every headline number is on, by default: ``hhvalues score``, ``compare`` and
``ablations``, and the console's Results page. Training items were shown with their answers;
catch items are attention checks, reported beside."""

_I32 = np.int32


def graded_status(codes: NDArray[np.int8]) -> NDArray[np.bool_]:
    """Which status codes (indexes of :data:`STATUSES`) are graded on what their answer holds
    (:data:`GRADED_STATUSES`)."""
    return np.isin(codes, _GRADED_CODES)


@dataclass(frozen=True, slots=True, eq=False)
class Graded:
    """Every probe answer as one row of parallel arrays, plus the tables the codes index.

    Row arrays (length ``n_rows``) are indexed ``x[row]``; answer arrays ``answer_*[a]``;
    probe arrays ``probe_*[j]`` over the bank's probes in bank order.
    """

    bank_name: str
    respondents: tuple[str, ...]
    """``respondent[row]`` indexes this."""
    item_ids: tuple[str, ...]
    """Bank items in bank order; ``item[row]`` indexes this."""
    item_split: NDArray[np.int8]
    """``item_split[i]`` indexes :data:`SPLITS`."""
    item_weights: NDArray[np.float64]
    """``item_weights[i, k]``: truth weights (nan when unused)."""
    feature_ids: tuple[str, ...]
    sign_margin: float
    """δ: only features with |w| ≥ δ count for sign agreement."""
    probe_ids: tuple[str, ...]
    probe_item: NDArray[np.int32]
    probe_kind: NDArray[np.int8]
    probe_truth: NDArray[np.int8]
    """+1 when the truth is A, −1 when B."""
    probe_ideal: NDArray[np.float64]
    """Ideal observer's P(A) (nan when not known)."""
    answer_respondent: NDArray[np.int32]
    answer_item: NDArray[np.int32]
    answer_epoch: NDArray[np.int32]
    answer_status: NDArray[np.int8]
    answer_hypothesis: NDArray[np.int32]
    """Row of ``hypotheses`` for this answer, −1 when none."""
    hypotheses: NDArray[np.float64]
    """``hypotheses[h, k]``: submitted weights (nan for a feature left out)."""
    answer: NDArray[np.int32]
    """``answer[row]``: the answer this probe answer belongs to."""
    respondent: NDArray[np.int32]
    item: NDArray[np.int32]
    epoch: NDArray[np.int32]
    probe: NDArray[np.int32]
    """Global probe index (into ``probe_*``)."""
    correct: NDArray[np.bool_]
    side: NDArray[np.int8]
    """+1 chose A, −1 chose B, 0 no choice (also for every probe of an answer whose status is
    not in :data:`GRADED_STATUSES`)."""
    status: NDArray[np.int8]
    confidence: NDArray[np.float64]
    """Stated confidence in the chosen side, nan when not given."""
    difficulty: NDArray[np.int8]
    """Indexes :data:`DIFFICULTIES`; −1 when unknown."""
    kind: NDArray[np.int8]
    """Indexes :data:`KINDS`."""
    ideal_correct: NDArray[np.float64]
    """1 or 0 by the ideal observer's argmax, 0.5 on its tie, nan when unknown."""

    @property
    def n_rows(self) -> int:
        """Number of probe answers."""
        return int(self.correct.size)

    @property
    def unanswered(self) -> NDArray[np.bool_]:
        """``unanswered[row]``: a probe left without a choice (none given, none derived from the
        hypothesis) in an answer graded on what it holds (``ok`` or ``timeout``). The probes of
        refused, invalid, … answers are counted by their status instead."""
        blank: NDArray[np.bool_] = self.side == 0
        return blank & graded_status(self.status)

    def select(
        self,
        *,
        respondents: Iterable[str] | None = None,
        items: Iterable[str] | None = None,
        splits: Iterable[Split | str] | None = None,
    ) -> Graded:
        """The rows and answers of some respondents, items or splits (tables unchanged)."""
        keep_a = np.ones(self.answer_item.size, bool)
        if respondents is not None:
            codes_r = [self.respondents.index(r) for r in set(respondents) if r in self.respondents]
            keep_a &= np.isin(self.answer_respondent, codes_r)
        if items is not None:
            wanted = set(items)
            keep_a &= np.isin(
                self.answer_item, [i for i, it in enumerate(self.item_ids) if it in wanted]
            )
        if splits is not None:
            codes = [SPLITS.index(Split(s)) for s in splits]
            keep_a &= np.isin(self.item_split[self.answer_item], codes)
        new_index = np.cumsum(keep_a, dtype=np.int64) - 1
        rows = keep_a[self.answer]
        fields: dict[str, Any] = {
            name: getattr(self, name)[rows]
            for name in (
                "respondent",
                "item",
                "epoch",
                "probe",
                "correct",
                "side",
                "status",
                "confidence",
                "difficulty",
                "kind",
                "ideal_correct",
            )
        }
        fields["answer"] = new_index[self.answer[rows]].astype(_I32)
        for name in (
            "answer_respondent",
            "answer_item",
            "answer_epoch",
            "answer_status",
            "answer_hypothesis",
        ):
            fields[name] = getattr(self, name)[keep_a]
        return replace(self, **fields)
