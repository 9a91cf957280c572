"""``hhvalues bots``: simulated participants through a real app subprocess (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hhvalues.cli import main
from tests.browser.harness import DEMO_BANK, free_port, make_study


def _store_answers(database_url: str) -> dict[int, dict[str, Any]]:
    from hhvalues.store.db import AnswerRow, ParticipantRow, RehearsalRow, make_engine, read_session

    engine = make_engine(database_url)
    try:
        with read_session(engine) as s:
            out: dict[int, dict[str, Any]] = {}
            for p in s.exec(select(ParticipantRow)).all():
                rows = s.exec(select(AnswerRow).where(AnswerRow.participant_id == p.id)).all()
                out[p.id or 0] = {
                    "state": p.state,
                    "rehearsal": s.exec(
                        select(RehearsalRow).where(RehearsalRow.participant_id == p.id)
                    ).first()
                    is not None,
                    "assigned": [e["item"] for e in p.assignment],
                    "answers": [
                        (a.item_id, a.draft, a.status, dict(a.choices), a.hypothesis) for a in rows
                    ],
                }
            return out
    finally:
        engine.dispose()


@pytest.mark.parametrize("answer", ["oracle", "random"])
def test_three_bots_reach_completion_and_store_exactly_their_answers(
    servers: Any, sqlite_db_url: str, answer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    study = make_study(sqlite_db_url, train=1, items=3, catch=1, mode="both", min_answer_seconds=0)
    app = servers(sqlite_db_url)
    code = main(
        [
            "bots",
            "--study",
            study.slug,
            "--count",
            "3",
            "--answer",
            answer,
            "--url",
            app.url,
            "--db",
            sqlite_db_url,
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err + app.log_tail()
    assert out.out.startswith("3/3 bots reached the completion code")
    assert "p95" in out.out
    # answer changes rerun only the answers fragment, never the page with its images
    m = re.search(r"; (\d+) of (\d+) runs were fragment reruns", out.out)
    assert m and int(m.group(1)) >= 3 * 5, out.out

    people = _store_answers(sqlite_db_url)
    assert len(people) == 3, "bots must enrol exactly one participant each"
    truth = {it["id"]: it["truth"] for it in json.loads(DEMO_BANK.read_text())["items"]}
    for p in people.values():
        assert p["state"] == "finished"
        assert p["rehearsal"], "issue 19 item 14: a bot is marked as a rehearsal participant"
        items = [a[0] for a in p["answers"]]
        assert sorted(items) == sorted(p["assigned"]) and len(items) == 5  # one row per item
        for item_id, draft, status, choices, hypothesis in p["answers"]:
            assert not draft and status == "ok"
            assert set(choices) == set(truth[item_id]["answers"]), "a probe was left unanswered"
            assert hypothesis is not None and set(hypothesis) == set(truth[item_id]["weights"])
            if answer == "oracle":  # the truth read server-side, A/B sides mapped back
                assert choices == truth[item_id]["answers"], item_id
                assert hypothesis == {k: float(v) for k, v in truth[item_id]["weights"].items()}
    _rehearsal_is_left_out(sqlite_db_url, study.slug)


def _rehearsal_is_left_out(database_url: str, slug: str) -> None:
    """Issue 19 item 14: the bots' participants are not humans in Results (unless asked)."""
    from hhvalues.store.analysis import study_results
    from hhvalues.store.db import make_engine

    engine = make_engine(database_url)
    try:
        results = study_results(engine, slug, n_boot=100)
        assert results.scope is not None and results.scope.included == 0
        assert dict(results.scope.left_out) == {"rehearsal": 3}
        assert not any(r.respondent.startswith("human") for r in results.rows)
        included = study_results(engine, slug, n_boot=100, rehearsal=True)
        assert included.scope is not None and included.scope.included == 3
        assert "3 of them rehearsal bots" in included.scope.describe()
    finally:
        engine.dispose()


