"""Items v3 (issue 20): every probe needs the walks, no predict pair is decided by the rules alone,
and no two probes of an item are one question. Each rule is checked on generated banks (the
generator before issue 20 breaks all three: bench/RESULTS.md) and on hand-made cases."""

import functools

import numpy as np
import pytest

from hhvalues.core.bank import Bank, Split
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.observer import bank_grid, infer, item_matrix, posterior_from
from hhvalues.core.probe_rules import (
    MAX_CORRELATION,
    answer_correlations,
    design_effect,
    dominated,
    prior_confidence,
    prior_sure,
)
from hhvalues.core.probes import Margins, Probe, ProbeKind, probe_matrix
from hhvalues.core.world import follow_path, parse_world

CONFIGS = [
    GenerateConfig(seed=31, items=60),
    GenerateConfig(seed=32, items=40, features=5),
    GenerateConfig(seed=33, items=40, size=8),
]


@functools.cache
def _bank(n: int) -> Bank:
    return generate_bank(CONFIGS[n])


@pytest.fixture(params=range(len(CONFIGS)), ids=["default", "5f", "8x8"])
def bank(request):
    return _bank(request.param)


def test_no_probe_is_answered_by_the_prior_alone(bank):
    grid = bank_grid(bank)
    for item in bank.items:
        q0 = prior_confidence(grid, item_matrix(bank, item.probes))
        sure = [p.id for p, s in zip(item.probes, prior_sure(q0), strict=True) if s]
        assert not sure, (item.id, sure, q0)


def test_no_predict_pair_has_a_dominated_option(bank):
    terrain = np.array([not f.terminal for f in bank.features])
    for item in bank.items:
        for p in item.probes:
            if p.kind is not ProbeKind.PREDICT:
                continue
            world = parse_world(p.grid, bank.features)
            a, b = (follow_path(world, o, horizon=bank.model.horizon) for o in p.options)
            assert not dominated(
                a.counts,
                b.counts,
                len(p.options[0]),
                len(p.options[1]),
                same_end=a.states[-1] == b.states[-1],
                terrain=terrain,
            ), (item.id, p.id, p.options)


def test_no_two_probes_of_an_item_are_nearly_one_question(bank):
    for item in bank.by_split(Split.TEST) + bank.by_split(Split.TRAIN):
        rho = answer_correlations(infer(bank, item.demos), item_matrix(bank, item.probes))
        off = np.abs(rho[~np.eye(len(item.probes), dtype=bool)])
        assert (off < MAX_CORRELATION).all(), (item.id, rho)


def test_every_kind_is_still_asked(bank):
    kinds = {p.kind for it in bank.by_split(Split.TEST) for p in it.probes}
    assert kinds == set(ProbeKind)


# --- the rules on hand-made cases -------------------------------------------------------------

GRID = ("S...C", ".ppp.", ".....")


def _matrix(bank: Bank, probes: list[Probe]):
    return probe_matrix(
        probes, bank.features, step_cost=bank.step_cost, horizon=21, margins=Margins(predict=1.4)
    )


def test_a_path_through_terrain_an_equally_short_one_avoids_is_dominated_and_prior_sure():
    bank = _bank(0)
    terrain_f = next(f for f in bank.features if not f.terminal)
    place = next(f for f in bank.features if f.terminal)
    grid = tuple(r.replace("p", terrain_f.symbol).replace("C", place.symbol) for r in GRID)
    world = parse_world(grid, bank.features)
    # to the same place: the second path is longer and crosses three cells of terrain
    clean, rough = "RRRR", "DRRRRU"
    assert len(clean) < len(rough)
    wa, wb = (follow_path(world, p, horizon=21) for p in (clean, rough))
    mask = np.array([not f.terminal for f in bank.features])
    assert dominated(wa.counts, wb.counts, 4, 6, same_end=True, terrain=mask)
    assert not dominated(wa.counts, wb.counts, 4, 6, same_end=False, terrain=mask)
    probe = Probe("x", ProbeKind.PREDICT, grid=grid, options=(clean, rough))
    q0 = prior_confidence(bank_grid(bank), _matrix(bank, [probe]))
    assert prior_sure(q0)[0]


def test_a_shorter_path_through_terrain_is_not_dominated():
    mask = np.array([True, False])
    assert not dominated(
        np.array([2.0, 1.0]), np.array([0.0, 1.0]), 4, 6, same_end=True, terrain=mask
    )


