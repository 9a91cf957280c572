import hashlib
import threading
from collections import Counter

import pytest
from sqlalchemy import text

from hhvalues.core.answers import Status
from hhvalues.errors import InputError, LinkError, NotFoundError
from hhvalues.store.db import make_engine, read_session
from hhvalues.store.participation import (
    TAKEN,
    StepKind,
    acknowledge_feedback,
    consent,
    current_step,
    decline,
    enrol,
    save_draft,
    start_session,
    submit,
    submit_intake,
    sweep_timeouts,
    training_feedback,
)
from hhvalues.store.studies import (
    IntakeQuestion,
    Mode,
    StudyStatus,
    invite,
    relink,
    set_study_status,
)


def _rows(engine, sql, **params):
    with read_session(engine) as s:
        return s.exec(text(sql), params=params).all()


def _begin(engine, slug, clock):
    [token] = invite(engine, slug, 1, now=clock, actor="test")
    consent(engine, token, now=clock)
    start_session(engine, token, now=clock)
    return token


def _answer_all(step, letter="A"):
    return {p.id: letter for p in step.item.item.probes}


def test_token_is_random_and_stored_only_as_sha256(engine, make_study, clock, snapshot):
    make_study()
    tokens = invite(engine, "s", 3, now=clock, actor="test")
    assert len(set(tokens)) == 3 and all(len(t) >= 22 for t in tokens)  # ≥ 128 bits, url-safe
    stored = {r[0] for r in _rows(engine, "SELECT token_hash FROM participants")}
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    dump = str(snapshot(engine))
    assert not any(t in dump for t in tokens)


def test_whole_session_train_feedback_test_catch_done(engine, make_study, clock):
    make_study(train=1, catch=1, item_seconds=60)
    [token] = invite(engine, "s", 1, now=clock, actor="test")
    assert current_step(engine, token, now=clock).kind is StepKind.CONSENT
    consent(engine, token, now=clock)
    assert current_step(engine, token, now=clock).kind is StepKind.INSTRUCTIONS
    start_session(engine, token, now=clock)
    step = current_step(engine, token, now=clock)
    assert (
        step.kind is StepKind.ITEM and step.item.phase == "train" and step.item.deadline_at is None
    )
    with pytest.raises(LinkError):  # no feedback before the training item is submitted
        training_feedback(engine, token, step.item.item.id)
    clock.advance(10)
    submit(engine, token, step.item.item.id, choices=_answer_all(step), now=clock)
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.FEEDBACK and step.completion_code is None
    fb = training_feedback(engine, token, step.feedback_item)
    assert fb.weights == {"flowers": 1.0, "puddle": -2.0, "cafe": 2.0, "library": -1.0}
    acknowledge_feedback(engine, token, step.feedback_item, now=clock)
    seen = []
    while (step := current_step(engine, token, now=clock)).kind is StepKind.ITEM:
        assert step.item.phase == "test" and step.item.deadline_at is not None
        assert step.item.item.truth is None and all(it.truth is None for it in step.item.bank.items)
        with pytest.raises(LinkError):  # test items never give feedback
            training_feedback(engine, token, step.item.item.id)
        seen.append(step.item.item.id)
        assert step.completion_code is None
        clock.advance(5)
        submit(engine, token, step.item.item.id, choices=_answer_all(step), now=clock)
    assert sorted(seen) == ["c1", "i1", "i2"]
    assert step.kind is StepKind.DONE and step.completion_code and not step.timed_out
    assert step.progress.answered == step.progress.total == 4
    assert _rows(engine, "SELECT state FROM participants")[0][0] == "finished"


def test_ab_sides_are_mapped_back_before_storing(engine, make_study, clock):
    make_study(seed=3)
    token = _begin(engine, "s", clock)
    step = current_step(engine, token, now=clock)
    view = step.item
    shown = {pid: order for pid, order in view.order.items()}
    # Pick the displayed "A" everywhere: stored is the bank option shown on the A side.
    submit(engine, token, view.item.id, choices={pid: "A" for pid in shown}, now=clock)
    [(choices,)] = _rows(engine, "SELECT choices FROM answers WHERE respondent_kind = 'human'")
    stored = choices if isinstance(choices, dict) else __import__("json").loads(choices)
    assert stored == {pid: order[0] for pid, order in shown.items()}


