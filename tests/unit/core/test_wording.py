"""One vocabulary (issue 20, item 6): a compare question names its features in the order of its
options as shown, ground that only costs is "minded", and a predict question asks which of the two
paths the person would rather take: the same words for participants and models."""

from dataclasses import replace

import pytest

from hhvalues.core.bank import Bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.probes import Probe, ProbeKind
from hhvalues.core.render import item_stimulus, question_words, render_item_text
from hhvalues.core.render_text import PREDICT_QUESTION, cost_features
from hhvalues.evals.conditions import Condition, Modality
from hhvalues.evals.prompts import build_prompt


@pytest.fixture(scope="module")
def bank() -> Bank:
    return generate_bank(GenerateConfig(seed=41, items=3))


def _compare(bank: Bank, terminal: bool) -> Probe:
    ids = [f.id for f in bank.features if f.terminal == terminal and f.id != "exit"]
    return Probe("p1", ProbeKind.COMPARE, features=(ids[0], ids[1]))


@pytest.mark.parametrize("terminal", [True, False], ids=["places", "ground"])
def test_compare_question_names_features_in_the_order_of_the_options_shown(bank, terminal):
    probe = _compare(bank, terminal)
    x, y = (bank.features.by_id(f).label for f in probe.features)
    for order, first in ((("A", "B"), x), (("B", "A"), y)):
        question, shown_a, shown_b = question_words(bank, probe, order={"p1": order})
        second = y if first == x else x
        assert f": {first} or {second}?" in question
        assert shown_a.split(" ", 1)[1].startswith(first), (question, shown_a)
        assert shown_b.split(" ", 1)[1].startswith(second), (question, shown_b)


def test_ground_that_only_costs_is_minded_not_valued(bank):
    ground = _compare(bank, terminal=False)
    assert set(ground.features) <= cost_features(bank)
    question, a, b = question_words(bank, ground)
    assert question.startswith("Which does this person mind less:")
    assert a.startswith("minds ") and " less than " in a and b.startswith("minds ")
    places = question_words(bank, _compare(bank, terminal=True))
    assert places[0].startswith("Which does this person value more:")
    assert places[1].startswith("values ")


def test_predict_asks_which_of_the_two_the_person_would_rather_take(bank):
    item = next(it for it in bank.items if any(p.kind is ProbeKind.PREDICT for p in it.probes))
    probe = next(p for p in item.probes if p.kind is ProbeKind.PREDICT)
    assert question_words(bank, probe)[0] == PREDICT_QUESTION
    assert PREDICT_QUESTION in render_item_text(bank, item)


@pytest.mark.parametrize("modality", [Modality.TEXT, Modality.IMAGE, Modality.BOTH])
def test_models_read_the_question_participants_read_in_the_order_they_are_shown(bank, modality):
    """The prompt's order flips some options; the words of each question follow it, and the
    participant page (item_stimulus options + question_words) shows the same words."""
    item = bank.items[0]
    probe = _compare(bank, terminal=True)
    item = replace(item, probes=(probe, *item.probes[1:]))
    bank = replace(bank, items=(item, *bank.items[1:]))
    for epoch in range(6):
        prompt = build_prompt(bank, item, Condition("c", modality=modality), epoch=epoch)
        sent = "".join(p for t in prompt.turns for p in t.parts if isinstance(p, str))
        question, shown_a, shown_b = question_words(bank, probe, order=prompt.order)
        assert f"Question p1: {question}" in sent
        assert f"A: {shown_a}" in sent and f"B: {shown_b}" in sent
        stim = item_stimulus(bank, item, order=prompt.order)
        assert stim.texts[:2] == (shown_a, shown_b)


def test_the_hypothesis_template_speaks_moves_and_labels_and_reads_back_in_values(bank):
    """Issue 20: the template asked `"grass": -4 to 0` in value units (1 unit = 2 moves, never
    stated) with ids; it now names labels and asks in moves, and the reply is converted back."""
    from hhvalues.evals.parse import parse_reply
    from hhvalues.evals.prompts import answer_format, hypothesis_unit

    item = bank.items[0]
    prompt = build_prompt(bank, item, Condition("c"), epoch=0)
    template = answer_format(item, bank, Condition("c"))
    unit = hypothesis_unit(bank)
    assert unit == abs(bank.step_cost) == 0.5
    for f, lv in zip(bank.features, bank.model.levels(bank.features), strict=True):
        assert f'"{f.label}": ' in template
        if len(lv) > 1:
            assert (
                f'"{f.label}": {round(min(min(lv), 0) / unit)} to {round(max(max(lv), 0) / unit)}'
                in template
            )
        if f.label != f.id:
            assert f'"{f.id}":' not in template
    assert "in moves" in template
    terrain = next(f for f in bank.features if not f.terminal)
    choices = ", ".join(f'"{p.id}": "A"' for p in item.probes)
    reply = f'{{"choices": {{{choices}}}, "hypothesis": {{"{terrain.label}": -8}}}}'
    parsed = parse_reply(reply, prompt.probe_ids, features=prompt.features)
    assert prompt.to_bank_values(parsed.hypothesis) == {terrain.id: -4.0}
