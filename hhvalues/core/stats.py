"""Statistics for comparing respondents: bootstrap intervals, paired tests, error consistency.

Pure array math (numpy + scipy): no bank or answer types, so :mod:`hhvalues.core.scoring`
builds on it and callers (results page, ablation report) can reuse it directly. Every random
function takes an ``rng: np.random.Generator``; a seed becomes a generator only at the edges.

Sources: bootstrap over items with epochs averaged first (Miller 2024, "Adding Error Bars to
Evals"); error consistency κ (Geirhos et al. 2020); Holm (1979) step-down correction; TOST
equivalence (Schuirmann 1987); the power figures are the normal approximation 1.96·√(p(1 − p)/n).
"""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

# scipy.stats costs about a second to import: it is imported inside the functions that need it,
# so `hhvalues score` (which needs none of them) starts fast.
_Z = NormalDist()

EXACT_SIGN_FLIP_MAX = 16
"""Up to this many paired units the sign-flip p-value enumerates all 2^n flips exactly."""


class Interval(NamedTuple):
    """A point estimate with a two-sided interval."""

    estimate: float
    low: float
    high: float


class PairedResult(NamedTuple):
    """Paired difference x − y over common units."""

    diff: float
    """Mean of x − y."""
    low: float
    high: float
    p_value: float
    """Two-sided sign-flip randomisation p-value (exact for ≤ 16 units)."""
    n: int
    """Number of paired units (items)."""


class McNemar(NamedTuple):
    """Exact McNemar test on discordant pairs."""

    only_x: int
    """Pairs where x is right and y wrong."""
    only_y: int
    """Pairs where y is right and x wrong."""
    p_value: float


class Tost(NamedTuple):
    """Two one-sided tests for equivalence to ``p0`` within ± ``margin``."""

    p_value: float
    """max of the two one-sided p-values; equivalence is shown when it is < alpha."""
    equivalent: bool
    low: float
    """Lower bound of the (1 − 2·alpha) exact interval of the proportion."""
    high: float


class Calibration(NamedTuple):
    """Reliability table of stated confidence against accuracy."""

    edges: NDArray[np.float64]
    """Bin edges, ``len(counts) + 1`` values from 0.5 to 1."""
    confidence: NDArray[np.float64]
    """Mean stated confidence per bin (nan for empty bins)."""
    accuracy: NDArray[np.float64]
    """Share correct per bin (nan for empty bins)."""
    counts: NDArray[np.int64]
    ece: float
    """Expected calibration error: count-weighted mean |confidence − accuracy|."""


# --- bootstrap -----------------------------------------------------------------------------


def bootstrap_counts(n: int, *, rng: np.random.Generator, n_boot: int) -> NDArray[np.float64]:
    """``w[b, i]``: how often unit i is drawn in bootstrap replicate b (rows sum to n)."""
    if n <= 0:
        return np.zeros((n_boot, 0))
    idx = rng.integers(0, n, size=(n_boot, n))
    offsets = np.arange(n_boot)[:, None] * n
    return (
        np.bincount((idx + offsets).ravel(), minlength=n_boot * n)
        .reshape(n_boot, n)
        .astype(np.float64)
    )


def _percentiles(samples: NDArray[np.float64], level: float) -> tuple[float, float]:
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return math.nan, math.nan
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def bootstrap_ratio(
    num: ArrayLike,
    den: ArrayLike,
    *,
    rng: np.random.Generator,
    n_boot: int = 2000,
    level: float = 0.95,
) -> Interval:
    """Percentile interval of ``Σ num / Σ den`` resampling clusters (e.g. items).

    ``num[i]`` is cluster i's correct count (epochs averaged), ``den[i]`` its probes; the
    estimate equals pooled accuracy, the interval respects clustering.
    """
    num_a, den_a = np.asarray(num, np.float64), np.asarray(den, np.float64)
    total = den_a.sum()
    if total <= 0:
        return Interval(math.nan, math.nan, math.nan)
    est = float(num_a.sum() / total)
    if num_a.size < 2:
        return Interval(est, math.nan, math.nan)
    w = bootstrap_counts(num_a.size, rng=rng, n_boot=n_boot)
    with np.errstate(invalid="ignore", divide="ignore"):
        samples = (w @ num_a) / (w @ den_a)
    return Interval(est, *_percentiles(samples, level))