def test_flips_are_balanced_over_a_participant(engine, make_study, clock):
    make_study(train=1, catch=1)
    invite(engine, "s", 1, now=clock, actor="test")
    [(assignment,)] = _rows(engine, "SELECT assignment FROM participants")
    a = assignment if isinstance(assignment, list) else __import__("json").loads(assignment)
    n_flipped = sum(len(e["flip"]) for e in a)
    assert n_flipped in (4, 5)  # 9 probes in the tiny bank: half of them, rounded either way
    assert a[0]["split"] == "train"


def test_draft_is_saved_and_comes_back_in_displayed_letters(engine, make_study, clock):
    make_study()
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    pid = view.item.probes[0].id
    assert save_draft(engine, token, view.item.id, choices={pid: "B"}, now=clock)
    assert save_draft(engine, token, view.item.id, rationale="because", now=clock)
    again = current_step(engine, token, now=clock).item
    assert again.draft.choices == {pid: "B"} and again.draft.rationale == "because"
    assert _rows(engine, "SELECT draft FROM answers WHERE respondent_kind = 'human'")[0][0] in (
        True,
        1,
    )


def test_concurrent_submits_store_exactly_one_answer(engine, make_study, clock):
    make_study()
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    results, errors = [], []
    barrier = threading.Barrier(8)

    def click():
        try:
            barrier.wait()
            results.append(
                submit(
                    engine,
                    token,
                    view.item.id,
                    choices={p.id: "A" for p in view.item.probes},
                    now=clock,
                )
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Counter(r.duplicate for r in results) == {True: 7, False: 1}
    assert (
        _rows(
            engine,
            "SELECT count(*) FROM answers WHERE respondent_kind = 'human' AND item_id = :i",
            i=view.item.id,
        )[0][0]
        == 1
    )
    assert _rows(engine, "SELECT count(*) FROM events WHERE kind = 'submit'")[0][0] == 1


def test_restart_resumes_the_same_item_with_the_same_deadline(engine, make_study, clock):
    make_study(item_seconds=60)
    token = _begin(engine, "s", clock)
    first = current_step(engine, token, now=clock).item
    engine.dispose()  # "server restart": a new engine on the same database
    fresh = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        clock.advance(20)
        again = current_step(fresh, token, now=clock).item
        assert again.item.id == first.item.id
        assert again.deadline_at == first.deadline_at and again.shown_at == first.shown_at
        assert again.seconds_left(clock()) == pytest.approx(40)
        assert _rows(fresh, "SELECT count(*) FROM presentations")[0][0] == 1
    finally:
        fresh.dispose()


def test_late_submit_is_a_timeout_that_keeps_the_selection(engine, make_study, clock):
    make_study(item_seconds=30)
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    pid = view.item.probes[0].id
    save_draft(engine, token, view.item.id, choices={pid: "A"}, now=clock)
    clock.advance(45)
    result = submit(engine, token, view.item.id, choices={pid: "A"}, now=clock)
    assert result.status == Status.TIMEOUT.value and not result.fast
    [(status, choices)] = _rows(
        engine, "SELECT status, choices FROM answers WHERE respondent_kind = 'human'"
    )
    assert status == "timeout" and pid in str(choices)
    nxt = current_step(engine, token, now=clock)
    assert nxt.kind is StepKind.ITEM and nxt.item.item.id != view.item.id  # the session moves on


def test_sweep_records_items_abandoned_past_their_deadline(engine, make_study, clock):
    make_study(item_seconds=30)
    tokens = [_begin(engine, "s", clock) for _ in range(3)]
    for token in tokens[:2]:
        view = current_step(engine, token, now=clock).item
        save_draft(engine, token, view.item.id, choices={view.item.probes[0].id: "B"}, now=clock)
    clock.advance(31)  # within the grace period: not yet
    assert sweep_timeouts(engine, now=clock) == 0
    clock.advance(2)
    assert sweep_timeouts(engine, now=clock) == 2  # the third never saw an item
    assert sweep_timeouts(engine, now=clock) == 0
    rows = _rows(
        engine,
        "SELECT status, draft, choices FROM answers WHERE respondent_kind = 'human' ORDER BY id",
    )
    assert [(r[0], bool(r[1])) for r in rows] == [("timeout", False)] * 2
    assert all('"p1"' in str(r[2]).replace("'", '"') for r in rows)  # the draft choice is kept


def test_session_deadline_times_out_everything_left(engine, make_study, clock):
    make_study(item_seconds=600, session_minutes=1)
    token = _begin(engine, "s", clock)
    current_step(engine, token, now=clock)
    clock.advance(120)
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.DONE and step.timed_out
    statuses = [
        r[0] for r in _rows(engine, "SELECT status FROM answers WHERE respondent_kind = 'human'")
    ]
    assert statuses == ["timeout", "timeout"]  # both test items of the tiny bank


def test_fast_answers_are_flagged(engine, make_study, clock):
    make_study(min_answer_seconds=5)
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    clock.advance(1)
    assert submit(engine, token, view.item.id, choices={}, now=clock).fast
    view = current_step(engine, token, now=clock).item
    clock.advance(10)
    assert not submit(engine, token, view.item.id, choices={}, now=clock).fast


def test_catch_failures_count_against_the_thresholds(engine, make_study, clock):
    make_study(items=0, catch=1, catch_warn=1, catch_exclude=1)
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    assert view.split.value == "catch"
    wrong = {
        "p1": "B" if view.order["p1"][0] == "A" else "A"
    }  # the displayed side of bank option B
    clock.advance(10)
    submit(engine, token, view.item.id, choices=wrong, now=clock)
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.DONE and step.catch_flag == "exclude"
    assert _rows(engine, "SELECT catch_failures FROM participants")[0][0] == 1


def test_decline_stores_nothing_but_the_refusal(engine, make_study, clock):
    make_study()
    token = enrol(engine, "s", params={"PROLIFIC_PID": "abc123", "STUDY_ID": "x"}, now=clock).token
    decline(engine, token, now=clock)
    [(state, external, pid, intake, assignment)] = _rows(
        engine, "SELECT state, external, external_pid, intake, assignment FROM participants"
    )
    assert state == "declined" and intake is None
    assert pid.startswith("#") and "abc123" not in pid  # only a salted hash, to recognise it
    assert str(external) in ("{}", "{}") and str(assignment) in ("[]",)
    assert [
        r[0] for r in _rows(engine, "SELECT kind FROM events WHERE participant_id IS NOT NULL")
    ] == ["decline"]
    assert _rows(engine, "SELECT count(*) FROM answers WHERE respondent_kind = 'human'")[0][0] == 0
    assert current_step(engine, token, now=clock).kind is StepKind.INVALID
    with pytest.raises(LinkError):
        consent(engine, token, now=clock)


def test_open_enrolment_records_prolific_ids_and_resumes_by_pid_only_with_the_token(
    engine, make_study, clock, snapshot
):
    make_study()
    params = {"PROLIFIC_PID": "p-1", "STUDY_ID": "st", "SESSION_ID": "se"}
    first = enrol(engine, "s", params=params, now=clock)
    consent(engine, first.token, now=clock)
    before = snapshot(engine)
    # the browser that holds the participant's token comes back through the platform's link
    again = enrol(engine, "s", params=params, browser_token=first.token, now=clock)
    assert again.resumed and again.token == first.token
    # anyone else with the PID (not a secret) is refused, and the participant is left alone
    for stranger in (
        None,
        "",
        "not a token",
        "A" * 27,
        invite(engine, "s", 1, now=clock, actor="t")[0],
    ):
        with pytest.raises(LinkError, match="another browser") as refused:
            enrol(engine, "s", params=params, browser_token=stranger, now=clock)
        assert refused.value.message == TAKEN
    after = snapshot(engine)
    assert after["participants"][0] == before["participants"][0]
    assert current_step(engine, first.token, now=clock).kind is StepKind.INSTRUCTIONS
    [(external,)] = _rows(engine, "SELECT external FROM participants WHERE external_pid = 'p-1'")
    assert "st" in str(external) and "se" in str(external)
    # the researcher can hand the participant a new link; the old one stops working
    new = relink(engine, "s", "p-1", now=clock, actor="test")
    assert current_step(engine, new, now=clock).kind is StepKind.INSTRUCTIONS
    assert current_step(engine, first.token, now=clock).kind is StepKind.INVALID
    with pytest.raises(NotFoundError):
        relink(engine, "s", "p-2", now=clock, actor="test")


def test_an_open_link_goes_on_with_this_browsers_session_while_it_is_under_way(
    engine, make_study, clock, snapshot
):
    """Back to ``?study=`` (or the link opened again) in the browser that holds a participant's
    token resumes that participant while its session is under way, writing nothing; a token of
    another study, a finished or a declined participant's, or none, enrols a new one."""
    make_study()
    make_study(slug="other")
    first = enrol(engine, "s", now=clock)
    consent(engine, first.token, now=clock)
    start_session(engine, first.token, now=clock)
    before = snapshot(engine)
    again = enrol(engine, "s", browser_token=first.token, now=clock)
    assert again.resumed and again.token == first.token
    assert snapshot(engine) == before
    count = (
        "SELECT count(*) FROM participants p JOIN studies s ON s.id = p.study_id WHERE s.slug = :s"
    )
    elsewhere = enrol(engine, "other", browser_token=first.token, now=clock)
    assert not elsewhere.resumed and elsewhere.token != first.token
    for stranger in (None, "not a token", "A" * 27):
        assert not enrol(engine, "s", browser_token=stranger, now=clock).resumed
    declined = enrol(engine, "s", now=clock).token
    decline(engine, declined, now=clock)
    assert not enrol(engine, "s", browser_token=declined, now=clock).resumed
    n = _rows(engine, count, s="s")[0][0]
    step = current_step(engine, first.token, now=clock)
    while step.kind is not StepKind.DONE:
        submit(engine, first.token, step.item.item.id, choices=_answer_all(step), now=clock)
        step = current_step(engine, first.token, now=clock)
    fresh = enrol(engine, "s", browser_token=first.token, now=clock)
    assert not fresh.resumed and fresh.token != first.token
    assert _rows(engine, count, s="s")[0][0] == n + 1


def test_a_pid_that_declined_is_recognised_when_it_comes_back(engine, make_study, clock):
    make_study()
    make_study("other")
    token = enrol(engine, "s", params={"PROLIFIC_PID": "p-9"}, now=clock).token
    decline(engine, token, now=clock)
    [(pid,)] = _rows(engine, "SELECT external_pid FROM participants")
    assert pid is not None and "p-9" not in pid  # a salted hash, not the PID
    for browser_token in (None, token):
        with pytest.raises(LinkError, match="declined"):
            enrol(
                engine, "s", params={"PROLIFIC_PID": "p-9"}, browser_token=browser_token, now=clock
            )
    with pytest.raises(NotFoundError):
        relink(engine, "s", "p-9", now=clock, actor="test")
    # the same PID is a newcomer in another study
    assert not enrol(engine, "other", params={"PROLIFIC_PID": "p-9"}, now=clock).resumed


def test_intake_answers_are_checked_and_stored(engine, make_study, clock):
    q = IntakeQuestion("degree", "Highest degree", ("BSc", "MSc", "PhD"))
    make_study(intake=(q,))
    [token] = invite(engine, "s", 1, now=clock, actor="test")
    consent(engine, token, now=clock)
    assert current_step(engine, token, now=clock).kind is StepKind.INTAKE
    with pytest.raises(LinkError):
        start_session(engine, token, now=clock)
    with pytest.raises(InputError):
        submit_intake(engine, token, {"degree": "none"}, now=clock)
    submit_intake(engine, token, {"degree": "PhD"}, now=clock)
    assert current_step(engine, token, now=clock).kind is StepKind.INSTRUCTIONS


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 300, "bad token with spaces!!", None, 42, "A" * 27]
)
def test_bad_tokens_raise_and_write_nothing(engine, make_study, clock, token, snapshot):
    make_study()
    invite(engine, "s", 1, now=clock, actor="test")
    before = snapshot(engine)
    assert current_step(engine, token, now=clock).kind is StepKind.INVALID
    for call in (
        lambda: consent(engine, token, now=clock),
        lambda: decline(engine, token, now=clock),
        lambda: start_session(engine, token, now=clock),
        lambda: submit(engine, token, "i1", choices={}, now=clock),
        lambda: save_draft(engine, token, "i1", choices={}, now=clock),
        lambda: training_feedback(engine, token, "t1"),
    ):
        with pytest.raises(LinkError):
            call()
    assert snapshot(engine) == before


