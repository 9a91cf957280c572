"""Issue 14 item 3: a timeout keeps what was selected, graded, on SQLite and PostgreSQL.

When an item's time runs out, the answer is stored with what the participant had selected (the
saved draft) and status ``timeout``, however the timeout comes to be recorded: a late submit,
the participant's next page, the app's sweep, or a reader of the study. The scoring core grades
it as an ``ok`` answer: selected choices count, questions left blank are wrong and counted as
unanswered. A timeout with nothing selected stores nothing gradable. The next page says that
time ran out (``Step.time_up``). The export, re-scored by ``hhvalues score``, gives the Results
page's numbers.
"""

from __future__ import annotations

import json
import zipfile
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from hhvalues.cli import main
from hhvalues.core.answers import Answer, Status
from hhvalues.core.explain import hypothesis_scale
from hhvalues.core.scoring import STATUSES, grade, score, scores_to_json
from hhvalues.store.analysis import load_study_answers, study_results
from hhvalues.store.db import AnswerRow, read_session
from hhvalues.store.participation import (
    ItemView,
    StepKind,
    TimeUp,
    acknowledge_feedback,
    consent,
    current_item_truth,
    current_step,
    save_draft,
    start_session,
    submit,
    sweep_timeouts,
)
from hhvalues.store.studies import Mode, invite

PATHS = ("late-submit", "next-page", "sweep", "reader")
"""The ways a timeout gets recorded."""


def _begin(engine: Any, clock: Any) -> str:
    [token] = invite(engine, "s", 1, now=clock, actor="test")
    consent(engine, token, now=clock)
    start_session(engine, token, now=clock)
    return token


def _shown(view: ItemView, bank_option: str, probe: str) -> str:
    """The displayed letter of a bank option (sides may be swapped for this participant)."""
    return "A" if view.order[probe][0] == bank_option else "B"


def _other(letter: str) -> str:
    return "B" if letter == "A" else "A"


def _time_out(engine: Any, token: str, view: ItemView, clock: Any, path: str) -> None:
    """Let the item's time run out (30 s + the grace) and have ``path`` record it."""
    clock.advance(45)
    if path == "late-submit":
        # What a page sends when its clock reaches 0: the widgets as they stand, blanks and
        # sliders at their starting values included. A late submit stores the saved draft.
        blanks = {p.id: None for p in view.item.probes}
        sliders = dict.fromkeys(view.bank.features.ids, 0.0) if view.asks_hypothesis else None
        result = submit(engine, token, view.item.id, choices=blanks, hypothesis=sliders, now=clock)
        assert result.status == Status.TIMEOUT.value and not result.duplicate
    elif path == "next-page":
        assert current_step(engine, token, now=clock).item.item.id != view.item.id
    elif path == "sweep":
        assert sweep_timeouts(engine, now=clock) == 1
    else:
        load_study_answers(engine, "s", now=clock)


def _stored(engine: Any, item: str) -> tuple[Any, ...]:
    cols = (
        AnswerRow.status,
        AnswerRow.draft,
        AnswerRow.choices,
        AnswerRow.hypothesis,
        AnswerRow.confidence,
        AnswerRow.rationale,
    )
    with read_session(engine) as s:
        [row] = s.execute(
            select(*cols).where(AnswerRow.respondent_kind == "human", AnswerRow.item_id == item)
        ).all()
    return tuple(row)


def _graded_item(engine: Any, clock: Any, item: str) -> tuple[Any, Any]:
    """The study's answers graded by the core: (rows of ``item``, the human's score row)."""
    study = load_study_answers(engine, "s", now=clock)
    graded = grade(study.bank, study.answers).select(items=[item])
    (row,) = score(graded, n_boot=50).rows
    return graded, row


@pytest.mark.parametrize("path", PATHS)
def test_a_timeout_with_selections_keeps_them_graded_with_status_timeout(
    engine, make_study, clock, path
):
    make_study(items=2, train=0, catch=0, item_seconds=30, ask_confidence=True, ask_rationale=True)
    token = _begin(engine, clock)
    view = current_step(engine, token, now=clock).item
    truth = current_item_truth(engine, token).answers
    probes = [p.id for p in view.item.probes]
    first, *middle, last = probes
    # right on the first question, wrong on any middle one, the last left blank
    chosen = {first: _shown(view, truth[first], first)}
    chosen |= {p: _other(_shown(view, truth[p], p)) for p in middle}
    assert save_draft(
        engine,
        token,
        view.item.id,
        choices=chosen,
        confidence=dict.fromkeys(chosen, 0.8),
        rationale="the flowers",
        now=clock,
    )
    _time_out(engine, token, view, clock, path)

    status, draft, choices, hypothesis, confidence, rationale = _stored(engine, view.item.id)
    bank_letters = {p: view.order[p][0 if c == "A" else 1] for p, c in chosen.items()}
    assert (status, bool(draft)) == ("timeout", False)
    assert choices == bank_letters and last not in choices
    assert confidence == dict.fromkeys(chosen, 0.8) and hypothesis is None
    assert rationale == "the flowers"

    graded, row = _graded_item(engine, clock, view.item.id)
    assert graded.correct.tolist() == [True] + [False] * len(middle) + [False]
    assert graded.unanswered.tolist() == [False] * (len(probes) - 1) + [True]
    assert (graded.status == STATUSES.index(Status.TIMEOUT)).all()
    assert row.status_counts["timeout"] == 1 and row.n_unanswered == 1
    assert row.accuracy == pytest.approx(1 / len(probes))
    assert row.brier == pytest.approx(np.mean([0.2**2] + [0.8**2] * len(middle)))


