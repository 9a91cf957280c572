"""Generated banks (issue 12): the reward structure, informative worlds, probes chosen without the
truth, calibration, balance. Statistical properties are checked on several seeds and feature
counts, pooled where one bank is too small to tell."""

import functools
from collections import Counter

import numpy as np
import pytest

from hhvalues.core.audit import ALL, Audit, audit_bank
from hhvalues.core.bank import BANK_FORMAT_V2, Bank, Split, dumps_bank, loads_bank
from hhvalues.core.features import EXIT
from hhvalues.core.generate import GenerateConfig, _demonstrate, _Setting, generate_bank
from hhvalues.core.heuristics import visited_means_liked
from hhvalues.core.prior import hypothesis_grid
from hhvalues.core.probes import Difficulty, ProbeKind
from hhvalues.core.rollouts import best_paths, plan_table
from hhvalues.core.validate import validate_bank
from hhvalues.core.world import follow_path, parse_world

SMALL = GenerateConfig(seed=4, items=36, train=4, catch=4, features=4, size=7)
# (seed, hidden features, side, test items): the banks the statistical properties are read on;
# the first two have the default generator's features and size.
LARGE = [(12, 4, 7, 150), (15, 4, 7, 150), (11, 3, 7, 150), (13, 4, 8, 120), (14, 5, 7, 80)]
DEFAULT = LARGE[:2]


@functools.cache
def _audited(seed: int, features: int, size: int, items: int) -> tuple[Bank, Audit]:
    b = generate_bank(GenerateConfig(seed=seed, items=items, features=features, size=size))
    return b, audit_bank(b)


@pytest.fixture(scope="module")
def bank():
    return generate_bank(SMALL)


@pytest.fixture(scope="module", params=LARGE, ids=[f"s{s}-{f}f-{n}x{n}" for s, f, n, _ in LARGE])
def large(request):
    return _audited(*request.param)


def test_same_config_gives_identical_bytes(bank):
    assert dumps_bank(generate_bank(SMALL)) == dumps_bank(bank)
    other = generate_bank(GenerateConfig(seed=5, items=36, train=4, catch=4))
    assert dumps_bank(other) != dumps_bank(bank)


def test_generated_bank_is_format_2_validates_cleanly_and_round_trips(bank):
    assert bank.to_json()["format"] == BANK_FORMAT_V2
    report = validate_bank(bank)
    assert report.errors == [] and report.warnings == []
    again = loads_bank(dumps_bank(bank))
    assert again.content_hash == bank.content_hash and again.model == bank.model


def test_splits_counts_and_ids(bank):
    assert Counter(it.split for it in bank.items) == {
        Split.TRAIN: 4,
        Split.TEST: 36,
        Split.CATCH: 4,
    }
    assert len({it.id for it in bank.items}) == len(bank.items)


def test_terrain_costs_destination_rewards_and_an_exit_worth_nothing(bank):
    levels = dict(zip(bank.features.ids, bank.model.levels(bank.features), strict=True))
    terrain = [f for f in bank.features if not f.terminal]
    places = [f for f in bank.features if f.terminal and f.id != EXIT.id]
    assert terrain and places and levels[EXIT.id] == (0.0,)
    for f in terrain:  # costs only: no terrain can be farmed
        assert max(levels[f.id]) <= 0 and len(levels[f.id]) >= 3
        assert max(levels[f.id]) + bank.step_cost < 0
    for f in places:  # signed rewards, larger than any terrain cost or step
        assert min(levels[f.id]) < 0 < max(levels[f.id])
        assert max(abs(v) for v in levels[f.id]) > max(abs(min(levels[t.id])) for t in terrain)
    assert -1 < bank.step_cost < 0


def test_truth_is_drawn_from_each_features_levels(bank):
    levels = dict(zip(bank.features.ids, bank.model.levels(bank.features), strict=True))
    for item in bank.items:
        assert all(w in levels[f] for f, w in item.truth.weights.items())
        assert item.truth.rationality in bank.model.rationality_levels


def test_every_probe_type_and_one_to_three_demos(bank):
    kinds = Counter(p.kind for it in bank.items for p in it.probes)
    assert set(kinds) == set(ProbeKind)
    assert all(1 <= len(it.demos) <= 3 for it in bank.items)


def test_demonstrations_are_complete_walks(bank):
    for item in bank.items:
        for d in item.demos:
            walk = follow_path(
                parse_world(d.grid, bank.features), d.path, horizon=bank.model.horizon
            )
            assert walk.ended_at_destination or len(d.path) == bank.model.horizon


def test_predict_options_are_best_walks_of_some_hypothesis_and_never_loop(bank):
    grid = hypothesis_grid(bank.model.levels(bank.features), bank.model.rationality_levels)
    predicts = [p for it in bank.items for p in it.probes if p.kind is ProbeKind.PREDICT]
    assert predicts
    for p in predicts:
        world = parse_world(p.grid, bank.features)
        best = set(
            best_paths(
                world,
                plan_table(
                    world, grid.unique_weights, step_cost=bank.step_cost, horizon=bank.model.horizon
                ),
            )
        )
        for path in p.options:
            assert path in best
            walk = follow_path(world, path, horizon=bank.model.horizon)
            assert walk.ended_at_destination and len(set(walk.states)) == len(walk.states)


def test_the_first_world_does_not_depend_on_the_true_values(bank):
    """World selection sees the truth only through sampled walks: before the first walk, two
    people with different values get the very same world from the same random state."""
    cfg = GenerateConfig(seed=1, items=1)
    st = _Setting(
        cfg, bank, hypothesis_grid(bank.model.levels(bank.features), cfg.rationality_levels)
    )
    first = [
        _demonstrate(st, w_index, beta, 1, np.random.default_rng(7))[0][0].grid
        for w_index, beta in ((0, 1.0), (len(st.weights) - 1, 4.0), (37, 2.0))
    ]
    assert first[0] == first[1] == first[2]


