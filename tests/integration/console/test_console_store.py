"""Console store on SQLite and PostgreSQL: accounts, sessions, lockout, audit, exports, bundle."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from hhvalues.cli import main
from hhvalues.core.answers import Answer, Status
from hhvalues.errors import AnswersError
from hhvalues.store.accounts import (
    ACCOUNT_RULE,
    AUDIT_EVERY,
    CLIENT_RULE,
    WRONG,
    AuthError,
    add_user,
    allow_sso,
    check_session,
    issue_handoff,
    list_users,
    login_sso,
    logout,
    redeem_handoff,
    revoke_sso,
    set_disabled,
    set_password,
    throttled_message,
    verify_password,
)
from hhvalues.store.accounts import login as store_login
from hhvalues.store.analysis import monitor, study_results
from hhvalues.store.db import import_bank, list_audit, record_answers, write_session
from hhvalues.store.exports import (
    ExportFormat,
    count_answers,
    neutralise,
    write_answers_csv,
    write_export,
)
from hhvalues.store.participation import StepKind, consent, current_step, start_session, submit
from hhvalues.store.studies import StudyConfig, create_study, edit_study_config, get_study, invite

PW = "correct horse battery"


def test_passwords_are_scrypt_hashed_and_checked(engine, clock):
    add_user(engine, "ada", "admin", PW, now=clock)
    from sqlmodel import select

    from hhvalues.store.db import UserRow, read_session

    with read_session(engine) as s:
        stored = s.exec(select(UserRow.password_hash)).one()
    assert stored.startswith("scrypt$") and PW not in stored
    assert verify_password(PW, stored) and not verify_password(PW + "x", stored)


def login(engine, name, password, *, now, client="10.0.0.1"):
    return store_login(engine, name, password, client=client, now=now)


def _attempt(engine, name, password, clock, client):
    """The answer to one sign-in attempt: "ok" or the error's message."""
    try:
        login(engine, name, password, now=clock, client=client)
    except AuthError as exc:
        return exc.message
    return "ok"


def test_wrong_passwords_slow_the_name_down_and_never_lock_it(engine, clock):
    """Issue 15 item 4: after the free failures each one doubles the wait, up to a minute for
    a name, however many guesses; the right password works as soon as the wait is over."""
    add_user(engine, "rui", "researcher", PW, now=clock)
    for k in range(ACCOUNT_RULE.free):
        assert _attempt(engine, "rui", "nope-nope-nope", clock, f"10.1.0.{k}") == WRONG
    assert _attempt(engine, "rui", "nope-nope-nope", clock, "10.1.1.1") == WRONG
    assert _attempt(engine, "rui", PW, clock, "10.1.1.2") == throttled_message(2)
    clock.advance(2)
    assert _attempt(engine, "rui", PW, clock, "10.1.1.3") == "ok"
    for k in range(60):  # an attacker with many addresses: the name waits at most a minute
        clock.advance(ACCOUNT_RULE.max_delay)
        assert _attempt(engine, "rui", "guess", clock, f"10.2.{k}.1") == WRONG
    info = {u.name: u for u in list_users(engine, now=clock)}["rui"]
    assert info.failed_logins == 60 and info.delayed_until is not None
    assert info.delayed_until == clock() + timedelta(seconds=ACCOUNT_RULE.max_delay)
    assert _attempt(engine, "rui", PW, clock, "10.3.0.1") == throttled_message(60)
    clock.advance(ACCOUNT_RULE.max_delay)
    assert _attempt(engine, "rui", PW, clock, "10.3.0.1") == "ok"


def test_unknown_and_real_names_get_identical_answers(engine, clock):
    """The same guesses on a real and on an unknown name give the same messages, step by step."""
    add_user(engine, "ada", "admin", PW, now=clock)
    seen = {}
    for name in ("ada", "zed"):
        answers = []
        for k in range(ACCOUNT_RULE.free + 3):
            answers.append(_attempt(engine, name, "nope-nope-nope", clock, f"{name}-{k}"))
        answers.append(_attempt(engine, name, PW, clock, f"{name}-last"))
        seen[name] = answers
    assert seen["ada"] == seen["zed"]
    assert seen["zed"][0] == WRONG and seen["zed"][-1] == throttled_message(2)
    set_disabled(engine, "ada", True, now=clock)
    clock.advance(3600)
    assert _attempt(engine, "ada", PW, clock, "x") == _attempt(engine, "zed", PW, clock, "y")


