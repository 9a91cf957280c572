import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhvalues.core.features import CATALOGUE, FeatureSet
from hhvalues.core.planning import (
    optimal_return,
    path_log_likelihood,
    policy_sampler,
    reference_log_likelihood,
)
from hhvalues.core.world import follow_path, is_complete, parse_world

FS = FeatureSet((CATALOGUE[0], CATALOGUE[6]))  # flowers 'f', cafe 'C'
TINY = parse_world(["SC", ".."], FS)  # worked out by hand below


def _ll(path, planner, w=(0.0, 2.0), beta=1.0, horizon=2, lapse=0.0, dtype=np.float64):
    return float(
        path_log_likelihood(
            TINY,
            path,
            np.array([w]),
            np.array([beta]),
            step_cost=-1.0,
            horizon=horizon,
            planner=planner,
            lapse=lapse,
            dtype=dtype,
        )[0]
    )


def test_hard_planner_matches_hand_solution():
    # r: café 2-1 = 1, empty -1. With 2 steps left, Q(start, R) = 1 and
    # Q(start, D) = -1 + max(-1, -1) = -2; then from the lower-left cell both moves are worth -1.
    assert _ll("R", "hard") == pytest.approx(-math.log1p(math.exp(-3)))
    assert _ll("DR", "hard") == pytest.approx(-3 - math.log1p(math.exp(-3)) + math.log(0.5))


def test_soft_planner_matches_hand_solution():
    # V_1(lower-left) = log(e^-1 + e^-1); Q_2(start, D) = -1 + V_1; V_2(start) = log(e^1 + e^Q_2D).
    v2 = math.log(math.e + 2 * math.exp(-2))
    assert _ll("R", "soft") == pytest.approx(1 - v2)


def test_lapse_mixes_in_uniform_moves():
    hard = math.exp(_ll("R", "hard"))
    assert math.exp(_ll("R", "hard", lapse=0.2)) == pytest.approx(0.8 * hard + 0.2 / 2)


@st.composite
def small_worlds(draw):
    h = draw(st.integers(2, 4))
    w = draw(st.integers(2, 4))
    cells = draw(st.lists(st.sampled_from(".#fC"), min_size=h * w, max_size=h * w))
    start = draw(st.integers(0, h * w - 1))
    cells[start] = "S"
    rows = ["".join(cells[r * w : (r + 1) * w]) for r in range(h)]
    return parse_world(rows, FS)


@settings(max_examples=40, deadline=None)
@given(
    world=small_worlds(),
    planner=st.sampled_from(["hard", "soft"]),
    lapse=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**32 - 1),
)
def test_batched_equals_per_hypothesis_reference(world, planner, lapse, seed):
    rng = np.random.default_rng(seed)
    if not (world.next_state[world.start] >= 0).any():
        return
    weights = rng.choice([-2.0, -1.0, 1.0, 2.0], size=(6, 2))
    betas = rng.choice([0.5, 1.0, 4.0], size=6)
    horizon = int(rng.integers(1, 6))
    path = policy_sampler(
        world, weights[0], float(betas[0]), step_cost=-0.7, horizon=horizon, planner=planner
    )(rng)
    fast = path_log_likelihood(
        world, path, weights, betas, step_cost=-0.7, horizon=horizon, planner=planner, lapse=lapse
    )
    slow = reference_log_likelihood(
        world, path, weights, betas, step_cost=-0.7, horizon=horizon, planner=planner, lapse=lapse
    )
    np.testing.assert_allclose(fast, slow, atol=1e-9)
    single = path_log_likelihood(
        world,
        path,
        weights,
        betas,
        step_cost=-0.7,
        horizon=horizon,
        planner=planner,
        lapse=lapse,
        dtype=np.float32,
    )
    np.testing.assert_allclose(single, slow, atol=1e-3)


def test_walk_probabilities_sum_to_one_over_all_walks():
    world = parse_world(["S.", ".C"], FS)
    horizon = 3
    walks = []

    def extend(path):
        walk = follow_path(world, path, horizon=horizon)
        if is_complete(walk, horizon=horizon):
            walks.append(path)
            return
        s = walk.states[-1]
        for a, m in enumerate("UDLR"):
            if world.next_state[s, a] >= 0:
                extend(path + m)

    extend("")
    for planner in ("hard", "soft"):
        total = sum(
            math.exp(
                path_log_likelihood(
                    world,
                    p,
                    np.array([[1.0, 2.0]]),
                    np.array([2.0]),
                    step_cost=-1.0,
                    horizon=horizon,
                    planner=planner,
                )[0]
            )
            for p in walks
        )
        assert total == pytest.approx(1.0)


def test_sampler_is_seeded_and_walks_are_complete():
    world = parse_world(["S.f.", ".#..", "f..C"], FS)
    sample = policy_sampler(
        world, np.array([1.0, 2.0]), 1.0, step_cost=-2.5, horizon=8, planner="hard"
    )
    a = [sample(np.random.default_rng(3)) for _ in range(3)]
    assert len(set(a)) == 1
    for path in (sample(np.random.default_rng(i)) for i in range(20)):
        assert is_complete(follow_path(world, path, horizon=8), horizon=8)


def test_optimal_return_by_hand():
    world = parse_world(["S.f.", ".#..", "f..C"], FS)
    # Best: R R R D D? The café is 5 steps away either way; through one flower bed (w=1):
    # 5 * -2.5 + 1 (flowers) + 2 (café) = -9.5
    assert optimal_return(world, np.array([1.0, 2.0]), step_cost=-2.5, horizon=8) == pytest.approx(
        -9.5
    )