def test_bots_exit_2_with_one_line_when_they_cannot_finish(
    tmp_path: Path, sqlite_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    study = make_study(sqlite_db_url)
    code = main(
        [
            "bots",
            "--study",
            study.slug,
            "--count",
            "2",
            "--timeout",
            "5",
            "--url",
            f"http://127.0.0.1:{free_port()}",
            "--db",
            sqlite_db_url,
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 2 and err[0] == f"database: {sqlite_db_url} (--db)"
    # issue 19 item 15: a wrong --url is named, with what to do, before any bot starts
    assert err[1].startswith("error: no app answers at http://127.0.0.1:"), err
    assert "give --url the address it runs at" in err[1]
    assert (
        main(["bots", "--study", "nosuch", "--url", "http://127.0.0.1:1", "--db", sqlite_db_url])
        == 2
    )


def test_two_app_processes_share_one_sqlite_file(servers: Any, sqlite_db_url: str) -> None:
    """Replicas on one machine (README, "Beyond one machine"): bots on two app processes at once
    write to one SQLite file — SQLite arbitrates between the processes' writers."""
    import asyncio

    from hhvalues.cli.bots import run_bots

    study = make_study(sqlite_db_url, train=0, items=3, catch=1, min_answer_seconds=0)
    a, b = servers(sqlite_db_url), servers(sqlite_db_url)

    async def both() -> list[Any]:
        groups = await asyncio.gather(
            *(
                run_bots(
                    s.url, study.slug, 4, completion_code=study.completion_code, timeout=90, seed=k
                )
                for k, s in enumerate((a, b))
            )
        )
        return [r for g in groups for r in g]

    results = asyncio.run(both())
    assert [r.error for r in results if r.error] == [], a.log_tail() + b.log_tail()
    assert all(r.completion_code == study.completion_code for r in results)
    people = _store_answers(sqlite_db_url)
    assert len(people) == 8 and {p["state"] for p in people.values()} == {"finished"}
    for p in people.values():
        assert sorted(x[0] for x in p["answers"]) == sorted(p["assigned"])  # one row per item
        assert not any(draft for _, draft, *_ in p["answers"])


def test_thinking_bots_let_the_countdown_tick_as_a_browser_does(
    servers: Any, sqlite_db_url: str
) -> None:
    """While a bot pauses, the page's run_every timers fire as in a browser; widgets keyed
    like the last item's (probe-p1 on every item) take the values the page resets them to, so a
    timer rerun never re-sends the last item's answer (which the app would refuse to save).

    Since issue 14 the countdown counts in the browser and its server timer wakes only when a
    deadline passes (at most every 60 s), so pauses of ~1 s on 120 s items fire none."""
    import asyncio

    from hhvalues.cli.bots import Bot

    study = make_study(
        sqlite_db_url, train=1, items=2, catch=0, item_seconds=120, min_answer_seconds=0
    )
    app = servers(sqlite_db_url)
    seen: list[str] = []
    bot = Bot(
        0,
        app.url,
        study.slug,
        completion_code=study.completion_code,
        think=1.2,
        seed=3,
        on_page=lambda page: seen.append(page.text()),
    )
    result = asyncio.run(bot.run())
    assert result.error is None and result.completion_code == study.completion_code, app.log_tail()
    assert bot.client.auto_rerun_count == result.ticks == 0
    assert all(every >= 30 for every in bot.client.auto_reruns.values())
    assert not [t for t in seen if "could not be saved" in t]
    (person,) = _store_answers(sqlite_db_url).values()
    assert person["state"] == "finished" and not any(a[1] for a in person["answers"])


def test_a_bots_timer_keeps_its_phase_across_pauses_as_a_browser_interval_does() -> None:
    """A 1 s timer started at t=10 fires at 11, 12, ... whenever a pause begins; a 10 s timer
    fires within a pause that starts just before its due time (it would never fire if each
    pause restarted it)."""
    from hhvalues.cli.bots import Bot

    bot = Bot(0, "http://127.0.0.1:1", "s")
    bot.client.auto_reruns = {"fast": 1.0, "slow": 10.0}
    bot.client.auto_rerun_since = {"fast": 10.0, "slow": 10.0}
    assert bot._next_due("fast", 1.0, 12.5) == pytest.approx(13.0)
    assert bot._next_due("fast", 1.0, 13.0) == pytest.approx(14.0)
    assert bot._next_due("slow", 10.0, 19.2) == pytest.approx(20.0)
    assert bot._next_due("slow", 10.0, 31.0) == pytest.approx(40.0)


def test_bots_log_what_they_submitted_and_the_log_matches_the_database(
    servers: Any, sqlite_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--log FILE``: one JSON line per submit and one per bot at the end, with the token's
    SHA-256 as the database stores it, so a rehearsal can be checked against the database."""
    from hhvalues.store.studies import Assignment

    study = make_study(sqlite_db_url, train=1, items=2, catch=0, min_answer_seconds=0)
    app = servers(sqlite_db_url)
    log = tmp_path / "bots.jsonl"
    argv = ["bots", "--study", study.slug, "--count", "2", "--url", app.url]
    assert main([*argv, "--db", sqlite_db_url, "--log", str(log)]) == 0, capsys.readouterr().err
    records = [json.loads(line) for line in log.read_text().splitlines()]
    ends = {r["bot"]: r for r in records if r["event"] == "end"}
    assert set(ends) == {0, 1} and all(
        r["completion_code"] and not r["error"] for r in ends.values()
    )
    from hhvalues.store.db import AnswerRow, ParticipantRow, make_engine, read_session

    engine = make_engine(sqlite_db_url)
    try:
        with read_session(engine) as s:
            people = {p.token_hash: p for p in s.exec(select(ParticipantRow)).all()}
            for bot, end in ends.items():
                p = people[end["token_sha256"]]
                submits = [r for r in records if r["bot"] == bot and r["event"] == "submit"]
                assert [r["outcome"] for r in submits] == ["next"] * 3
                rows = {
                    a.item_id: a.choices
                    for a in s.exec(select(AnswerRow).where(AnswerRow.participant_id == p.id))
                }
                for entry, r in zip(Assignment.parse(p.assignment), submits, strict=True):
                    sent = {k: entry.swap(k, v) for k, v in r["choices"].items()}
                    assert rows[entry.item] == sent
    finally:
        engine.dispose()
