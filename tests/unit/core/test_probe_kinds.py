"""Every probe kind through every place that treats kinds differently (Minigrid's test_envs).

A new :class:`ProbeKind` must have an example probe in ``tests/data/examples/tiny_bank.json``;
then each test below runs it through one part of the package — the bank format, the truth
rule and its margin, the wording humans and models read, the images, the reference agents, the
validator, grading and the prompts — and fails where the kind is not handled yet. (mypy finds
the same places statically: they end in ``assert_never``.)
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from hhvalues.core.agents import AgentKind, run_agent
from hhvalues.core.bank import Bank, Item
from hhvalues.core.graded import KINDS
from hhvalues.core.probes import (
    Margins,
    Probe,
    ProbeKind,
    derive_choices,
    parse_probe,
    probe_matrix,
)
from hhvalues.core.render import (
    describe_probe,
    item_stimulus,
    probe_question,
    question_words,
    render_item_text,
)
from hhvalues.core.scoring import grade, score
from hhvalues.core.validate import validate_bank
from hhvalues.evals.conditions import Condition, Modality
from hhvalues.evals.prompts import build_prompt

KINDS_UNDER_TEST = sorted(ProbeKind)


def _example(bank: Bank, kind: ProbeKind) -> tuple[Item, Probe]:
    for item in bank.items:
        for probe in item.probes:
            if probe.kind is kind:
                return item, probe
    raise AssertionError(f"no example probe of kind {kind.value!r} in tiny_bank.json: add one")


def _one_probe_bank(bank: Bank, kind: ProbeKind) -> Bank:
    """The tiny bank with one item holding only the example probe of ``kind``."""
    item, probe = _example(bank, kind)
    assert item.truth is not None
    truth = replace(
        item.truth, answers={probe.id: item.truth.answers[probe.id]}, ideal={}, ideal_accuracy=None
    )
    return replace(bank, items=(replace(item, probes=(probe,), truth=truth),))


def test_graded_tables_cover_every_kind() -> None:
    assert set(KINDS) == set(ProbeKind)


@pytest.mark.parametrize("kind", KINDS_UNDER_TEST)
def test_bank_format_round_trip_and_margin(tiny_bank: Bank, kind: ProbeKind) -> None:
    _, probe = _example(tiny_bank, kind)
    assert parse_probe(probe.to_json()) == probe
    assert Margins().of(kind) > 0


@pytest.mark.parametrize("kind", KINDS_UNDER_TEST)
def test_truth_rule_gives_the_stored_answer(tiny_bank: Bank, kind: ProbeKind) -> None:
    item, probe = _example(tiny_bank, kind)
    assert item.truth is not None
    fs, m = tiny_bank.features, tiny_bank.model
    matrix = probe_matrix([probe], fs, step_cost=tiny_bank.step_cost, horizon=m.horizon)
    assert np.isfinite(matrix.a).all() and np.isfinite(matrix.b).all()
    choices = derive_choices(
        item.truth.weights, [probe], fs, step_cost=tiny_bank.step_cost, horizon=m.horizon
    )
    assert choices == {probe.id: item.truth.answers[probe.id]}


@pytest.mark.parametrize("kind", KINDS_UNDER_TEST)
def test_humans_and_models_read_the_same_question(tiny_bank: Bank, kind: ProbeKind) -> None:
    from hhvalues.ui import widgets

    item, probe = _example(tiny_bank, kind)
    fs = tiny_bank.features
    words = probe_question(fs, probe)
    assert words.endswith("?")
    view = SimpleNamespace(bank=tiny_bank, order={})
    assert widgets.question(view, probe).replace("**", "") == words  # type: ignore[arg-type]
    assert question_words(tiny_bank, probe)[0] == words
    options = describe_probe(fs, probe, horizon=tiny_bank.model.horizon)
    assert len(set(options)) == 2 and all(options)
    text = render_item_text(tiny_bank, item)
    assert f"Question {probe.id}: {words}" in text
    for modality in (Modality.TEXT, Modality.IMAGE):
        prompt = build_prompt(tiny_bank, item, Condition("c", modality=modality), epoch=0)
        sent = "".join(p for t in prompt.turns for p in t.parts if isinstance(p, str))
        flipped = question_words(tiny_bank, probe, order=prompt.order)[0]
        assert f"Question {probe.id}: {flipped}" in sent, modality


@pytest.mark.parametrize("kind", KINDS_UNDER_TEST)
def test_stimulus_has_the_options_and_a_picture_where_the_kind_shows_paths(
    tiny_bank: Bank, kind: ProbeKind
) -> None:
    bank = _one_probe_bank(tiny_bank, kind)
    item = bank.items[0]
    stim = item_stimulus(bank, item)
    assert len(stim.texts) == 2
    assert len(stim.images) == len(item.demos) + int(kind.shows_paths)


@pytest.mark.parametrize("kind", KINDS_UNDER_TEST)
def test_the_validator_and_every_reference_agent_handle_it(
    tiny_bank: Bank, kind: ProbeKind
) -> None:
    bank = _one_probe_bank(tiny_bank, kind)
    assert validate_bank(bank).ok
    item = bank.items[0]
    for agent in AgentKind:
        answers = list(run_agent(bank, agent, rng=np.random.default_rng(0), splits=(item.split,)))
        assert [a.item for a in answers] == [item.id]
        assert set(answers[0].choices) <= {item.probes[0].id}  # a tie leaves it out
        graded = grade(bank, answers)
        rows = score(graded, by="type", n_boot=100).rows
        assert [r.group for r in rows] == [kind.value]
    oracle = list(
        run_agent(bank, AgentKind.ORACLE, rng=np.random.default_rng(0), splits=(item.split,))
    )
    assert score(grade(bank, oracle), n_boot=100).rows[0].accuracy == 1.0


@pytest.mark.parametrize("kind", KINDS_UNDER_TEST)
@pytest.mark.parametrize("modality", list(Modality))
def test_prompts_ask_it_in_every_modality(
    tiny_bank: Bank, kind: ProbeKind, modality: Modality
) -> None:
    bank = _one_probe_bank(tiny_bank, kind)
    item = bank.items[0]
    prompt = build_prompt(bank, item, Condition("c", modality=modality), epoch=0)
    assert prompt.probe_ids == (item.probes[0].id,)
