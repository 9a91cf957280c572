"""Rules every generated probe obeys beyond its margin (issue 20, items v3).

Prior-only confidence
    The ideal observer's confidence in a probe *before any walk*: its predictive under the
    uniform prior. A probe the prior alone answers with confidence ≥ :data:`MAX_PRIOR_Q` asks
    what the rules say, not what the walks show (terrain only costs, so a path that only adds
    terrain to an equally short route is worse under almost every hypothesis), and is dropped.
Domination
    A predict pair where one path ends where the other does, is no shorter, and crosses at least
    as many cells of every terrain is never the better one under any hypothesis of the prior
    (terrain levels are ≤ 0); such pairs are not built at all.
Redundancy
    Two probes of one item that are nearly one question: the correlation of their answers (±1)
    under the item's posterior, over the hypotheses where both are definite, is ≥
    :data:`MAX_CORRELATION` in size. An item never asks both.

All three read the prior, the posterior and the probes: never the truth, so the observer stays
calibrated (selection on public data only, docs/item-banks.md §4).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.observer import Posterior, posterior_from, predictive
from hhvalues.core.prior import HypothesisGrid
from hhvalues.core.probes import ProbeMatrix, probe_values

MAX_PRIOR_Q = 0.75
"""A probe the prior alone answers with at least this confidence is not asked."""
MAX_CORRELATION = 0.8
"""Two probes of one item whose answers correlate at least this much (in size) are not both asked."""


ITEMS_VERSION = 3
"""``model.design.items`` of a bank whose probes obey these rules."""


def design_rules() -> dict[str, object]:
    """The rules as a bank's ``model.design.rules`` declares them (``bank validate`` checks
    every item of a bank that declares them)."""
    return {
        "max_prior_q": MAX_PRIOR_Q,
        "max_abs_rho": MAX_CORRELATION,
        "dominated_predict_pairs": False,
    }


def prior_confidence(grid: HypothesisGrid, matrix: ProbeMatrix) -> NDArray[np.float64]:
    """``q0[j]``: the observer's confidence in probe j from the uniform prior alone."""
    p0 = predictive(posterior_from(grid, np.zeros(len(grid.rationality))), matrix)
    out: NDArray[np.float64] = np.maximum(p0, 1.0 - p0)
    return out


def prior_sure(q0: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Probes the prior alone answers with confidence ≥ :data:`MAX_PRIOR_Q` (a hair of rounding
    below it counts: 0.75 computed as 0.7499999999 is still three hypotheses in four)."""
    out: NDArray[np.bool_] = q0 >= MAX_PRIOR_Q - 1e-9
    return out


def answer_correlations(posterior: Posterior, matrix: ProbeMatrix) -> NDArray[np.float64]:
    """``rho[i, j]``: correlation of the ±1 answers of probes i and j under the posterior, over
    the hypotheses where both are definite (0 where one answer is certain there or none is
    definite; 1 on the diagonal)."""
    # Answers depend on the weights only: sum β out first (a third of the work at 3 levels).
    grid = posterior.grid
    values = probe_values(grid.unique_weights, matrix)  # (W, P)
    definite = (np.abs(values) >= matrix.margin - 1e-12).astype(np.float64)
    signs = np.sign(values) * definite
    post = posterior.probs.reshape(-1, grid.n_beta).sum(axis=1)[:, None]
    mass = (post * definite).T @ definite  # Σ p d_i d_j
    first = (post * signs).T @ definite  # Σ p s_i d_i d_j
    both = (post * signs).T @ signs  # Σ p s_i s_j
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(mass > 0, mass, 1.0)
        mean_i, mean_j = first / safe, first.T / safe
        cov = both / safe - mean_i * mean_j
        var = (1.0 - mean_i**2) * (1.0 - mean_j**2)
        rho = np.where((mass > 0) & (var > 1e-9), cov / np.sqrt(np.maximum(var, 1e-300)), 0.0)
    rho = np.clip(rho, -1.0, 1.0)
    np.fill_diagonal(rho, 1.0)
    return rho


def dominated(
    counts_a: NDArray[np.float64],
    counts_b: NDArray[np.float64],
    len_a: int,
    len_b: int,
    *,
    same_end: bool,
    terrain: NDArray[np.bool_],
) -> bool:
    """Whether one of two paths is never better: same end, no shorter, and at least as many
    cells of every terrain (whose levels are all ≤ 0) as the other."""
    if not same_end:
        return False
    ta, tb = counts_a[terrain], counts_b[terrain]
    a_worse = len_a >= len_b and bool((ta >= tb).all())
    b_worse = len_b >= len_a and bool((tb >= ta).all())
    return a_worse or b_worse


def design_effect(rho: NDArray[np.float64]) -> float:
    """Effective number of independent probes among those of ``rho`` (P² / ‖R‖²_F: P when the
    answers are uncorrelated, 1 when they are one question)."""
    p = rho.shape[0]
    if p == 0:
        return 0.0
    return float(p * p / (rho**2).sum())


__all__ = [
    "ITEMS_VERSION",
    "MAX_CORRELATION",
    "MAX_PRIOR_Q",
    "answer_correlations",
    "design_effect",
    "design_rules",
    "dominated",
    "prior_confidence",
    "prior_sure",
]
