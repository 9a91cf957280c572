"""The one scoring core: grade every answer alike, then score respondents (DESIGN.md §4).

:func:`grade` flattens answers into one row per probe answer (numpy arrays; the per-probe work
after reading is vectorised); :func:`score`, :func:`group_score` and :func:`compare` turn those
rows into accuracies with bootstrap intervals, the ideal-observer ceiling and the paired
statistics of :mod:`hhvalues.core.stats` (which is pure array math, so it sits below this module).

Grading rules
    An explicit choice wins. Where ``choices`` lacks a probe (or holds null) and a hypothesis is
    given, the choice is derived from the hypothesis by the bank's own rule (``probe_values`` then
    ``choices_from_values`` of :mod:`hhvalues.core.probes`);
    a tie, or a probe that needs a feature the hypothesis leaves out, gives no choice. No choice
    is wrong. Any status but ``ok`` makes all of that answer's probes wrong (and is counted).
Intervals
    Bootstrap over items with each item's epochs averaged first (Miller 2024); within one item
    (``by="item"``) the unit is the probe. Each row draws from its own generator seeded by
    (seed, respondent, group), so a row's interval does not depend on the other rows.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.answers import Answer, Status, parse_answer
from hhvalues.core.bank import Bank, Item, Split
from hhvalues.core.probes import (
    Difficulty,
    ProbeKind,
    choices_from_values,
    difficulty_of,
    probe_matrix,
)
from hhvalues.core.stats import (
    McNemar,
    bootstrap_ratio,
    bootstrap_two_level,
    brier_score,
    calibration_bins,
    error_consistency,
    holm,
    mcnemar_exact,
    paired_difference,
)
from hhvalues.errors import AnswersError, BankError

CHANCE = 0.5
STATUSES: tuple[Status, ...] = tuple(Status)
"""Status codes: ``Graded.status[row]`` indexes this tuple (0 is ``ok``)."""
KINDS: tuple[ProbeKind, ...] = tuple(ProbeKind)
DIFFICULTIES: tuple[Difficulty, ...] = tuple(Difficulty)
SPLITS: tuple[Split, ...] = tuple(Split)
By = Literal["respondent", "item", "type"]

_CODE: dict[object, int] = {"A": 1, "B": -1, None: 0}
_STATUS_CODE: dict[object, int] = {s: i for i, s in enumerate(STATUSES)}
_I32, _I8 = np.int32, np.int8
_IDEAL_TIE = 1e-9


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
    """+1 chose A, −1 chose B, 0 no choice (also for non-ok answers)."""
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


# --- reading and grading -----------------------------------------------------------------------


def iter_located_answers(
    paths: Iterable[str | os.PathLike[str]],
) -> Iterator[tuple[str, Answer]]:
    """Stream ``("file:line", Answer)`` from JSONL files; AnswersError naming file and line."""
    return _iter_lines(paths, fast=False)  # type: ignore[return-value]


def _iter_lines(
    paths: Iterable[str | os.PathLike[str]], *, fast: bool
) -> Iterator[tuple[str, Answer | LineAnswer]]:
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
                    if not line.strip():
                        continue
                    where = f"{p}:{lineno}"
                    try:
                        doc = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise AnswersError(f"not valid JSON ({exc.msg})", where=where) from None
                    try:
                        ans = read_answer_fast(doc) if fast else None
                        yield where, parse_answer(doc) if ans is None else ans
                    except AnswersError as exc:
                        raise AnswersError(exc.message, where=where) from None
            except UnicodeDecodeError:
                raise AnswersError("not UTF-8 text", where=f"{p}:{lineno + 1}") from None


_STATUS_BY_VALUE: dict[object, Status] = {s.value: s for s in Status}
_KNOWN_KEYS = frozenset(
    (
        "respondent",
        "item",
        "epoch",
        "choices",
        "hypothesis",
        "confidence",
        "status",
        "rationale",
        "stimulus",
    )
)
_CHOICES = ("A", "B", None)


def _is_finite_map(m: object) -> bool:
    return type(m) is dict and all(
        type(v) is int or (type(v) is float and math.isfinite(v)) for v in m.values()
    )


class LineAnswer:
    """The fields grading needs from one answer line (a light stand-in for :class:`Answer`)."""

    __slots__ = ("respondent", "item", "epoch", "choices", "hypothesis", "confidence", "status")

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


def grade(bank: Bank, answers: Iterable[Answer]) -> Graded:
    """Grade in-memory answers; errors name the answer's position (``answer N``)."""
    return grade_located(bank, answers, located=False)


