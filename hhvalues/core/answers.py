"""Answers: one line of JSON per respondent × item × epoch (docs/formats.md §1).

Whoever wrote an answer — a participant, a model condition, a reference agent — it has the
same form, so the scoring core grades them all alike.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from hhvalues.core.bank import write_text_atomic
from hhvalues.core.ids import id_problem, shown_id
from hhvalues.core.jsontext import decode
from hhvalues.core.probes import Choice
from hhvalues.errors import AnswersError


class Status(StrEnum):
    """How an answer came to be. ``ok`` and ``timeout`` answers are graded on what they hold (a
    timeout: what was selected when time ran out; a probe without a choice is wrong); every other
    status makes all of its answer's probes wrong (``hhvalues.core.scoring``)."""

    OK = "ok"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    TRUNCATED = "truncated"
    EMPTY = "empty"
    INVALID = "invalid"
    ERROR = "error"


MAX_RESPONDENT = 300
"""The longest respondent id (the database's column)."""


def make_respondent(kind: str, name: str) -> str:
    """Build a respondent id ``kind:name`` (ValueError unless it is a safe id)."""
    respondent = f"{kind}:{name}"
    if not kind or ":" in kind or not name:
        raise ValueError(f"bad respondent parts {kind!r}, {name!r}")
    problem = id_problem(respondent, max_length=MAX_RESPONDENT)
    if problem is not None:
        raise ValueError(f"respondent {shown_id(respondent)} {problem}")
    return respondent


def parse_respondent(respondent: str) -> tuple[str, str]:
    """Split ``kind:name``; AnswersError when there is no kind."""
    kind, sep, name = respondent.partition(":")
    if not sep or not kind or not name:
        raise AnswersError(f"respondent {shown_id(respondent)} is not of the form kind:name")
    return kind, name


