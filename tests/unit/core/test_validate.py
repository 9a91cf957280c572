import copy
import json

import pytest

from hhvalues.core.bank import load_bank, parse_bank
from hhvalues.core.validate import load_valid_bank, loads_valid_bank, validate_bank
from hhvalues.errors import BankError

TINY = "tests/data/examples/tiny_bank.json"


@pytest.fixture()
def doc():
    with open(TINY, encoding="utf-8") as fh:
        return json.load(fh)


def _errors(doc):
    return validate_bank(parse_bank(doc)).errors


def _warnings(doc):
    return validate_bank(parse_bank(doc)).warnings


def test_the_example_bank_is_valid(doc):
    assert _errors(doc) == [] and _warnings(doc) == []


@pytest.mark.parametrize(
    "path, message",
    [
        ("LL", "item i1, demo 1: step 1: L from row 0, column 0 leaves the grid"),
        (
            "RRR",
            "item i1, demo 1: step 3",
        ),  # (0,2) is a puddle; (0,3) café; R from the café continues
        ("DR", "item i1, demo 1: step 2: R from row 1, column 0 leaves the grid or enters a wall"),
        ("D", "item i1, demo 1: path stops after 1 steps"),
    ],
)
def test_bad_demo_paths_name_item_demo_and_step(doc, path, message):
    doc["items"][1]["demos"][0]["path"] = path
    if path == "RRR":
        doc["items"][1]["demos"][0]["path"] = "RRRD"
        message = "item i1, demo 1: path continues past a destination"
    errors = _errors(doc)
    assert any(message in e for e in errors), errors


def test_truth_answer_that_differs_from_the_weights_names_item_and_probe(doc):
    doc["items"][1]["truth"]["answers"]["p2"] = "A"
    assert _errors(doc) == ["item i1, probe p2: truth says A, weights give B"]


def test_a_tie_is_an_error(doc):
    doc["items"][1]["truth"]["weights"]["library"] = -1
    errors = _errors(doc)
    assert any("item i1, probe p2: the truth weights give a tie" in e for e in errors), errors


def test_incomplete_predict_option_is_an_error(doc):
    doc["items"][1]["probes"][2]["options"]["A"] = "D"
    assert any("item i1, probe p3: option A is not a complete path" in e for e in _errors(doc))


def test_unknown_feature_in_probe_is_an_error(doc):
    doc["items"][2]["probes"][0]["feature"] = "volcano"
    assert any("item i2, probe p1: unknown feature 'volcano'" in e for e in _errors(doc))


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format="other/1"), "format must be"),
        (lambda d: d["items"][0].update(split="exam"), "item t1: split must be"),
        (lambda d: d["items"][0]["demos"][0].update(grid=["S?C"] * 2), "unknown symbol"),
        (
            lambda d: d["items"][0]["probes"].append(
                {"id": "p1", "type": "sign", "feature": "cafe"}
            ),
            "item t1: duplicate probe ids",
        ),
        (lambda d: d["items"].append(copy.deepcopy(d["items"][0])), "item t1: duplicate item id"),
        (
            lambda d: d["items"][0]["truth"]["answers"].update(p1="C"),
            "item t1, probe p1: truth answer must be",
        ),
        (
            lambda d: d["items"][0]["truth"]["weights"].pop("cafe"),
            "item t1: truth.weights lack feature(s): cafe",
        ),
        (
            lambda d: d["items"][0]["probes"][0].update(type="guess"),
            "item t1, probe p1: unknown probe type",
        ),
    ],
)
def test_schema_errors_are_located(doc, mutate, message, tmp_path):
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(BankError) as exc:
        load_valid_bank(path)
    assert message in str(exc.value)
    assert str(exc.value).startswith(str(path))


def test_truncated_file_names_the_position(tmp_path):
    path = tmp_path / "cut.json"
    with open(TINY, encoding="utf-8") as fh:
        path.write_text(fh.read()[:300], encoding="utf-8")
    with pytest.raises(BankError, match=r"cut.json: not valid JSON \(line \d+"):
        load_bank(path)


def test_warnings_do_not_refuse_the_bank(doc):
    doc["step_cost"] = -0.5  # terrain at +1/+2 can now be farmed
    doc["items"][1]["truth"]["weights"]["flowers"] = 0.6  # off the prior grid
    warnings = _warnings(doc)
    assert any("farm" in w for w in warnings)
    assert any("not on the prior grid" in w for w in warnings)
    loads_valid_bank(json.dumps(doc))  # no exception


def test_compare_across_kinds_and_small_margin_warn(doc):
    doc["items"][0]["probes"][1]["features"] = ["cafe", "flowers"]
    doc["items"][0]["truth"]["weights"]["flowers"] = 1.8
    warns = _warnings(doc)
    assert any(
        "item t1, probe p2: compares a destination with a terrain feature" in w for w in warns
    )
    assert any("item t1, probe p2: margin 0.2 is below 0.5" in w for w in warns)