def grade_files(bank: Bank, paths: Sequence[str | os.PathLike[str]]) -> Graded:
    """Grade JSONL answer files, streamed; errors name ``file:line``."""
    return grade_located(bank, _iter_lines(paths, fast=True))


def grade_located(bank: Bank, answers: Iterable[Any], *, located: bool = True) -> Graded:
    """Grade ``(where, answer)`` pairs (or bare answers with ``located=False``).

    ``where`` is what an AnswersError names, e.g. ``file:line``.

    Raises:
        BankError: the bank is a public copy without truth.
        AnswersError: an unknown item, a probe the item does not have, a choice other than
            A/B/null, a hypothesis naming an unknown feature, or a duplicate
            (respondent, item, epoch), which names both places.
    """
    if not bank.has_truth:
        raise BankError("scoring needs the full bank with truth", where=f"bank {bank.name}")
    t = _BankTable(bank)
    pairs = answers if located else enumerate(answers, 1)
    item_get, probe_ids, probe_sets = t.item_index.get, t.probe_ids, t.probe_sets
    zeros = [array("b", bytes(int(n))) for n in t.n_probes]
    resp_index: dict[str, int] = {}
    seen: dict[tuple[int, int, int], Any] = {}
    codes, conf_rows, conf_answers = array("b"), array("d"), array("q")
    a_status, hyp_answers = array("b"), array("q")
    hyps: list[list[float]] = []
    features = set(t.feature_ids)
    status_of, ok = _STATUS_CODE, Status.OK
    resp_get, seen_setdefault = resp_index.get, seen.setdefault
    cache: list[dict[tuple[tuple[str, Any], ...], array[int]]] = [{} for _ in t.item_ids]
    for where, ans in pairs:
        i = item_get(ans.item)
        if i is None:
            raise AnswersError(
                f"respondent {ans.respondent}: unknown item {ans.item!r}", where=_where(where)
            )
        r = resp_get(ans.respondent)
        if r is None:
            r = resp_index[ans.respondent] = len(resp_index)
        key = (r, i, ans.epoch)
        first = seen_setdefault(key, where)
        if first is not where:
            raise AnswersError(
                f"duplicate answer for respondent {ans.respondent}, item {ans.item}, "
                f"epoch {ans.epoch} (first at {_where(first)})",
                where=_where(where),
            )
        ch = ans.choices
        if ch:
            # Answers repeat a handful of choice patterns per item: decode each pattern once.
            try:
                pattern = tuple(ch.items())
                block = cache[i].get(pattern)
            except TypeError:
                _bad_choice(ans, probe_sets[i], where)
            if block is None:
                block = cache[i][pattern] = _decode_choices(ans, probe_ids[i], probe_sets[i], where)
            codes.extend(block)
        else:
            codes.extend(zeros[i])
        conf = ans.confidence
        if conf:
            if not conf.keys() <= probe_sets[i]:
                bad = sorted(set(conf) - probe_sets[i])[0]
                raise AnswersError(
                    f"respondent {ans.respondent}, item {ans.item}: confidence for "
                    f"unknown probe {bad!r}",
                    where=_where(where),
                )
            conf_answers.append(len(a_status))
            conf_rows.extend([float(conf.get(p, math.nan)) for p in probe_ids[i]])
        hyp = ans.hypothesis
        if hyp is not None:
            if not hyp.keys() <= features:
                bad = sorted(set(hyp) - features)[0]
                raise AnswersError(
                    f"respondent {ans.respondent}, item {ans.item}: hypothesis "
                    f"names unknown feature {bad!r}",
                    where=_where(where),
                )
            hyp_answers.append(len(a_status))
            hyps.append([float(hyp.get(f, math.nan)) for f in t.feature_ids])
        st = ans.status
        # Enum.__hash__ is Python-level: test the common case by identity first.
        code = 0 if st is ok else status_of.get(st)
        if code is None:
            raise AnswersError(
                f"respondent {ans.respondent}, item {ans.item}: unknown status {ans.status!r}",
                where=_where(where),
            )
        a_status.append(code)
    keys = np.fromiter(chain.from_iterable(seen), np.int64, count=3 * len(seen)).reshape(-1, 3)
    a_hyp = np.full(len(a_status), -1, _I32)
    a_hyp[np.array(hyp_answers, np.int64)] = np.arange(len(hyps), dtype=_I32)
    return _finish(
        bank,
        t,
        tuple(resp_index),
        keys,
        a_status,
        a_hyp,
        hyps,
        codes,
        (np.array(conf_answers, np.int64), np.array(conf_rows, np.float64)),
    )


def _where(where: object) -> str:
    return where if isinstance(where, str) else f"answer {where}"


