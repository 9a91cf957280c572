import json
import os

import pytest

from hhvalues.core.bank import (
    BANK_FORMAT,
    Model,
    Planner,
    dumps_bank,
    load_bank,
    loads_bank,
    publish,
    write_bank,
)
from hhvalues.errors import BankError

TINY = "tests/data/examples/tiny_bank.json"


def test_example_bank_loads_with_its_documented_fields():
    bank = load_bank(TINY)
    assert bank.name == "tiny" and bank.features.ids == ("flowers", "puddle", "cafe", "library")
    assert bank.model.planner is Planner.HARD and bank.model.horizon == 12
    assert [it.split.value for it in bank.items] == ["train", "test", "test", "catch"]
    assert bank.item("i1").probe("p3").options == ("DD", "RRR")


def test_round_trip_keeps_the_content_hash(tmp_path):
    bank = load_bank(TINY)
    out = tmp_path / "copy.json"
    write_bank(bank, out)
    again = load_bank(out)
    assert again.content_hash == bank.content_hash
    assert dumps_bank(again) == out.read_text(encoding="utf-8")


def _doc():
    with open(TINY, encoding="utf-8") as fh:
        return json.load(fh)


def test_hash_changes_with_any_content():
    doc = _doc()
    h1 = loads_bank(json.dumps(doc)).content_hash
    assert loads_bank(json.dumps(doc, indent=4)).content_hash == h1  # layout is not content
    doc["items"][0]["truth"]["rationality"] = 4
    assert loads_bank(json.dumps(doc)).content_hash != h1


def test_publish_strips_every_truth(tmp_path):
    public = publish(load_bank(TINY))
    out = tmp_path / "public.json"
    write_bank(public, out)
    text = out.read_text(encoding="utf-8")
    assert '"truth"' not in text and '"answers"' not in text and '"weights"' not in text
    reloaded = load_bank(out)
    assert not reloaded.has_truth and reloaded.content_hash != load_bank(TINY).content_hash


def test_missing_model_gets_documented_defaults():
    doc = _doc()
    del doc["model"]
    assert loads_bank(json.dumps(doc)).model == Model()


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    out = tmp_path / "bank.json"
    out.write_text("old", encoding="utf-8")
    bank = load_bank(TINY)

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_bank(bank, out)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["bank.json"]  # no temp file left


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "bank must be a JSON object"),
        ('{"format": "x"}', "format must be"),
        (
            json.dumps(
                {
                    "format": BANK_FORMAT,
                    "name": "n",
                    "version": "1",
                    "features": [],
                    "items": [],
                    "step_cost": -1,
                }
            ),
            "at least one feature",
        ),
        (
            json.dumps(
                {
                    "format": BANK_FORMAT,
                    "name": "n",
                    "version": "1",
                    "features": [],
                    "items": [],
                    "step_cost": "cheap",
                }
            ),
            "'step_cost' must be a number",
        ),
    ],
)
def test_malformed_documents(text, message):
    with pytest.raises(BankError, match=message):
        loads_bank(text, source="upload.json")


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(BankError, match="no such file"):
        load_bank(tmp_path / "nope.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BankError, match=r"bin\.json: cannot read"):
        load_bank(binary)
