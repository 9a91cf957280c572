"""Many walks at once: the batched table, sampler and likelihoods agree with the one-walk code."""

import numpy as np
import pytest

from hhvalues.core.features import CATALOGUE, EXIT, FeatureSet
from hhvalues.core.planning import path_log_likelihood, policy_sampler
from hhvalues.core.prior import hypothesis_grid
from hhvalues.core.rollouts import Walks, best_paths, plan_table, sample_walks, walks_log_likelihood
from hhvalues.core.world import MOVES, parse_world

FS = FeatureSet((*tuple(f for f in CATALOGUE if f.id in ("puddle", "cafe", "library")), EXIT))
GRID = ("S..pC", "...p.", ".....", ".#...", "L...E")
LEVELS = ((0.0, -1.0, -4.0), (-3.0, 3.0, 6.0), (-3.0, 3.0), (0.0,))
BETAS = (1.0, 4.0)


def _walks(paths):
    world = parse_world(GRID, FS)
    moves = np.full((len(paths), 20), -1, dtype=np.int8)
    states = np.zeros((len(paths), 20), dtype=np.int32)
    for i, p in enumerate(paths):
        s = world.start
        for t, m in enumerate(p):
            moves[i, t], states[i, t] = MOVES.index(m), s
            s = int(world.next_state[s, MOVES.index(m)])
    return Walks(moves, states)


def test_likelihoods_of_many_walks_equal_the_one_walk_likelihood():
    world = parse_world(GRID, FS)
    grid = hypothesis_grid(LEVELS, BETAS)
    table = plan_table(world, grid.unique_weights, step_cost=-0.5, horizon=20)
    paths = ["DDRRRRUU", "RRRR", "DDDD", "RRDRRD", "RRRR", "DDRRRRDD"]
    ll = walks_log_likelihood(world, table, _walks(paths), BETAS)
    for i, path in enumerate(paths):
        ref = path_log_likelihood(
            world, path, grid.weights, grid.rationality, step_cost=-0.5, horizon=20, planner="hard"
        )
        assert np.allclose(ll[i].reshape(-1), ref, atol=1e-4)


def test_sampled_walks_follow_the_boltzmann_policy():
    world = parse_world(GRID, FS)
    w = np.array([[-4.0, 6.0, 3.0, 0.0]])
    table = plan_table(world, w, step_cost=-0.5, horizon=20)
    rng = np.random.default_rng(3)
    n = 4000
    ours = sample_walks(
        world, table, np.zeros(n, dtype=np.intp), np.full(n, 1.0), rng.random((n, 20))
    ).paths()
    sampler = policy_sampler(world, w[0], 1.0, step_cost=-0.5, horizon=20, planner="hard")
    theirs = [sampler(rng) for _ in range(n)]
    for path in ("DDRRRRUU", "RRRR"):
        assert ours.count(path) / n == pytest.approx(theirs.count(path) / n, abs=0.03)


def test_best_paths_go_around_costly_terrain_only_when_it_pays():
    world = parse_world(GRID, FS)
    w = np.array(
        [
            [-4.0, 6.0, 3.0, 0.0],
            [0.0, 6.0, 3.0, 0.0],
            [-4.0, -3.0, 3.0, 0.0],
            [-1.0, -3.0, -3.0, 0.0],
        ]
    )
    best = best_paths(world, plan_table(world, w, step_cost=-0.5, horizon=20))
    assert best[0] == "DDRRRRUU"  # around the puddles to the café (turns as little as it can)
    assert best[1] == "RRRR"  # straight through: puddles cost nothing
    assert best[2] == "DDDD"  # the library, the café being disliked
    assert best[3] == "DDRRRRDD"  # nothing is liked: the exit (the wall and library block DDDD)
    for path in best:
        states = [world.start]
        for m in path:
            states.append(int(world.next_state[states[-1], MOVES.index(m)]))
        assert len(set(states)) == len(states)