def _decode_choices(
    ans: Answer | LineAnswer, pids: tuple[str, ...], probes: frozenset[str], where: object
) -> array[int]:
    ch = ans.choices
    if not ch.keys() <= probes:
        _bad_choice(ans, probes, where)
    try:
        return array("b", [_CODE[ch.get(p)] for p in pids])
    except (KeyError, TypeError):
        _bad_choice(ans, probes, where)
        raise  # unreachable: _bad_choice always raises


def _bad_choice(ans: Answer | LineAnswer, probes: frozenset[str], where: object) -> None:
    head = f"respondent {ans.respondent}, item {ans.item}"
    unknown = sorted(set(ans.choices) - probes)
    if unknown:
        raise AnswersError(f"{head}: the item has no probe {unknown[0]!r}", where=_where(where))
    bad = next(
        p
        for p, c in ans.choices.items()
        if not isinstance(c, str) and c is not None or c not in ("A", "B", None)
    )
    raise AnswersError(
        f"{head}: choice for probe {bad!r} must be 'A', 'B' or null, got {ans.choices[bad]!r}",
        where=_where(where),
    )


class _BankTable:
    """Per-bank lookup tables shared by every answer."""

    def __init__(self, bank: Bank) -> None:
        self.feature_ids = bank.features.ids
        self.item_ids = tuple(it.id for it in bank.items)
        self.item_index = {iid: i for i, iid in enumerate(self.item_ids)}
        self.probe_ids = [tuple(p.id for p in it.probes) for it in bank.items]
        self.probe_sets = [frozenset(ids) for ids in self.probe_ids]
        self.n_probes = np.array([len(ids) for ids in self.probe_ids], np.int64)
        self.offset = np.concatenate([[0], np.cumsum(self.n_probes)])
        mats = [
            probe_matrix(
                it.probes,
                bank.features,
                step_cost=bank.step_cost,
                horizon=bank.model.horizon,
                margins=bank.model.margins,
            )
            for it in bank.items
        ]
        self.a_t = np.concatenate([m.a.T for m in mats])  # (P, K)
        self.b = np.concatenate([m.b for m in mats])
        probes = [p for it in bank.items for p in it.probes]
        self.kind = np.array([KINDS.index(p.kind) for p in probes], _I8)
        self.difficulty = np.array(
            [DIFFICULTIES.index(p.difficulty) if p.difficulty is not None else -1 for p in probes],
            _I8,
        )
        self.truth = np.array(
            [
                1 if it.truth and it.truth.answers[p.id] == "A" else -1
                for it in bank.items
                for p in it.probes
            ],
            _I8,
        )


def _finish(
    bank: Bank,
    t: _BankTable,
    respondents: tuple[str, ...],
    keys: NDArray[np.int64],
    a_status_buf: array[int],
    a_hyp: NDArray[np.int32],
    hyp_list: list[list[float]],
    codes: array[int],
    conf: tuple[NDArray[np.int64], NDArray[np.float64]],
) -> Graded:
    """Vectorised part of grading: expand answers to probe rows, derive, compare with truth."""
    a_resp, a_item, a_epoch = (keys[:, c].astype(_I32) for c in range(3))
    a_status = np.array(a_status_buf, _I8)
    per = t.n_probes[a_item]
    n_rows = int(per.sum())
    answer = np.repeat(np.arange(a_item.size, dtype=_I32), per)
    first_row = np.cumsum(per) - per
    probe = (t.offset[a_item][answer] + np.arange(n_rows) - first_row[answer]).astype(_I32)
    side = np.frombuffer(codes, _I8).copy() if n_rows else np.zeros(0, _I8)
    k = len(t.feature_ids)
    hyps = np.array(hyp_list, np.float64).reshape(len(hyp_list), k)
    confidence = np.full(n_rows, math.nan)
    conf_answers, conf_values = conf
    if conf_answers.size:
        n_c = per[conf_answers]
        confidence[
            np.repeat(first_row[conf_answers] - np.cumsum(n_c) + n_c, n_c)
            + np.arange(int(n_c.sum()))
        ] = conf_values
    row_hyp = a_hyp[answer]
    need = np.flatnonzero((side == 0) & (row_hyp >= 0))
    if need.size:
        w = hyps[row_hyp[need]]
        coef = t.a_t[probe[need]]
        values = np.einsum("nk,nk->n", np.nan_to_num(w, nan=0.0), coef) + t.b[probe[need]]
        derived = choices_from_values(values)
        derived[(np.isnan(w) & (coef != 0)).any(1)] = 0
        side[need] = derived
    status = a_status[answer]
    side[status != 0] = 0
    correct = side == t.truth[probe]
    ideal = _ideal_table(bank, t, np.unique(a_item))
    # A P(A) within float noise of 0.5 is a tie: the ideal observer gets half credit there.
    ideal_side = np.where(np.abs(ideal - 0.5) <= _IDEAL_TIE, 0.0, np.sign(ideal - 0.5))
    ideal_correct = np.where(
        np.isnan(ideal),
        np.nan,
        np.where(ideal_side == 0, 0.5, (ideal_side == t.truth).astype(float)),
    )
    difficulty = t.difficulty.copy()
    fill = (difficulty < 0) & ~np.isnan(ideal)
    difficulty[fill] = [DIFFICULTIES.index(difficulty_of(max(q, 1 - q))) for q in ideal[fill]]
    weights = np.array(
        [
            bank.features.weights_vector(it.truth.weights) if it.truth else [math.nan] * k
            for it in bank.items
        ],
        np.float64,
    ).reshape(len(bank.items), k)
    return Graded(
        bank_name=bank.name,
        respondents=respondents,
        item_ids=t.item_ids,
        item_split=np.array([SPLITS.index(it.split) for it in bank.items], _I8),
        item_weights=weights,
        feature_ids=t.feature_ids,
        sign_margin=bank.model.margins.sign,
        probe_ids=tuple(p for ids in t.probe_ids for p in ids),
        probe_item=np.repeat(np.arange(len(t.item_ids), dtype=_I32), t.n_probes),
        probe_kind=t.kind,
        probe_truth=t.truth,
        probe_ideal=ideal,
        answer_respondent=a_resp,
        answer_item=a_item,
        answer_epoch=a_epoch,
        answer_status=a_status,
        answer_hypothesis=a_hyp,
        hypotheses=hyps,
        answer=answer,
        respondent=a_resp[answer],
        item=a_item[answer],
        epoch=a_epoch[answer],
        probe=probe,
        correct=correct,
        side=side,
        status=status,
        confidence=confidence,
        difficulty=difficulty[probe],
        kind=t.kind[probe],
        ideal_correct=ideal_correct[probe],
    )


