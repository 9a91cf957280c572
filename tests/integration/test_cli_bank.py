import json
import subprocess
import sys
from pathlib import Path

import pytest

from hhvalues.cli import main
from hhvalues.core.answers import read_answers
from hhvalues.core.bank import load_bank

TINY = "tests/data/examples/tiny_bank.json"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_generate_is_byte_identical_for_the_same_arguments(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    args = ["bank", "generate", "--seed", "9", "--items", "6", "--train", "2", "--catch", "1"]
    assert run(capsys, *args, "--out", str(a))[0] == 0
    assert run(capsys, *args, "--out", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes()
    bank = load_bank(a)
    assert [it.split.value for it in bank.items].count("catch") == 1


def test_validate_reports_every_error_with_item_and_probe(tmp_path, capsys):
    with open(TINY, encoding="utf-8") as fh:
        doc = json.load(fh)
    doc["items"][1]["truth"]["answers"]["p2"] = "A"
    doc["items"][2]["demos"][0]["path"] = "RRRR"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "bank", "validate", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert f"error: {bad}: item i1, probe p2: truth says A, weights give B" in lines
    assert any(line.startswith(f"error: {bad}: item i2, demo 1:") for line in lines)
    assert "Traceback" not in err


def test_validate_ok_info_and_publish(tmp_path, capsys):
    code, out, _ = run(capsys, "bank", "validate", TINY)
    assert code == 0 and "valid (4 items" in out
    code, out, _ = run(capsys, "bank", "info", TINY, "--json")
    info = json.loads(out)
    assert info["items"] == {"train": 1, "test": 2, "catch": 1}
    assert info["content_hash"] == load_bank(TINY).content_hash
    public = tmp_path / "public.json"
    assert run(capsys, "bank", "publish", TINY, "--out", str(public))[0] == 0
    assert not load_bank(public).has_truth
    code, out, _ = run(capsys, "bank", "info", str(public))
    assert code == 0 and "absent (public copy)" in out


@pytest.mark.parametrize("agent", ["random", "oracle", "ideal", "heuristic"])
def test_baseline_writes_answers_for_test_and_catch_items(tmp_path, capsys, agent):
    out = tmp_path / f"{agent}.jsonl"
    assert run(capsys, "baseline", "--bank", TINY, "--agent", agent, "--out", str(out))[0] == 0
    answers = read_answers(out)
    assert [a.item for a in answers] == ["i1", "i2", "c1"]
    assert {a.respondent for a in answers} == {f"agent:{agent}"}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bank", "validate", "missing.json"], "error: missing.json: no such file"),
        (["bank", "info", "missing.json"], "error: missing.json: no such file"),
        (
            ["bank", "generate", "--seed", "1", "--items", "0", "--out", "x.json"],
            "error: item counts",
        ),
        (
            ["baseline", "--bank", TINY, "--agent", "psychic", "--out", "x.jsonl"],
            "Invalid value for '--agent'",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch, argv, message):
    if "missing" not in " ".join(argv):
        monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_publish_of_a_bad_bank_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "hhvalues-bank/1", "items": [', encoding="utf-8")
    out = tmp_path / "public.json"
    code, _, err = run(capsys, "bank", "publish", str(bad), "--out", str(out))
    assert code == 2 and "not valid JSON" in err and not out.exists()


def test_console_script_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "hhvalues.cli", "bank", "validate", str(tmp_path / "no.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path / 'no.json'}: no such file"


DEMO = "data/banks/demo.json"


def test_audit_prints_the_report_and_json_carries_every_figure(capsys):
    code, out, err = run(capsys, "bank", "audit", DEMO)
    assert code == 0 and "Traceback" not in err
    assert (
        "ideal expected" in out and "best heuristic" in out and "goals of a generated bank" in out
    )
    for kind in ("sign", "compare", "predict"):
        assert any(line.startswith(kind) for line in out.splitlines())
    code, out, _ = run(capsys, "bank", "audit", DEMO, "--json")
    report = json.loads(out)
    assert report["format"] == "hhvalues-bank/2" and report["n_items"] == 24
    overall = next(g for g in report["groups"] if g["kind"] == g["third"] == "all")
    assert set(overall["heuristics"]) >= {
        "visited",
        "shorter",
        "avoid_terrain",
        "nearest",
        "resemble",
    }
    assert {"expected", "realised", "calibration_z", "share_a", "longer_right"} <= set(overall)
    assert {"info_bits", "not_shortest_to_nearest"} <= set(report["walks"])


@pytest.mark.parametrize("case", ["missing", "not json", "public", "bad model"])
def test_audit_bad_input_is_one_line_and_exit_2(tmp_path, capsys, case):
    path = tmp_path / "bank.json"
    if case == "not json":
        path.write_text('{"format": "hhvalues-bank/2", "items": [', encoding="utf-8")
    elif case == "public":
        assert run(capsys, "bank", "publish", DEMO, "--out", str(path))[0] == 0
    elif case == "bad model":
        doc = json.loads(Path(DEMO).read_text(encoding="utf-8"))
        del doc["model"]["weight_levels"]["gym"]
        path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capsys, "bank", "audit", str(path))
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in err
    if case == "bad model":
        assert "model.weight_levels has no levels for feature 'gym'" in lines[0]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["model"].__setitem__("weight_levels", [-1, 1]), "must map every feature id"),
        (lambda d: d["model"]["weight_levels"].__setitem__("mud", [-1]), "unknown feature 'mud'"),
        (lambda d: d["model"]["weight_levels"].__setitem__("gym", [1, 1]), "repeats a level"),
        (lambda d: d["model"].__setitem__("design", "by hand"), "model.design must be an object"),
        (lambda d: d.pop("model"), "'model' must be an object (format 2 requires it)"),
    ],
)
def test_validate_checks_the_format_2_model(tmp_path, capsys, edit, message):
    doc = json.loads(Path(DEMO).read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "bank", "validate", str(path))
    assert code == 2 and message in err and "Traceback" not in err


def test_validate_warns_about_farmable_terrain_in_format_2(tmp_path, capsys):
    doc = json.loads(Path(DEMO).read_text(encoding="utf-8"))
    doc["model"]["weight_levels"]["puddle"] = [0, 1]
    # a new prior changes what the prior alone answers: the edited bank no longer claims the
    # items v3 rules (validate holds a bank that declares them to them)
    del doc["model"]["design"]["rules"]
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capsys, "bank", "validate", str(path))
    assert code == 0 and "reward on a terrain feature" in err


def test_bank_info_names_features_by_their_labels(capsys):
    """Issue 19 item 20: `bank info` printed ids ("cafe", "flowers") where participants read
    labels ("café", "flower beds")."""
    code, out, _ = run(capsys, "bank", "info", TINY)
    assert code == 0
    levels = next(line for line in out.splitlines() if line.startswith("levels"))
    assert "flower beds [" in levels and "café [" in levels
    assert "flowers [" not in levels and "cafe [" not in levels