@pytest.mark.parametrize("path", PATHS)
def test_a_timeout_keeps_the_sliders_and_derives_the_blank_questions_from_them(
    engine, make_study, clock, path
):
    make_study(items=2, train=0, catch=0, item_seconds=30, mode=Mode.BOTH)
    token = _begin(engine, clock)
    view = current_step(engine, token, now=clock).item
    truth = current_item_truth(engine, token)
    scale = hypothesis_scale(view.bank.features, view.bank.model)
    sliders = {f: float(np.clip(w, *scale[f])) for f, w in truth.weights.items()}
    first = view.item.probes[0].id
    wrong = {first: _other(_shown(view, truth.answers[first], first))}
    assert save_draft(engine, token, view.item.id, choices=wrong, hypothesis=sliders, now=clock)
    _time_out(engine, token, view, clock, path)

    status, _, choices, hypothesis, _, _ = _stored(engine, view.item.id)
    assert status == "timeout" and hypothesis == sliders and len(choices) == 1
    graded, row = _graded_item(engine, clock, view.item.id)
    # exactly as the same answer submitted in time: the explicit choice wins, the sliders
    # answer the rest
    as_ok = grade(
        load_study_answers(engine, "s", now=clock).bank,
        [Answer("human:x", view.item.id, 0, choices, hypothesis)],
    ).select(items=[view.item.id])
    assert graded.correct.tolist() == as_ok.correct.tolist()
    assert graded.correct.tolist()[0] is False and graded.correct[1:].all()
    assert row.n_unanswered == 0 and row.hypothesis is not None and row.hypothesis.n == 1


@pytest.mark.parametrize("path", PATHS)
def test_a_timeout_with_nothing_selected_stores_nothing_gradable(engine, make_study, clock, path):
    make_study(items=2, train=0, catch=0, item_seconds=30, mode=Mode.BOTH, ask_confidence=True)
    token = _begin(engine, clock)
    view = current_step(engine, token, now=clock).item
    _time_out(engine, token, view, clock, path)

    status, _, choices, hypothesis, confidence, rationale = _stored(engine, view.item.id)
    assert status == "timeout"
    assert (choices, hypothesis, confidence, rationale) == ({}, None, None, "")
    graded, row = _graded_item(engine, clock, view.item.id)
    assert not graded.correct.any() and graded.unanswered.all()
    assert row.accuracy == 0.0 and row.n_unanswered == row.n_probes == len(view.item.probes)


def test_a_change_after_the_deadline_is_not_kept(engine, make_study, clock):
    make_study(items=2, train=0, catch=0, item_seconds=30)
    token = _begin(engine, clock)
    view = current_step(engine, token, now=clock).item
    pid = view.item.probes[0].id
    assert save_draft(engine, token, view.item.id, choices={pid: "A"}, now=clock)
    clock.advance(31)  # past the deadline, within the grace: still counts
    assert save_draft(engine, token, view.item.id, choices={pid: "B"}, now=clock)
    clock.advance(2)  # past the grace: time is up, the change is refused
    assert not save_draft(engine, token, view.item.id, choices={pid: "A"}, now=clock)
    result = submit(engine, token, view.item.id, choices={pid: "A"}, now=clock)
    assert result.status == "timeout"
    _, _, choices, *_ = _stored(engine, view.item.id)
    assert choices == {pid: view.order[pid][1]}  # "B" as shown, in the bank's letters


def test_the_next_page_says_which_item_ran_out_of_time(engine, make_study, clock):
    make_study(items=2, train=0, catch=0, item_seconds=30)
    token = _begin(engine, clock)
    view = current_step(engine, token, now=clock).item
    assert current_step(engine, token, now=clock).time_up is None
    pid = view.item.probes[0].id
    save_draft(engine, token, view.item.id, choices={pid: "A"}, now=clock)
    clock.advance(45)
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.ITEM and step.item.item.id != view.item.id
    assert step.time_up == TimeUp(view.item.id, "test", 1, 1, False)
    assert step.time_up_item == view.item.id
    again = current_step(engine, token, now=clock)  # a refresh shows it again
    assert again.time_up == step.time_up
    clock.advance(5)
    submit(engine, token, step.item.item.id, choices={}, now=clock)  # in time
    done = current_step(engine, token, now=clock)
    assert done.kind is StepKind.DONE and not done.timed_out
    assert done.time_up is None and done.time_up_item is None