def test_informative_worlds_carry_more_information_than_random_ones():
    chosen = audit_bank(generate_bank(GenerateConfig(seed=8, items=40))).walks
    random = audit_bank(generate_bank(GenerateConfig(seed=8, items=40, candidates=1))).walks
    assert chosen.info_bits > random.info_bits + 0.1


def test_catch_items_are_obvious(bank):
    for item in bank.by_split(Split.CATCH):
        heur = visited_means_liked(bank, item)
        for p in item.probes:
            assert p.q >= 0.99
            assert heur[p.id] == item.truth.answers[p.id]


def test_item_ideal_accuracy_is_recorded(bank):
    for item in bank.items:
        acc = np.mean(
            [
                (item.truth.ideal[p.id] >= 0.5) == (item.truth.answers[p.id] == "A")
                for p in item.probes
            ]
        )
        assert item.truth.ideal_accuracy == pytest.approx(acc)


def test_walks_are_rarely_a_plain_walk_to_the_nearest_place(large):
    _, audit = large
    assert audit.walks.not_shortest_to_nearest >= 0.4


def test_expected_ceiling_is_between_80_and_92_percent(large):
    _, audit = large
    assert 0.80 <= audit.group().expected.value <= 0.92


def test_difficulty_thirds_are_within_ten_percent_of_equal(large):
    b, audit = large
    assert all(abs(share - 1 / 3) <= 1 / 30 for share in audit.thirds.values()), audit.thirds
    # and the bins written into the bank are the observer's own
    test = [p for it in b.by_split(Split.TEST) for p in it.probes]
    written = Counter(p.difficulty.value for p in test)
    assert all(abs(written[k] - v * len(test)) <= 1 for k, v in audit.thirds.items())


@pytest.mark.parametrize("params", DEFAULT, ids=[f"s{p[0]}" for p in DEFAULT])
def test_default_generator_keeps_every_heuristic_15_points_below_the_observer(params):
    _, audit = _audited(*params)
    overall = audit.group()
    assert overall.heuristics[overall.best_heuristic].value <= overall.expected.value - 0.15
    hard = audit.group(third=Difficulty.HARD.value)
    assert hard.heuristics[hard.best_heuristic].value <= 0.60


def test_best_heuristic_is_well_below_the_observer(large):
    """Other sizes and feature counts: clearly below, if not always by the default's 15 points."""
    _, audit = large
    overall = audit.group()
    assert overall.heuristics[overall.best_heuristic].value <= overall.expected.value - 0.08
    hard = audit.group(third=Difficulty.HARD.value)
    assert hard.heuristics[hard.best_heuristic].value <= 0.65


def test_no_heuristic_is_a_trap(large):
    """Diagnostic probes are a share, not all: every heuristic stays near or above chance."""
    _, audit = large
    assert all(h.value >= 0.45 for h in audit.group().heuristics.values())


@pytest.fixture(scope="module")
def pooled():
    return [_audited(*params)[1] for params in LARGE]


def _pooled_share(audits, kind, attr):
    num = den = 0.0
    for a in audits:
        g = a.group(kind=kind)
        value = getattr(g, attr)
        n = g.n_probes if attr == "share_a" else g.n_probes * (1 - (g.equal_length or 0))
        num += value * n
        den += n
    return num / den


@pytest.mark.parametrize("kind", [k.value for k in ProbeKind])
def test_correct_side_is_a_about_half_the_time_within_each_kind(pooled, kind):
    assert 0.45 <= _pooled_share(pooled, kind, "share_a") <= 0.55


def test_right_predict_path_is_the_longer_one_about_half_the_time(pooled):
    assert 0.45 <= _pooled_share(pooled, ProbeKind.PREDICT.value, "longer_right") <= 0.55


def test_no_position_predicts_the_answer():
    banks = [_audited(*params)[0] for params in LARGE]
    by_slot: dict[str, list[bool]] = {}
    by_parity: dict[int, list[bool]] = {0: [], 1: []}
    for b in banks:
        for n, item in enumerate(b.by_split(Split.TEST)):
            for p in item.probes:
                if p.kind is ProbeKind.SIGN:
                    continue  # its side is its meaning (A = seeks out), balanced by selection
                a = item.truth.answers[p.id] == "A"
                by_slot.setdefault(p.id, []).append(a)
                by_parity[n % 2].append(a)
    for slot, answers in by_slot.items():
        if len(answers) >= 40:
            assert 0.35 <= np.mean(answers) <= 0.65, slot
    assert abs(np.mean(by_parity[0]) - np.mean(by_parity[1])) <= 0.1


def test_the_observer_is_calibrated_per_kind_and_per_third(pooled):
    """Mean q equals realised accuracy: |z| ≤ 3 per probe kind and per difficulty third on each
    bank (2 standard errors is the goal on one large bank, bench/RESULTS.md; 3 here allows for
    the 4 banks × 7 margins checked)."""
    for audit in pooled:
        for g in audit.groups:
            if (g.kind == ALL) != (g.third == ALL):
                assert abs(g.calibration_z) <= 3, (audit.bank, g.kind, g.third, g.calibration_z)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(features=1),
        dict(size=4),
        dict(size=13),
        dict(items=0),
        dict(terrain_levels=(1.0, -1.0)),
        dict(step_cost=0.0),
        dict(candidates=0),
        dict(features=9),
    ],
)
def test_bad_configs_are_refused(kwargs):
    base = dict(seed=1, items=3)
    base.update(kwargs)
    with pytest.raises(ValueError):
        GenerateConfig(**base)