def test_one_client_guessing_many_names_is_slowed_down(engine, clock):
    add_user(engine, "ada", "admin", PW, now=clock)
    for k in range(CLIENT_RULE.free + 1):
        assert _attempt(engine, f"user{k}", "guess", clock, "10.9.9.9") == WRONG
    assert _attempt(engine, "ada", PW, clock, "10.9.9.9") == throttled_message(2)
    assert _attempt(engine, "ada", PW, clock, "10.8.8.8") == "ok"  # another client is not held
    for _ in range(12):  # the client's own wait grows to its cap of 15 minutes
        clock.advance(CLIENT_RULE.max_delay)
        assert _attempt(engine, "nobody", "guess", clock, "10.9.9.9") == WRONG
    assert _attempt(engine, "ada", PW, clock, "10.9.9.9") == throttled_message(900)


def test_failed_sign_ins_are_counted_in_few_audit_rows(engine, clock):
    """Not one row per guess: one ``login_failed`` row per client and AUDIT_EVERY, counting."""
    add_user(engine, "ada", "admin", PW, now=clock)
    for k in range(40):
        clock.advance(1)
        _attempt(engine, f"name{k % 7}", "guess", clock, "10.4.4.4")
    rows = [e for e in list_audit(engine) if e.action == "login_failed"]
    assert len(rows) == 1 and rows[0].detail["attempts"] == 1  # the first is written at once
    clock.advance(AUDIT_EVERY.total_seconds())
    _attempt(engine, "name0", "guess", clock, "10.4.4.4")
    rows = [e for e in list_audit(engine) if e.action == "login_failed"]
    assert len(rows) == 2 and rows[0].detail["attempts"] == 40
    assert rows[0].actor == "client:10.4.4.4" and len(rows[0].detail["names"]) == 5
    _attempt(engine, "ada", "wrong", clock, "10.5.5.5")
    clock.advance(3600)
    assert _attempt(engine, "ada", PW, clock, "10.5.5.5") == "ok"
    actions = [e.action for e in list_audit(engine)]
    assert actions.count("login_failed") == 3 and actions[0] == "login"


def test_keys_with_nothing_to_remember_are_deleted(engine, clock):
    from sqlmodel import select

    from hhvalues.store.db import LoginThrottleRow, read_session

    for k in range(20):
        _attempt(engine, f"made-up-{k}", "guess", clock, f"10.7.0.{k}")
    clock.advance(AUDIT_EVERY.total_seconds() * 200)  # two days on, audited and forgotten
    _attempt(engine, "someone", "guess", clock, "10.7.1.1")
    with read_session(engine) as session:
        keys = set(session.exec(select(LoginThrottleRow.key)).all())
    assert keys == {"client:10.7.1.1", "account:someone"}


def test_an_admin_clears_a_names_delay(engine, clock):
    add_user(engine, "rui", "researcher", PW, now=clock)
    for k in range(ACCOUNT_RULE.free + 2):
        _attempt(engine, "rui", "wrong", clock, f"c{k}")
    assert _attempt(engine, "rui", PW, clock, "c") != "ok"
    set_password(engine, "rui", PW + "!", now=clock)
    assert _attempt(engine, "rui", PW + "!", clock, "c") == "ok"


def test_a_handoff_code_moves_the_session_to_a_new_token_once(engine, clock):
    add_user(engine, "rui", "researcher", PW, now=clock)
    token = login(engine, "rui", PW, now=clock)
    code = issue_handoff(engine, token, now=clock)
    assert code and code != token
    moved = redeem_handoff(engine, code, now=clock)
    assert moved is not None and moved.token != token
    assert check_session(engine, moved.token, now=clock).name == "rui"
    assert check_session(engine, token, now=clock) is None  # the page's token is replaced
    assert redeem_handoff(engine, code, now=clock) is None  # one time only
    late = issue_handoff(engine, moved.token, now=clock)
    clock.advance(61)
    assert redeem_handoff(engine, late, now=clock) is None  # a minute at most
    set_disabled(engine, "rui", True, now=clock)
    assert issue_handoff(engine, moved.token, now=clock) is None