def bootstrap_mean(
    values: ArrayLike, *, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95
) -> Interval:
    """Percentile interval of a mean, resampling the values."""
    v = np.asarray(values, np.float64)
    return bootstrap_ratio(v, np.ones_like(v), rng=rng, n_boot=n_boot, level=level)


def bootstrap_two_level(
    num: ArrayLike,
    den: ArrayLike,
    *,
    rng: np.random.Generator,
    n_boot: int = 2000,
    level: float = 0.95,
) -> Interval:
    """Mean over participants of each one's accuracy, resampling participants *and* items.

    ``num[p, i]``: participant p's correct count on item i (epochs averaged), ``den[p, i]``
    the probes asked (0 where p did not answer i). Each replicate draws participants and items
    independently (crossed random factors: participants and items); a participant with no drawn item is
    left out of that replicate's mean.
    """
    n_mat, d_mat = np.asarray(num, np.float64), np.asarray(den, np.float64)
    if n_mat.ndim != 2 or n_mat.shape != d_mat.shape:
        raise ValueError(f"num and den must be equal 2-D shapes, got {n_mat.shape}, {d_mat.shape}")
    n_p, n_i = n_mat.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        per_p = n_mat.sum(1) / d_mat.sum(1)
    valid = np.isfinite(per_p)
    if not valid.any():
        return Interval(math.nan, math.nan, math.nan)
    est = float(per_p[valid].mean())
    if n_p < 2 and n_i < 2:
        return Interval(est, math.nan, math.nan)
    wi = bootstrap_counts(n_i, rng=rng, n_boot=n_boot)  # (B, I)
    wp = bootstrap_counts(n_p, rng=rng, n_boot=n_boot)  # (B, P)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = (wi @ n_mat.T) / (wi @ d_mat.T)  # (B, P)
    ok = np.isfinite(acc)
    weight = wp * ok
    with np.errstate(invalid="ignore", divide="ignore"):
        samples = (weight * np.where(ok, acc, 0.0)).sum(1) / weight.sum(1)
    return Interval(est, *_percentiles(samples, level))


# --- paired comparisons ----------------------------------------------------------------------


def sign_flip_p(diffs: ArrayLike, *, rng: np.random.Generator, n_boot: int = 2000) -> float:
    """Two-sided p-value of mean(diffs) = 0 by random sign flips (exact for ≤ 16 units)."""
    d = np.asarray(diffs, np.float64)
    n = d.size
    if n == 0:
        return math.nan
    observed = abs(d.mean())
    tol = 1e-12 * max(1.0, observed)
    if n <= EXACT_SIGN_FLIP_MAX:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        stats = np.abs(signs @ d) / n
        return float(np.mean(stats >= observed - tol))
    signs = rng.choice(np.array([1.0, -1.0]), size=(n_boot, n))
    stats = np.abs(signs @ d) / n
    return float((1 + np.sum(stats >= observed - tol)) / (1 + n_boot))


def paired_difference(
    x: ArrayLike,
    y: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    rng: np.random.Generator,
    n_boot: int = 2000,
    level: float = 0.95,
) -> PairedResult:
    """Weighted mean paired difference x − y over units, bootstrap CI and sign-flip p-value.

    ``x[i]``, ``y[i]``: the two respondents' accuracies on common item i, epochs already
    averaged within the item; ``weights[i]`` (default 1) e.g. the item's number of probes, so
    the difference equals the difference of pooled accuracies.
    """
    xa, ya = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if xa.shape != ya.shape or xa.ndim != 1:
        raise ValueError(f"x and y must be equal 1-D shapes, got {xa.shape}, {ya.shape}")
    w = np.ones_like(xa) if weights is None else np.asarray(weights, np.float64)
    if w.shape != xa.shape:
        raise ValueError(f"weights must have shape {xa.shape}, got {w.shape}")
    if xa.size == 0:
        return PairedResult(math.nan, math.nan, math.nan, math.nan, 0)
    wd = w * (xa - ya)
    ci = bootstrap_ratio(wd, w, rng=rng, n_boot=n_boot, level=level)
    return PairedResult(
        ci.estimate, ci.low, ci.high, sign_flip_p(wd, rng=rng, n_boot=n_boot), xa.size
    )


