"""Reading answer files fast: the fields grading needs from each line, without an Answer.

Large answer files (docs/formats.md §2) are graded by streaming them through the one loop of
:func:`hhvalues.core.answers.iter_answer_lines`; a plainly valid line becomes a light
:class:`LineAnswer`, anything else goes to :func:`~hhvalues.core.answers.parse_answer`, which
decides and words the error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from typing import Any

from hhvalues.core.answers import (
    MAX_EPOCH,
    MAX_RESPONDENT,
    Answer,
    Status,
    iter_answer_lines,
    parse_answer,
)
from hhvalues.core.ids import is_safe_id


def iter_located_answers(
    paths: Iterable[str | os.PathLike[str]],
) -> Iterator[tuple[str, Answer]]:
    """Stream ``("file:line", Answer)`` from JSONL files; AnswersError naming file and line."""
    return iter_answer_lines(paths)


def iter_graded_fields(
    paths: Iterable[str | os.PathLike[str]],
) -> Iterator[tuple[str, Answer | LineAnswer]]:
    """Stream ``("file:line", answer)`` where answer is a LineAnswer when the line is plain."""
    return iter_answer_lines(paths, _read_line)


def _read_line(doc: object) -> Answer | LineAnswer:
    ans = read_answer_fast(doc)
    return parse_answer(doc) if ans is None else ans


_STATUS_BY_VALUE: dict[object, Status] = {s.value: s for s in Status}
_CHOICES = frozenset(("A", "B", None))
_NUMBER_TYPES = frozenset((int, float))


def _is_finite_map(m: object) -> bool:
    """A dict of int/float values that are all finite (C-level checks: no per-value Python)."""
    if type(m) is not dict:
        return False
    values = m.values()
    if not set(map(type, values)) <= _NUMBER_TYPES:
        return False
    # Any inf or nan makes the sum inf or nan; an overflowing sum only sends the line to the
    # full parser, never lets a bad value through.
    return math.isfinite(sum(values))


class LineAnswer:
    """The fields grading needs from one answer line (a light stand-in for :class:`Answer`)."""

    __slots__ = ("choices", "confidence", "epoch", "hypothesis", "item", "respondent", "status")

    def __init__(
        self,
        respondent: str,
        item: str,
        epoch: int,
        choices: dict[str, Any],
        hypothesis: dict[str, float] | None,
        confidence: dict[str, float] | None,
        status: Status,
    ) -> None:
        self.respondent, self.item, self.epoch = respondent, item, epoch
        self.choices, self.hypothesis, self.confidence, self.status = (
            choices,
            hypothesis,
            confidence,
            status,
        )


def read_answer_fast(doc: object) -> LineAnswer | None:
    """The graded fields of a plainly valid decoded line, or None to defer to ``parse_answer``.

    A quick path for large files: it accepts only documents that
    :func:`~hhvalues.core.answers.parse_answer` accepts, with the same field values (a property
    test checks both). Anything unusual returns None, so the full parser decides and words the
    error. Numbers in ``hypothesis``/``confidence`` may stay ints; the grader converts them.
    """
    try:
        return _read_fast(doc) if type(doc) is dict else None
    except (TypeError, OverflowError):  # an unhashable or huge value: the full parser words it
        return None


def _read_fast(doc: dict[str, Any]) -> LineAnswer | None:
    get = doc.get
    respondent, item = get("respondent"), get("item")
    if type(respondent) is not str or type(item) is not str or not item:
        return None
    kind, sep, name = respondent.partition(":")
    epoch = get("epoch", 0)
    if not (sep and kind and name) or type(epoch) is not int or not 0 <= epoch <= MAX_EPOCH:
        return None
    if not (is_safe_id(respondent, max_length=MAX_RESPONDENT) and is_safe_id(item)):
        return None
    choices = get("choices") or {}
    if type(choices) is not dict or not set(choices.values()) <= _CHOICES:
        return None
    hyp, conf = get("hypothesis"), get("confidence")
    if hyp is not None and not _is_finite_map(hyp):
        return None
    if conf is not None and not (
        _is_finite_map(conf)
        and (not conf or (min(conf.values()) >= 0.5 and max(conf.values()) <= 1.0))
    ):
        return None
    status = _STATUS_BY_VALUE.get(get("status", "ok"))
    if status is None or type(get("rationale") or "") is not str:
        return None
    stimulus = get("stimulus")
    if stimulus is not None and type(stimulus) is not str:
        return None
    return LineAnswer(respondent, item, epoch, choices, hyp, conf, status)
