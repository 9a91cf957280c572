"""Reading answer files fast: the fields grading needs from each line, without an Answer.

Large answer files (DESIGN §3 JSONL) are graded by streaming them through the one loop of
:func:`hhvalues.core.answers.iter_answer_lines`; a plainly valid line becomes a light
:class:`LineAnswer`, anything else goes to :func:`~hhvalues.core.answers.parse_answer`, which
decides and words the error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from typing import Any

from hhvalues.core.answers import Answer, Status, iter_answer_lines, parse_answer


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
_CHOICES = ("A", "B", None)


def _is_finite_map(m: object) -> bool:
    return type(m) is dict and all(
        type(v) is int or (type(v) is float and math.isfinite(v)) for v in m.values()
    )


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
    if type(doc) is not dict:
        return None
    respondent, item = doc.get("respondent"), doc.get("item")
    if type(respondent) is not str or type(item) is not str or not item:
        return None
    kind, sep, name = respondent.partition(":")
    epoch = doc.get("epoch", 0)
    if not (sep and kind and name) or type(epoch) is not int or epoch < 0:
        return None
    choices = doc.get("choices") or {}
    if type(choices) is not dict or not all(c in _CHOICES for c in choices.values()):
        return None
    hyp, conf = doc.get("hypothesis"), doc.get("confidence")
    if hyp is not None and not _is_finite_map(hyp):
        return None
    if conf is not None and not (
        _is_finite_map(conf) and all(0.5 <= v <= 1.0 for v in conf.values())
    ):
        return None
    status = _STATUS_BY_VALUE.get(doc.get("status", "ok"))
    if status is None or type(doc.get("rationale") or "") is not str:
        return None
    stimulus = doc.get("stimulus")
    if stimulus is not None and type(stimulus) is not str:
        return None
    return LineAnswer(respondent, item, epoch, choices, hyp, conf, status)