def mcnemar_exact(correct_x: ArrayLike, correct_y: ArrayLike) -> McNemar:
    """Exact McNemar test on paired binary outcomes (binomial test on discordant pairs)."""
    cx, cy = np.asarray(correct_x, bool), np.asarray(correct_y, bool)
    if cx.shape != cy.shape:
        raise ValueError(f"outcome arrays differ in shape: {cx.shape}, {cy.shape}")
    b, c = int(np.sum(cx & ~cy)), int(np.sum(~cx & cy))
    if b + c == 0:
        return McNemar(b, c, 1.0)
    from scipy.stats import binomtest

    p = float(binomtest(b, b + c, 0.5).pvalue)
    return McNemar(b, c, p)


def _kappa(
    c_obs: NDArray[np.float64], p1: NDArray[np.float64], p2: NDArray[np.float64]
) -> NDArray[np.float64]:
    c_exp = p1 * p2 + (1 - p1) * (1 - p2)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (c_obs - c_exp) / (1 - c_exp)
    return np.where(np.isclose(c_exp, 1.0), np.nan, k)


def error_consistency(
    correct_x: ArrayLike,
    correct_y: ArrayLike,
    *,
    clusters: ArrayLike | None = None,
    rng: np.random.Generator | None = None,
    n_boot: int = 2000,
    level: float = 0.95,
) -> Interval:
    """Geirhos et al. (2020) κ = (c_obs − c_exp) / (1 − c_exp), with a bootstrap CI.

    ``correct_x[j]``, ``correct_y[j]``: the two respondents' outcomes on paired trial j, as 0/1
    or as shares in [0, 1] (epochs averaged; agreement is then the expected agreement of
    independently drawn epochs). ``clusters[j]`` (e.g. item index) is the resampling unit;
    without ``rng`` no interval is computed. κ is nan when c_exp = 1 (both always right or
    always wrong).
    """
    x, y = np.asarray(correct_x, np.float64), np.asarray(correct_y, np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"outcome arrays must be equal 1-D shapes, got {x.shape}, {y.shape}")
    if x.size == 0:
        return Interval(math.nan, math.nan, math.nan)
    agree = x * y + (1 - x) * (1 - y)
    est = float(_kappa(np.array([agree.mean()]), np.array([x.mean()]), np.array([y.mean()]))[0])
    if rng is None:
        return Interval(est, math.nan, math.nan)
    cl = (
        np.arange(x.size)
        if clusters is None
        else np.unique(np.asarray(clusters), return_inverse=True)[1]
    )
    n_cl = int(cl.max()) + 1
    sums = [np.bincount(cl, weights=v, minlength=n_cl) for v in (agree, x, y, np.ones_like(x))]
    if n_cl < 2:
        return Interval(est, math.nan, math.nan)
    w = bootstrap_counts(n_cl, rng=rng, n_boot=n_boot)
    a_s, x_s, y_s, n_s = (w @ s for s in sums)
    samples = _kappa(a_s / n_s, x_s / n_s, y_s / n_s)
    return Interval(est, *_percentiles(samples, level))


