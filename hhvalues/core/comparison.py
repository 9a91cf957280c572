"""Paired comparisons: respondent a against b on common items (difference, McNemar, error
consistency), Holm-adjusted over many."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.graded import Graded
from hhvalues.core.score_tables import finite_or_none, json_number, member_item_matrix, row_rng
from hhvalues.core.stats import (
    McNemar,
    error_consistency,
    holm,
    mcnemar_exact,
    paired_difference,
)
from hhvalues.errors import AnswersError


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
    num, den = member_item_matrix(graded, [ra, rb])
    common = np.flatnonzero((den[0] > 0) & (den[1] > 0))
    rng = row_rng(seed, f"{a}|{b}", "compare")
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
        finite_or_none(paired.low),
        finite_or_none(paired.high),
        finite_or_none(paired.p_value),
        mc,
        int(pa.size),
        finite_or_none(kappa.estimate),
        finite_or_none(kappa.low),
        finite_or_none(kappa.high),
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
    return [replace(c, p_holm=finite_or_none(float(p))) for c, p in zip(out, adjusted, strict=True)]


def comparison_to_json(c: Comparison) -> dict[str, Any]:
    """A comparison as plain JSON values."""
    return {
        "a": c.a,
        "b": c.b,
        "n_items": c.n_items,
        "accuracy_a": json_number(c.accuracy_a),
        "accuracy_b": json_number(c.accuracy_b),
        "diff": json_number(c.diff),
        "ci_low": json_number(c.ci_low),
        "ci_high": json_number(c.ci_high),
        "p_value": json_number(c.p_value),
        "p_holm": json_number(c.p_holm),
        "mcnemar": {
            "only_a": c.mcnemar.only_x,
            "only_b": c.mcnemar.only_y,
            "p_value": json_number(c.mcnemar.p_value),
            "n_pairs": c.n_pairs,
        },
        "error_consistency": {
            "kappa": json_number(c.kappa),
            "ci_low": json_number(c.kappa_low),
            "ci_high": json_number(c.kappa_high),
        },
    }
