"""``hhvalues score`` and ``hhvalues compare`` through main(argv): output, JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hhvalues.cli import main
from hhvalues.core.bank import publish, write_bank

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.strategies import tiny_bank

IDEAL = {
    "t1": {"p1": 0.8, "p2": 0.7},
    "i1": {"p1": 0.9, "p2": 0.2, "p3": 0.6},
    "i2": {"p1": 0.3, "p2": 0.5},
    "c1": {"p1": 0.99},
}
DESIGN_KEYS = [
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
LINES = [
    {
        "respondent": "model:a",
        "item": "i1",
        "epoch": 0,
        "choices": {"p1": "A", "p2": "B", "p3": "A"},
    },
    {"respondent": "model:a", "item": "i2", "epoch": 0, "choices": {"p1": "B", "p2": "A"}},
    {"respondent": "model:a", "item": "t1", "epoch": 0, "choices": {"p1": "A", "p2": "A"}},
    {
        "respondent": "model:b",
        "item": "i1",
        "epoch": 0,
        "choices": {"p1": "A", "p2": "A", "p3": "A"},
    },
    {
        "respondent": "model:b",
        "item": "i2",
        "epoch": 0,
        "choices": {"p1": "A", "p2": "A"},
        "status": "ok",
    },
    {"respondent": "model:c", "item": "i2", "epoch": 0, "choices": {}, "status": "refused"},
]


@pytest.fixture
def files(tmp_path):
    bank = tmp_path / "bank.json"
    write_bank(tiny_bank(IDEAL), bank)
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return bank, answers


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_score_table(capsys, files):
    bank, answers = files
    code, out, err = run(capsys, "score", "--bank", bank, "--answers", answers, "--split", "all")
    assert code == 0 and err == ""
    assert out.startswith("chance 50.0%")
    header = next(line for line in out.splitlines() if line.startswith("respondent"))
    for col in ("accuracy", "95% CI", "items", "probes", "ceiling", "normalized", "statuses"):
        assert col in header
    row_a = next(line for line in out.splitlines() if line.startswith("model:a"))
    assert row_a.split()[1] == "85.7%"  # 6 of 7
    row_c = next(line for line in out.splitlines() if line.startswith("model:c"))
    assert "refused 1" in row_c and row_c.split()[1] == "0.0%"


def test_score_json_has_exactly_the_design_keys_first(capsys, files):
    bank, answers = files
    code, out, _ = run(
        capsys, "score", "--bank", bank, "--answers", answers, "--json", "--split", "all"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["chance"] == 0.5
    assert [r["respondent"] for r in doc["respondents"]] == ["model:a", "model:b", "model:c"]
    for r in doc["respondents"]:
        assert list(r)[: len(DESIGN_KEYS)] == DESIGN_KEYS
    a = doc["respondents"][0]
    assert (a["accuracy"], a["n_items"], a["n_probes"]) == (round(6 / 7, 6), 3, 7)
    # ideal: t1 1 1, i1 1 1 0, i2 1 0.5 -> 5.5 / 7
    assert a["ceiling"] == round(5.5 / 7, 6)
    assert a["normalized"] == round((6 / 7 - 0.5) / (5.5 / 7 - 0.5), 6)
    assert doc["respondents"][2]["status_counts"] == {
        "ok": 0,
        "timeout": 0,
        "refused": 1,
        "truncated": 0,
        "empty": 0,
        "invalid": 0,
        "error": 0,
    }
    again = run(capsys, "score", "--bank", bank, "--answers", answers, "--json", "--split", "all")[
        1
    ]
    assert again == out  # fixed seed: byte-identical


def test_score_defaults_to_the_test_split_like_the_results_page(capsys, files):
    """Issue 15 item 10: one default (test items) for score, compare, ablations and Results."""
    from hhvalues.core.scoring import SCORED_SPLITS

    bank, answers = files
    default = run(capsys, "score", "--bank", bank, "--answers", answers, "--json")[1]
    test = run(capsys, "score", "--bank", bank, "--answers", answers, "--json", "--split", "test")
    every = run(capsys, "score", "--bank", bank, "--answers", answers, "--json", "--split", "all")
    assert [s.value for s in SCORED_SPLITS] == ["test"]
    assert default == test[1] and default != every[1]
    a = json.loads(default)["respondents"][0]
    assert (a["respondent"], a["n_items"], a["n_probes"]) == ("model:a", 2, 5)  # i1, i2; no t1
    pair = ["compare", "--bank", bank, "--answers", answers, "--a", "model:a", "--b", "model:b"]
    assert run(capsys, *pair, "--json")[1] == run(capsys, *pair, "--json", "--split", "test")[1]
    assert "--split" in run(capsys, "score", "--help")[1]


def test_score_says_in_one_line_that_it_reads_jsonl_not_an_export_of_another_format(
    capsys, files, tmp_path
):
    """Issue 15 item 10: the CSV export (or the zip bundle, or Parquet) is not answers JSONL."""
    import zipfile

    bank, answers = files
    csv = tmp_path / "answers.csv"
    csv.write_text("respondent,item,epoch,status,choices\nhuman:s/1,i1,0,ok,{}\n")
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("answers.jsonl", answers.read_text())
    parquet = tmp_path / "answers.parquet"
    parquet.write_bytes(b"PAR1" + bytes(range(256)))
    for path, what in ((csv, "a CSV file"), (bundle, "a zip file"), (parquet, "a Parquet file")):
        code, out, err = run(capsys, "score", "--bank", bank, "--answers", path)
        assert code == 2 and out == ""
        assert err.splitlines() == [
            f"error: {path}: this is {what}"
            + (" (the CSV export?)" if what == "a CSV file" else "")
            + (" (the bundle export?)" if what == "a zip file" else "")
            + "; answers are read from JSON Lines: export them with --format jsonl, or give "
            "the answers.jsonl (and models.jsonl) of the bundle"
        ]


def test_score_by_type_split_and_group(capsys, files):
    bank, answers = files
    code, out, _ = run(
        capsys,
        "score",
        "--bank",
        bank,
        "--answers",
        answers,
        "--json",
        "--by",
        "type",
        "--split",
        "test",
        "--group",
        "model",
    )
    assert code == 0
    doc = json.loads(out)
    rows = {(r["respondent"], r["type"]): r["accuracy"] for r in doc["respondents"]}
    assert rows[("model:a", "predict")] == 0.0 and rows[("model:a", "sign")] == 1.0
    assert doc["groups"][0]["respondent"] == "model:*"
    assert doc["groups"][0]["members"] == ["model:a", "model:b", "model:c"]


def test_compare_hand_made_case(capsys, files):
    bank, answers = files
    code, out, _ = run(
        capsys,
        "compare",
        "--bank",
        bank,
        "--answers",
        answers,
        "--a",
        "model:a",
        "--b",
        "model:b",
        "--json",
    )
    assert code == 0
    c = json.loads(out)
    assert c["n_items"] == 2  # t1 only answered by a
    assert (c["accuracy_a"], c["accuracy_b"], c["diff"]) == (0.8, 0.4, 0.4)
    assert (c["ci_low"], c["ci_high"], c["p_value"]) == (round(1 / 3, 6), 0.5, 0.5)
    assert c["mcnemar"] == {"only_a": 2, "only_b": 0, "p_value": 0.5, "n_pairs": 5}
    assert c["error_consistency"]["kappa"] == round(0.16 / 0.56, 6)
    code, text, _ = run(
        capsys, "compare", "--bank", bank, "--answers", answers, "--a", "model:a", "--b", "model:b"
    )
    assert code == 0 and "+40.0 points" in text and "kappa +0.286" in text


def bad_line_cases(tmp_path, bank):
    good = json.dumps(LINES[0])
    cases = {
        "bad JSON": ("{not json", "2: not valid JSON"),
        "unknown item": (
            '{"respondent": "model:a", "item": "zz"}',
            "2: respondent model:a: unknown item 'zz'",
        ),
        "choice C": (
            '{"respondent": "model:a", "item": "i2", "choices": {"p1": "C"}}',
            "2: choice for probe 'p1' must be 'A', 'B' or null, got 'C'",
        ),
        "unknown probe": (
            '{"respondent": "model:a", "item": "i2", "choices": {"p7": "A"}}',
            "2: respondent model:a, item i2: the item has no probe 'p7'",
        ),
        "duplicate": (good, "2: duplicate answer for respondent model:a, item i1, epoch 0"),
        "no kind": (
            '{"respondent": "alice", "item": "i2"}',
            "2: respondent 'alice' is not of the form",
        ),
    }
    for name, (line, msg) in cases.items():
        f = tmp_path / f"{name.replace(' ', '_')}.jsonl"
        f.write_text(good + "\n" + line + "\n")
        yield name, f, f"{f}:{msg}"


@pytest.mark.parametrize("command", ["score", "compare"])
def test_bad_answers_exit_2_with_one_line(capsys, files, tmp_path, command):
    bank, _ = files
    extra = ["--a", "model:a", "--b", "model:b"] if command == "compare" else []
    for name, f, message in bad_line_cases(tmp_path, bank):
        code, out, err = run(capsys, command, "--bank", bank, "--answers", f, *extra)
        assert code == 2, name
        assert out == ""
        assert err.count("\n") == 1 and "Traceback" not in err, name
        assert message in err, (name, err)


def test_missing_files_and_public_bank_exit_2(capsys, files, tmp_path):
    bank, answers = files
    missing = tmp_path / "missing.jsonl"
    code, _, err = run(capsys, "score", "--bank", bank, "--answers", answers, missing)
    assert code == 2 and err == f"error: {missing}: no such file\n"
    code, _, err = run(capsys, "score", "--bank", tmp_path / "nobank.json", "--answers", answers)
    assert code == 2 and "nobank.json" in err and err.count("\n") == 1
    public = tmp_path / "public.json"
    write_bank(publish(tiny_bank(IDEAL)), public)
    code, _, err = run(capsys, "score", "--bank", public, "--answers", answers)
    assert code == 2 and f"{public}: scoring needs the full bank with truth" in err
    code, _, err = run(capsys, "score", "--bank", bank)
    assert code == 2 and "no answers file given" in err
    code, _, err = run(
        capsys, "compare", "--bank", bank, "--answers", answers, "--a", "model:a", "--b", "model:zz"
    )
    assert code == 2 and "no answers from respondent 'model:zz'" in err


def test_subprocess_bad_line_exit_2_no_traceback(files, tmp_path):
    bank, _ = files
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(LINES[0]) + "\n{oops\n")
    proc = subprocess.run(
        [sys.executable, "-m", "hhvalues.cli", "score", "--bank", str(bank), "--answers", str(f)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"error: {f}:2: not valid JSON") and proc.stderr.count("\n") == 1