def test_the_same_question_twice_correlates_fully_and_counts_once():
    bank = _bank(0)
    dest = [f.id for f in bank.features if f.terminal and f.id != "exit"]
    grid = bank_grid(bank)
    flat = posterior_from(grid, np.zeros(len(grid.rationality)))
    probes = [
        Probe("a", ProbeKind.SIGN, features=(dest[0],)),
        Probe("b", ProbeKind.SIGN, features=(dest[0],)),
        Probe("c", ProbeKind.SIGN, features=(dest[1],)),
    ]
    rho = answer_correlations(flat, _matrix(bank, probes))
    assert rho[0, 1] == pytest.approx(1.0)
    assert abs(rho[0, 2]) < 1e-9  # independent under the uniform prior
    assert design_effect(rho) == pytest.approx(9 / 5)
    assert design_effect(np.eye(3)) == pytest.approx(3.0)


# --- the design is declared in the bank and `bank validate` checks it --------------------------


def test_a_generated_bank_declares_the_rules_and_validates_cleanly():
    from hhvalues.core.probe_rules import ITEMS_VERSION, design_rules
    from hhvalues.core.validate import validate_bank

    bank = _bank(0)
    assert bank.model.design["items"] == ITEMS_VERSION
    assert bank.model.design["rules"] == design_rules()
    report = validate_bank(bank)
    assert report.ok, report.errors[:5]


def test_validate_refuses_a_bank_that_breaks_the_rules_it_declares():
    from dataclasses import replace

    from hhvalues.core.validate import validate_bank

    bank = _bank(0)
    terrain_f = next(f for f in bank.features if not f.terminal)
    place = next(f for f in bank.features if f.terminal and f.id != "exit")
    grid = tuple(
        r.replace("p", terrain_f.symbol).replace("C", place.symbol) for r in ("S...C", ".ppp.")
    )
    item = next(it for it in bank.by_split(Split.TEST) if len(it.probes) >= 1)
    bad = Probe("p9", ProbeKind.PREDICT, grid=grid, options=("RRRR", "DRRRRU"))
    twin = replace(item.probes[0], id="p8")
    answers = {**item.truth.answers, "p9": "A", "p8": item.truth.answers[item.probes[0].id]}
    broken = replace(
        item, probes=(*item.probes, bad, twin), truth=replace(item.truth, answers=answers)
    )
    items = tuple(broken if it.id == item.id else it for it in bank.items)
    errors = " | ".join(validate_bank(replace(bank, items=items)).errors)
    assert "probe p9: the prior alone answers it" in errors
    assert "probe p9: one option is dominated" in errors
    assert "nearly one question" in errors and "p8" in errors
    # a bank without the declaration (every bank before items v3) is not held to them
    undeclared = replace(bank.model, design={"worlds": "by hand"})
    assert validate_bank(replace(bank, model=undeclared, items=items)).ok
    malformed = replace(bank.model, design={"rules": {"max_prior_q": 2}})
    assert any(
        "model.design.rules" in e for e in validate_bank(replace(bank, model=malformed)).errors
    )


# --- bank audit reports the rules ------------------------------------------------------------


def test_audit_reports_prior_only_confidence_and_redundancy_with_advice():
    from pathlib import Path

    from hhvalues.core.audit import audit_bank, format_audit
    from hhvalues.core.audit_goals import GOALS
    from hhvalues.core.validate import load_valid_bank

    fresh = audit_bank(_bank(0))
    assert all(g.prior_sure == 0 for g in fresh.groups)
    assert fresh.redundancy.share_redundant == 0.0
    assert 1.0 <= fresh.redundancy.design_effect <= 1.5
    assert fresh.goals["no probe answered by the prior alone (confidence >= 0.75 without a walk)"]
    assert fresh.goals["no two probes of an item nearly one question (|rho| >= 0.8)"]
    # the format 1 demo bank (before items v3) breaks both, and the report says what to do
    v1 = Path(__file__).resolve().parents[2] / "data" / "compat" / "demo-v1.json"
    old = audit_bank(load_valid_bank(v1))
    assert old.group().prior_sure > 0 and old.redundancy.share_redundant > 0
    text = format_audit(old)
    assert "confidence from the prior alone" in text and "design effect" in text
    for goal, ok in old.goals.items():
        if not ok:
            assert f"[NOT met] {goal}\n      what it means, what to change: {GOALS[goal]}" in text