def test_sessions_expire_are_revoked_and_follow_the_account(engine, clock):
    add_user(engine, "rui", "researcher", PW, now=clock)
    token = login(engine, "rui", PW, now=clock)
    assert check_session(engine, token, now=clock).role.value == "researcher"
    assert check_session(engine, "made-up", now=clock) is None
    clock.advance(30 * 60)
    assert check_session(engine, token, now=clock) is not None  # activity refreshes idle time
    set_disabled(engine, "rui", True, now=clock)
    assert check_session(engine, token, now=clock) is None
    with pytest.raises(AuthError):
        login(engine, "rui", PW, now=clock)
    set_disabled(engine, "rui", False, now=clock)
    token = login(engine, "rui", PW, now=clock)
    logout(engine, token, now=clock)
    assert check_session(engine, token, now=clock) is None
    token = login(engine, "rui", PW, now=clock)
    for _ in range(9):  # absolute expiry after SESSION_HOURS, however active
        clock.advance(55 * 60)
        check_session(engine, token, now=clock)
    assert check_session(engine, token, now=clock) is None


def test_sso_identities_need_the_allow_list(engine, clock):
    assert login_sso(engine, "eve@lab.org", now=clock) is None
    allow_sso(engine, "Eve@Lab.org", "admin", now=clock, actor="test")
    token = login_sso(engine, "eve@lab.org", now=clock)
    assert check_session(engine, token, now=clock).role.value == "admin"
    revoke_sso(engine, "eve@lab.org", now=clock, actor="test")
    assert check_session(engine, token, now=clock) is None


def _study(engine, tiny_bank, clock, **cfg):
    with write_session(engine) as session:
        info = import_bank(session, tiny_bank, now=clock)
    create_study(
        engine, slug="s", bank_id=info.id, config=StudyConfig(**cfg), now=clock, actor="test"
    )
    return info


def _finish(engine, token, clock, choice="A"):
    consent(engine, token, now=clock)
    start_session(engine, token, now=clock)
    for _ in range(20):
        step = current_step(engine, token, now=clock)
        if step.kind is not StepKind.ITEM:
            return step
        clock.advance(5)
        submit(
            engine,
            token,
            step.item.item.id,
            choices={p.id: choice for p in step.item.item.probes},
            now=clock,
        )
    raise AssertionError("session did not finish")


@pytest.fixture
def collected(engine, tiny_bank, clock):
    """Two finished participants, one timed out, one who never started, models, a nasty one."""
    info = _study(engine, tiny_bank, clock)
    tokens = invite(engine, "s", 4, now=clock, actor="test")
    _finish(engine, tokens[0], clock, "A")
    _finish(engine, tokens[1], clock, "B")
    consent(engine, tokens[2], now=clock)
    start_session(engine, tokens[2], now=clock)
    current_step(engine, tokens[2], now=clock)
    clock.advance(3 * 3600)  # the session deadline passes: its items become timeouts
    current_step(engine, tokens[2], now=clock)
    models = [
        Answer(
            f"model:p/m/{c}",
            it.id,
            e,
            {p.id: "A" for p in it.probes},
            rationale='=HYPERLINK("http://evil")' if c == "x" else "",
        )
        for c in ("x", "y")
        for e in range(2)
        for it in tiny_bank.items
        if it.split.value in ("test", "catch")
    ]
    with write_session(engine) as session:
        record_answers(session, models, bank_id=info.id, now=clock)
        record_answers(
            session,
            [
                Answer(
                    "model:p/m/nasty",
                    tiny_bank.items[0].id,
                    0,
                    {p.id: "A" for p in tiny_bank.items[0].probes},
                    status=Status.EMPTY,
                    rationale="@SUM(A1)",
                )
            ],
            bank_id=info.id,
            study_id=get_study(engine, "s").id,
            now=clock,
        )
    return tokens


def test_exports_stream_every_row_with_timeouts_and_neutralise_formulas(
    engine, collected, clock, tmp_path
):
    n = count_answers(engine, "s")
    written = write_answers_csv(engine, "s", tmp_path / "a.csv")
    assert written.rows == n
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text())))
    assert len(rows) == n and any(r["status"] == "timeout" for r in rows)
    nasty = [r for r in rows if r["rationale"].startswith("'")]
    assert nasty and nasty[0]["respondent"] == "model:p/m/nasty"
    assert nasty[0]["rationale"] == "'@SUM(A1)"
    # a respondent that could be a formula cannot be stored at all (issue 16: safe ids)
    with pytest.raises(AnswersError, match="starts with '='"), write_session(engine) as session:
        formula = Answer("=cmd|x:-2+3", rows[0]["item"], 0, {}, status=Status.EMPTY)
        record_answers(session, [formula], bank_id=1, now=clock)
    for cell in (v for r in rows for v in r.values()):
        assert cell[:1] not in ("=", "+", "-", "@")
    assert neutralise("=1+1") == "'=1+1" and neutralise("ok") == "ok"
    table = pq.read_table(
        write_export(
            engine, "s", ExportFormat.PARQUET, tmp_path / "a.pq", actor="test", now=clock
        ).path
    )
    assert table.num_rows == n and "timeout" in table.column("status").to_pylist()
    jsonl = write_export(
        engine, "s", ExportFormat.JSONL, tmp_path / "a.jsonl", actor="test", now=clock
    )
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == n == jsonl.rows


