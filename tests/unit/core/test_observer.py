import numpy as np
import pytest

from hhvalues.core.bank import Demonstration, load_bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.observer import bank_grid, ideal_probabilities, infer, item_matrix, predictive
from hhvalues.core.probes import Probe, ProbeKind

TINY = "tests/data/examples/tiny_bank.json"


@pytest.fixture(scope="module")
def bank():
    return load_bank(TINY)


def test_posterior_is_normalised_over_the_prior_grid(bank):
    post = infer(bank, bank.items[1].demos)
    assert post.log_post.shape == (len(bank_grid(bank).rationality),)
    assert post.probs.sum() == pytest.approx(1.0)
    # 4 features, 4 levels, 3 rationality levels
    assert len(post.log_post) == 4**4 * 3


def test_walking_through_flower_beds_reveals_liking_them(bank):
    # Item i1: the walk detours across three flower beds -> P(seeks out flowers) is high.
    p = ideal_probabilities(bank, bank.item("i1"))
    assert p["p1"] > 0.99


def test_uninformative_demo_leaves_probe_at_chance(bank):
    # Item i2's walk never goes near a puddle: the observer cannot tell.
    p = ideal_probabilities(bank, bank.item("i2"))
    assert p["p1"] == pytest.approx(0.5, abs=1e-6)


def test_predictive_only_counts_hypotheses_where_the_probe_is_definite(bank):
    # compare(flowers, flowers-equal) is undefined when weights tie; with ties excluded the
    # predictive of "cafe vs library" and of its mirror must sum to one.
    post = infer(bank, bank.items[1].demos)
    probes = [
        Probe("a", ProbeKind.COMPARE, features=("cafe", "library")),
        Probe("b", ProbeKind.COMPARE, features=("library", "cafe")),
    ]
    p = predictive(post, item_matrix(bank, probes))
    assert p[0] + p[1] == pytest.approx(1.0)


def test_a_deliberate_slip_does_not_rule_out_the_truth_when_walks_are_human(bank):
    item = bank.item("i1")
    # A detour into the puddle the walker dislikes (w=-1), then on to the flowers and library.
    slip = Demonstration(("S.pC", ".#..", "fffL"), "RRLLDDRRR", source="human", instruction="do")
    human = infer(bank, (slip,))
    truth = np.array(bank.features.weights_vector(item.truth.weights))
    match = np.all(human.grid.weights == truth, axis=1)
    assert np.isfinite(human.log_post[match]).all()
    assert human.probs[match].sum() > 1e-4
    simulated = infer(bank, (Demonstration(slip.grid, slip.path),), lapse=0.0)
    assert simulated.probs[match].sum() < human.probs[match].sum()


def test_realised_ceiling_tracks_expected_ceiling_on_a_generated_bank():
    bank = generate_bank(GenerateConfig(seed=11, items=60))
    right, q = [], []
    for item in bank.items:
        p = ideal_probabilities(bank, item)
        for probe in item.probes:
            right.append((p[probe.id] >= 0.5) == (item.truth.answers[probe.id] == "A"))
            q.append(max(p[probe.id], 1 - p[probe.id]))
            assert p[probe.id] == pytest.approx(item.truth.ideal[probe.id], abs=1e-5)
    # Bayes-optimal when prior = generator: accuracy ≈ mean confidence (within sampling error).
    assert abs(np.mean(right) - np.mean(q)) < 3 * np.sqrt(0.25 / len(q)) + 0.02
    assert np.mean(right) > 0.7
