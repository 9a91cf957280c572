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


def test_read_only_commands_never_create_a_database(tmp_path, capsys):
    """Issue 15 item 9: `study list` on a database that does not exist says so (exit 2) and
    creates nothing; `study create` makes it and says it is new; each names the database."""
    path = tmp_path / "fresh" / "fresh.db"
    url = f"sqlite:///{path}"
    for argv in (
        ["study", "list"],
        ["user", "list"],
        ["study", "invite", "--name", "x", "--count", "1", "--base-url", "http://h"],
        ["export", "--study", "x", "--out", str(tmp_path / "x.jsonl")],
    ):
        code, out, err = run(capsys, *argv, "--db", url)
        assert code == 2 and out == "", argv
        assert err.strip().splitlines() == [
            f"error: no hhvalues database at {url} (--db); create one with 'hhvalues study "
            "create' or 'hhvalues user add', or name yours with --db URL or HHVALUES_DATABASE_URL"
        ]
        assert not path.exists() and not path.parent.exists()
    code, _, err = run(capsys, "study", "create", "--bank", TINY, "--name", "a", "--db", url)
    assert code == 0 and err.startswith(f"database: {url} (--db), new\n")
    code, out, err = run(capsys, "study", "list", "--db", url)
    assert code == 0 and out.startswith("a\topen") and err == f"database: {url} (--db)\n"