def _ideal_table(bank: Bank, t: _BankTable, used: NDArray[np.int32]) -> NDArray[np.float64]:
    """P(A) of the ideal observer for every probe of the used items (nan elsewhere)."""
    out = np.full(int(t.offset[-1]), math.nan)
    for i in used.tolist():
        item = bank.items[i]
        probs = _ideal_for(bank, item)
        if probs is None:
            continue
        out[t.offset[i] : t.offset[i + 1]] = [probs.get(pid, math.nan) for pid in t.probe_ids[i]]
    return out


def _ideal_for(bank: Bank, item: Item) -> dict[str, float] | None:
    ideal = item.truth.ideal if item.truth else {}
    if ideal and all(p.id in ideal for p in item.probes):
        return dict(ideal)
    try:
        from hhvalues.core import observer  # lazy: the observer is optional for grading
    except ImportError:
        return None
    return dict(observer.ideal_probabilities(bank, item))


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HypothesisMetrics:
    """Submitted weights against the truth, averaged over a respondent's ok hypotheses."""

    n: int
    """Answers with a hypothesis."""
    sign_agreement: float | None
    """Share of features with |w| ≥ δ whose sign the hypothesis gets right (pooled)."""
    kendall_tau: float | None
    cosine: float | None
    epic: float | None
    """√((1 − ρ)/2), ρ = Pearson(0⊕ŵ, 0⊕w); 0 is perfect, 1 opposite."""


@dataclass(frozen=True, slots=True)
class RespondentScore:
    """One row of a score table: a respondent, or a respondent × item / probe type."""

    respondent: str
    group: str | None
    """Item id (``by="item"``) or probe type (``by="type"``); None by respondent."""
    accuracy: float
    ci_low: float | None
    ci_high: float | None
    n_items: int
    n_probes: int
    """Probe answers graded (epochs counted)."""
    n_answers: int
    ceiling: float | None
    """Ideal observer's accuracy on the same probes; None when not known."""
    normalized: float | None
    status_counts: dict[str, int]
    """Answers by status (every status listed)."""
    accuracy_ok: float | None
    """Accuracy on ``ok`` answers only."""
    side_bias: float | None
    """Share of A among the probes answered."""
    brier: float | None
    ece: float | None
    """Expected calibration error, where confidence was given."""
    by_difficulty: dict[str, float]
    by_type: dict[str, float]
    hypothesis: HypothesisMetrics | None


@dataclass(frozen=True, slots=True)
class GroupScore:
    """Mean of members' accuracies with a CI over members and items (human group score)."""

    name: str
    members: tuple[str, ...]
    accuracy: float
    ci_low: float | None
    ci_high: float | None
    n_items: int
    n_probes: int
    ceiling: float | None
    normalized: float | None
    status_counts: dict[str, int]
    accuracy_ok: float | None


