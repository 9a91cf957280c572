"""Grading: every answer line to per-probe outcomes by the rules of docs/formats.md §3.

:func:`grade` (answers in memory), :func:`grade_files` (JSONL files, streamed) and
:func:`grade_located` turn answers into a :class:`~hhvalues.core.graded.Graded` table; the
per-answer loop only collects codes, and the per-probe work (deriving choices from hypotheses,
comparing with truth, the ideal-observer ceiling) is vectorised over the bank's tables.
"""

from __future__ import annotations

import gc
import math
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.answer_lines import LineAnswer, iter_graded_fields
from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import Bank, Item
from hhvalues.core.graded import DIFFICULTIES, KINDS, SPLITS, STATUSES, Graded, graded_status
from hhvalues.core.probes import choices_from_values, difficulty_of, probe_matrix
from hhvalues.errors import AnswersError, BankError

_CODE: dict[object, int] = {"A": 1, "B": -1, None: 0}
_STATUS_CODE: dict[object, int] = {s: i for i, s in enumerate(STATUSES)}
_I32, _I8 = np.int32, np.int8
_IDEAL_TIE = 1e-9


def grade(bank: Bank, answers: Iterable[Answer]) -> Graded:
    """Grade in-memory answers; errors name the answer's position (``answer N``)."""
    return grade_located(bank, answers, located=False)


def grade_files(
    bank: Bank, paths: Sequence[str | os.PathLike[str]], *, allow_empty: bool = False
) -> Graded:
    """Grade JSONL answer files, streamed; errors name ``file:line``. Files without a single
    answer between them are an AnswersError (an empty table would look like a respondent who
    answered nothing) unless ``allow_empty``: a model run's own log may hold no new answer."""
    return grade_located(bank, _answers_or_refuse(paths, allow_empty))


def _answers_or_refuse(
    paths: Sequence[str | os.PathLike[str]], allow_empty: bool
) -> Iterator[tuple[str, Any]]:
    seen = False
    for located in iter_graded_fields(paths):
        seen = True
        yield located
    if not seen and not allow_empty:
        where = str(paths[0]) if len(paths) == 1 else f"{len(paths)} answer files"
        raise AnswersError("no answers (the file is empty or only blank lines)", where=where)


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
    # Reading allocates a few containers per line and keeps most: the cyclic collector would
    # rescan that growing heap again and again (~10% of a large file's time) for no garbage.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _grade_pairs(bank, answers if located else enumerate(answers, 1))
    finally:
        if paused:
            gc.enable()


def _grade_pairs(bank: Bank, pairs: Iterable[tuple[Any, Any]]) -> Graded:
    t = _BankTable(bank)
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
        if (not isinstance(c, str) and c is not None) or c not in ("A", "B", None)
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
    # ok and timeout answers are graded on what they hold; any other status voids every probe.
    side[~graded_status(status)] = 0
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