def test_tampered_item_ids_and_values_raise_and_write_nothing(engine, make_study, clock, snapshot):
    make_study(train=1)
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    before = snapshot(engine)
    not_yet = next(e for e in ("i1", "i2") if e != view.item.id)
    for write in (submit, save_draft):  # save_draft reads on its own path: check both
        with pytest.raises(LinkError, match="not one of"):
            write(engine, token, "c1", choices={}, now=clock)  # not assigned (catch=0)
        with pytest.raises(LinkError, match="not one of"):
            write(engine, token, "nope", choices={}, now=clock)
        with pytest.raises(LinkError, match="not one of"):
            write(engine, token, 7, choices={}, now=clock)
        with pytest.raises(LinkError, match="not been shown"):
            write(engine, token, not_yet, choices={}, now=clock)
    with pytest.raises(InputError):
        submit(engine, token, view.item.id, choices={"zz": "A"}, now=clock)
    with pytest.raises(InputError):
        submit(engine, token, view.item.id, choices={view.item.probes[0].id: "C"}, now=clock)
    with pytest.raises(InputError):
        save_draft(engine, token, view.item.id, hypothesis={"flowers": 9}, now=clock)
    with pytest.raises(LinkError):
        enrol(engine, "s", params={"PROLIFIC_PID": "<script>"}, now=clock)
    with pytest.raises(LinkError):
        enrol(engine, "no-such-study", now=clock)
    assert snapshot(engine) == before


