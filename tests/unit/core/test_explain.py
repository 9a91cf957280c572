"""The words that teach the task come from the bank's own model."""

import numpy as np

from hhvalues.core.bank import load_bank
from hhvalues.core.explain import (
    describe_rules,
    example_log_probability,
    explain_answer,
    hypothesis_scale,
    walk_facts,
    worked_example,
)
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.planning import policy_sampler
from hhvalues.core.probes import ProbeKind
from hhvalues.core.world import follow_path, parse_world
from tests.integration.test_compat_v1 import BANK as V1_BANK

V2 = generate_bank(GenerateConfig(seed=3, items=6, train=3))


def test_rules_state_the_step_limit_the_costs_and_the_exit():
    rules = " ".join(describe_rules(V2.features, V2.model, V2.step_cost))
    assert f"after {V2.model.horizon} moves (the step limit)" in rules
    assert "nobody enjoys it" in rules and "detours tell you something" in rules
    assert "exit (E) is worth nothing" in rules
    assert "as much as 8 moves" in rules  # −4 terrain against −0.5 a move
    assert "6 to 12 moves" in rules  # places worth ±3, ±6


def test_rules_of_a_format_1_bank_say_that_no_detour_pays():
    v1 = load_bank(V1_BANK)
    rules = " ".join(describe_rules(v1.features, v1.model, v1.step_cost))
    assert "people walk straight through whatever is in the way" in rules
    assert "exit" not in rules


def test_worked_example_is_the_model_s_own_likely_walk():
    for bank in (V2, load_bank(V1_BANK)):
        ex = worked_example(bank)
        world = parse_world(ex.grid, ex.features)
        w = np.array([ex.weights[f.id] for f in ex.features])
        walk = follow_path(world, ex.path, horizon=bank.model.horizon)
        # walks like it (same end, same terrain crossed) are what such a person mostly does
        rng = np.random.default_rng(0)
        beta = float(np.median(bank.model.rationality_levels))
        sampler = policy_sampler(
            world, w, beta, step_cost=bank.step_cost, horizon=bank.model.horizon, planner="hard"
        )
        same = 0
        for _ in range(500):
            other = follow_path(world, sampler(rng), horizon=bank.model.horizon)
            same += other.states[-1] == walk.states[-1] and np.array_equal(
                other.counts, walk.counts
            )
        assert same / 500 >= 0.3, (bank.name, ex.path, same)
        logp = example_log_probability(ex, bank.model, bank.step_cost)
        assert np.all(np.isfinite(logp))
    ex = worked_example(V2)
    assert "around the puddles" in ex.text and "4 moves more than the shortest way" in ex.text


def test_walk_facts_name_the_detour_and_the_places_passed_up():
    ex = worked_example(V2)
    facts = walk_facts(ex.features, ex.grid, "DDRRRRUU", horizon=20)
    assert (facts.end, facts.moves, facts.shortest) == ("café", 8, 4)
    assert facts.avoided == ("puddles",) and facts.crossed == {}
    straight = walk_facts(ex.features, ex.grid, "RRRR", horizon=20)
    assert straight.crossed == {"puddles": 1} and straight.avoided == ()
    down = walk_facts(
        ex.features, ("S..pC", "L..p.", ".....", ".#...", "....E"), "RRRR", horizon=20
    )
    assert down.nearer == (("library", 1),)


def test_practice_explanations_point_at_the_walks():
    item = V2.items[0]
    texts = [
        explain_answer(V2, item, p, item.truth.answers[p.id], item.truth.weights)
        for p in item.probes
    ]
    assert all(texts)
    for p, text in zip(item.probes, texts, strict=False):
        if p.kind is ProbeKind.PREDICT:
            assert "rather take the right path" in text and "with their values" in text
        else:
            assert "What the walks show" in text


def test_hypothesis_scale_follows_each_feature_s_levels():
    scale = hypothesis_scale(V2.features, V2.model)
    assert scale["exit"] == (0, 0)
    terrain = [f.id for f in V2.features if not f.terminal]
    assert all(scale[t] == (-4, 0) for t in terrain)
    v1 = load_bank(V1_BANK)
    assert set(hypothesis_scale(v1.features, v1.model).values()) == {(-3, 3)}
