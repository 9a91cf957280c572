"""Conditions files and the prompt builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhvalues.core.bank import load_bank
from hhvalues.core.render import item_stimulus, stimulus_hash
from hhvalues.errors import ConditionsError
from hhvalues.evals.conditions import (
    Modality,
    PromptVariant,
    load_conditions,
    parse_conditions,
    select_conditions,
)
from hhvalues.evals.prompts import Image, build_prompt, prompt_to_text

ROOT = Path(__file__).resolve().parents[3]
BANK = ROOT / "tests" / "data" / "examples" / "tiny_bank.json"
STUDY = ROOT / "conditions" / "published-study.toml"


def test_published_study_grid() -> None:
    conds = {c.name: c for c in load_conditions(STUDY)}
    assert {c.prompt for c in conds.values()} == set(PromptVariant)
    assert {c.modality for c in conds.values()} == set(Modality)
    assert {c.temperature for c in conds.values()} == {0.0, 1.0}
    assert conds["few-shot-3"].few_shot == 3
    assert conds["system-effort"].system and conds["baseline"].system is None
    assert all(c.epochs >= 1 and c.max_tokens > 0 for c in conds.values())


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[conditions.a]\ntemprature = 1", "x.toml: conditions.a.temprature"),
        ("[defaults]\nbogus = 1\n[conditions.a]", "x.toml: defaults.bogus"),
        ('[conditions.a]\nprompt = "shout"', "x.toml: conditions.a.prompt"),
        ("[conditions.a]\ntemperature = 7", "x.toml: conditions.a.temperature"),
        ('[conditions.a]\nepochs = "3"', "x.toml: conditions.a.epochs"),
        ("[conditoins.a]", "x.toml: conditoins"),
        ("x = ", "x.toml"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(ConditionsError) as err:
        load_conditions(path)
    assert str(err.value).endswith(str(err.value).split(": ")[-1])
    assert str(err.value).startswith(str(tmp_path / where.split(": ")[0]))
    if ": " in where:
        assert where.split(": ", 1)[1] in str(err.value)


def test_select_unknown() -> None:
    conds = parse_conditions({"conditions": {"a": {}}})
    with pytest.raises(ConditionsError, match="no condition 'b'"):
        select_conditions(conds, ["b"])


def test_prompt_is_deterministic_and_paired_across_conditions() -> None:
    bank = load_bank(BANK)
    conds = {c.name: c for c in load_conditions(STUDY)}
    item = bank.item("i1")
    a = build_prompt(bank, item, conds["baseline"], epoch=2)
    b = build_prompt(bank, item, conds["baseline"], epoch=2)
    c = build_prompt(bank, item, conds["step-by-step"], epoch=2)
    assert a == b and a.order == c.order and a.stimulus == c.stimulus
    assert a.sent_hash != c.sent_hash
    orders = {str(build_prompt(bank, item, conds["baseline"], epoch=e).order) for e in range(12)}
    assert len(orders) > 1


def test_stimulus_is_the_participant_hash_and_images_are_the_same_bytes() -> None:
    bank = load_bank(BANK)
    cond = {c.name: c for c in load_conditions(STUDY)}["image"]
    item = bank.item("i1")
    p = build_prompt(bank, item, cond, epoch=0)
    stim = item_stimulus(bank, item, order=p.order)
    assert p.stimulus == stimulus_hash(stim.pictures, stim.texts)
    n = len(item.demos)  # the walks, their legend, then the maps of the questions
    # the legend a model is sent has no replay marks (a model sees no replay): issue 19
    assert [i.png for i in p.images] == [*stim.images[:n], stim.still_legend, *stim.images[n:]]
    assert stim.still_legend != stim.legend
    assert all(isinstance(i, Image) and i.png.startswith(b"\x89PNG") for i in p.images)


def test_few_shot_uses_train_items_with_true_answers() -> None:
    bank = load_bank(BANK)
    cond = {c.name: c for c in load_conditions(STUDY)}["few-shot-3"]
    p = build_prompt(bank, bank.item("i2"), cond, epoch=0)
    assert p.few_shot == ("t1",)
    assert [t.role for t in p.turns] == ["user", "assistant", "user"]
    assert '"choices"' in p.turns[1].parts[0]
    assert "truth" not in prompt_to_text(p)


def test_order_maps_back() -> None:
    bank = load_bank(BANK)
    cond = parse_conditions({"conditions": {"a": {}}})[0]
    for epoch in range(8):
        p = build_prompt(bank, bank.item("i1"), cond, epoch=epoch)
        back = p.to_bank_sides({"p1": "A", "p2": "B", "p3": None})
        assert back["p1"] == p.order["p1"][0] and back["p2"] == p.order["p2"][1]
        assert back["p3"] is None