def test_bundle_rescores_to_the_results_numbers(
    engine, collected, clock, tmp_path, capsys, monkeypatch
):
    written = write_export(
        engine, "s", ExportFormat.BUNDLE, tmp_path / "b.zip", actor="test", now=clock
    )
    with zipfile.ZipFile(written.path) as zf:
        zf.extractall(tmp_path / "b")
        manifest = json.loads(zf.read("manifest.json"))
        participants = list(csv.DictReader(io.StringIO(zf.read("participants.csv").decode())))
    assert {p["state"] for p in participants} >= {"finished", "timed_out", "invited"}
    assert [p["answers"] for p in participants if p["state"] == "invited"] == ["0"]
    monkeypatch.chdir(tmp_path / "b")
    assert main(manifest["rescore"].split()[1:]) == 0
    rescored = json.loads(capsys.readouterr().out)
    page = study_results(engine, "s")
    from hhvalues.core.scoring import scores_to_json

    assert (
        rescored
        == scores_to_json(page.scores)
        == json.loads((tmp_path / "b" / "scores.json").read_text())
    )
    labels = {r.respondent for r in page.rows}
    assert {"model:p/m/x", "agent:ideal", "agent:random", "agent:heuristic", "human:*"} <= labels


def test_cli_exports_are_audited_with_their_sha256(engine, collected, tmp_path, db_url_of):
    for fmt in ("jsonl", "csv", "parquet", "scores", "items", "bundle"):
        out = tmp_path / f"x.{fmt}"
        assert (
            main(
                [
                    "export",
                    "--study",
                    "s",
                    "--format",
                    fmt,
                    "--out",
                    str(out),
                    "--db",
                    db_url_of(engine),
                ]
            )
            == 0
        )
        import hashlib

        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        assert any(
            e.sha256 == digest and e.detail["format"] == fmt
            for e in list_audit(engine, action="export")
        )


def test_config_edits_freeze_once_a_participant_starts(engine, tiny_bank, clock):
    _study(engine, tiny_bank, clock)
    invite(engine, "s", 1, now=clock, actor="test")
    info, new = edit_study_config(engine, "s", StudyConfig(item_seconds=30), now=clock, actor="t")
    assert (info.config_version, new) == (1, False)
    token = invite(engine, "s", 1, now=clock, actor="test")[0]
    consent(engine, token, now=clock)
    info, new = edit_study_config(engine, "s", StudyConfig(item_seconds=40), now=clock, actor="t")
    assert (info.config_version, new) == (2, True)
    start_session(engine, token, now=clock)
    step = current_step(engine, token, now=clock)
    assert (step.item.deadline_at - step.item.shown_at) == timedelta(seconds=30)


def test_monitor_counts_states_and_rates(engine, collected, clock):
    m = monitor(engine, "s", now=clock)
    assert m.by_state["finished"] == 2 and m.by_state["invited"] == 1
    assert m.by_state["timed_out"] == 1 and len(m.participants) == 4
    assert sum(p.answered for p in m.participants) > 0
    assert m.items_timed_out == 2  # the timed-out session's two items: counted as items


def test_monitor_says_who_timed_out_and_who_is_a_bot(engine, collected, clock):
    """Issue 19 items 13 and 14: the participants table says whose items timed out (the
    counter's items, per participant) and which participants are rehearsal bots."""
    from hhvalues.store.studies import mark_rehearsal

    m = monitor(engine, "s", now=clock)
    late = {p.id: p.timed_out for p in m.participants}
    assert sum(late.values()) == m.items_timed_out == 2
    assert [p.state for p in m.participants if p.timed_out] == ["timed_out"]
    assert not any(p.rehearsal for p in m.participants)
    mark_rehearsal(engine, collected[0], now=clock, actor="bots")
    bots = [p for p in monitor(engine, "s", now=clock).participants if p.rehearsal]
    assert len(bots) == 1 and bots[0].state == "finished"


