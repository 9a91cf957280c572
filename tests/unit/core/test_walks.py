"""Walk quality on hand-made worlds: returns, the random walker's DP, oscillation, flags, fits."""

from __future__ import annotations

import numpy as np
import pytest

from hhvalues.core.bank import Bank, Model
from hhvalues.core.features import Feature, FeatureSet
from hhvalues.core.planning import policy_sampler
from hhvalues.core.recorded import RecordedWalk, bank_from_recordings, compare_demonstrators
from hhvalues.core.walks import (
    Flag,
    QualityRule,
    assess_walk,
    back_and_forth_share,
    fit_rationality,
    random_return,
    round_to_levels,
    walk_return,
)
from hhvalues.core.world import MOVES, parse_world

FS = FeatureSet((Feature("puddle", "p", "puddles", False), Feature("cafe", "C", "café", True)))
# S . C      a corridor (walls below): the café is two steps right
LINE = ("S.C", "###")
W = np.array([-2.0, 2.0])


def test_return_and_optimal_on_a_line():
    world = parse_world(LINE, FS)
    assert walk_return(world, "RR", W, step_cost=-1.0, horizon=5) == -1.0 + (2.0 - 1.0)
    q = assess_walk(world, "RR", W, step_cost=-1.0, horizon=5)
    assert (
        q.optimal == pytest.approx(0.0)
        and q.ret == pytest.approx(0.0)
        and q.score == pytest.approx(1.0)
    )
    assert q.flags == () and q.complete


def test_random_return_is_the_exact_expectation_by_hand():
    # from S the only move is R (reward -1); from the middle L or R with 1/2 each.
    world = parse_world(LINE, FS)
    c = -1.0
    # horizon 2: R, then L (-1) or R (café: 2 - 1) -> -1 + 0.5 * (-1) + 0.5 * 1 = -1
    assert random_return(world, W, step_cost=c, horizon=2) == pytest.approx(-1.0)
    # horizon 3: after R,L back at S: R again (-1) -> -1 + 0.5 * (-1 - 1) + 0.5 * 1 = -1.5
    assert random_return(world, W, step_cost=c, horizon=3) == pytest.approx(-1.5)


def test_random_return_matches_simulation(rng):
    world = parse_world(("S.p.", ".#p.", "...C"), FS)
    horizon, total, n = 8, 0.0, 20_000
    for _ in range(n):
        s = world.start
        for _t in range(horizon):
            legal = np.flatnonzero(world.next_state[s] >= 0)
            s = int(world.next_state[s, legal[rng.integers(len(legal))]])
            total += float(world.phi[s] @ W) - 1.0
            if world.terminal[s]:
                break
    assert random_return(world, W, step_cost=-1.0, horizon=horizon) == pytest.approx(
        total / n, abs=0.1
    )


def test_back_and_forth_and_flags():
    assert back_and_forth_share([0, 1, 0, 1, 0]) == 1.0
    assert back_and_forth_share([0, 1, 2]) == 0.0
    assert back_and_forth_share([0, 1]) == 0.0
    world = parse_world(("S...", "...C"), FS)
    q = assess_walk(world, "RLRLRL", W, step_cost=-1.0, horizon=6)
    assert Flag.BACK_AND_FORTH in q.flags and Flag.FAR_BELOW_OPTIMAL in q.flags and q.excluded
    idle = assess_walk(world, "R", W, step_cost=-1.0, horizon=6)
    assert Flag.IDLE in idle.flags and not idle.complete
    lenient = QualityRule(min_score=-10, max_back_and_forth=1.0, exclude=())
    q2 = assess_walk(world, "RLRLRL", W, step_cost=-1.0, horizon=6, rule=lenient)
    assert q2.flags == () and not q2.excluded
    assert QualityRule.from_json(lenient.to_json()) == lenient


def test_fitted_rationality_is_high_for_optimal_and_low_for_wandering_walks(rng):
    world = parse_world(("S....", ".....", "....C"), FS)
    good = fit_rationality([world], ["RRRRDD"], W, step_cost=-1.0, horizon=12)
    bad = fit_rationality([world], ["DURLRLDURRRRDD"[:12]], W, step_cost=-1.0, horizon=12)
    assert good.beta > bad.beta
    assert round_to_levels(good.beta, (1.0, 2.0, 4.0)) == 4.0
    assert round_to_levels(0.3, (1.0, 2.0, 4.0)) == 1.0
    assert round_to_levels(2.9, (1.0, 2.0, 4.0)) == 4.0  # log scale: 2.9 is nearer 4 than 2


def _bank() -> Bank:
    return Bank(
        "src", "1", 0, FS, -1.0, Model(horizon=12, weight_levels=(-2.0, -1.0, 1.0, 2.0)), ()
    )


def test_a_bank_from_recorded_walks_survives_a_deliberately_suboptimal_step(rng):
    src = _bank()
    grids = [
        ("S..p.", ".#.p.", "....C", ".....", "....."),
        ("S....", ".pp..", ".....", "..#..", "...C."),
    ]
    walks = []
    for k, grid in enumerate(grids):
        world = parse_world(grid, FS)
        path = policy_sampler(world, W, 4.0, step_cost=-1.0, horizon=12, planner="hard")(rng)
        if k == 0:  # one deliberate slip: step away first, then walk on
            legal = [MOVES[a] for a in range(4) if world.next_state[world.start, a] >= 0]
            away = "U" if "U" in legal else "L" if "L" in legal else legal[-1]
            back = {"U": "D", "D": "U", "L": "R", "R": "L"}[away]
            path = away + back + path
        walks.append(RecordedWalk(f"w{k}", "human:s/1", grid, path, tuple(W), "do"))
    rule = QualityRule(max_back_and_forth=1.0)  # keep the slipped walk in
    result = bank_from_recordings(src, walks, name="rec", rule=rule)
    [item] = result.bank.items
    assert [d.source for d in item.demos] == ["human", "human"] and result.bank.model.lapse == 0.05
    from hhvalues.core.observer import infer

    post = infer(result.bank, item.demos)
    truth = (post.grid.weights == W).all(axis=1)
    with_lapse = post.probs[truth].sum()
    assert with_lapse > 1e-3
    rows = compare_demonstrators(src, walks, rng=rng, samples=4)
    assert len(rows) == 2 and rows[0].human_length == len(walks[0].path)


def test_a_recorded_bank_declares_the_lapse_its_observer_uses(rng):
    """Format 2: no hidden floor. --lapse 0.01 is written and used for human walks."""
    from hhvalues.core.bank import BANK_FORMAT_V2, dumps_bank, loads_bank
    from hhvalues.core.observer import infer

    grid = ("S..p.", ".#.p.", "....C", ".....", ".....")
    world = parse_world(grid, FS)
    path = policy_sampler(world, W, 4.0, step_cost=-1.0, horizon=12, planner="hard")(rng)
    walks = [RecordedWalk("w0", "human:s/1", grid, path, tuple(W), "do")]
    bank = loads_bank(dumps_bank(bank_from_recordings(_bank(), walks, name="rec", lapse=0.01).bank))
    assert bank.to_json()["format"] == BANK_FORMAT_V2 and bank.model.lapse == 0.01
    [item] = bank.items
    assert np.allclose(
        infer(bank, item.demos).log_post, infer(bank, item.demos, lapse=0.01).log_post
    )
    assert not np.allclose(
        infer(bank, item.demos).log_post, infer(bank, item.demos, lapse=0.05).log_post
    )