def test_closed_study_shows_closed_and_refuses_writes(engine, make_study, clock, snapshot):
    make_study()
    [token] = invite(engine, "s", 1, now=clock, actor="test")
    set_study_status(engine, "s", StudyStatus.CLOSED, now=clock, actor="test")
    before = snapshot(engine)
    assert current_step(engine, token, now=clock).kind is StepKind.CLOSED
    with pytest.raises(LinkError):
        consent(engine, token, now=clock)
    with pytest.raises(LinkError):
        enrol(engine, "s", now=clock)
    assert snapshot(engine) == before


def test_a_study_closed_mid_session_refuses_drafts_and_submits(engine, make_study, clock, snapshot):
    make_study()
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    set_study_status(engine, "s", StudyStatus.CLOSED, now=clock, actor="test")
    before = snapshot(engine)
    choices = {view.item.probes[0].id: "A"}
    for write in (save_draft, submit):
        with pytest.raises(LinkError, match="closed"):
            write(engine, token, view.item.id, choices=choices, now=clock)
    assert snapshot(engine) == before


def test_hypothesis_mode_stores_weights_and_no_choices(engine, make_study, clock):
    make_study(mode=Mode.HYPOTHESIS)
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    assert view.asks_hypothesis and not view.asks_choices
    clock.advance(10)
    submit(
        engine,
        token,
        view.item.id,
        hypothesis={"flowers": 2, "puddle": -1, "cafe": 0, "library": 1},
        now=clock,
    )
    [(hyp,)] = _rows(engine, "SELECT hypothesis FROM answers WHERE respondent_kind = 'human'")
    assert "flowers" in str(hyp)


