"""Score tables: accuracies with bootstrap intervals, ceiling, normalized score, hypothesis
metrics and group rows from a :class:`~hhvalues.core.graded.Graded` table, and their JSON
(docs/formats.md §3)."""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.graded import DIFFICULTIES, KINDS, STATUSES, Graded, graded_status
from hhvalues.core.stats import (
    bootstrap_ratio,
    bootstrap_two_level,
    brier_score,
    calibration_bins,
)

CHANCE = 0.5
By = Literal["respondent", "item", "type"]


@dataclass(frozen=True, slots=True)
class HypothesisMetrics:
    """Submitted weights against the truth, averaged over a respondent's hypotheses in ``ok`` and
    ``timeout`` answers (the answers graded on what they hold)."""

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
    n_unanswered: int
    """Probe answers left without a choice in ``ok`` and ``timeout`` answers (graded wrong; the
    probes of refused, invalid, … answers are counted by status instead), epochs counted."""
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
    n_unanswered: int = 0
    """Probe answers left without a choice in the members' ``ok`` and ``timeout`` answers."""


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
    # Rows in a canonical order (respondent, group, epoch, probe), not the input's: float sums
    # (Brier, calibration) then do not depend on the order the answers came in.
    order = np.lexsort((graded.probe, graded.epoch, key, graded.respondent))
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
        rng = row_rng(seed, r, group)
        rows.append(
            _score_rows(graded, idx, r, group, rng=rng, n_boot=n_boot, unit_probe=by == "item")
        )
    rows.sort(key=lambda s: (s.respondent, s.group or ""))
    group_rows = tuple(
        group_score(graded, members, name=name, seed=seed, n_boot=n_boot)
        for name, members in (groups or {}).items()
    )
    return Scores(by, seed, n_boot, tuple(rows), group_rows)


def row_rng(seed: int, respondent: str, group: str | None) -> np.random.Generator:
    """The bootstrap generator of one row, seeded by (seed, respondent, group): a row's interval
    does not depend on the other rows."""
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
        ci_low=finite_or_none(ci.low),
        ci_high=finite_or_none(ci.high),
        n_items=int(np.unique(graded.item[idx]).size),
        n_probes=int(idx.size),
        n_answers=int(answers.size),
        ceiling=ceiling,
        normalized=normalize(acc, ceiling),
        status_counts={s.value: int(c) for s, c in zip(STATUSES, counts, strict=True)},
        n_unanswered=int(np.count_nonzero(graded.unanswered[idx])),
        accuracy_ok=float(correct[ok].mean()) if ok.any() else None,
        side_bias=float(np.mean(side[chose] == 1)) if chose.any() else None,
        brier=brier_score(conf[has_conf], correct[has_conf]) if has_conf.any() else None,
        ece=cal.ece if cal is not None else None,
        by_difficulty=_mean_by(graded.difficulty[idx], correct, DIFFICULTIES),
        by_type=_mean_by(graded.kind[idx], correct, KINDS),
        hypothesis=_hypothesis_metrics(graded, answers),
    )


def finite_or_none(x: float) -> float | None:
    """``x`` as a float, or None when it is None, NaN or infinite."""
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
    graded_answers = graded_status(graded.answer_status[answers])
    sel = answers[(graded.answer_hypothesis[answers] >= 0) & graded_answers]
    sel = sel[np.lexsort((graded.answer_item[sel], graded.answer_epoch[sel]))]  # order-free means
    if sel.size == 0:
        return None
    w_hat = graded.hypotheses[graded.answer_hypothesis[sel]]
    w = graded.item_weights[graded.answer_item[sel]]
    m = hypothesis_metrics(w_hat, w, delta=graded.sign_margin)
    return HypothesisMetrics(int(sel.size), *(finite_or_none(v) for v in m))


class _Metrics(NamedTuple):
    sign_agreement: float
    kendall_tau: float
    cosine: float
    epic: float