def test_results_are_of_finished_participants_by_default_and_say_so(engine, collected):
    """Issue 15 item 8: a session that only timed out no longer drags the human group down
    unless asked; the scope says which rows are in."""
    finished = study_results(engine, "s")
    everyone = study_results(engine, "s", finished_only=False)
    humans = [r.respondent for r in finished.rows if r.kind == "human"]
    assert len(humans) == 2
    assert len([r for r in everyone.rows if r.kind == "human"]) == 3
    assert finished.scope.describe() == (
        "Human rows: the 2 participant(s) who finished; 1 left out (1 timed out)."
    )
    assert everyone.scope.describe() == "Human rows: all 3 participant(s) with answers."
    group = {r.kind: r for r in finished.rows}["group"]
    assert group.n == 2 and group.timeout == 0


@pytest.fixture
def db_url_of():
    def url(engine) -> str:
        return engine.url.render_as_string(hide_password=False)

    return url


def test_export_cells_equal_the_stored_values_on_each_backend(
    engine, collected, tiny_bank, clock, tmp_path
):
    """The fast read path (stored JSON text and times, no ORM) writes what the ORM reads."""
    from sqlmodel import select

    from hhvalues.store.db import AnswerRow, read_session

    item = tiny_bank.items[0]
    weights = {f: (-1.5 if k % 2 else 2.0) for k, f in enumerate(reversed(tiny_bank.features.ids))}
    with write_session(engine) as session:  # unsorted keys: the cells must come out sorted
        record_answers(
            session,
            [
                Answer(
                    "human:s/extra",
                    item.id,
                    0,
                    {p.id: "B" for p in reversed(item.probes)},
                    weights,
                    {p.id: 0.75 for p in item.probes},
                    rationale="naïve",
                )
            ],
            bank_id=get_study(engine, "s").bank.id,
            study_id=get_study(engine, "s").id,
            now=clock,
        )

    with read_session(engine) as session:
        stored = {
            (a.respondent, a.item_id, a.epoch): a
            for a in session.exec(
                select(AnswerRow).where(
                    AnswerRow.study_id == get_study(engine, "s").id, AnswerRow.draft.is_(False)
                )
            ).all()
        }  # type: ignore[attr-defined]
    rows = list(
        csv.DictReader(
            io.StringIO(write_answers_csv(engine, "s", tmp_path / "a.csv").path.read_text())
        )
    )
    table = pq.read_table(
        write_export(
            engine, "s", ExportFormat.PARQUET, tmp_path / "a.pq", actor="test", now=clock
        ).path
    )
    assert len(rows) == len(stored) == table.num_rows
    assert any(r["started_at"] for r in rows) and any(r["hypothesis"] for r in rows)

    def js(v):
        return "" if v is None else json.dumps(v, sort_keys=True, ensure_ascii=False)

    for r, p in zip(rows, table.to_pylist(), strict=True):
        a = stored[(r["respondent"].removeprefix("'"), r["item"], int(r["epoch"]))]
        for col in ("choices", "hypothesis", "confidence"):
            assert r[col] == js(getattr(a, col)) == (p[col] or "")
        for col in ("started_at", "submitted_at"):
            t = getattr(a, col)
            assert r[col] == (t.isoformat() if t else "")
            assert p[col] == t
        assert p["fast"] is bool(a.fast) and r["fast"] == str(int(bool(a.fast)))


def test_prefetched_reads_ahead_raises_and_stops_its_reader():
    from hhvalues.store.exports import prefetched

    closed = []

    def chunks(n, fail_at=None):
        try:
            for k in range(n):
                if k == fail_at:
                    raise ValueError("broken chunk")
                yield k
        finally:
            closed.append(n)

    assert list(prefetched(chunks(5))) == [0, 1, 2, 3, 4] and closed == [5]
    with pytest.raises(ValueError, match="broken chunk"):
        list(prefetched(chunks(6, fail_at=3)))
    it = prefetched(chunks(1000))
    assert next(it) == 0
    it.close()  # the consumer gives up: the reader stops and closes the source in its thread
    assert closed[-1] == 1000


