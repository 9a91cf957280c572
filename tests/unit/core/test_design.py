"""Expected information gain of a world (the generator's design criterion)."""

import numpy as np

from hhvalues.core.design import draw_walkers, entropy_bits, information_gain, weights_log_belief
from hhvalues.core.features import CATALOGUE, EXIT, FeatureSet
from hhvalues.core.prior import hypothesis_grid
from hhvalues.core.rollouts import plan_table
from hhvalues.core.world import parse_world

FS = FeatureSet((*tuple(f for f in CATALOGUE if f.id in ("puddle", "cafe")), EXIT))
LEVELS = ((0.0, -4.0), (-3.0, 6.0), (0.0,))


def _gain(grid_rows, seed=0):
    grid = hypothesis_grid(LEVELS, (1.0, 4.0))
    world = parse_world(grid_rows, FS)
    table = plan_table(world, grid.unique_weights, step_cost=-0.5, horizon=15)
    prior = np.full(len(grid.rationality), -np.log(len(grid.rationality)))
    walkers = draw_walkers(prior, 400, 15, rng=np.random.default_rng(seed))
    return information_gain(world, table, grid, prior, walkers)


def test_a_world_with_one_way_to_go_teaches_nothing():
    assert abs(_gain(("SC", "##"))) < 1e-9


def test_a_world_with_a_choice_teaches_and_stays_below_the_prior_entropy():
    grid = hypothesis_grid(LEVELS, (1.0, 4.0))
    prior_bits = entropy_bits(weights_log_belief(grid, np.full(8, -np.log(8))))
    assert prior_bits == 2.0  # four weight vectors, β summed out
    choice = _gain(("S.pC", "...E"))
    assert 0.3 < choice < prior_bits


def test_the_estimate_is_stable_across_walker_draws():
    a, b = _gain(("S.pC", "...E"), seed=1), _gain(("S.pC", "...E"), seed=2)
    assert abs(a - b) < 0.15