def hypothesis_metrics(
    w_hat: NDArray[np.float64], w: NDArray[np.float64], *, delta: float
) -> _Metrics:
    """Metrics of hypotheses ``w_hat[n, k]`` against truths ``w[n, k]``.

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


def member_item_matrix(
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
    num, den = member_item_matrix(graded, codes)
    ci = bootstrap_two_level(num, den, rng=row_rng(seed, name, "group"), n_boot=n_boot)
    acc = float(np.mean([p.accuracy for p in per]))
    ceilings = [p.ceiling for p in per if p.ceiling is not None]
    ceiling = float(np.mean(ceilings)) if len(ceilings) == len(per) else None
    oks = [p.accuracy_ok for p in per if p.accuracy_ok is not None]
    rows = np.isin(graded.respondent, codes)
    return GroupScore(
        name=name,
        members=tuple(graded.respondents[c] for c in codes),
        accuracy=acc,
        ci_low=finite_or_none(ci.low),
        ci_high=finite_or_none(ci.high),
        n_items=int(np.unique(graded.item[rows]).size),
        n_probes=int(rows.sum()),
        ceiling=ceiling,
        normalized=normalize(acc, ceiling),
        status_counts={s: sum(p.status_counts[s] for p in per) for s in per[0].status_counts},
        accuracy_ok=float(np.mean(oks)) if oks else None,
        n_unanswered=sum(p.n_unanswered for p in per),
    )


def json_number(x: float | None) -> float | None:
    """A number as the scores JSON writes it: rounded to 6 decimals, None when not finite."""
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def row_to_json(row: RespondentScore, by: str = "respondent") -> dict[str, Any]:
    """The docs/formats.md §3 keys of one row, then the extras."""
    out: dict[str, Any] = {"respondent": row.respondent}
    if row.group is not None:
        out[by] = row.group
    out.update(
        {
            "accuracy": json_number(row.accuracy),
            "ci_low": json_number(row.ci_low),
            "ci_high": json_number(row.ci_high),
            "n_items": row.n_items,
            "n_probes": row.n_probes,
            "ceiling": json_number(row.ceiling),
            "normalized": json_number(row.normalized),
            "status_counts": dict(row.status_counts),
            "n_unanswered": row.n_unanswered,
            "n_answers": row.n_answers,
            "accuracy_ok": json_number(row.accuracy_ok),
            "side_bias": json_number(row.side_bias),
            "brier": json_number(row.brier),
            "ece": json_number(row.ece),
            "by_difficulty": {k: json_number(v) for k, v in row.by_difficulty.items()},
            "by_type": {k: json_number(v) for k, v in row.by_type.items()},
            "hypothesis": None
            if row.hypothesis is None
            else {
                "n": row.hypothesis.n,
                "sign_agreement": json_number(row.hypothesis.sign_agreement),
                "kendall_tau": json_number(row.hypothesis.kendall_tau),
                "cosine": json_number(row.hypothesis.cosine),
                "epic": json_number(row.hypothesis.epic),
            },
        }
    )
    return out


def group_to_json(g: GroupScore) -> dict[str, Any]:
    """A group row in the same shape as a respondent row, plus its members."""
    return {
        "respondent": g.name,
        "accuracy": json_number(g.accuracy),
        "ci_low": json_number(g.ci_low),
        "ci_high": json_number(g.ci_high),
        "n_items": g.n_items,
        "n_probes": g.n_probes,
        "ceiling": json_number(g.ceiling),
        "normalized": json_number(g.normalized),
        "status_counts": dict(g.status_counts),
        "n_unanswered": g.n_unanswered,
        "accuracy_ok": json_number(g.accuracy_ok),
        "members": list(g.members),
    }


def scores_to_json(scores: Scores) -> dict[str, Any]:
    """docs/formats.md §3: ``{"chance": 0.5, "respondents": [...]}`` plus ``by``, ``seed``, ``groups``."""
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
