"""Banks stored in format 1 (``hhvalues-bank/1``) keep their meaning under format 2's code.

tests/data/compat holds the demo bank as shipped before format 2, with answers of every
reference agent and the outputs of ``bank info --json`` and ``score`` that the code of that time
printed for them. The code of today must read, validate, answer and score it to the same bytes.
"""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hhvalues.cli import main
from hhvalues.core.bank import BANK_FORMAT, Demonstration, Model, dumps_bank, load_bank
from hhvalues.core.observer import infer
from hhvalues.core.validate import validate_bank

COMPAT = Path(__file__).resolve().parents[1] / "data" / "compat"
BANK = COMPAT / "demo-v1.json"
V1_HASH = "83f4ad308cc4ccaed12a20b990e1af91eda638e1751cac4d2110fc2e0deb357f"


def test_a_v1_bank_reads_back_to_the_same_bytes_and_hash():
    bank = load_bank(BANK)
    assert bank.model.format == BANK_FORMAT
    assert bank.content_hash == V1_HASH
    assert dumps_bank(bank) == BANK.read_text(encoding="utf-8")


def test_a_v1_bank_still_validates_without_errors():
    assert validate_bank(load_bank(BANK)).errors == []


def test_score_prints_the_same_bytes_as_before(capsys):
    # recorded when score's default was every split (the default is the test split since
    # issue 15): --split all asks for what those outputs are of
    answers = str(COMPAT / "demo-v1-answers.jsonl")
    every = ["--split", "all"]
    assert main(["score", "--bank", str(BANK), "--answers", answers, "--json", *every]) == 0
    # issue 14 added one key to every row, n_unanswered (none of these answers leaves a probe
    # blank): every other line is the recorded bytes
    lines = capsys.readouterr().out.splitlines(keepends=True)
    added = [line for line in lines if line.strip().startswith('"n_unanswered":')]
    assert added and all(line.strip() == '"n_unanswered": 0,' for line in added)
    kept = "".join(line for line in lines if line not in added)
    assert kept == (COMPAT / "demo-v1-scores.json").read_text(encoding="utf-8")
    assert main(["score", "--bank", str(BANK), "--answers", answers, *every]) == 0
    assert capsys.readouterr().out == (COMPAT / "demo-v1-scores.txt").read_text(encoding="utf-8")


def test_bank_info_json_is_unchanged(capsys):
    assert main(["bank", "info", str(BANK), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(
        (COMPAT / "demo-v1-info.json").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("agent", ["ideal", "random", "heuristic", "oracle"])
def test_reference_agents_answer_as_before(agent, tmp_path):
    out = tmp_path / f"{agent}.jsonl"
    assert (
        main(["baseline", "--bank", str(BANK), "--agent", agent, "--seed", "3", "--out", str(out)])
        == 0
    )
    before = [
        line
        for line in (COMPAT / "demo-v1-answers.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["respondent"] == f"agent:{agent}"
    ]
    if agent == "ideal":  # confidences are rounded to 6 decimals since (numpy builds differ)
        before = [_rounded_confidence(line) for line in before]
    assert out.read_text(encoding="utf-8").splitlines() == before


def _rounded_confidence(line: str) -> str:
    record = json.loads(line)
    record["confidence"] = {k: round(v, 6) for k, v in record["confidence"].items()}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _with_human_walk(model: Model):
    bank = load_bank(BANK)
    item = bank.items[0]
    demo = item.demos[0]
    human = replace(item, demos=(Demonstration(demo.grid, demo.path, "human", "do"),))
    return replace(bank, model=model, items=(human,)), human


def test_v1_keeps_its_lapse_floor_for_human_walks_and_v2_uses_the_declared_lapse():
    base = load_bank(BANK).model
    v1, item = _with_human_walk(replace(base, lapse=0.01))
    assert np.allclose(infer(v1, item.demos).log_post, infer(v1, item.demos, lapse=0.05).log_post)
    levels = tuple((fid, base.weight_levels) for fid in v1.features.ids)
    v2, item = _with_human_walk(replace(base, lapse=0.01, feature_levels=levels))
    assert v2.model.demo_lapse("human") == 0.01
    assert np.allclose(infer(v2, item.demos).log_post, infer(v2, item.demos, lapse=0.01).log_post)
    assert not np.allclose(infer(v2, item.demos).log_post, infer(v1, item.demos).log_post)
