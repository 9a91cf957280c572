from collections import Counter

import numpy as np
import pytest

from hhvalues.core.bank import Split, dumps_bank, loads_bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.heuristics import visited_means_liked
from hhvalues.core.probes import ProbeKind
from hhvalues.core.validate import validate_bank
from hhvalues.core.world import follow_path, parse_world


@pytest.fixture(scope="module")
def bank():
    return generate_bank(GenerateConfig(seed=4, items=36, train=4, catch=4, features=4, size=7))


def test_same_config_gives_identical_bytes(bank):
    again = generate_bank(GenerateConfig(seed=4, items=36, train=4, catch=4, features=4, size=7))
    assert dumps_bank(again) == dumps_bank(bank)
    other = generate_bank(GenerateConfig(seed=5, items=36, train=4, catch=4, features=4, size=7))
    assert dumps_bank(other) != dumps_bank(bank)


def test_generated_bank_validates_cleanly_and_round_trips(bank):
    report = validate_bank(bank)
    assert report.errors == [] and report.warnings == []
    assert loads_bank(dumps_bank(bank)).content_hash == bank.content_hash


def test_splits_counts_and_ids(bank):
    assert Counter(it.split for it in bank.items) == {Split.TRAIN: 4, Split.TEST: 36, Split.CATCH: 4}
    assert len({it.id for it in bank.items}) == len(bank.items)


def test_truth_is_drawn_from_the_prior_grid(bank):
    levels = set(bank.model.weight_levels)
    for item in bank.items:
        assert set(item.truth.weights.values()) <= levels
        assert item.truth.rationality in bank.model.rationality_levels


def test_no_reward_farming_is_possible(bank):
    top = max(bank.model.weight_levels)
    assert top + bank.step_cost < 0


def test_every_probe_type_and_one_to_three_demos(bank):
    kinds = Counter(p.kind for it in bank.items for p in it.probes)
    assert set(kinds) == set(ProbeKind)
    assert all(1 <= len(it.demos) <= 3 for it in bank.items)


def test_correct_sides_are_balanced_within_each_split(bank):
    for split in (Split.TEST, Split.TRAIN):
        answers = Counter(a for it in bank.by_split(split) for a in it.truth.answers.values())
        assert abs(answers["A"] - answers["B"]) <= 1, (split, answers)


def test_probes_are_filtered_and_stratified_by_ideal_confidence(bank):
    test = [p for it in bank.by_split(Split.TEST) for p in it.probes]
    assert min(p.q for p in test) >= 0.6
    bins = Counter(p.difficulty.value for p in test)
    for name in ("easy", "medium", "hard"):
        assert bins[name] >= len(test) / 6, bins


def test_predict_probes_have_the_longer_path_right_about_half_the_time(bank):
    longer = [len(p.options[0 if it.truth.answers[p.id] == "A" else 1])
              > len(p.options[1 if it.truth.answers[p.id] == "A" else 0])
              for it in bank.items for p in it.probes if p.kind is ProbeKind.PREDICT]
    assert 0.25 <= np.mean(longer) <= 0.75


def test_catch_items_are_obvious(bank):
    for item in bank.by_split(Split.CATCH):
        heur = visited_means_liked(bank, item)
        for p in item.probes:
            assert p.q >= 0.99
            assert heur[p.id] == item.truth.answers[p.id]


def test_demonstrations_are_complete_walks(bank):
    for item in bank.items:
        for d in item.demos:
            world = parse_world(d.grid, bank.features)
            walk = follow_path(world, d.path, horizon=bank.model.horizon)
            assert walk.ended_at_destination or len(d.path) == bank.model.horizon


def test_item_ideal_accuracy_is_recorded(bank):
    for item in bank.items:
        acc = np.mean([(item.truth.ideal[p.id] >= 0.5) == (item.truth.answers[p.id] == "A")
                       for p in item.probes])
        assert item.truth.ideal_accuracy == pytest.approx(acc)


@pytest.mark.parametrize("kwargs", [dict(features=1), dict(size=4), dict(size=13), dict(items=0)])
def test_bad_configs_are_refused(kwargs):
    base = dict(seed=1, items=3)
    base.update(kwargs)
    with pytest.raises(ValueError):
        GenerateConfig(**base)