def test_last_seen_is_updated_on_each_request(engine, make_study, clock):
    make_study()
    token = _begin(engine, "s", clock)
    current_step(engine, token, now=clock)
    clock.advance(90)
    current_step(engine, token, now=clock)
    [(seen,)] = _rows(engine, "SELECT last_seen_at FROM participants")
    assert str(clock().replace(tzinfo=None))[:19] in str(seen)
    assert _rows(engine, "SELECT count(*) FROM events WHERE kind = 'resume'")[0][0] == 1


def test_the_last_submit_finishes_the_participant_in_its_own_transaction(engine, make_study, clock):
    """Drafts first, as the app saves them: the submit must see its own upsert, not the draft."""
    make_study(items=2, catch=0)
    token = _begin(engine, "s", clock)
    for _ in range(2):
        view = current_step(engine, token, now=clock).item
        save_draft(engine, token, view.item.id, choices={view.item.probes[0].id: "A"}, now=clock)
        clock.advance(5)
        submit(
            engine, token, view.item.id, choices={p.id: "A" for p in view.item.probes}, now=clock
        )
    [(state, finished_at)] = _rows(engine, "SELECT state, finished_at FROM participants")
    assert state == "finished" and finished_at is not None  # before any further request


def test_an_item_that_expired_with_a_draft_is_not_shown_again(engine, make_study, clock):
    make_study(item_seconds=30)
    token = _begin(engine, "s", clock)
    view = current_step(engine, token, now=clock).item
    save_draft(engine, token, view.item.id, choices={view.item.probes[0].id: "B"}, now=clock)
    clock.advance(60)  # away past the deadline: this request records the timeout and moves on
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.ITEM and step.item.item.id != view.item.id
    assert step.progress.answered == 1


