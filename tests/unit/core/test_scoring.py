"""The scoring core on hand-computed cases, simulated respondents and properties."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import publish
from hhvalues.core.probes import derive_choices
from hhvalues.core.scoring import (
    GRADED_STATUSES,
    compare,
    compare_many,
    grade,
    grade_files,
    group_score,
    hypothesis_metrics,
    score,
    scores_to_json,
)
from hhvalues.core.stats import holm
from hhvalues.errors import AnswersError, BankError

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.strategies import answers_for, sign_bank, simulate, tiny_bank

# Ideal observer P(A) per probe, chosen by hand. Truth: t1 A A · i1 A B B · i2 B A · c1 A.
IDEAL = {
    "t1": {"p1": 0.8, "p2": 0.7},
    "i1": {"p1": 0.9, "p2": 0.2, "p3": 0.6},  # p3: the ideal observer is wrong (truth B)
    "i2": {"p1": 0.3, "p2": 0.5},  # p2: a tie, half credit
    "c1": {"p1": 0.99},
}
TRUE_I1 = {"flowers": 2, "puddle": -1, "cafe": -1, "library": 1}


@pytest.fixture(scope="module")
def bank():
    return tiny_bank(IDEAL)


def row(scores, respondent, group=None):
    (out,) = [r for r in scores.rows if r.respondent == respondent and r.group == group]
    return out


# --- hand-computed grading -----------------------------------------------------------------------


def test_explicit_choices_hand_computed(bank):
    g = grade(
        bank,
        [
            Answer("model:x", "i1", 0, {"p1": "A", "p2": "A"}, confidence={"p1": 0.9, "p2": 0.6}),
            Answer("model:x", "i2", 0, {"p1": "B", "p2": "A"}),
        ],
    )
    assert g.correct.tolist() == [True, False, False, True, True]
    assert g.side.tolist() == [1, 1, 0, -1, 1]
    r = row(score(g), "model:x")
    assert r.accuracy == pytest.approx(3 / 5)
    assert (r.n_items, r.n_probes, r.n_answers) == (2, 5, 2)
    assert r.ceiling == pytest.approx((1 + 1 + 0 + 1 + 0.5) / 5)
    assert r.normalized == pytest.approx((0.6 - 0.5) / (0.7 - 0.5))
    assert r.side_bias == pytest.approx(3 / 4)
    assert r.brier == pytest.approx((0.1**2 + 0.6**2) / 2)
    assert r.by_type == pytest.approx({"sign": 1.0, "compare": 0.5, "predict": 0.0})
    # q = max(P, 1 - P): 0.9, 0.8 medium; 0.6, 0.7, 0.5 hard
    assert r.by_difficulty == pytest.approx({"medium": 0.5, "hard": 2 / 3})
    assert r.status_counts["ok"] == 2 and sum(r.status_counts.values()) == 2
    assert r.accuracy_ok == pytest.approx(0.6)
    assert r.hypothesis is None


@pytest.mark.parametrize(
    ("hyp", "sides", "correct"),
    [
        (TRUE_I1, [1, -1, -1], [True, True, True]),
        # cafe valued far above library; path A (puddle, café) returns 1 - 5 = 1 > B's -5.5
        ({"flowers": 1, "puddle": 1, "cafe": 5, "library": 1}, [1, 1, 1], [True, False, False]),
        # ties: w_flowers = 0 and w_cafe = w_library give no choice
        ({"flowers": 0, "puddle": -1, "cafe": 1, "library": 1}, [0, 0, 1], [False, False, False]),
        # predict tie: A = -1 + 0 - 5 = -6, B = 1 + 0.5 - 7.5 = -6
        ({"flowers": 1, "puddle": -1, "cafe": 0, "library": 0.5}, [1, -1, 0], [True, True, False]),
        # flowers left out: its sign probe and the path through flower beds get no choice
        ({"puddle": -1, "cafe": -1, "library": 1}, [0, -1, 0], [False, True, False]),
    ],
)
def test_choices_derived_from_hypothesis(bank, hyp, sides, correct):
    g = grade(bank, [Answer("model:h", "i1", 0, {}, hypothesis=hyp)])
    assert g.side.tolist() == sides
    assert g.correct.tolist() == correct


def test_explicit_choice_wins_over_hypothesis_and_null_defers_to_it(bank):
    g = grade(bank, [Answer("model:h", "i1", 0, {"p1": "B", "p2": None}, hypothesis=TRUE_I1)])
    assert g.side.tolist() == [-1, -1, -1]
    assert g.correct.tolist() == [False, True, True]


def test_hypothesis_rule_is_the_banks_own_rule(bank):
    rng = np.random.default_rng(3)
    item = bank.item("i1")
    for _ in range(50):
        hyp = {f: float(rng.choice([-2, -1, 0, 1, 2, 0.5])) for f in bank.features.ids}
        g = grade(bank, [Answer("model:h", "i1", 0, {}, hypothesis=hyp)])
        want = derive_choices(
            hyp, item.probes, bank.features, step_cost=bank.step_cost, horizon=bank.model.horizon
        )
        assert [{1: "A", -1: "B", 0: None}[s] for s in g.side.tolist()] == list(want.values())


VOIDING = [s for s in Status if s not in GRADED_STATUSES]


def test_ok_and_timeout_are_the_graded_statuses():
    assert GRADED_STATUSES == (Status.OK, Status.TIMEOUT)
    assert set(VOIDING) == {"refused", "truncated", "empty", "invalid", "error"}


@pytest.mark.parametrize("status", VOIDING)
def test_every_other_non_ok_status_is_wrong_and_counted(bank, status):
    g = grade(
        bank,
        [
            Answer(
                "model:s",
                "i1",
                0,
                {"p1": "A", "p2": "B", "p3": "B"},
                hypothesis=TRUE_I1,
                confidence={"p1": 0.9},
                status=status,
            ),
            Answer("model:s", "i2", 0, {"p1": "B", "p2": "A"}),
        ],
    )
    assert g.correct.tolist() == [False, False, False, True, True]
    r = row(score(g), "model:s")
    assert r.accuracy == pytest.approx(2 / 5)
    assert r.accuracy_ok == pytest.approx(1.0)
    assert r.status_counts[status.value] == 1 and r.status_counts["ok"] == 1
    assert r.side_bias == pytest.approx(1 / 2)  # only the ok answer's B, A count
    assert r.hypothesis is None  # a voided answer's hypothesis is not graded
    assert r.brier is None  # nor its confidence
    assert r.n_unanswered == 0  # its probes are counted by status, not as unanswered


# --- timeouts: graded on what was selected ---------------------------------------------------------


def test_a_timeout_is_graded_on_its_choices_like_an_ok_answer(bank):
    # Truth i1: A B B. Selected when time ran out: p1 right, p2 wrong, p3 left blank.
    timeout = Answer("human:t", "i1", 0, {"p1": "A", "p2": "A", "p3": None}, status=Status.TIMEOUT)
    ok = Answer("human:o", "i1", 0, {"p1": "A", "p2": "A", "p3": None})
    g = grade(bank, [timeout, ok])
    assert g.correct.tolist() == [True, False, False] * 2
    assert g.side.tolist() == [1, 1, 0] * 2
    assert g.unanswered.tolist() == [False, False, True] * 2
    t, o = row(score(g), "human:t"), row(score(g), "human:o")
    assert t.accuracy == o.accuracy == pytest.approx(1 / 3)
    assert t.n_unanswered == o.n_unanswered == 1
    assert t.status_counts["timeout"] == 1 and t.status_counts["ok"] == 0
    assert t.accuracy_ok is None  # ok-only accuracy still leaves timeouts out
    assert t.side_bias == pytest.approx(1.0)


def test_a_timeout_derives_missing_choices_from_its_hypothesis_and_keeps_its_confidence(bank):
    # The true weights as the hypothesis derive all three of i1's answers (A B B); p1 is chosen
    # explicitly (wrongly) and wins over the hypothesis, as in an ok answer.
    a = Answer(
        "human:t",
        "i1",
        0,
        {"p1": "B"},
        hypothesis=TRUE_I1,
        confidence={"p1": 0.8, "p2": 0.6},
        status=Status.TIMEOUT,
    )
    g = grade(bank, [a])
    ok = grade(bank, [Answer("human:t", "i1", 0, a.choices, a.hypothesis, a.confidence)])
    assert g.correct.tolist() == ok.correct.tolist() == [False, True, True]
    assert g.side.tolist() == ok.side.tolist()
    r, r_ok = row(score(g), "human:t"), row(score(ok), "human:t")
    assert r.n_unanswered == 0
    assert r.brier == pytest.approx(r_ok.brier) and r.brier == pytest.approx((0.8**2 + 0.4**2) / 2)
    assert r.hypothesis is not None and r.hypothesis == r_ok.hypothesis
    assert r.hypothesis.n == 1 and r.hypothesis.sign_agreement == pytest.approx(1.0)


def test_a_timeout_with_nothing_selected_is_all_wrong_and_all_unanswered(bank):
    g = grade(
        bank,
        [
            Answer("human:t", "i1", 0, {}, status=Status.TIMEOUT),
            Answer("human:t", "i2", 0, {"p1": None, "p2": None}, status=Status.TIMEOUT),
        ],
    )
    assert not g.correct.any() and g.unanswered.all()
    r = row(score(g), "human:t")
    assert r.accuracy == 0.0 and r.n_unanswered == r.n_probes == 5
    assert r.status_counts["timeout"] == 2 and r.hypothesis is None and r.brier is None


def test_unanswered_counts_add_up_in_groups_and_json(bank):
    g = grade(
        bank,
        [
            Answer("human:a", "i1", 0, {"p1": "A"}, status=Status.TIMEOUT),  # 2 unanswered
            Answer("human:a", "i2", 0, {"p1": "B"}),  # 1 unanswered in an ok answer
            Answer("human:b", "i1", 0, {}, status=Status.REFUSED),  # voided: none
            Answer("human:b", "i2", 0, {}, status=Status.TIMEOUT),  # 2 unanswered
        ],
    )
    s = score(g, groups={"human:*": ["human:a", "human:b"]}, n_boot=50)
    assert [r.n_unanswered for r in s.rows] == [3, 2]
    (grp,) = s.groups
    assert grp.n_unanswered == 5
    doc = scores_to_json(s)
    assert [r["n_unanswered"] for r in doc["respondents"]] == [3, 2]
    assert doc["groups"][0]["n_unanswered"] == 5
    by_item = score(g, by="item", n_boot=50)
    assert [(r.respondent, r.group, r.n_unanswered) for r in by_item.rows] == [
        ("human:a", "i1", 2),
        ("human:a", "i2", 1),
        ("human:b", "i1", 0),
        ("human:b", "i2", 2),
    ]


def test_epochs_are_averaged_within_item_before_the_interval(bank):
    answers = [
        Answer("model:e", "i1", 0, {"p1": "A", "p2": "B", "p3": "B"}),  # 3/3
        Answer("model:e", "i1", 1, {"p1": "B", "p2": "A", "p3": "A"}),  # 0/3
        Answer("model:e", "i2", 0, {"p1": "B", "p2": "A"}),  # 2/2
    ]
    r = row(score(grade(bank, answers)), "model:e")
    assert r.accuracy == pytest.approx(5 / 8)
    # item clusters (1.5 of 3, 2 of 2): resampled ratios are 0.5, 0.7 or 1.0
    assert (r.ci_low, r.ci_high) == pytest.approx((0.5, 1.0))


def test_repeating_identical_epochs_does_not_narrow_the_interval():
    bank = sign_bank(30)
    once = simulate(bank, "model:r", 0.7, rng=np.random.default_rng(1))
    many = [Answer(a.respondent, a.item, e, a.choices) for a in once for e in range(5)]
    a, b = row(score(grade(bank, once)), "model:r"), row(score(grade(bank, many)), "model:r")
    assert a.accuracy == pytest.approx(b.accuracy)
    assert (a.ci_low, a.ci_high) == pytest.approx((b.ci_low, b.ci_high))
    assert b.n_probes == 5 * a.n_probes


def test_score_is_deterministic_and_rows_do_not_depend_on_each_other():
    bank = sign_bank(40)
    rng = np.random.default_rng(2)
    x = simulate(bank, "model:x", 0.6, rng=rng)
    y = simulate(bank, "model:y", 0.8, rng=rng)
    alone = row(score(grade(bank, x), seed=5), "model:x")
    together = score(grade(bank, x + y), seed=5)
    assert row(together, "model:x") == alone
    assert score(grade(bank, x + y), seed=5) == together
    assert row(score(grade(bank, x), seed=6), "model:x") != alone


def test_ceiling_from_the_observer_when_the_bank_has_no_ideal():
    from hhvalues.core.observer import ideal_probabilities

    bank = tiny_bank()
    assert not bank.item("i1").truth.ideal
    g = grade(bank, [Answer("model:x", "i1", 0, {"p1": "A"})])
    p = ideal_probabilities(bank, bank.item("i1"))
    truth = bank.item("i1").truth.answers
    want = np.mean([1.0 if (p[k] > 0.5) == (truth[k] == "A") else 0.0 for k in ("p1", "p2", "p3")])
    assert row(score(g), "model:x").ceiling == pytest.approx(want)


def test_by_item_and_by_type_rows(bank):
    g = grade(
        bank,
        [
            Answer("model:x", "i1", 0, {"p1": "A", "p2": "A", "p3": "B"}),
            Answer("model:x", "i2", 0, {"p1": "B", "p2": "B"}),
        ],
    )
    by_item = score(g, by="item")
    assert [(r.group, r.accuracy) for r in by_item.rows] == [
        ("i1", pytest.approx(2 / 3)),
        ("i2", 0.5),
    ]
    by_type = score(g, by="type")
    assert {r.group: r.accuracy for r in by_type.rows} == {
        "sign": 1.0,
        "compare": 0.0,
        "predict": 1.0,
    }
    doc = scores_to_json(by_type)
    assert doc["by"] == "type" and {r["type"] for r in doc["respondents"]} == {
        "sign",
        "compare",
        "predict",
    }


def test_json_has_the_design_keys(bank):
    g = grade(bank, [Answer("human:p1", "i1", 0, {"p1": "A"}, status=Status.TIMEOUT)])
    doc = scores_to_json(score(g))
    assert doc["chance"] == 0.5
    (r,) = doc["respondents"]
    design = [
        "respondent",
        "accuracy",
        "ci_low",
        "ci_high",
        "n_items",
        "n_probes",
        "ceiling",
        "normalized",
        "status_counts",
    ]
    assert list(r)[: len(design)] == design
    # The timeout keeps its one right choice (truth i1: A B B); the other two are unanswered.
    assert r["status_counts"]["timeout"] == 1 and r["accuracy"] == pytest.approx(1 / 3, abs=1e-6)
    assert r["n_unanswered"] == 2


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer("model:x", "nope", 0, {}), "answer 2: respondent model:x: unknown item 'nope'"),
        (
            Answer("model:x", "i2", 0, {"p9": "A"}),
            "answer 2: respondent model:x, item i2: the item has no probe 'p9'",
        ),
        (
            Answer("model:x", "i2", 0, {"p1": "C"}),
            "choice for probe 'p1' must be 'A', 'B' or null, got 'C'",
        ),
        (
            Answer("model:x", "i1", 0, {}),
            "answer 2: duplicate answer for respondent model:x, item i1, epoch 0 "
            "(first at answer 1)",
        ),
        (
            Answer("model:x", "i2", 0, {}, hypothesis={"dragons": 1}),
            "hypothesis names unknown feature 'dragons'",
        ),
        (
            Answer("model:x", "i2", 0, {}, confidence={"p7": 0.9}),
            "confidence for unknown probe 'p7'",
        ),
    ],
)
def test_bad_answers_raise_answers_error(bank, answer, message):
    with pytest.raises(AnswersError) as err:
        grade(bank, [Answer("model:x", "i1", 0, {"p1": "A"}), answer])
    assert message in str(err.value)


def test_public_bank_is_refused(bank):
    with pytest.raises(BankError, match="scoring needs the full bank with truth"):
        grade(publish(bank), [])


def test_file_errors_name_file_and_line(bank, tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(
        '{"respondent": "model:x", "item": "i1", "choices": {"p1": "A"}}\n\n'
        '{"respondent": "model:x", "item": "i1", "choices": {"p1": "B"}}\n'
    )
    with pytest.raises(AnswersError) as err:
        grade_files(bank, [f])
    assert str(err.value) == (
        f"{f}:3: duplicate answer for respondent model:x, item i1, epoch 0 (first at {f}:1)"
    )


# --- simulated respondents ------------------------------------------------------------------------


def test_ci_covers_the_true_accuracy_about_95_percent_of_the_time():
    bank = sign_bank(60)
    rng = np.random.default_rng(11)
    answers = [a for k in range(200) for a in simulate(bank, f"model:sim{k}", 0.7, rng=rng)]
    scores = score(grade(bank, answers), n_boot=1000)
    assert len(scores.rows) == 200
    covered = np.mean([r.ci_low <= 0.7 <= r.ci_high for r in scores.rows])
    assert 0.89 <= covered <= 0.99, covered
    widths = np.array([r.ci_high - r.ci_low for r in scores.rows])
    # 180 independent probes at p = 0.7: half-width ≈ 1.96·sqrt(.21/180) ≈ 0.067
    assert np.median(widths) == pytest.approx(2 * 0.067, rel=0.15)


def test_group_score_is_the_mean_of_participants(bank):
    g = grade(
        bank,
        [
            Answer("human:a", "i1", 0, {"p1": "A", "p2": "B", "p3": "B"}),  # 3/3
            Answer("human:a", "i2", 0, {"p1": "A", "p2": "B"}),  # 0/2 -> 0.6
            Answer("human:b", "i2", 0, {"p1": "B", "p2": "A"}),  # 2/2 -> 1.0
            Answer("model:m", "i2", 0, {"p1": "A", "p2": "A"}),
        ],
    )
    gs = group_score(g, ["human:a", "human:b"], name="human:*")
    assert gs.accuracy == pytest.approx(0.8)  # not the pooled 5/7
    assert gs.members == ("human:a", "human:b") and gs.n_probes == 7 and gs.n_items == 2
    assert gs.ci_low <= 0.8 <= gs.ci_high
    assert gs.ceiling == pytest.approx((3.5 / 5 + 1.5 / 2) / 2)
    assert score(g, groups={"human:*": ["human:a", "human:b"]}).groups == (gs,)


def test_group_interval_widens_with_between_participant_spread():
    bank = sign_bank(40)
    rng = np.random.default_rng(5)
    same = [a for k in range(12) for a in simulate(bank, f"human:s{k}", 0.7, rng=rng)]
    spread = [
        a for k in range(12) for a in simulate(bank, f"human:d{k}", 0.5 if k % 2 else 0.9, rng=rng)
    ]
    g = grade(bank, same + spread)
    a = group_score(g, [f"human:s{k}" for k in range(12)])
    b = group_score(g, [f"human:d{k}" for k in range(12)])
    assert a.ci_low <= 0.7 <= a.ci_high and b.ci_low <= 0.7 <= b.ci_high
    assert (b.ci_high - b.ci_low) > 1.5 * (a.ci_high - a.ci_low)


# --- paired comparison ---------------------------------------------------------------------------


def compare_case(bank):
    return grade(
        bank,
        [
            Answer("model:a", "i1", 0, {"p1": "A", "p2": "B", "p3": "A"}),  # 1 1 0
            Answer("model:a", "i2", 0, {"p1": "B", "p2": "A"}),  # 1 1
            Answer("model:a", "t1", 0, {"p1": "A", "p2": "A"}),  # only a: not common
            Answer("model:b", "i1", 0, {"p1": "A", "p2": "A", "p3": "A"}),  # 1 0 0
            Answer("model:b", "i2", 0, {"p1": "A", "p2": "A"}),  # 0 1
        ],
    )


def test_compare_hand_computed(bank):
    c = compare(compare_case(bank), "model:a", "model:b")
    assert c.n_items == 2 and c.n_pairs == 5
    assert (c.accuracy_a, c.accuracy_b, c.diff) == pytest.approx((0.8, 0.4, 0.4))
    # weighted item differences (1, 1): sign flips give |mean| 1, 0, 0, 1 -> p = 2/4
    assert c.p_value == pytest.approx(0.5)
    # resampled items: {i1,i1} 2/6, {i1,i2} 2/5, {i2,i2} 2/4
    assert (c.ci_low, c.ci_high) == pytest.approx((1 / 3, 0.5))
    assert (c.mcnemar.only_x, c.mcnemar.only_y) == (2, 0)
    assert c.mcnemar.p_value == pytest.approx(0.5)
    # c_obs 3/5, p 0.8 and 0.4 -> c_exp 0.44 -> kappa 0.16 / 0.56
    assert c.kappa == pytest.approx(0.16 / 0.56)


def test_compare_many_applies_holm(bank):
    g = compare_case(bank)
    out = compare_many(g, "model:b", ["model:a", "model:a"])
    assert [c.p_holm for c in out] == pytest.approx(holm([c.p_value for c in out]).tolist())


def test_compare_unknown_respondent(bank):
    with pytest.raises(AnswersError, match="no answers from respondent 'model:zz'"):
        compare(compare_case(bank), "model:a", "model:zz")


# --- hypothesis metrics ---------------------------------------------------------------------------


def test_hypothesis_metrics_hand_computed():
    w = np.array([[2.0, -1.0, 1.0, -2.0]])
    same = hypothesis_metrics(2 * w, w, delta=0.5)
    assert same == pytest.approx((1.0, 1.0, 1.0, 0.0))
    opposite = hypothesis_metrics(-w, w, delta=0.5)
    assert opposite == pytest.approx((0.0, -1.0, -1.0, 1.0))
    # one sign wrong; EPIC with the empty cell's 0 appended: rho of (0,2,-1,1,2) and (0,2,-1,1,-2)
    w_hat = np.array([[2.0, -1.0, 1.0, 2.0]])
    rho = np.corrcoef([0, 2, -1, 1, 2], [0, 2, -1, 1, -2])[0, 1]
    m = hypothesis_metrics(w_hat, w, delta=0.5)
    assert m.sign_agreement == pytest.approx(0.75)
    assert m.cosine == pytest.approx((4 + 1 + 1 - 4) / 10)
    assert m.epic == pytest.approx(math.sqrt((1 - rho) / 2))
    # a feature left out (nan) never gets its sign right
    assert (
        hypothesis_metrics(np.array([[2.0, -1.0, 1.0, np.nan]]), w, delta=0.5).sign_agreement
        == 0.75
    )


def test_hypothesis_metrics_in_scores(bank):
    r = row(score(grade(bank, [Answer("model:h", "i1", 0, {}, hypothesis=TRUE_I1)])), "model:h")
    assert r.hypothesis.n == 1
    assert (r.hypothesis.sign_agreement, r.hypothesis.cosine, r.hypothesis.epic) == pytest.approx(
        (1, 1, 0)
    )


# --- properties ----------------------------------------------------------------------------------

PROPERTY_BANK = tiny_bank(IDEAL)


@settings(max_examples=60, deadline=None)
@given(answers_for(PROPERTY_BANK), st.randoms(use_true_random=False))
def test_accuracy_bounded_and_order_invariant(answers, rnd):
    scores = score(grade(PROPERTY_BANK, answers), n_boot=200)
    for r in scores.rows:
        assert 0.0 <= r.accuracy <= 1.0 and 0.0 <= r.ceiling <= 1.0
        assert r.ci_low is None or 0.0 <= r.ci_low <= r.ci_high <= 1.0
        assert sum(r.status_counts.values()) == r.n_answers
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    assert score(grade(PROPERTY_BANK, shuffled), n_boot=200).rows == scores.rows


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.sampled_from([it.id for it in PROPERTY_BANK.items]), min_size=1, unique=True),
    st.integers(1, 3),
    st.booleans(),
)
def test_all_correct_and_oracle_score_one(items, epochs, oracle):
    answers = []
    for iid in items:
        truth = PROPERTY_BANK.item(iid).truth
        for e in range(epochs):
            if oracle:
                answers.append(Answer("agent:oracle", iid, e, {}, hypothesis=dict(truth.weights)))
            else:
                answers.append(Answer("agent:oracle", iid, e, dict(truth.answers)))
    (r,) = score(grade(PROPERTY_BANK, answers), n_boot=200).rows
    assert r.accuracy == 1.0 and r.accuracy_ok == 1.0
    assert r.ci_low is None or r.ci_low == 1.0


def test_random_respondent_ci_contains_chance():
    bank = sign_bank(80)
    rng = random.Random(4)
    answers = [
        Answer("agent:random", it.id, 0, {p.id: rng.choice("AB") for p in it.probes})
        for it in bank.items
    ]
    r = row(score(grade(bank, answers)), "agent:random")
    assert r.ci_low <= 0.5 <= r.ci_high


def test_vectorised_kendall_tau_b_equals_scipy():
    from scipy.stats import kendalltau

    from hhvalues.core.scoring import kendall_tau_b

    rng = np.random.default_rng(7)
    x = rng.choice([-2.0, -1.0, 0.0, 1.0, 2.0], size=(300, 6))
    y = rng.choice([-2.0, -1.0, 1.0, 2.0], size=(300, 6))
    x[0] = 1.0  # constant row: undefined
    got = kendall_tau_b(x, y)
    assert math.isnan(got[0])
    want = [kendalltau(a, b).statistic for a, b in zip(x[1:], y[1:], strict=True)]
    assert got[1:] == pytest.approx(want, nan_ok=True)


_values = (
    st.none() | st.booleans() | st.integers(-2, 3) | st.floats(allow_nan=True) | st.text(max_size=3)
)


@settings(max_examples=400, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "respondent": st.sampled_from(["model:a", "a", ":a", "model:", ""]) | _values,
            "item": st.sampled_from(["i1", ""]) | _values,
            "epoch": _values,
            "choices": st.dictionaries(
                st.sampled_from(["p1", "p2"]), st.sampled_from(["A", "B", None, "C", 1])
            )
            | _values,
            "hypothesis": st.dictionaries(st.sampled_from(["flowers", "x"]), _values) | _values,
            "confidence": st.dictionaries(st.sampled_from(["p1"]), _values) | _values,
            "status": st.sampled_from([s.value for s in Status] + ["odd"]) | _values,
            "rationale": _values,
            "stimulus": _values,
            "extra": _values,
        },
    )
)
def test_fast_line_reader_agrees_with_parse_answer(doc):
    from hhvalues.core.answers import parse_answer
    from hhvalues.core.scoring import read_answer_fast

    fast = read_answer_fast(doc)
    try:
        full = parse_answer(doc)
    except AnswersError:
        assert fast is None
        return
    if fast is not None:
        for name in ("respondent", "item", "epoch", "choices", "hypothesis", "confidence"):
            assert getattr(fast, name) == getattr(full, name), name
        assert fast.status is full.status