def test_reference_agents_are_stored_at_import_and_give_the_same_results(
    engine, collected, tiny_bank
):
    from hhvalues.core.agents import reference_answers
    from hhvalues.store.analysis import build_results, load_study_answers

    data = load_study_answers(engine, "s")
    assert data.agents == reference_answers(tiny_bank)  # stored once, read back exactly
    kinds = {a.respondent for a in data.agents}
    assert kinds == {"agent:random", "agent:heuristic", "agent:ideal"}
    assert not any(a.respondent.startswith("agent:") for a in data.answers)
    stored = study_results(engine, "s", finished_only=False)  # every answer, as below
    fresh = build_results(
        data.bank, data.answers, seconds=data.seconds, catch_exclude=data.config.catch_exclude
    )
    assert stored.rows == fresh.rows and stored.agent_answers == fresh.agent_answers


def test_big_line_exports_split_across_two_processes_write_the_same_bytes(
    engine, collected, clock, tmp_path, monkeypatch
):
    """Above SPLIT_ROWS the later respondents come from a second process, byte for byte."""
    import hhvalues.store.exports.answers as exports

    tmp_path = tmp_path / "out"  # beside nothing else (a SQLite database lives in tmp_path)
    tmp_path.mkdir()
    whole = {
        fmt: write_export(
            engine, "s", fmt, tmp_path / f"whole.{fmt}", actor="test", now=clock
        ).path.read_bytes()
        for fmt in (ExportFormat.CSV, ExportFormat.JSONL)
    }
    monkeypatch.setattr(exports, "SPLIT_ROWS", 1)
    monkeypatch.setattr(exports, "_cpus", lambda: 2)
    first = exports.split_point(engine, "s")
    rows = list(csv.DictReader(io.StringIO(whole[ExportFormat.CSV].decode())))
    respondents = sorted({r["respondent"].removeprefix("'") for r in rows})
    assert first is not None and respondents[0] < first <= respondents[-1]
    for fmt, expected in whole.items():
        written = write_export(engine, "s", fmt, tmp_path / f"split.{fmt}", actor="test", now=clock)
        assert written.path.read_bytes() == expected and written.rows == count_answers(engine, "s")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"whole.{f}" for f in whole] + [f"split.{f}" for f in whole]
    )  # no part file left


def test_a_failing_export_process_leaves_no_file(engine, collected, tmp_path, monkeypatch):
    import hhvalues.store.exports.answers as exports
    from hhvalues.errors import StoreError
    from hhvalues.store.exports import second_half

    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with (
        second_half(engine, "no-such-study", "csv", "m", tmp_path) as rest,
        pytest.raises(StoreError, match=r"second export process failed: .*no-such-study"),
    ):
        rest.append_to(io.StringIO())
    assert list(tmp_path.iterdir()) == []

    def broken(*args, **kwargs):
        raise StoreError("disk full")

    monkeypatch.setattr(exports, "SPLIT_ROWS", 1)
    monkeypatch.setattr(exports, "_cpus", lambda: 2)
    monkeypatch.setitem(exports.BODIES, "csv", broken)  # this process's half fails
    with pytest.raises(StoreError, match="disk full"):
        write_answers_csv(engine, "s", tmp_path / "a.csv")
    assert list(tmp_path.iterdir()) == []  # nor the output, nor its temp file, nor the part


def test_answers_arriving_during_an_export_do_not_fail_it(
    engine, collected, tiny_bank, clock, tmp_path, monkeypatch
):
    """A live study: the export holds one snapshot, so it is complete without the late answer."""
    import hhvalues.store.exports.answers as exports

    original, item, study = exports.iter_answer_rows, tiny_bank.items[0], get_study(engine, "s")

    def with_a_late_answer(engine_, slug, **kw):
        for k, part in enumerate(original(engine_, slug, **(kw | {"chunk": 2}))):
            if k == 0:  # a participant submits while the export is being written
                with write_session(engine) as session:
                    record_answers(
                        session,
                        [
                            Answer(
                                f"human:s/late{count_answers(engine, 's')}",
                                item.id,
                                0,
                                {p.id: "A" for p in item.probes},
                            )
                        ],
                        bank_id=study.bank.id,
                        study_id=study.id,
                        now=clock,
                    )
            yield part

    monkeypatch.setattr(exports, "iter_answer_rows", with_a_late_answer)
    for fmt in (ExportFormat.CSV, ExportFormat.JSONL, ExportFormat.PARQUET):
        before = count_answers(engine, "s")
        written = write_export(engine, "s", fmt, tmp_path / f"live.{fmt}", actor="test", now=clock)
        assert written.rows == before and count_answers(engine, "s") == before + 1
        if fmt is ExportFormat.PARQUET:
            assert pq.read_table(written.path).num_rows == before
        else:
            assert len(written.path.read_text().splitlines()) == before + (fmt is ExportFormat.CSV)
