"""Bytes that a refactor must not change: banks, exports and scores of fixed studies on the demo bank.

One answer study (three participants: one finishes, one lets an item and then the session time
out, one stops half-way; model answers outside the study) and one demonstration study (three
participants walking seeded random walks) are built through the store with an injected clock.
Then every ``hhvalues export`` format, ``hhvalues score --json``, ``hhvalues baseline`` of every
agent, ``hhvalues bank publish``/``info --json`` and ``hhvalues bank from-recordings`` run through
``main(argv)``, and the SHA-256 of each output is compared with the value recorded before the
structure refactor (issue 13). The bundle is compared member by member (a zip stores member
times), its manifest without ``exported_at``.

The values depend on the demo bank: when ``data/banks/demo.json`` or the generator changes on
purpose, print the new values with ``python -m tests.integration.test_golden_outputs`` and
replace :data:`GOLDEN` in the same commit, saying why.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from hhvalues.cli import main
from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import Bank, load_bank
from hhvalues.core.world import MOVES
from hhvalues.store.db import import_bank, make_engine, record_answers, upgrade, write_session
from hhvalues.store.demonstration import (
    DemoConfig,
    acknowledge_practice,
    demo_step,
    demonstrate_config,
    record_move,
)
from hhvalues.store.participation import (
    StepKind,
    acknowledge_feedback,
    consent,
    current_step,
    start_session,
    submit,
)
from hhvalues.store.studies import StudyConfig, StudyKind, create_study, invite

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "banks" / "demo.json"
EXPORTS = ("jsonl", "csv", "parquet", "scores", "items", "bundle")

GOLDEN: dict[str, str] = {
    "demo-bank": "83f4ad308cc4ccaed12a20b990e1af91eda638e1751cac4d2110fc2e0deb357f",
    "export-jsonl": "e4a3261a0a550d8cc79d3b3104322288316846bbe53164102bcac9a2a67e1a64",
    "export-csv": "ab01c0d0d86ce67cd00830b554b86ac6ae4f7efcbe8d5fbe6e0d25a566e3596a",
    "export-parquet": "8f602ed4531ff737df2d47e177a64e3580ee5da292ddc3139df2b30ce0861a7c",
    "export-scores": "191ac84fcd20daf76f3193233bf23a1125e740537143ea5d6d91c85b1d6131f9",
    "export-items": "28985d56a1466f20d57aed1d90ed2044a4bcffb82e3d856890d1a40815a011e6",
    "bundle-README.md": "bae14fe7dda0c8c749c43496fb34d93ccacce83c6b458ea29f4b009b7e70df99",
    "bundle-agents.jsonl": "ec98d85a8593cfd6d21e58f586e8eee5a7aaf3de605697a69941af17ac583007",
    "bundle-answers.jsonl": "e4a3261a0a550d8cc79d3b3104322288316846bbe53164102bcac9a2a67e1a64",
    "bundle-bank.json": "b6ebc04d1919c6cf4747d8835d77d670938a8bca9adcd07968a5048edabf2c3a",
    "bundle-items.csv": "28985d56a1466f20d57aed1d90ed2044a4bcffb82e3d856890d1a40815a011e6",
    "bundle-manifest.json": "d2f769166e8456b707888b79451647b5b0803ec576be16a60559c3a969dabbb5",
    "bundle-models.jsonl": "3cb267a681f237e6fa94892e0e855031c4fdac33b90e7284cf6bf2a1012b25ca",
    "bundle-participants.csv": "329a907b1d97802246525ceed8e05a999adc7c113a5f4e02e251ad929db37ce6",
    "bundle-scores.json": "191ac84fcd20daf76f3193233bf23a1125e740537143ea5d6d91c85b1d6131f9",
    "bundle-study.json": "cca4eff107280129337164c4e66da02ba22505a60e502a02226cadf4145ee929",
    "score-json": "1d5670b24606fed7e6f2463570f6dbf3d087767dac4e2541472da646e8f957e2",
    "score-by-item": "57442cfcef4032cc512a334c6c69395d6b317f5f1ea098d10a08fd0c7c346446",
    "baseline-random": "0d54edee4208c5c12a912553274ff76157a9a60733463751c0c5b85fe275dfbc",
    "baseline-oracle": "4766f2018dfff7b50f23789a2f4dd3e0035de467af07ccb46013c88edf87eec4",
    "baseline-ideal": "8ce2c88c8d12a540465c57da99ab0ac64ef10b4808811f094bd94d37aaacd3ce",
    "baseline-heuristic": "9127f138875826405a5c661598e4acdc208cea219e069f4b5d8899914c7b20cb",
    "bank-publish": "dd6d46bc6d3a268c3f337cb6b8c5da1d4ecce81f34fda007080e1ba567dc0eea",
    "bank-info": "cc21decd914c56b94e33b90abf0bad4493c6f3f6b3d4fb6d07eaefc783c662f7",
    "bank-from-recordings": "c3f0e74e8147d2b46f3b9396cb08e40d9792b9b6afb4dca976f968dee98c9e32",
}


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _answer_study(engine: Engine, bank: Bank, clock: _Clock) -> None:
    with write_session(engine) as session:
        info = import_bank(session, bank, now=clock)
    config = StudyConfig(
        items=6,
        train=1,
        catch=1,
        item_seconds=60,
        session_minutes=5,
        completion_code="GOLDEN01",
        seed=3,
    )
    create_study(engine, slug="golden", bank_id=info.id, config=config, now=clock, actor="test")
    tokens = invite(engine, "golden", 3, now=clock, actor="test")
    rng = np.random.default_rng(7)
    for k, token in enumerate(tokens):
        consent(engine, token, now=clock)
        start_session(engine, token, now=clock)
        answered = 0
        while (step := current_step(engine, token, now=clock)).kind is not StepKind.DONE:
            assert step.kind in (StepKind.ITEM, StepKind.FEEDBACK), step
            assert step.item is not None
            if step.kind is StepKind.FEEDBACK:
                acknowledge_feedback(engine, token, step.item.item.id, now=clock)
                continue
            if k == 2 and answered == 4:  # stops half-way: the rest is never answered
                break
            if k == 1 and answered == 2:  # lets one item time out, then the session
                clock.advance(70)
                continue
            if k == 1 and answered == 4:
                clock.advance(400)
                continue
            clock.advance(2 if answered == 1 else 11 + 3 * k)
            choices = {p.id: str(rng.choice(["A", "B"])) for p in step.item.item.probes}
            submit(engine, token, step.item.item.id, choices=choices, now=clock)
            answered += 1
    model = tuple(
        Answer(
            f"model:golden/m{j}/direct",
            item.id,
            0,
            {p.id: ("A" if (i + j) % 3 else "B") for p in item.probes},
            None,
            None,
            Status.REFUSED if (i + j) % 7 == 0 else Status.OK,
            "because",
            None,
            {"seconds": 1.5 + i},
        )
        for j in range(2)
        for i, item in enumerate(bank.items)
    )
    with write_session(engine) as session:
        record_answers(session, model, bank_id=info.id, now=clock)


def _demonstration_study(engine: Engine, bank: Bank, clock: _Clock) -> None:
    with write_session(engine) as session:
        info = import_bank(session, bank, now=clock)
    config = demonstrate_config(
        StudyConfig(completion_code="WALK0001", seed=5),
        DemoConfig(practice=1, worlds=3, instruction="balanced"),
    )
    create_study(
        engine,
        slug="walkers",
        bank_id=info.id,
        config=config,
        now=clock,
        kind=StudyKind.DEMONSTRATE,
        actor="test",
    )
    rng = np.random.default_rng(11)
    for token in invite(engine, "walkers", 3, now=clock, actor="test"):
        consent(engine, token, now=clock)
        start_session(engine, token, now=clock)
        while (step := demo_step(engine, token, now=clock)).walk is not None:
            walk = step.walk
            if walk.ended:
                acknowledge_practice(engine, token, walk.id, now=clock)
                continue
            while not walk.ended:
                clock.advance(0.5)
                move = MOVES[int(rng.integers(4))]
                walk = record_move(engine, token, walk.id, walk.n_moves, move, now=clock).walk


def _run(argv: list[str]) -> bytes:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(argv)
    assert code == 0, (argv, code)
    return out.getvalue().encode("utf-8")


def golden_outputs(tmp: Path) -> dict[str, str]:
    """SHA-256 of every output, by name."""
    bank = load_bank(DEMO)
    url = f"sqlite:///{tmp / 'golden.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        clock = _Clock()
        _answer_study(engine, bank, clock)
        _demonstration_study(engine, bank, clock)
    finally:
        engine.dispose()
    hashes: dict[str, str] = {"demo-bank": bank.content_hash}
    for fmt in EXPORTS:
        out = tmp / f"export.{fmt}"
        _run(["export", "--study", "golden", "--format", fmt, "--out", str(out), "--db", url])
        if fmt != "bundle":
            hashes[f"export-{fmt}"] = _sha(out.read_bytes())
            continue
        with zipfile.ZipFile(out) as zf:
            for name in sorted(zf.namelist()):
                data = zf.read(name)
                if name == "manifest.json":
                    doc = json.loads(data)
                    doc.pop("exported_at")
                    data = json.dumps(doc, sort_keys=True).encode()
                hashes[f"bundle-{name}"] = _sha(data)
    models = tmp / "models.jsonl"
    with zipfile.ZipFile(tmp / "export.bundle") as zf:
        models.write_bytes(zf.read("models.jsonl"))
    hashes["score-json"] = _sha(
        _run(
            [
                "score",
                "--bank",
                str(DEMO),
                "--answers",
                str(tmp / "export.jsonl"),
                str(models),
                "--json",
                "--group",
                "human",
                "--n-boot",
                "300",
            ]
        )
    )
    hashes["score-by-item"] = _sha(
        _run(
            [
                "score",
                "--bank",
                str(DEMO),
                "--answers",
                str(tmp / "export.jsonl"),
                "--by",
                "item",
                "--n-boot",
                "200",
            ]
        )
    )
    for agent in ("random", "oracle", "ideal", "heuristic"):
        out = tmp / f"{agent}.jsonl"
        _run(["baseline", "--bank", str(DEMO), "--agent", agent, "--out", str(out)])
        hashes[f"baseline-{agent}"] = _sha(out.read_bytes())
    public = tmp / "public.json"
    _run(["bank", "publish", str(DEMO), "--out", str(public)])
    hashes["bank-publish"] = _sha(public.read_bytes())
    hashes["bank-info"] = _sha(_run(["bank", "info", str(DEMO), "--json"]))
    recorded = tmp / "recorded.json"
    _run(["bank", "from-recordings", "--study", "walkers", "--out", str(recorded), "--db", url])
    hashes["bank-from-recordings"] = _sha(recorded.read_bytes())
    return hashes


def test_outputs_are_byte_identical_to_the_recorded_ones(tmp_path: Path) -> None:
    got = golden_outputs(tmp_path)
    assert got["demo-bank"] == GOLDEN["demo-bank"], (
        "data/banks/demo.json changed: the golden values were recorded on another demo bank; "
        "regenerate them (see the module docstring)"
    )
    changed = {k: v for k, v in got.items() if GOLDEN.get(k) != v}
    missing = sorted(set(GOLDEN) - set(got))
    assert not changed and not missing, (changed, missing)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        values = golden_outputs(Path(d))
    sys.stdout.write("GOLDEN: dict[str, str] = {\n")
    for k, v in values.items():
        sys.stdout.write(f"    {json.dumps(k)}: {json.dumps(v)},\n")
    sys.stdout.write("}\n")
