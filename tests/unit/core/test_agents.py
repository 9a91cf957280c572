"""Sanity that must hold on every generated bank (issue 2): the oracle scores exactly 100%,
random's CI contains 50%, and the ideal observer beats random clearly."""

import numpy as np
import pytest

from hhvalues.core.agents import AgentKind, run_agent
from hhvalues.core.bank import Split, publish
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.scoring import grade, score
from hhvalues.errors import BankError


@pytest.fixture(scope="module", params=[(21, 4, 7), (22, 5, 8)], ids=["4f-7x7", "5f-8x8"])
def bank(request):
    seed, features, size = request.param
    return generate_bank(GenerateConfig(seed=seed, items=80, catch=4, features=features, size=size))


@pytest.fixture(scope="module")
def rows(bank):
    answers = []
    for kind in AgentKind:
        answers += run_agent(bank, kind, rng=np.random.default_rng(0))
    return {r.respondent: r for r in score(grade(bank, answers)).rows}


def test_oracle_scores_exactly_100_percent(rows):
    assert rows["agent:oracle"].accuracy == 1.0
    assert rows["agent:oracle"].status_counts["ok"] == rows["agent:oracle"].n_items


def test_random_ci_contains_chance(bank, rows):
    # One draw of the random agent may miss 50% by chance (about 1 seed in 20); averaged over
    # 20 seeds its accuracy is 0.5 within ~3.5 standard errors of that mean.
    r = rows["agent:random"]
    assert r.ci_high - r.ci_low > 0.05
    draws = [
        score(grade(bank, list(run_agent(bank, AgentKind.RANDOM, rng=np.random.default_rng(s)))))
        .rows[0]
        .accuracy
        for s in range(20)
    ]
    assert abs(np.mean(draws) - 0.5) <= 0.025


def test_ideal_beats_random_clearly(rows):
    ideal, rnd = rows["agent:ideal"], rows["agent:random"]
    assert ideal.ci_low > rnd.ci_high
    assert ideal.accuracy > 0.7
    # The ideal observer's accuracy is the ceiling: normalised score 1.
    assert ideal.normalized == pytest.approx(1.0)


def test_heuristic_sits_between_chance_and_the_ceiling(rows):
    assert (
        rows["agent:random"].accuracy - 0.1
        < rows["agent:heuristic"].accuracy
        < rows["agent:ideal"].accuracy
    )


def test_agents_answer_test_and_catch_items_only(bank):
    answers = list(run_agent(bank, AgentKind.RANDOM, rng=np.random.default_rng(1)))
    wanted = [it.id for it in bank.items if it.split in (Split.TEST, Split.CATCH)]
    assert [a.item for a in answers] == wanted


def test_random_is_seeded(bank):
    a = [x.choices for x in run_agent(bank, AgentKind.RANDOM, rng=np.random.default_rng(5))]
    b = [x.choices for x in run_agent(bank, AgentKind.RANDOM, rng=np.random.default_rng(5))]
    assert a == b


def test_oracle_refuses_a_public_bank(bank):
    with pytest.raises(BankError, match="needs the full bank"):
        list(run_agent(publish(bank), AgentKind.ORACLE, rng=np.random.default_rng(0)))
