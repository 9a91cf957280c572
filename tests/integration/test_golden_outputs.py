"""Bytes that a refactor must not change: banks, exports and scores of fixed studies on the demo bank.

One answer study (three participants: one finishes, one lets an item and then the session time
out, one stops half-way, its items recorded as timeouts by the app's sweep an hour later — every
export records what is due, so the export, at today's time, would; model answers outside the
study) and one demonstration study (three
participants walking seeded random walks) are built through the store with an injected clock.
Then every ``hhvalues export`` format, ``hhvalues score --json``, ``hhvalues baseline`` of every
agent, ``hhvalues bank publish``/``info --json`` and ``hhvalues bank from-recordings`` run through
``main(argv)``, and the SHA-256 of each output is compared with recorded values: on the format 1
demo bank of tests/data/compat, those recorded before the structure refactor (issue 13) and the
format 2 banks (issue 12), :data:`GOLDEN_V1`; on today's demo bank, :data:`GOLDEN`. The bundle is
compared member by member (a zip stores member times), its manifest without ``exported_at``.

:data:`GOLDEN_V1` changed four times, each time only where an output changed on purpose:
issue 14 added ``n_unanswered`` to the scores; the ideal agent's confidences are rounded to 6
decimals like its hypothesis (``baseline-ideal``, the bundle's ``agents.jsonl`` and manifest),
since their last bits differed between numpy builds; and issue 14's page shows other pictures
and words (maps with one legend, route descriptions of predict options), so each answer's
``stimulus`` hash moved (the answer exports, the bundle's answers and manifest; no score);
issue 19 added the study configuration's ``contact``, ``decline_code`` and ``decline_url`` fields (the bundle's study.json and manifest)
and made the bundle's README cite docs/formats.md instead of notes outside the repository.

:data:`GOLDEN` depends on the demo bank: when ``data/banks/demo.json`` or the generator changes on
purpose, print the new values with ``python -m tests.integration.test_golden_outputs`` and
replace it in the same commit, saying why. :data:`GOLDEN_V1` changes only with an output format.
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
    sweep_timeouts,
)
from hhvalues.store.studies import StudyConfig, StudyKind, create_study, invite

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "banks" / "demo.json"
V1_DEMO = ROOT / "tests" / "data" / "compat" / "demo-v1.json"
EXPORTS = ("jsonl", "csv", "parquet", "scores", "items", "bundle")
EVERY_SPLIT = ("--split", "all")
"""The score outputs were recorded when ``score`` scored every split by default (the test
split since issue 15): the golden runs ask for every split by name, so the bytes stand."""

GOLDEN_V1: dict[str, str] = {
    "demo-bank": "83f4ad308cc4ccaed12a20b990e1af91eda638e1751cac4d2110fc2e0deb357f",
    "export-jsonl": "7b6e3fc65448f94adc83c5f9c4d8fdb2f7e4a70504df910ffa246082fee8d409",
    "export-csv": "6e4edb24c9bbea494d9c91e72f98bc7af6dae3e547da14133a26d53e63782a65",
    "export-parquet": "5d1f6601f4ef75e78801a8e5682e09c233e2f697aa6c509a9705b695adb70220",
    "export-scores": "e6237168d79f57ff9c9a5d898a8d1467e4b9e892176f1a71cb7f0bdf6d6a4ce5",
    "export-items": "2b9091d466de6f5a60a0e002d3d42bdf11b543acf03103fc1b039bcc3aa22470",
    "bundle-README.md": "ec635d27e9671fdd7780d70b607cf8657c651e8b70a8ed50838f68a073b40d38",
    "bundle-agents.jsonl": "c7b2320ac070df476369a337dd229147d0b8e4c115e335b0afc0d6ae5f0450c8",
    "bundle-answers-scored.jsonl": "0b4a0c47a6c4b4b136098d6d274d497f4b9429f1d4ca2c1a2e65cb85a2322e00",
    "bundle-answers.jsonl": "7b6e3fc65448f94adc83c5f9c4d8fdb2f7e4a70504df910ffa246082fee8d409",
    "bundle-bank.json": "b6ebc04d1919c6cf4747d8835d77d670938a8bca9adcd07968a5048edabf2c3a",
    "bundle-items.csv": "2b9091d466de6f5a60a0e002d3d42bdf11b543acf03103fc1b039bcc3aa22470",
    "bundle-manifest.json": "2ec5dcd21bacfbed029e798d5b0f0941b808ef313cd8c41af59cec54bc6e0f40",
    "bundle-models.jsonl": "3cb267a681f237e6fa94892e0e855031c4fdac33b90e7284cf6bf2a1012b25ca",
    "bundle-participants.csv": "4f521c4873b0858e6b4b36f26fe8a49842e6d9bc1d32890f8398bb29f6b1b7dc",
    "bundle-scores.json": "e6237168d79f57ff9c9a5d898a8d1467e4b9e892176f1a71cb7f0bdf6d6a4ce5",
    "bundle-study.json": "8ce958288829a23afe35d94aa24d789a98124a1f68571d924fa086aab6612039",
    "score-json": "81ac869333437ea980caae9187e5912613929ea7e67d1d9777ad0f872d0dd49b",
    "score-by-item": "c255235dddbd2bb475b982aac015bf232c9d0746fe7f096893e6965a7158ab07",
    "baseline-random": "0d54edee4208c5c12a912553274ff76157a9a60733463751c0c5b85fe275dfbc",
    "baseline-oracle": "4766f2018dfff7b50f23789a2f4dd3e0035de467af07ccb46013c88edf87eec4",
    "baseline-ideal": "f0def3d4af2c4b7ca0c35f10daf9f33a9c273ec04a152c955aa96406d9521d82",
    "baseline-heuristic": "9127f138875826405a5c661598e4acdc208cea219e069f4b5d8899914c7b20cb",
    "bank-publish": "dd6d46bc6d3a268c3f337cb6b8c5da1d4ecce81f34fda007080e1ba567dc0eea",
    "bank-info": "cc21decd914c56b94e33b90abf0bad4493c6f3f6b3d4fb6d07eaefc783c662f7",
}
"""Recorded before issues 12 and 13 on the demo bank of that time, kept in tests/data/compat as a
format 1 bank: the same code must still give these bytes (``bank from-recordings`` is left out:
recorded banks are format 2 now, on purpose).
Changed on purpose once since (issue 15, item 8): the scores and item-table exports and the
bundle's scores.json, items.csv, README.md and manifest.json are of the participants who
finished (the Results page's default), and the bundle gained answers-scored.jsonl; every other
value is the one recorded before issues 12 and 13. And once more (issue 16, item 5): the
participant who stopped half-way has its four unanswered items recorded as timeouts when the
study is read (20 → 24 answers), so the answer exports, the scores and the bundle's participants
changed; banks, baselines and recordings did not. And once more (issue 14, item 3): every score
row gains ``n_unanswered`` (questions left without a choice in ok and timeout answers; the
``score`` table's statuses column says ``unanswered N``) and the bundle's README says that
timeouts are graded on what was selected, so the scores (``export --format scores``, the
bundle's scores.json, ``score --json``, ``score --by item``), the bundle's README.md and its
manifest (their hashes) changed; no accuracy moved: the golden study's timeouts hold nothing
selected, and the answer exports are the same bytes.
"""

GOLDEN: dict[str, str] = {
    "demo-bank": "bd2895e0659e5e3a6576e294f8b81ecf0723efaf1974a43c5171cc5c45245bda",
    "export-jsonl": "c6c0e4fe097f00bff418b69520ecfa8a318636493723b94eccf1d59de8a00b65",
    "export-csv": "1e1e41cf3439e56501cc247ec4dcece4908f380a05ad7303d24d95ecdfd4ca11",
    "export-parquet": "d2c97d0ce980c1e3e07f24514c0c512ea1f357e80feb253911d43de6a6fa19e9",
    "export-scores": "f746fb2eb59f14b34154edf0e0e254150e6cd64295270930622abf5e1dbca020",
    "export-items": "90cd759a458ffddd6f28f028310a4dedd3881a35ee983860b701fedf72336a7c",
    "bundle-README.md": "ec635d27e9671fdd7780d70b607cf8657c651e8b70a8ed50838f68a073b40d38",
    "bundle-agents.jsonl": "269b0491b5cbca87a9ad92f2960466bc11f54f3b67b37f0de3cd5bacf1e6e14b",
    "bundle-answers-scored.jsonl": "7a6b6b2fdb198ff370166297a7743e7bcdca2733afb4e83c5648bc73007de2fd",
    "bundle-answers.jsonl": "c6c0e4fe097f00bff418b69520ecfa8a318636493723b94eccf1d59de8a00b65",
    "bundle-bank.json": "999bac5d8b5dcd3531e5f307af66fd828e6fd7e127d6a7cb283f9cfb3b68a4d8",
    "bundle-items.csv": "90cd759a458ffddd6f28f028310a4dedd3881a35ee983860b701fedf72336a7c",
    "bundle-manifest.json": "e17ff1715af1ac05ac9c556679ecf90b628f981ed60fbdb70e8fc5e78448f317",
    "bundle-models.jsonl": "a9ef4c8aba911ef3c9b5c4ae1f16d1d3fc38d268fc7a16f7337e3c8b6533c92e",
    "bundle-participants.csv": "75d988fd3b3acfeaa6b6b94d680b555edfa86d755243f9347595d84f1823c8d7",
    "bundle-scores.json": "f746fb2eb59f14b34154edf0e0e254150e6cd64295270930622abf5e1dbca020",
    "bundle-study.json": "8ce958288829a23afe35d94aa24d789a98124a1f68571d924fa086aab6612039",
    "score-json": "95d992cc42c5fd7452206440a9f217e6e0de676135ba04a15ae6a1ef82d977ca",
    "score-by-item": "11d4b13a025c0f2da37c6e7c5cac0fbd1edc6536b7630563f2da81e14ae50dff",
    "baseline-random": "6b5d6370d54c481018c264998a5b23723302740cdd815e6b51e11ecd784741ee",
    "baseline-oracle": "9aa29b34c9ae19e61c0fafb394eb533d980af05673c26f470d2975515572564a",
    "baseline-ideal": "158ffcf291331dbfee00f5367ad96c8c9613589cd616c507402d0cd626f39d80",
    "baseline-heuristic": "8b613cc75a8e32fb22a0792204f72decebc1f1cdc1a0ea02b60e95d904890d2a",
    "bank-publish": "a15be8498b59b8049cfcff9dd28f635db8ab0ee50fa85d55b12fdebbe93d7692",
    "bank-info": "15e3d590a9ee6ecad9a7196928d61dc14360149b465b9dfd32d99839f7a2175b",
    "bank-from-recordings": "3be61cf2c842a633d114236c0cd03c8f45115f6afca485dc8f4a5df1a3a31f46",
}
"""The same outputs on today's demo bank (format 2); changed by issue 14 item 3 as
:data:`GOLDEN_V1` (``n_unanswered`` in the scores and the score table, the bundle's README and
manifest)."""


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


def golden_outputs(tmp: Path, bank_path: Path = DEMO) -> dict[str, str]:
    """SHA-256 of every output, by name."""
    bank = load_bank(bank_path)
    url = f"sqlite:///{tmp / 'golden.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        clock = _Clock()
        _answer_study(engine, bank, clock)
        _demonstration_study(engine, bank, clock)
        clock.advance(3600)  # an hour later the app's sweep records what came due meanwhile
        sweep_timeouts(engine, now=clock)
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
                str(bank_path),
                "--answers",
                str(tmp / "export.jsonl"),
                str(models),
                "--json",
                "--group",
                "human",
                "--n-boot",
                "300",
                *EVERY_SPLIT,
            ]
        )
    )
    hashes["score-by-item"] = _sha(
        _run(
            [
                "score",
                "--bank",
                str(bank_path),
                "--answers",
                str(tmp / "export.jsonl"),
                "--by",
                "item",
                "--n-boot",
                "200",
                *EVERY_SPLIT,
            ]
        )
    )
    for agent in ("random", "oracle", "ideal", "heuristic"):
        out = tmp / f"{agent}.jsonl"
        _run(["baseline", "--bank", str(bank_path), "--agent", agent, "--out", str(out)])
        hashes[f"baseline-{agent}"] = _sha(out.read_bytes())
    public = tmp / "public.json"
    _run(["bank", "publish", str(bank_path), "--out", str(public)])
    hashes["bank-publish"] = _sha(public.read_bytes())
    hashes["bank-info"] = _sha(_run(["bank", "info", str(bank_path), "--json"]))
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


def test_a_format_1_bank_gives_the_bytes_recorded_before_format_2(tmp_path: Path) -> None:
    got = golden_outputs(tmp_path, V1_DEMO)
    changed = {k: v for k, v in got.items() if k in GOLDEN_V1 and GOLDEN_V1[k] != v}
    missing = sorted(set(GOLDEN_V1) - set(got))
    assert not changed and not missing, (changed, missing)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        values = golden_outputs(Path(d))
    sys.stdout.write("GOLDEN: dict[str, str] = {\n")  # today's demo bank
    for k, v in values.items():
        sys.stdout.write(f"    {json.dumps(k)}: {json.dumps(v)},\n")
    sys.stdout.write("}\n")
