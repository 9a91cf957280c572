"""Statistics helpers against hand-computed values and the normal-approximation power numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hhvalues.core.stats import (
    bootstrap_counts,
    bootstrap_mean,
    bootstrap_ratio,
    bootstrap_two_level,
    brier_score,
    calibration_bins,
    error_consistency,
    half_width,
    holm,
    mcnemar_exact,
    minimum_detectable_effect,
    n_for_power,
    paired_difference,
    sign_flip_p,
    tost_binomial,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize(("n", "points"), [(100, 9.8), (400, 4.9), (1000, 3.1)])
def test_half_width_reference_numbers(n, points):
    assert 100 * half_width(n) == pytest.approx(points, abs=0.05)


def test_probes_needed_for_55_vs_50():
    n = n_for_power(0.55)
    assert 775 <= n <= 790  # about 780 by the normal approximation
    assert minimum_detectable_effect(n) == pytest.approx(0.05, abs=5e-4)
    assert n_for_power(0.55, design_effect=2.0) == pytest.approx(2 * n, abs=1)
    assert (
        minimum_detectable_effect(100)
        > minimum_detectable_effect(400)
        > minimum_detectable_effect(1000)
    )


def test_holm_hand_computed():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04 -> monotone 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    out = holm([0.01, math.nan])
    assert out[0] == pytest.approx(0.01) and math.isnan(out[1])


def test_mcnemar_exact():
    x = [1, 1, 1, 1, 1, 0, 1]
    y = [0, 0, 0, 0, 0, 0, 1]
    m = mcnemar_exact(x, y)
    assert (m.only_x, m.only_y) == (5, 0)
    assert m.p_value == pytest.approx(2 * 0.5**5)
    assert mcnemar_exact([1, 0], [1, 0]).p_value == 1.0


def test_error_consistency_hand_computed(rng):
    # c_obs = 0.5, p1 = p2 = 0.5 -> c_exp = 0.5 -> kappa 0
    assert error_consistency([1, 1, 0, 0], [1, 0, 0, 1]).estimate == pytest.approx(0.0)
    assert error_consistency([1, 1, 0, 0], [1, 1, 0, 0]).estimate == pytest.approx(1.0)
    assert error_consistency([1, 1, 0, 0], [0, 0, 1, 1]).estimate == pytest.approx(-1.0)
    # c_obs 0.6, c_exp 0.8*0.4 + 0.2*0.6 = 0.44
    k = error_consistency([1, 1, 0, 1, 1], [1, 0, 0, 0, 1], clusters=[0, 0, 0, 1, 1], rng=rng)
    assert k.estimate == pytest.approx(0.16 / 0.56)
    assert k.low <= k.estimate <= k.high
    assert math.isnan(error_consistency([1, 1], [1, 1]).estimate)  # c_exp = 1


def test_error_consistency_ci_covers_independent_respondents(rng):
    x = rng.random(2000) < 0.7
    y = rng.random(2000) < 0.6
    k = error_consistency(x, y, clusters=np.arange(2000) // 4, rng=rng)
    assert k.low <= 0.0 <= k.high and k.high - k.low < 0.2


def test_sign_flip_exact_and_monte_carlo(rng):
    assert sign_flip_p([1, 1, 1, 1], rng=rng) == pytest.approx(2 / 16)
    assert sign_flip_p([1, -1], rng=rng) == pytest.approx(1.0)
    assert sign_flip_p(np.full(40, 0.1), rng=rng, n_boot=999) == pytest.approx(1 / 1000)


def test_paired_difference_weighted(rng):
    r = paired_difference([2 / 3, 1.0], [1 / 3, 0.5], weights=[3, 2], rng=rng)
    assert r.diff == pytest.approx(0.4) and r.n == 2
    assert (r.low, r.high) == pytest.approx((1 / 3, 0.5))
    assert r.p_value == pytest.approx(0.5)


def test_bootstrap_is_seeded_and_shapes():
    w = bootstrap_counts(5, rng=np.random.default_rng(1), n_boot=7)
    assert w.shape == (7, 5) and (w.sum(1) == 5).all()
    a = bootstrap_ratio([1, 2, 0, 3], [3, 3, 3, 3], rng=np.random.default_rng(9))
    b = bootstrap_ratio([1, 2, 0, 3], [3, 3, 3, 3], rng=np.random.default_rng(9))
    assert a == b and a.estimate == pytest.approx(0.5)


def test_bootstrap_mean_coverage():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(300):
        ci = bootstrap_mean(rng.random(60) < 0.3, rng=rng, n_boot=500)
        hits += ci.low <= 0.3 <= ci.high
    assert 0.89 <= hits / 300 <= 0.99


def test_two_level_estimate_is_mean_of_participants(rng):
    num = np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    den = np.array([[3.0, 2.0, 0.0], [0.0, 2.0, 0.0]])  # p0: 3/5, p1: 2/2
    ci = bootstrap_two_level(num, den, rng=rng)
    assert ci.estimate == pytest.approx(0.8)
    assert ci.low <= 0.8 <= ci.high


def test_two_level_coverage_with_participant_spread():
    rng = np.random.default_rng(8)
    hits = 0
    for _ in range(150):
        ability = np.clip(rng.normal(0.65, 0.1, 15), 0.05, 0.95)
        num = (rng.random((15, 40, 2)) < ability[:, None, None]).sum(2).astype(float)
        den = np.full((15, 40), 2.0)
        ci = bootstrap_two_level(num, den, rng=rng, n_boot=400)
        hits += ci.low <= 0.65 <= ci.high
    assert hits / 150 >= 0.88


def test_tost_at_chance():
    at = tost_binomial(500, 1000, margin=0.05)
    assert at.equivalent and at.p_value < 0.05 and at.low > 0.45 and at.high < 0.55
    few = tost_binomial(50, 100, margin=0.05)
    assert not few.equivalent  # not significant is not the same as at chance
    above = tost_binomial(620, 1000, margin=0.05)
    assert not above.equivalent


def test_brier_and_calibration():
    assert brier_score([0.9, 0.6, math.nan], [1, 0, 1]) == pytest.approx((0.01 + 0.36) / 2)
    cal = calibration_bins([0.55, 0.55, 0.95, 0.95], [1, 0, 1, 1], n_bins=5)
    assert cal.counts.tolist() == [2, 0, 0, 0, 2]
    assert cal.accuracy[0] == pytest.approx(0.5) and cal.accuracy[4] == pytest.approx(1.0)
    assert cal.ece == pytest.approx((2 * 0.05 + 2 * 0.05) / 4)
    assert cal.edges[0] == 0.5 and cal.edges[-1] == 1.0