def test_the_default_database_does_not_depend_on_the_current_directory(tmp_path):
    """Run from another folder with no setting, a command uses the project's data directory
    (the app's database too) and leaves no data/ folder behind where it was run."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from hhvalues.settings import Settings
    from hhvalues.ui import backend

    root = Path(__file__).resolve().parents[3]
    env = {k: v for k, v in os.environ.items() if k != "HHVALUES_DATABASE_URL"}
    env["PYTHONPATH"] = str(root)
    result = subprocess.run(
        [sys.executable, "-m", "hhvalues.cli", "study", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    expected = f"sqlite:///{root / 'data' / 'hhvalues.db'} (the project's data directory)"
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()
    assert Settings.from_env({}).database().url == f"sqlite:///{root / 'data' / 'hhvalues.db'}"
    assert backend.database_url() in (
        f"sqlite:///{root / 'data' / 'hhvalues.db'}",
        os.environ.get("HHVALUES_DATABASE_URL"),
    )


def test_an_installed_copy_uses_the_per_user_data_directory(tmp_path):
    from hhvalues.settings import Settings

    site = tmp_path / "site-packages"  # no pyproject.toml or app.py beside the package
    site.mkdir()
    where = Settings.from_env({"HOME": str(tmp_path / "home")}, root=site).database()
    assert (
        where.url == f"sqlite:///{tmp_path / 'home' / '.local' / 'share' / 'hhvalues'}/hhvalues.db"
    )
    assert where.source == "the per-user data directory"
    xdg = Settings.from_env({"XDG_DATA_HOME": str(tmp_path / "xdg")}, root=site).database()
    assert xdg.url == f"sqlite:///{tmp_path / 'xdg' / 'hhvalues' / 'hhvalues.db'}"
    explicit = Settings.from_env({"HHVALUES_DATABASE_URL": "sqlite:////x.db"}, root=site)
    assert explicit.database().source == "HHVALUES_DATABASE_URL"
    assert explicit.database("sqlite:////y.db").source == "--db"


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
    invite = ["study", "invite", "--name", "pilot", "--count", "3", "--base-url", "http://h"]
    assert run(capsys, *invite, "--db", db)[0] == 0
    entries = {e.action: e for e in list_audit(engine)}
    assert {"bank_import", "study_create", "invite"} <= set(entries)
    assert all(entries[a].actor == "cli" for a in ("bank_import", "study_create", "invite"))
    assert entries["invite"].target == "pilot" and entries["invite"].detail == {"count": 3}
    assert entries["study_create"].detail["kind"] == "answer"


def test_invite_needs_the_address_participants_open(db, capsys, monkeypatch):
    """Issue 15 item 12: no silent localhost:8501 links; --base-url, else HHVALUES_BASE_URL."""
    monkeypatch.delenv("HHVALUES_BASE_URL", raising=False)
    assert run(capsys, "study", "create", "--bank", TINY, "--name", "p", "--db", db)[0] == 0
    code, out, err = run(capsys, "study", "invite", "--name", "p", "--count", "2", "--db", db)
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == (
        "error: study invite needs the address participants open: --base-url "
        "https://study.example.org (or set HHVALUES_BASE_URL)"
    )
    monkeypatch.setenv("HHVALUES_BASE_URL", "https://study.example.org:8502/")
    code, out, err = run(capsys, "study", "invite", "--name", "p", "--count", "2", "--db", db)
    assert code == 0 and "links for https://study.example.org:8502 (from HHVALUES_BASE_URL)" in err
    assert all(x.startswith("https://study.example.org:8502/?t=") for x in out.split())
    code, out, err = run(
        capsys,
        "study",
        "invite",
        "--name",
        "p",
        "--count",
        "1",
        "--base-url",
        "http://a:1",
        "--db",
        db,
    )
    assert code == 0 and out.startswith("http://a:1/?t=") and "(from --base-url)" in err


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


def _other_bank(tmp_path):
    """The tiny bank under another name: another content hash, so importing it is a write."""
    doc = json.loads(Path(TINY).read_text())
    doc["name"] = "tiny-other"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.mark.parametrize(
    "extra",
    [
        ["--name", "pilot"],  # the name is taken
        ["--name", "fresh", "--items", "99"],  # the bank has too few test items
        ["--name", "Bad Name"],  # not a study name
    ],
)
def test_a_failed_study_create_writes_nothing(db, engine, capsys, tmp_path, snapshot, extra):
    """Issue 19 item 17: `study create` that exits 2 leaves the database as it was — no bank
    imported, no `bank_import` audit entry (the import and the study are one transaction,
    and the configuration is checked against the bank before the database is opened)."""
    assert run(capsys, "study", "create", "--bank", TINY, "--name", "pilot", "--db", db)[0] == 0
    before = snapshot(engine)
    code, _, err = run(
        capsys, "study", "create", "--bank", _other_bank(tmp_path), *extra, "--db", db
    )
    assert code == 2 and err.strip().splitlines()[-1].startswith("error:"), err
    assert snapshot(engine) == before


def test_a_failed_study_create_starts_no_database(tmp_path, capsys):
    """Issue 19 item 17: a configuration the bank cannot fill is refused before a new
    database file is made."""
    path = tmp_path / "fresh.db"
    code, _, err = run(
        capsys,
        "study",
        "create",
        "--bank",
        TINY,
        "--name",
        "a",
        "--items",
        "99",
        "--db",
        f"sqlite:///{path}",
    )
    assert code == 2 and "test item(s)" in err
    assert not path.exists()


def test_rehearsal_participants_are_left_out_of_results_and_exports(
    db, engine, clock, capsys, tmp_path
):
    """Issue 19 item 14: a participant marked as a rehearsal (what `hhvalues bots` does) is
    not among the humans of the Results, the scores or any export, unless asked for with
    --include-rehearsal (or `rehearsal=True`)."""
    import zipfile

    from hhvalues.store.analysis import study_results
    from hhvalues.store.studies import mark_rehearsal

    assert run(capsys, "study", "create", "--bank", TINY, "--name", "pilot", "--db", db)[0] == 0
    _, out, _ = run(
        capsys,
        "study",
        "invite",
        "--name",
        "pilot",
        "--count",
        "2",
        "--base-url",
        "http://h",
        "--db",
        db,
    )
    person, bot = (x.split("?t=")[1] for x in out.split())
    for token in (person, bot):
        assert _finish_one(engine, token, clock).kind is StepKind.DONE
    assert mark_rehearsal(engine, bot, now=clock, actor="bots")
    assert not mark_rehearsal(engine, "x" * 27, now=clock, actor="bots")

    results = study_results(engine, "pilot", n_boot=100, now=clock)
    assert results.scope.included == 1 and dict(results.scope.left_out) == {"rehearsal": 1}
    assert "1 rehearsal" in results.scope.describe()
    both = study_results(engine, "pilot", n_boot=100, now=clock, rehearsal=True)
    assert both.scope.included == 2

    def export(fmt, *flag):
        path = tmp_path / f"{fmt}{len(flag)}.out"
        assert (
            run(
                capsys,
                "export",
                "--study",
                "pilot",
                "--format",
                fmt,
                "--out",
                str(path),
                *flag,
                "--db",
                db,
            )[0]
            == 0
        )
        return path

    def humans(path):
        return {a.respondent for a in read_answers(path)}

    assert len(humans(export("jsonl"))) == 1
    assert len(humans(export("jsonl", "--include-rehearsal"))) == 2
    with export("csv").open(encoding="utf-8") as fh:
        assert len({r["respondent"] for r in csv.DictReader(fh)}) == 1
    scores = json.loads(export("scores").read_text())
    assert (
        len([r for r in scores["respondents"] if r["respondent"].startswith("human:pilot/")]) == 1
    )
    with zipfile.ZipFile(export("bundle")) as z:
        assert len(z.read("participants.csv").decode().strip().splitlines()) == 1 + 1
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["participants_left_out"] == {"rehearsal": 1}


def test_study_create_sets_code_redirect_consent_contact_and_intake(db, engine, capsys, tmp_path):
    """Issue 19 items 9 and 10: `study create` takes the completion code, redirect URL,
    consent text, contact and intake questions; a bad intake line exits 2 naming file and line."""
    from hhvalues.store.studies import IntakeQuestion, get_study

    consent = tmp_path / "consent.md"
    consent.write_text("You may stop at any time.\n", encoding="utf-8")
    intake = tmp_path / "intake.txt"
    intake.write_text(
        "# asked after consent\ndegree | Highest degree | BSc; PhD\nnote | Notes | | optional\n"
    )
    code, out, err = run(
        capsys,
        "study",
        "create",
        "--bank",
        TINY,
        "--name",
        "pilot",
        "--completion-code",
        "C0DE42",
        "--redirect-url",
        "https://app.prolific.com/submissions/complete?cc=C0DE42",
        "--consent-file",
        str(consent),
        "--decline-code",
        "NOCONSENT",
        "--decline-url",
        "https://x.org/back",
        "--contact",
        "lab@example.org",
        "--intake",
        str(intake),
        "--db",
        db,
    )
    assert code == 0, err
    assert "completion code C0DE42" in out
    cfg = get_study(engine, "pilot").config
    assert cfg.completion_code == "C0DE42" and cfg.contact == "lab@example.org"
    assert (cfg.decline_code, cfg.decline_url) == ("NOCONSENT", "https://x.org/back")
    assert cfg.redirect_url == "https://app.prolific.com/submissions/complete?cc=C0DE42"
    assert cfg.consent_text == "You may stop at any time."
    assert cfg.intake == (
        IntakeQuestion("degree", "Highest degree", ("BSc", "PhD")),
        IntakeQuestion("note", "Notes", (), required=False),
    )
    intake.write_text("degree | Highest degree\nno separator here\n")
    code, _, err = run(
        capsys,
        "study",
        "create",
        "--bank",
        TINY,
        "--name",
        "p2",
        "--intake",
        str(intake),
        "--db",
        db,
    )
    assert code == 2 and err.strip().splitlines()[-1].startswith(f"error: {intake}: line 2")
    code, _, err = run(
        capsys,
        "study",
        "create",
        "--bank",
        TINY,
        "--name",
        "p3",
        "--redirect-url",
        "javascript:x",
        "--db",
        db,
    )
    assert code == 2 and "redirect URL" in err