def test_no_notice_after_an_answer_submitted_in_time(engine, make_study, clock):
    make_study(items=2, train=1, catch=0, item_seconds=30)
    token = _begin(engine, clock)
    train = current_step(engine, token, now=clock).item
    submit(engine, token, train.item.id, choices={}, now=clock)
    feedback = current_step(engine, token, now=clock)
    assert feedback.kind is StepKind.FEEDBACK and feedback.time_up is None
    acknowledge_feedback(engine, token, train.item.id, now=clock)
    view = current_step(engine, token, now=clock).item
    submit(engine, token, view.item.id, choices={}, now=clock)
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.ITEM and step.time_up is None


def test_the_end_page_names_the_item_the_session_ran_out_on(engine, make_study, clock):
    make_study(items=2, train=0, catch=0, item_seconds=600, session_minutes=1)
    token = _begin(engine, clock)
    view = current_step(engine, token, now=clock).item
    clock.advance(120)
    done = current_step(engine, token, now=clock)
    assert done.kind is StepKind.DONE and done.timed_out
    # the item on screen when the session ran out, not the one never shown after it
    assert done.time_up_item == view.item.id and done.time_up.chosen == 0


def test_the_export_rescored_agrees_with_the_results_page(
    engine, make_study, clock, tmp_path, capsys, monkeypatch
):
    """Three participants finish (two test items each): one answers in time, one lets an item time out with choices
    selected, one lets an item time out with nothing selected. ``hhvalues export`` and the
    bundle's re-score command give the Results page's numbers, timeouts graded as selected."""
    make_study(items=2, train=0, catch=0, item_seconds=30)
    tokens = [_begin(engine, clock) for _ in range(3)]
    expected = {}  # respondent → (timeouts, unanswered)
    for k, token in enumerate(tokens):
        for n in range(2):
            step = current_step(engine, token, now=clock)
            view = step.item
            truth = current_item_truth(engine, token).answers
            right = {p: _shown(view, truth[p], p) for p in truth}
            if n == 0:
                expected[step.respondent] = (0, 0) if k == 0 else (1, 0 if k == 1 else len(truth))
            if n == 0 and k > 0:  # the first item times out
                if k == 1:
                    save_draft(engine, token, view.item.id, choices=right, now=clock)
                clock.advance(45)
                continue
            clock.advance(5)
            submit(engine, token, view.item.id, choices=right, now=clock)
        assert current_step(engine, token, now=clock).kind is StepKind.DONE

    page = study_results(engine, "s", now=clock)
    rows = {r.respondent: r for r in page.rows if r.kind == "human"}
    assert len(rows) == 3
    assert {h: (r.timeout, r.unanswered) for h, r in rows.items()} == expected
    scores = {s.respondent: s for s in page.scores.rows}
    for r in rows.values():
        s = scores[r.respondent]
        assert (r.timeout, r.unanswered) == (s.status_counts["timeout"], s.n_unanswered)
    # who had selected every right answer before time ran out loses nothing by it; who had
    # selected nothing loses that item
    accuracy = [rows[h].accuracy for h in expected]
    assert accuracy[:2] == [1.0, 1.0] and accuracy[2] < 1.0

    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "study.zip"
    args = ["export", "--study", "s", "--format", "bundle", "--out", str(out), "--db", url]
    assert main(args) == 0
    capsys.readouterr()
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "b")
        manifest = json.loads(zf.read("manifest.json"))
        lines = [json.loads(x) for x in zf.read("answers.jsonl").decode().splitlines()]
    timeouts = [x for x in lines if x["status"] == "timeout"]
    assert len(timeouts) == 2 and sorted(bool(x["choices"]) for x in timeouts) == [False, True]
    monkeypatch.chdir(tmp_path / "b")
    assert main(manifest["rescore"].split()[1:]) == 0
    rescored = json.loads(capsys.readouterr().out)
    assert rescored == scores_to_json(page.scores)
    assert rescored == json.loads((tmp_path / "b" / "scores.json").read_text())
    humans = {r["respondent"]: r for r in rescored["respondents"] if r["respondent"] in rows}
    for respondent, r in rows.items():
        assert humans[respondent]["accuracy"] == pytest.approx(r.accuracy, abs=1e-6)
        assert humans[respondent]["n_unanswered"] == r.unanswered
        assert humans[respondent]["status_counts"]["timeout"] == r.timeout