@dataclass(frozen=True, slots=True)
class Scores:
    """A score table."""

    by: str
    seed: int
    n_boot: int
    rows: tuple[RespondentScore, ...]
    groups: tuple[GroupScore, ...] = ()
    chance: float = CHANCE


def score(
    graded: Graded,
    *,
    by: By = "respondent",
    seed: int = 0,
    n_boot: int = 2000,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> Scores:
    """Score every respondent (or respondent × item / probe type); optional group rows."""
    if by not in ("respondent", "item", "type"):
        raise ValueError(f"by must be respondent, item or type, got {by!r}")
    if by == "respondent":
        key = np.zeros(graded.n_rows, np.int64)
    else:
        key = graded.item.astype(np.int64) if by == "item" else graded.kind.astype(np.int64)
    order = np.lexsort((key, graded.respondent))
    pair = graded.respondent[order].astype(np.int64) * (int(key.max(initial=0)) + 1) + key[order]
    cuts = np.flatnonzero(np.diff(pair)) + 1
    rows = []
    for idx in np.split(order, cuts) if order.size else []:
        r = graded.respondents[graded.respondent[idx[0]]]
        group = (
            None
            if by == "respondent"
            else (graded.item_ids[key[idx[0]]] if by == "item" else KINDS[key[idx[0]]].value)
        )
        rng = _row_rng(seed, r, group)
        rows.append(
            _score_rows(graded, idx, r, group, rng=rng, n_boot=n_boot, unit_probe=by == "item")
        )
    rows.sort(key=lambda s: (s.respondent, s.group or ""))
    group_rows = tuple(
        group_score(graded, members, name=name, seed=seed, n_boot=n_boot)
        for name, members in (groups or {}).items()
    )
    return Scores(by, seed, n_boot, tuple(rows), group_rows)


def _row_rng(seed: int, respondent: str, group: str | None) -> np.random.Generator:
    return np.random.default_rng(
        [seed, zlib.crc32(respondent.encode()), zlib.crc32((group or "").encode())]
    )


def _cluster_sums(
    graded: Graded, idx: NDArray[np.int64], cluster: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Per cluster: correct and asked, each divided by the cluster's number of epochs."""
    ids, inv = np.unique(cluster, return_inverse=True)
    correct = np.bincount(inv, weights=graded.correct[idx], minlength=ids.size)
    asked = np.bincount(inv, minlength=ids.size).astype(np.float64)
    epochs = np.bincount(
        np.unique(inv.astype(np.int64) * (graded.answer.size + 1) + graded.answer[idx])
        // (graded.answer.size + 1),
        minlength=ids.size,
    )
    return correct / epochs, asked / epochs, ids


def _score_rows(
    graded: Graded,
    idx: NDArray[np.int64],
    respondent: str,
    group: str | None,
    *,
    rng: np.random.Generator,
    n_boot: int,
    unit_probe: bool,
) -> RespondentScore:
    correct = graded.correct[idx]
    unit = graded.probe[idx] if unit_probe else graded.item[idx]
    num, den, _ = _cluster_sums(graded, idx, unit.astype(np.int64))
    ci = bootstrap_ratio(num, den, rng=rng, n_boot=n_boot)
    acc = float(correct.mean())
    ideal = graded.ideal_correct[idx]
    ceiling = None if np.isnan(ideal).any() else float(ideal.mean())
    answers = np.unique(graded.answer[idx])
    counts = np.bincount(graded.answer_status[answers], minlength=len(STATUSES))
    ok = graded.status[idx] == 0
    side = graded.side[idx]
    chose = side != 0
    conf = graded.confidence[idx]
    has_conf = np.isfinite(conf) & chose
    cal = calibration_bins(conf[has_conf], correct[has_conf]) if has_conf.any() else None
    return RespondentScore(
        respondent=respondent,
        group=group,
        accuracy=acc,
        ci_low=_num(ci.low),
        ci_high=_num(ci.high),
        n_items=int(np.unique(graded.item[idx]).size),
        n_probes=int(idx.size),
        n_answers=int(answers.size),
        ceiling=ceiling,
        normalized=normalize(acc, ceiling),
        status_counts={s.value: int(c) for s, c in zip(STATUSES, counts, strict=True)},
        accuracy_ok=float(correct[ok].mean()) if ok.any() else None,
        side_bias=float(np.mean(side[chose] == 1)) if chose.any() else None,
        brier=brier_score(conf[has_conf], correct[has_conf]) if has_conf.any() else None,
        ece=cal.ece if cal is not None else None,
        by_difficulty=_mean_by(graded.difficulty[idx], correct, DIFFICULTIES),
        by_type=_mean_by(graded.kind[idx], correct, KINDS),
        hypothesis=_hypothesis_metrics(graded, answers),
    )


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def normalize(accuracy: float, ceiling: float | None) -> float | None:
    """(acc − 0.5) / (ceiling − 0.5); None when the ceiling is unknown or ≤ chance."""
    if ceiling is None or ceiling <= CHANCE:
        return None
    return (accuracy - CHANCE) / (ceiling - CHANCE)


def _mean_by(
    codes: NDArray[np.int8], correct: NDArray[np.bool_], names: Sequence[Any]
) -> dict[str, float]:
    known = codes >= 0
    n = np.bincount(codes[known], minlength=len(names))
    k = np.bincount(codes[known], weights=correct[known], minlength=len(names))
    return {str(names[c].value): float(k[c] / n[c]) for c in range(len(names)) if n[c]}


def _hypothesis_metrics(
    graded: Graded, answers: NDArray[np.integer[Any]]
) -> HypothesisMetrics | None:
    sel = answers[(graded.answer_hypothesis[answers] >= 0) & (graded.answer_status[answers] == 0)]
    if sel.size == 0:
        return None
    w_hat = graded.hypotheses[graded.answer_hypothesis[sel]]
    w = graded.item_weights[graded.answer_item[sel]]
    m = hypothesis_metrics(w_hat, w, delta=graded.sign_margin)
    return HypothesisMetrics(int(sel.size), *(_num(v) for v in m))


class _Metrics(NamedTuple):
    sign_agreement: float
    kendall_tau: float
    cosine: float
    epic: float


def hypothesis_metrics(
    w_hat: NDArray[np.float64], w: NDArray[np.float64], *, delta: float
) -> _Metrics:
    """SCIENCE.md §4 metrics of hypotheses ``w_hat[n, k]`` against truths ``w[n, k]``.

    A feature the hypothesis leaves out (nan) counts as 0: no opinion, which never gets a sign
    right. Sign agreement is pooled over answers; the others are means over answers (nan
    where undefined, e.g. a constant vector).
    """
    wh = np.nan_to_num(np.atleast_2d(w_hat), nan=0.0)
    wt = np.atleast_2d(w)
    strong = np.abs(wt) >= delta
    sign = float(np.mean((np.sign(wh) == np.sign(wt))[strong])) if strong.any() else math.nan
    taus = kendall_tau_b(wh, wt)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(wh * wt, 1) / (np.linalg.norm(wh, axis=1) * np.linalg.norm(wt, axis=1))
        za = np.hstack([np.zeros((wh.shape[0], 1)), wh])
        zb = np.hstack([np.zeros((wt.shape[0], 1)), wt])
        za, zb = za - za.mean(1, keepdims=True), zb - zb.mean(1, keepdims=True)
        rho = np.sum(za * zb, 1) / np.sqrt(np.sum(za**2, 1) * np.sum(zb**2, 1))
        epic = np.sqrt(np.clip((1 - rho) / 2, 0, 1))
    return _Metrics(sign, _nanmean(np.array(taus, float)), _nanmean(cos), _nanmean(epic))


def kendall_tau_b(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Kendall τ_b of each row pair ``x[n]``, ``y[n]`` at once (nan when a row is constant).

    Equal to ``scipy.stats.kendalltau(x[n], y[n]).statistic`` (the tests check it), but
    vectorised over rows: scipy's per-call overhead dominates for short weight vectors.
    """
    i, j = np.triu_indices(x.shape[1], 1)
    dx, dy = np.sign(x[:, i] - x[:, j]), np.sign(y[:, i] - y[:, j])
    n0 = i.size
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (dx * dy).sum(1) / np.sqrt(
            (n0 - (dx == 0).sum(1)).astype(float) * (n0 - (dy == 0).sum(1))
        )
    return np.where(np.isfinite(tau), tau, np.nan)


def _nanmean(x: NDArray[np.float64]) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def _matrix(
    graded: Graded, members: Sequence[int]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``num[p, i]``, ``den[p, i]``: epoch-averaged correct and asked per member and item."""
    n_i = len(graded.item_ids)
    num, den = np.zeros((len(members), n_i)), np.zeros((len(members), n_i))
    for row, r in enumerate(members):
        idx = np.flatnonzero(graded.respondent == r)
        c, a, ids = _cluster_sums(graded, idx, graded.item[idx].astype(np.int64))
        num[row, ids], den[row, ids] = c, a
    return num, den


def group_score(
    graded: Graded,
    members: Sequence[str],
    *,
    name: str = "group",
    seed: int = 0,
    n_boot: int = 2000,
) -> GroupScore:
    """Mean of per-member accuracies; CI by a two-level bootstrap over members and items."""
    codes = [graded.respondents.index(m) for m in members if m in graded.respondents]
    if not codes:
        raise ValueError(f"group {name!r} has no respondent in the graded answers")
    per = [
        _score_rows(
            graded,
            np.flatnonzero(graded.respondent == c),
            graded.respondents[c],
            None,
            rng=np.random.default_rng(0),
            n_boot=0,
            unit_probe=False,
        )
        for c in codes
    ]
    num, den = _matrix(graded, codes)
    ci = bootstrap_two_level(num, den, rng=_row_rng(seed, name, "group"), n_boot=n_boot)
    acc = float(np.mean([p.accuracy for p in per]))
    ceilings = [p.ceiling for p in per if p.ceiling is not None]
    ceiling = float(np.mean(ceilings)) if len(ceilings) == len(per) else None
    oks = [p.accuracy_ok for p in per if p.accuracy_ok is not None]
    rows = np.isin(graded.respondent, codes)
    return GroupScore(
        name=name,
        members=tuple(graded.respondents[c] for c in codes),
        accuracy=acc,
        ci_low=_num(ci.low),
        ci_high=_num(ci.high),
        n_items=int(np.unique(graded.item[rows]).size),
        n_probes=int(rows.sum()),
        ceiling=ceiling,
        normalized=normalize(acc, ceiling),
        status_counts={s: sum(p.status_counts[s] for p in per) for s in per[0].status_counts},
        accuracy_ok=float(np.mean(oks)) if oks else None,
    )


# --- paired comparison --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """Respondent a against respondent b on their common items."""

    a: str
    b: str
    n_items: int
    accuracy_a: float
    """a's accuracy on the common items (epochs averaged within item)."""
    accuracy_b: float
    diff: float
    """accuracy_a − accuracy_b."""
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    """Sign-flip randomisation p-value of the per-item differences."""
    mcnemar: McNemar
    """Exact McNemar on probe answers paired by (item, probe, epoch)."""
    n_pairs: int
    kappa: float | None
    """Error consistency on the common probes (epochs averaged)."""
    kappa_low: float | None
    kappa_high: float | None
    p_holm: float | None = None
    """Holm-adjusted p_value (set by :func:`compare_many`)."""


def compare(graded: Graded, a: str, b: str, *, seed: int = 0, n_boot: int = 2000) -> Comparison:
    """Paired difference a − b over common items, McNemar and error consistency."""
    for r in (a, b):
        if r not in graded.respondents:
            raise AnswersError(f"no answers from respondent {r!r}")
    ra, rb = graded.respondents.index(a), graded.respondents.index(b)
    num, den = _matrix(graded, [ra, rb])
    common = np.flatnonzero((den[0] > 0) & (den[1] > 0))
    rng = _row_rng(seed, f"{a}|{b}", "compare")
    acc = num[:, common] / den[:, common]
    paired = paired_difference(acc[0], acc[1], weights=den[0, common], rng=rng, n_boot=n_boot)
    weight = den[0, common]
    acc_a, acc_b = (
        float(np.sum(x * weight) / weight.sum()) if common.size else math.nan for x in acc
    )
    ia, ib = np.flatnonzero(graded.respondent == ra), np.flatnonzero(graded.respondent == rb)
    n_ep = int(graded.epoch.max(initial=0)) + 1
    key_a = graded.probe[ia].astype(np.int64) * n_ep + graded.epoch[ia]
    key_b = graded.probe[ib].astype(np.int64) * n_ep + graded.epoch[ib]
    _, pa, pb = np.intersect1d(key_a, key_b, assume_unique=True, return_indices=True)
    mc = mcnemar_exact(graded.correct[ia[pa]], graded.correct[ib[pb]])
    xa, probes, _ = _probe_shares(graded, ia)
    xb, probes_b, _ = _probe_shares(graded, ib)
    _, qa, qb = np.intersect1d(probes, probes_b, assume_unique=True, return_indices=True)
    kappa = error_consistency(
        xa[qa], xb[qb], clusters=graded.probe_item[probes[qa]], rng=rng, n_boot=n_boot
    )
    return Comparison(
        a,
        b,
        int(common.size),
        acc_a,
        acc_b,
        paired.diff,
        _num(paired.low),
        _num(paired.high),
        _num(paired.p_value),
        mc,
        int(pa.size),
        _num(kappa.estimate),
        _num(kappa.low),
        _num(kappa.high),
    )


def _probe_shares(
    graded: Graded, idx: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Per probe answered: share correct over epochs, the probe ids, and epoch counts."""
    probes, inv = np.unique(graded.probe[idx], return_inverse=True)
    n = np.bincount(inv).astype(np.float64)
    return np.bincount(inv, weights=graded.correct[idx]) / n, probes.astype(np.int64), n


def compare_many(
    graded: Graded, baseline: str, others: Sequence[str], *, seed: int = 0, n_boot: int = 2000
) -> list[Comparison]:
    """Each of ``others`` against ``baseline``, paired, with Holm-adjusted p-values."""
    out = [compare(graded, o, baseline, seed=seed, n_boot=n_boot) for o in others]
    adjusted = holm([math.nan if c.p_value is None else c.p_value for c in out])
    return [replace(c, p_holm=_num(float(p))) for c, p in zip(out, adjusted, strict=True)]


# --- JSON --------------------------------------------------------------------------------------


def _r(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def row_to_json(row: RespondentScore, by: str = "respondent") -> dict[str, Any]:
    """The DESIGN §3 keys of one row, then the extras."""
    out: dict[str, Any] = {"respondent": row.respondent}
    if row.group is not None:
        out[by] = row.group
    out.update(
        {
            "accuracy": _r(row.accuracy),
            "ci_low": _r(row.ci_low),
            "ci_high": _r(row.ci_high),
            "n_items": row.n_items,
            "n_probes": row.n_probes,
            "ceiling": _r(row.ceiling),
            "normalized": _r(row.normalized),
            "status_counts": dict(row.status_counts),
            "n_answers": row.n_answers,
            "accuracy_ok": _r(row.accuracy_ok),
            "side_bias": _r(row.side_bias),
            "brier": _r(row.brier),
            "ece": _r(row.ece),
            "by_difficulty": {k: _r(v) for k, v in row.by_difficulty.items()},
            "by_type": {k: _r(v) for k, v in row.by_type.items()},
            "hypothesis": None
            if row.hypothesis is None
            else {
                "n": row.hypothesis.n,
                "sign_agreement": _r(row.hypothesis.sign_agreement),
                "kendall_tau": _r(row.hypothesis.kendall_tau),
                "cosine": _r(row.hypothesis.cosine),
                "epic": _r(row.hypothesis.epic),
            },
        }
    )
    return out


def group_to_json(g: GroupScore) -> dict[str, Any]:
    """A group row in the same shape as a respondent row, plus its members."""
    return {
        "respondent": g.name,
        "accuracy": _r(g.accuracy),
        "ci_low": _r(g.ci_low),
        "ci_high": _r(g.ci_high),
        "n_items": g.n_items,
        "n_probes": g.n_probes,
        "ceiling": _r(g.ceiling),
        "normalized": _r(g.normalized),
        "status_counts": dict(g.status_counts),
        "accuracy_ok": _r(g.accuracy_ok),
        "members": list(g.members),
    }


def scores_to_json(scores: Scores) -> dict[str, Any]:
    """DESIGN §3: ``{"chance": 0.5, "respondents": [...]}`` plus ``by``, ``seed``, ``groups``."""
    out: dict[str, Any] = {
        "chance": scores.chance,
        "respondents": [row_to_json(r, scores.by) for r in scores.rows],
        "by": scores.by,
        "seed": scores.seed,
        "n_boot": scores.n_boot,
    }
    if scores.groups:
        out["groups"] = [group_to_json(g) for g in scores.groups]
    return out


def comparison_to_json(c: Comparison) -> dict[str, Any]:
    """A comparison as plain JSON values."""
    return {
        "a": c.a,
        "b": c.b,
        "n_items": c.n_items,
        "accuracy_a": _r(c.accuracy_a),
        "accuracy_b": _r(c.accuracy_b),
        "diff": _r(c.diff),
        "ci_low": _r(c.ci_low),
        "ci_high": _r(c.ci_high),
        "p_value": _r(c.p_value),
        "p_holm": _r(c.p_holm),
        "mcnemar": {
            "only_a": c.mcnemar.only_x,
            "only_b": c.mcnemar.only_y,
            "p_value": _r(c.mcnemar.p_value),
            "n_pairs": c.n_pairs,
        },
        "error_consistency": {
            "kappa": _r(c.kappa),
            "ci_low": _r(c.kappa_low),
            "ci_high": _r(c.kappa_high),
        },
    }


__all__ = [
    "CHANCE",
    "DIFFICULTIES",
    "KINDS",
    "SPLITS",
    "STATUSES",
    "Comparison",
    "Graded",
    "GroupScore",
    "HypothesisMetrics",
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
    "kendall_tau_b",
    "LineAnswer",
    "read_answer_fast",
    "iter_located_answers",
    "normalize",
    "row_to_json",
    "score",
    "scores_to_json",
]
