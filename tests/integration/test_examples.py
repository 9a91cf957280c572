"""The docs/formats.md examples in tests/data/examples are real files that the code reads and writes."""

import json
from pathlib import Path

from hhvalues.cli import main
from hhvalues.core.answers import read_answers
from hhvalues.core.validate import load_valid_bank

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def test_example_bank_validates():
    bank = load_valid_bank(EXAMPLES / "tiny_bank.json")
    assert {p.kind.value for it in bank.items for p in it.probes} == {"sign", "compare", "predict"}


def test_example_answers_parse_with_every_documented_field():
    answers = read_answers(EXAMPLES / "answers.jsonl")
    assert {a.respondent.split(":")[0] for a in answers} == {"human", "model", "agent"}
    assert {a.status.value for a in answers} == {"ok", "timeout", "refused"}
    assert any(a.hypothesis for a in answers) and any(a.confidence for a in answers)
    assert any(a.stimulus for a in answers)


def test_example_scores_are_what_the_cli_prints(capsys):
    code = main(
        [
            "score",
            "--bank",
            str(EXAMPLES / "tiny_bank.json"),
            "--answers",
            str(EXAMPLES / "answers.jsonl"),
            "--json",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    golden = json.loads((EXAMPLES / "scores.json").read_text(encoding="utf-8"))
    assert printed == golden
    assert golden["chance"] == 0.5
    row = {r["respondent"]: r for r in golden["respondents"]}
    # Worked by hand: the model answers p3 explicitly and p1/p2 through its hypothesis (3 of 3 on
    # i1), and refuses i2 (2 probes wrong): 3/5. The human gets 2 of 3 on i1 and times out on
    # i2 with p1 selected (right, graded as selected) and p2 left blank (wrong, unanswered): 3/5.
    assert row["model:openai/gpt-4o-2024-08-06/direct"]["accuracy"] == 0.6
    assert row["human:pilot-01"]["accuracy"] == 0.6
    assert row["human:pilot-01"]["status_counts"]["timeout"] == 1
    assert row["human:pilot-01"]["n_unanswered"] == 1
    assert row["model:openai/gpt-4o-2024-08-06/direct"]["n_unanswered"] == 0  # refused: by status
    for r in golden["respondents"]:
        assert {
            "respondent",
            "accuracy",
            "ci_low",
            "ci_high",
            "n_items",
            "n_probes",
            "ceiling",
            "normalized",
            "status_counts",
        } <= set(r)