def test_rehearsal_truth_follows_the_current_item(engine, make_study, tiny_bank, clock):
    """What the bots' oracle reads: the item the link shows, its truth in the bank's letters."""
    from hhvalues.store.participation import current_item_truth

    make_study(train=1, catch=1)
    token = _begin(engine, "s", clock)
    assert current_item_truth(engine, "x" * 30) is None
    while (step := current_step(engine, token, now=clock)).kind is not StepKind.DONE:
        if step.kind is StepKind.FEEDBACK:
            acknowledge_feedback(engine, token, step.feedback_item, now=clock)
            continue
        truth = current_item_truth(engine, token)
        item = tiny_bank.item(step.item.item.id)
        assert truth is not None and truth.assigned.item == item.id
        assert truth.answers == dict(item.truth.answers)
        assert truth.weights == dict(item.truth.weights)
        shown = {p: truth.assigned.swap(p, a) for p, a in truth.answers.items()}
        assert shown == {p: "AB"[step.item.order[p].index(a)] for p, a in truth.answers.items()}
        submit(engine, token, item.id, choices=shown, now=clock)
    assert current_item_truth(engine, token) is None


def test_a_demonstration_link_is_refused_by_the_answer_flow(engine, tiny_bank, clock):
    """Both flows open a link with the same prologue, which checks the study's kind."""
    from hhvalues.store.db import import_bank, write_session
    from hhvalues.store.demonstration import DemoConfig, demo_step, demonstrate_config
    from hhvalues.store.studies import StudyConfig, StudyKind, create_study

    with write_session(engine) as session:
        bank = import_bank(session, tiny_bank, now=clock)
    create_study(
        engine,
        slug="d",
        bank_id=bank.id,
        now=clock,
        actor="test",
        config=demonstrate_config(StudyConfig(), DemoConfig()),
        kind=StudyKind.DEMONSTRATE,
    )
    [token] = invite(engine, "d", 1, now=clock, actor="test")
    step = current_step(engine, token, now=clock)
    assert step.kind is StepKind.INVALID and "not one of an answer study" in step.message
    assert demo_step(engine, token, now=clock).kind.value == "consent"


def test_limits_are_checked_on_create_and_edit_but_old_snapshots_still_load(
    engine, make_study, clock
):
    from sqlalchemy import update

    from hhvalues.store.db import StudyRow, write_session
    from hhvalues.store.studies import StudyConfig, edit_study_config, get_study, parse_config

    with pytest.raises(InputError, match="item_seconds must be between 5 and 3600, got 2"):
        make_study("a", item_seconds=2)
    make_study("b")
    with pytest.raises(InputError, match="session_minutes must be between 1 and 600"):
        edit_study_config(engine, "b", StudyConfig(session_minutes=601), now=clock, actor="t")
    old = StudyConfig(item_seconds=2).to_json()  # as the CLI could store it before the limits
    with write_session(engine) as session:
        session.exec(update(StudyRow).where(StudyRow.slug == "b").values(config=old))
    assert get_study(engine, "b").config == parse_config(old)