@dataclass(frozen=True, slots=True)
class Answer:
    """One respondent's answer to one item in one epoch."""

    respondent: str
    item: str
    epoch: int = 0
    choices: Mapping[str, Choice | None] = field(default_factory=dict)
    hypothesis: Mapping[str, float] | None = None
    confidence: Mapping[str, float] | None = None
    status: Status = Status.OK
    rationale: str = ""
    stimulus: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Optional fields beyond the contract (timings, flags), kept as given."""

    def to_json(self) -> dict[str, Any]:
        """The JSONL form."""
        out: dict[str, Any] = {
            "respondent": self.respondent,
            "item": self.item,
            "epoch": self.epoch,
            "choices": dict(self.choices),
            "hypothesis": dict(self.hypothesis) if self.hypothesis is not None else None,
            "confidence": dict(self.confidence) if self.confidence is not None else None,
            "status": self.status.value,
            "rationale": self.rationale,
        }
        if self.stimulus is not None:
            out["stimulus"] = self.stimulus
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out


MAX_EPOCH = 2**31 - 1
"""Epochs are counters of repeated runs; anything larger is a malformed line."""
_KNOWN = {
    "respondent",
    "item",
    "epoch",
    "choices",
    "hypothesis",
    "confidence",
    "status",
    "rationale",
    "stimulus",
}


def parse_answer(doc: object) -> Answer:
    """Build an Answer from a decoded JSON object; AnswersError naming the field."""
    if not isinstance(doc, dict):
        raise AnswersError("an answer must be a JSON object")
    respondent, item = doc.get("respondent"), doc.get("item")
    if not isinstance(respondent, str):
        raise AnswersError("'respondent' must be a string")
    parse_respondent(respondent)
    if (problem := id_problem(respondent, max_length=MAX_RESPONDENT)) is not None:
        raise AnswersError(f"respondent {shown_id(respondent)} {problem}")
    if not isinstance(item, str) or not item:
        raise AnswersError("'item' must be a non-empty string")
    if (problem := id_problem(item)) is not None:
        raise AnswersError(f"item {shown_id(item)} {problem}")
    epoch = doc.get("epoch", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 0 <= epoch <= MAX_EPOCH:
        raise AnswersError(f"'epoch' must be an integer in 0..{MAX_EPOCH}")
    choices = doc.get("choices") or {}
    if not isinstance(choices, dict):
        raise AnswersError("'choices' must be an object")
    for pid, c in choices.items():
        if c not in ("A", "B", None):
            raise AnswersError(f"choice for probe {pid!r} must be 'A', 'B' or null, got {c!r}")
    hypothesis = _number_map(doc.get("hypothesis"), "hypothesis")
    confidence = _number_map(doc.get("confidence"), "confidence")
    if confidence is not None:
        for pid, v in confidence.items():
            if not 0.5 <= v <= 1.0:
                raise AnswersError(f"confidence for probe {pid!r} must be in 0.5..1, got {v}")
    try:
        status = Status(doc.get("status", "ok"))
    except ValueError:
        raise AnswersError(f"unknown status {doc.get('status')!r}") from None
    rationale = doc.get("rationale") or ""
    if not isinstance(rationale, str):
        raise AnswersError("'rationale' must be a string")
    stimulus = doc.get("stimulus")
    if stimulus is not None and not isinstance(stimulus, str):
        raise AnswersError("'stimulus' must be a string")
    extra = {k: v for k, v in doc.items() if k not in _KNOWN}
    return Answer(
        respondent, item, epoch, choices, hypothesis, confidence, status, rationale, stimulus, extra
    )


def _number_map(raw: object, name: str) -> dict[str, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise AnswersError(f"{name!r} must be an object or null")
    out = {}
    for k, v in raw.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            raise AnswersError(f"{name} value for {k!r} must be a finite number")
        out[k] = float(v)
    return out


_scan_json = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # (C scanner, untyped)


def iter_answer_lines(
    paths: Iterable[str | os.PathLike[str]],
    parse: Callable[[object], Any] = parse_answer,
) -> Iterator[tuple[str, Any]]:
    """Stream ``("file:line", parse(doc))`` over JSONL files, skipping blank lines.

    The one loop over answer files: :func:`iter_answers` and the scoring core's fast reader
    (:mod:`hhvalues.core.answer_lines`) both run through it. An AnswersError from ``parse``, a
    line that is not JSON, a missing file or bytes that are not UTF-8 come out as one
    AnswersError naming the file and line.
    """
    for path in paths:
        p = Path(path)
        try:
            fh = p.open(encoding="utf-8")
        except FileNotFoundError:
            raise AnswersError("no such file", where=str(p)) from None
        except OSError as exc:
            raise AnswersError(f"cannot read: {exc.strerror or exc}", where=str(p)) from None
        with fh:
            lineno = 0
            try:
                for lineno, line in enumerate(fh, 1):
                    where = f"{p}:{lineno}"
                    try:
                        # The C scanner json.loads ends in, minus its per-call Python layers.
                        doc, end = _scan_json(line, 0)
                        plain = end == len(line) or line[end:] == "\n"
                    except (StopIteration, ValueError, RecursionError):
                        plain = False
                    if not plain:
                        # Blank, padded, trailing data or not JSON: decode decides and words it.
                        if not line.strip():
                            continue
                        try:
                            doc = decode(line, position=False)
                        except ValueError as exc:
                            other = _other_format(p, line) if lineno == 1 else None
                            if other is not None:
                                raise AnswersError(other, where=str(p)) from None
                            raise AnswersError(str(exc), where=where) from None
                    try:
                        parsed = parse(doc)
                    except AnswersError as exc:
                        raise AnswersError(exc.message, where=where) from None
                    yield where, parsed
            except UnicodeDecodeError:
                other = _other_format(p, "") if lineno == 0 else None
                if other:
                    raise AnswersError(other, where=str(p)) from None
                raise AnswersError("not UTF-8 text", where=f"{p}:{lineno + 1}") from None


_JSONL_WANTED = (
    "answers are read from JSON Lines: export them with --format jsonl, or give the "
    "answers.jsonl (and models.jsonl) of the bundle"
)


def _other_format(path: Path, first_line: str) -> str | None:
    """What an answers file that is not JSON Lines is instead (an export of another format)."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        return f"this is a zip file (the bundle export?); {_JSONL_WANTED}"
    if magic == b"PAR1":
        return f"this is a Parquet file; {_JSONL_WANTED}"
    head = first_line.strip().lstrip("\ufeff")
    if head.startswith("respondent,") or (not head.startswith(("{", "[")) and head.count(",") >= 3):
        return f"this is a CSV file (the CSV export?); {_JSONL_WANTED}"
    return None


def iter_answers(path: str | os.PathLike[str]) -> Iterator[Answer]:
    """Stream answers from a JSONL file; AnswersError naming file and line for a bad line."""
    for _, answer in iter_answer_lines([path]):
        yield answer


def read_answers(path: str | os.PathLike[str]) -> list[Answer]:
    """All answers of a JSONL file."""
    return list(iter_answers(path))


def dumps_answer(answer: Answer) -> str:
    """One JSONL line (without the newline)."""
    return json.dumps(answer.to_json(), ensure_ascii=False, separators=(",", ":"))


def write_answers(answers: Iterable[Answer], path: str | os.PathLike[str]) -> int:
    """Write answers atomically; returns the number of lines."""
    lines = [dumps_answer(a) for a in answers]
    write_text_atomic(Path(path), "".join(line + "\n" for line in lines))
    return len(lines)
