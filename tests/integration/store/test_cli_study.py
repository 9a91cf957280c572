import csv
import json
from pathlib import Path

import pytest

from hhvalues.cli import main
from hhvalues.core.answers import read_answers
from hhvalues.store.participation import (
    StepKind,
    acknowledge_feedback,
    consent,
    current_step,
    start_session,
    submit,
)

TINY = "tests/data/examples/tiny_bank.json"


@pytest.fixture
def db(backend, request, engine):
    """The URL of the (migrated, empty) parametrised database, for --db."""
    return engine.url.render_as_string(hide_password=False)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _finish_one(engine, token, clock, *, abandon_last=False):
    consent(engine, token, now=clock)
    start_session(engine, token, now=clock)
    while (step := current_step(engine, token, now=clock)).kind in (
        StepKind.ITEM,
        StepKind.FEEDBACK,
    ):
        if step.kind is StepKind.FEEDBACK:
            acknowledge_feedback(engine, token, step.feedback_item, now=clock)
            continue
        if abandon_last and step.progress.answered == step.progress.total - 1:
            clock.advance(10_000)
            continue
        clock.advance(8)
        submit(
            engine,
            token,
            step.item.item.id,
            choices={p.id: "A" for p in step.item.item.probes},
            now=clock,
        )
    return step


def test_create_invite_list_export_score(db, engine, clock, capsys, tmp_path):
    assert (
        run(
            capsys,
            "study",
            "create",
            "--bank",
            TINY,
            "--name",
            "pilot",
            "--train",
            "1",
            "--catch",
            "1",
            "--item-seconds",
            "60",
            "--db",
            db,
        )[0]
        == 0
    )
    code, out, _ = run(
        capsys,
        "study",
        "invite",
        "--name",
        "pilot",
        "--count",
        "2",
        "--base-url",
        "https://x.org/app/",
        "--db",
        db,
    )
    links = out.split()
    assert (
        code == 0 and len(links) == 2 and all(x.startswith("https://x.org/app/?t=") for x in links)
    )
    tokens = [x.split("?t=")[1] for x in links]
    assert _finish_one(engine, tokens[0], clock).kind is StepKind.DONE
    assert _finish_one(engine, tokens[1], clock, abandon_last=True).timed_out

    code, out, _ = run(capsys, "study", "list", "--db", db)
    assert code == 0 and "pilot" in out and "finished 1" in out and "timed_out 1" in out

    jsonl = tmp_path / "answers.jsonl"
    assert (
        run(
            capsys,
            "export",
            "--study",
            "pilot",
            "--format",
            "jsonl",
            "--out",
            str(jsonl),
            "--db",
            db,
        )[0]
        == 0
    )
    answers = read_answers(jsonl)
    assert len(answers) == 8
    assert {a.status.value for a in answers} == {"ok", "timeout"}
    assert all(a.respondent.startswith("human:pilot/") and a.stimulus for a in answers)

    code, out, err = run(capsys, "score", "--bank", TINY, "--answers", str(jsonl), "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert len(scores["respondents"]) == 2

    csv_path = tmp_path / "answers.csv"
    assert (
        run(
            capsys,
            "export",
            "--study",
            "pilot",
            "--format",
            "csv",
            "--out",
            str(csv_path),
            "--db",
            db,
        )[0]
        == 0
    )
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8 and {"started_at", "submitted_at", "seconds", "fast"} <= set(rows[0])


@pytest.mark.parametrize(
    "argv",
    [
        ["study", "create", "--bank", "missing.json", "--name", "x"],
        ["study", "create", "--bank", TINY, "--name", "Bad Name"],
        ["study", "create", "--bank", TINY, "--name", "x", "--train", "9"],
        ["study", "invite", "--name", "nope", "--count", "1"],
        ["study", "invite", "--name", "x", "--count", "0"],
        ["export", "--study", "nope", "--out", "out.jsonl"],
        ["export", "--study", "x", "--format", "xml", "--out", "out.xml"],
    ],
)
def test_errors_exit_2_with_one_line(db, capsys, argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if "--bank" in argv:
        argv = [
            str(__import__("pathlib").Path(__file__).parents[3] / a) if a == TINY else a
            for a in argv
        ]
    code, _, err = run(capsys, *argv, "--db", db)
    assert code == 2
    assert "Traceback" not in err and err.strip().splitlines()[-1].lower().startswith("error")


def test_duplicate_study_name_exits_2(db, capsys):
    assert run(capsys, "study", "create", "--bank", TINY, "--name", "a", "--db", db)[0] == 0
    code, _, err = run(capsys, "study", "create", "--bank", TINY, "--name", "a", "--db", db)
    assert code == 2 and "already exists" in err


def test_commands_upgrade_an_empty_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, out, _ = run(capsys, "study", "list", "--db", url)
    assert code == 0 and "no studies" in out


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--item-seconds", "2"),
        ("--item-seconds", "3601"),
        ("--session-minutes", "601"),
        ("--session-minutes", "0.5"),
        ("--train", "101"),
        ("--items", "1001"),
        ("--seed", "-1"),
    ],
)
def test_study_options_are_checked_against_the_configs_limits(db, capsys, option, value):
    """The CLI reads STUDY_LIMITS: a study the console could not edit is never made."""
    code, _, err = run(
        capsys, "study", "create", "--bank", TINY, "--name", "x", option, value, "--db", db
    )
    assert code == 2 and "is not in the range" in err
    code, out, _ = run(capsys, "study", "list", "--db", db)
    assert code == 0 and "no studies" in out


def test_cli_made_studies_invites_and_banks_are_audited(db, engine, capsys):
    from hhvalues.store.db import list_audit

    assert run(capsys, "study", "create", "--bank", TINY, "--name", "pilot", "--db", db)[0] == 0
    assert run(capsys, "study", "invite", "--name", "pilot", "--count", "3", "--db", db)[0] == 0
    entries = {e.action: e for e in list_audit(engine)}
    assert {"bank_import", "study_create", "invite"} <= set(entries)
    assert all(entries[a].actor == "cli" for a in ("bank_import", "study_create", "invite"))
    assert entries["invite"].target == "pilot" and entries["invite"].detail == {"count": 3}
    assert entries["study_create"].detail["kind"] == "answer"


def test_study_relink_prints_a_new_link_for_a_pid_and_the_old_one_stops_working(tmp_path, capsys):
    from datetime import UTC, datetime

    from hhvalues.store.db import make_engine
    from hhvalues.store.participation import StepKind, current_step, enrol

    url = f"sqlite:///{tmp_path / 'r.db'}"
    bank = str(Path(__file__).resolve().parents[2] / "data" / "examples" / "tiny_bank.json")
    assert main(["study", "create", "--bank", bank, "--name", "s", "--db", url]) == 0
    engine = make_engine(url)
    now = lambda: datetime.now(UTC)  # noqa: E731
    old = enrol(engine, "s", params={"PROLIFIC_PID": "p-7"}, now=now).token
    capsys.readouterr()
    args = ["study", "relink", "--name", "s", "--pid", "p-7", "--base-url", "https://x.org"]
    assert main([*args, "--db", url]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://x.org/?t=")
    new = link.split("?t=")[1]
    assert current_step(engine, new, now=now).kind is StepKind.CONSENT
    assert current_step(engine, old, now=now).kind is StepKind.INVALID
    assert main(["study", "relink", "--name", "s", "--pid", "nobody", "--db", url]) == 2
    engine.dispose()