def holm(p_values: ArrayLike) -> NDArray[np.float64]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1; nan kept)."""
    p = np.asarray(p_values, np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


# --- chance, calibration, power --------------------------------------------------------------


def tost_binomial(
    k: int, n: int, *, p0: float = 0.5, margin: float = 0.05, alpha: float = 0.05
) -> Tost:
    """Equivalence of a proportion k/n to p0 within ± margin by two exact one-sided tests.

    "At chance" is supported only when ``equivalent`` is True; a non-significant difference
    from chance is not evidence of chance performance. Assumes independent probes; for
    clustered data check that a (1 − 2·alpha) bootstrap interval lies inside the margin.
    """
    if n <= 0:
        return Tost(math.nan, False, math.nan, math.nan)
    from scipy import stats as _sp

    lo_null, hi_null = p0 - margin, p0 + margin
    p_lower = _sp.binomtest(k, n, lo_null, alternative="greater").pvalue if lo_null > 0 else 0.0
    p_upper = _sp.binomtest(k, n, hi_null, alternative="less").pvalue if hi_null < 1 else 0.0
    p = float(max(p_lower, p_upper))
    ci = _sp.binomtest(k, n).proportion_ci(confidence_level=1 - 2 * alpha, method="exact")
    return Tost(p, p < alpha, float(ci.low), float(ci.high))


def brier_score(confidence: ArrayLike, correct: ArrayLike) -> float:
    """Mean (c − correct)² where c is the stated confidence in the chosen answer (nan skipped)."""
    c, y = np.asarray(confidence, np.float64), np.asarray(correct, np.float64)
    ok = np.isfinite(c)
    return float(np.mean((c[ok] - y[ok]) ** 2)) if ok.any() else math.nan


def calibration_bins(confidence: ArrayLike, correct: ArrayLike, *, n_bins: int = 5) -> Calibration:
    """Bin stated confidence (0.5..1) and compare with accuracy; nan confidences skipped."""
    c, y = np.asarray(confidence, np.float64), np.asarray(correct, np.float64)
    ok = np.isfinite(c)
    c, y = c[ok], y[ok]
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    b = np.clip(np.searchsorted(edges, c, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(b, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(b, weights=c, minlength=n_bins) / counts
        acc = np.bincount(b, weights=y, minlength=n_bins) / counts
    filled = counts > 0
    ece = (
        float(np.sum(counts[filled] * np.abs(conf[filled] - acc[filled])) / counts.sum())
        if c.size
        else math.nan
    )
    return Calibration(edges, conf, acc, counts.astype(np.int64), ece)


def half_width(n: float, *, p: float = 0.5, level: float = 0.95) -> float:
    """Normal-approximation half-width of a proportion's CI at n independent probes.

    At p = 0.5: ±0.098 for n = 100, ±0.049 for 400, ±0.031 for 1,000.
    """
    z = _Z.inv_cdf(0.5 + level / 2)
    return float(z * math.sqrt(p * (1 - p) / n))


def n_for_power(
    p1: float,
    *,
    p0: float = 0.5,
    power: float = 0.8,
    alpha: float = 0.05,
    design_effect: float = 1.0,
) -> int:
    """Independent probes needed to tell p1 from p0 (two-sided, normal approximation).

    55% vs 50% at 80% power needs ≈ 783. ``design_effect`` (≥ 1) inflates n
    for clustering, e.g. 1 + (m − 1)·ICC for m probes per item.
    """
    if p1 == p0:
        raise ValueError("p1 must differ from p0")
    za, zb = _Z.inv_cdf(1 - alpha / 2), _Z.inv_cdf(power)
    n = ((za * math.sqrt(p0 * (1 - p0)) + zb * math.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2
    return math.ceil(n * design_effect - 1e-9)


def minimum_detectable_effect(
    n: float,
    *,
    p0: float = 0.5,
    power: float = 0.8,
    alpha: float = 0.05,
    design_effect: float = 1.0,
) -> float:
    """Smallest p1 − p0 > 0 detectable with n probes at this power (inverse of n_for_power)."""
    za, zb = _Z.inv_cdf(1 - alpha / 2), _Z.inv_cdf(power)
    n_eff = n / design_effect

    def gap(delta: float) -> float:
        p1 = p0 + delta
        spread = za * math.sqrt(p0 * (1 - p0)) + zb * math.sqrt(p1 * (1 - p1))
        return float(spread / math.sqrt(n_eff) - delta)

    upper = 1 - p0 - 1e-12
    if gap(upper) > 0:
        return math.nan
    from scipy.optimize import brentq

    root: float = brentq(gap, 1e-12, upper)
    return float(root)


__all__ = [
    "Calibration",
    "Interval",
    "McNemar",
    "PairedResult",
    "Tost",
    "bootstrap_counts",
    "bootstrap_mean",
    "bootstrap_ratio",
    "bootstrap_two_level",
    "brier_score",
    "calibration_bins",
    "error_consistency",
    "half_width",
    "holm",
    "mcnemar_exact",
    "minimum_detectable_effect",
    "n_for_power",
    "paired_difference",
    "sign_flip_p",
    "tost_binomial",
]
