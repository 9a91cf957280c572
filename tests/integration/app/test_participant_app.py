"""The participant app through AppTest: first start, links, consent, the whole flow, timing,
durability, bad links and secrecy of the truth."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import threading

import pytest
from streamlit.testing.v1 import AppTest

from hhvalues.core.bank import parse_bank
from hhvalues.core.render import item_stimulus, render_demo_png, stimulus_hash
from hhvalues.store.db import make_engine, upgrade
from hhvalues.store.participation import StepKind, current_step
from hhvalues.store.studies import (
    IntakeQuestion,
    Mode,
    StudyStatus,
    get_study,
    hash_token,
    invite,
    list_studies,
    set_study_status,
)
from hhvalues.ui.first_start import DEMO_SLUG, ensure_demo_study
from hhvalues.ui.participant.answer import ALREADY_FINAL, SUBMITTED_ELSEWHERE
from tests.conftest import TINY_BANK
from tests.integration.app.conftest import rows, snapshot

# --- helpers -----------------------------------------------------------------------------------


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def rendered(at: AppTest) -> str:
    """Every element AppTest received (markdown, captions, labels, options, help, images...)."""
    return "\n".join(str(getattr(n, "proto", "")) for n in _nodes(at._tree))


def texts(at: AppTest) -> str:
    return "\n".join(
        m.value
        for m in [
            *at.title,
            *at.markdown,
            *at.caption,
            *at.info,
            *at.success,
            *at.warning,
            *at.error,
            *at.code,
        ]
    )


def probe_radios(at: AppTest):
    return [r for r in at.radio if (r.key or "").startswith("probe-")]


def legend_shown(at: AppTest) -> tuple[list[bytes], str]:
    """The PNG bytes of every picture of the legend (whole, and its two columns for a phone)
    and its text alternative: the legend is HTML (widgets.show_legend), not an st.image."""
    import html as html_module
    import re

    [body] = [h.proto.body for h in at.get("html") if 'class="hhv-legend"' in h.proto.body]
    pngs = [base64.b64decode(u) for u in re.findall(r'src="data:image/png;base64,([^"]+)"', body)]
    [alt] = re.findall(r'aria-label="([^"]*)"', body)
    return pngs, html_module.unescape(alt)


def submit_button(at: AppTest):
    """The item page's submit button (its key is scoped to the item: ``submit~~<item id>``)."""
    return next(b for b in at.button if (b.key or "").partition("~~")[0] == "submit")


def answer(at: AppTest, letter: str = "A") -> AppTest:
    for r in probe_radios(at):
        r.set_value(letter)
    return at.run()


def item_of(engine, token, clock):
    step = current_step(engine, token, now=clock)
    return step, (step.item.item.id if step.item else None)


def start(open_app, engine, clock, slug="s"):
    [token] = invite(engine, slug, 1, now=clock, actor="test")
    at = open_app(t=token)
    at.button(key="consent").click().run()
    at.button(key="start").click().run()
    assert not at.exception
    return token, at


def countdown(at: AppTest) -> int:
    [box] = [
        n
        for n in _nodes(at._tree)
        if "st-key-countdown" in str(getattr(n, "proto", ""))
        or getattr(n, "key", None) == "countdown"
    ] or [None]
    assert box is not None, "no element keyed countdown"
    # the clock is HTML that counts on in the browser; its first figure is the seconds left
    bodies = " ".join(str(getattr(getattr(n, "proto", None), "body", "")) for n in _nodes(box))
    found = re.search(r"<b>(\d+) s</b>", bodies)
    assert found is not None, f"no seconds in the countdown: {bodies[:200]!r}"
    return int(found.group(1))


# --- first start and enrolment -----------------------------------------------------------------


def test_first_start_creates_the_demo_study_and_says_how_to_get_a_link(db_url, open_app):
    at = open_app()
    assert not at.exception
    engine = make_engine(db_url)
    study = get_study(engine, DEMO_SLUG)
    assert study.status == StudyStatus.OPEN.value
    page = texts(at)
    assert "?study=demo" in page and "hhvalues study invite --name demo --count 5" in page
    open_app()  # a second start changes nothing
    assert [s.slug for s in list_studies(engine)] == [DEMO_SLUG]


def test_first_start_is_race_safe(db_url, clock):
    engine = make_engine(db_url)
    upgrade(engine)
    results, errors = [], []

    def go():
        try:
            results.append(ensure_demo_study(make_engine(db_url), now=clock))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results.count(True) == 1
    assert rows(engine, "SELECT count(*) FROM studies")[0][0] == 1
    assert rows(engine, "SELECT count(*) FROM banks")[0][0] == 1


def test_open_enrolment_mints_a_token_into_the_url_and_records_prolific_ids(
    engine, make_study, open_app
):
    make_study()
    at = open_app(study="s", PROLIFIC_PID="pp1", STUDY_ID="st1", SESSION_ID="se1")
    assert not at.exception and set(at.query_params) == {"t"}
    assert at.button(key="consent")
    [(external,)] = rows(engine, "SELECT external FROM participants")
    assert json.loads(external) == {"PROLIFIC_PID": "pp1", "STUDY_ID": "st1", "SESSION_ID": "se1"}
    again = open_app(t=at.query_params["t"])  # a refresh resumes the same participant
    assert (
        again.button(key="consent") and rows(engine, "SELECT count(*) FROM participants")[0][0] == 1
    )


def test_decline_stores_only_the_refusal(engine, make_study, open_app, clock):
    make_study()
    at = open_app(study="s", PROLIFIC_PID="pp2")
    token = at.query_params["t"]
    at.button(key="decline").click().run()
    assert "declined" in texts(at) and not at.exception
    [(state, external, pid, intake, assignment)] = rows(
        engine, "SELECT state, external, external_pid, intake, assignment FROM participants"
    )
    assert state == "declined" and json.loads(external) == {}
    assert pid.startswith("#") and "pp2" not in pid  # a salted hash, to recognise the PID
    assert intake is None and json.loads(assignment) == []
    assert [
        k for (k,) in rows(engine, "SELECT kind FROM events WHERE participant_id IS NOT NULL")
    ] == ["decline"]
    assert rows(engine, "SELECT count(*) FROM answers WHERE respondent_kind = 'human'")[0][0] == 0
    again = texts(open_app(t=token))  # the link is used up, and says why kindly
    assert "chose not to take part in this study earlier" in again and not probe_radios(at)


def test_intake_questions_are_asked_and_stored(engine, make_study, open_app, clock):
    make_study(
        intake=(
            IntakeQuestion("degree", "Highest degree", ("none", "BSc", "PhD")),
            IntakeQuestion("field", "Field", required=False),
        )
    )
    [token] = invite(engine, "s", 1, now=clock, actor="test")
    at = open_app(t=token)
    at.button(key="consent").click().run()
    at.button[0].click().run()  # the form's submit with nothing chosen
    assert "Highest degree" in texts(at)  # the error names the question
    at.selectbox(key="intake-degree").set_value("PhD")
    at.text_input(key="intake-field").input("biology")
    at.button[0].click().run()
    assert at.button(key="start") and not at.exception
    [(intake,)] = rows(engine, "SELECT intake FROM participants")
    assert json.loads(intake) == {"degree": "PhD", "field": "biology"}


# --- the whole flow ----------------------------------------------------------------------------


def test_whole_session_to_the_completion_code(engine, make_study, open_app, clock):
    make_study(train=1, catch=1, item_seconds=60)
    token, at = start(open_app, engine, clock)
    seen_feedback, steps = False, 0
    while True:
        step, _ = item_of(engine, token, clock)
        if step.kind is StepKind.DONE:
            break
        assert "DONE-7Q4Z" not in rendered(at), "completion code shown before the end"
        steps += 1
        assert steps < 20
        if step.kind is StepKind.FEEDBACK:
            seen_feedback = True
            assert "Right answer" in texts(at) and "really valued" in texts(at)
            at.button(key="next").click().run()
            continue
        assert step.kind is StepKind.ITEM
        clock.advance(5)
        at = answer(at, "A")
        submit_button(at).click().run()
        assert not at.exception
    assert seen_feedback
    assert "DONE-7Q4Z" in texts(at) and "Thank you" in texts(at)
    statuses = rows(engine, "SELECT status, draft FROM answers WHERE respondent_kind = 'human'")
    assert len(statuses) == 4 and all(s == "ok" and not d for s, d in statuses)


def test_completion_code_waits_for_the_last_commit(engine, make_study, open_app, clock):
    make_study(items=1)
    token, at = start(open_app, engine, clock)
    at = answer(at)  # drafts are not commits
    assert "DONE-7Q4Z" not in rendered(at)
    assert "DONE-7Q4Z" not in rendered(open_app(t=token))
    submit_button(at).click().run()
    assert "DONE-7Q4Z" in texts(at)


def test_images_are_the_exact_pngs_and_the_stored_hash_covers_them(
    engine, make_study, open_app, clock
):
    make_study(items=1)
    token, at = start(open_app, engine, clock)
    step, _ = item_of(engine, token, clock)
    view = step.item
    stim = item_stimulus(view.bank, view.item, order=dict(view.order))
    shown = [base64.b64decode(i.value[0].split(",", 1)[1]) for i in at.image]
    assert all(i.value[0].startswith("data:image/png;base64,") for i in at.image)
    from hhvalues.ui.participant.item import display_order

    n = len(view.item.demos)  # the walks, then the questions' maps; the legend beside them
    probes = view.item.probes
    order = display_order(probes)  # the page's order of the questions
    pic = [n + sum(p.kind.shows_paths for p in probes[:k]) for k in range(len(probes))]
    maps = [pic[k] for k in order if probes[k].kind.shows_paths]
    assert shown == [*stim.images[:n], *(stim.images[i] for i in maps)]
    alts = [i.proto.imgs[0].alt for i in at.image]  # each with the words a model reads
    assert alts == [*stim.alts[:n], *(stim.alts[i] for i in maps)]
    assert legend_shown(at) == ([stim.legend] * 3, stim.alts[-1])
    options = [o.split(": ", 1)[1] for r in probe_radios(at) for o in r.options]
    assert options == [stim.texts[2 * k + j] for k in order for j in (0, 1)]
    replay = at.slider(key=f"replay-{view.item.id}-0")
    replay.set_value(1).run()
    demo = view.item.demos[0]
    assert base64.b64decode(at.image[0].value[0].split(",", 1)[1]) == render_demo_png(
        view.bank.features, demo.grid, demo.path, horizon=view.bank.model.horizon, upto=1
    )
    at = answer(at)
    submit_button(at).click().run()
    [(stimulus,)] = rows(engine, "SELECT stimulus FROM answers WHERE respondent_kind = 'human'")
    assert stimulus == stimulus_hash(stim.pictures, stim.texts)


def test_hypothesis_confidence_and_rationale_are_saved_as_drafts(
    engine, make_study, open_app, clock
):
    make_study(items=1, mode=Mode.BOTH, ask_confidence=True, ask_rationale=True)
    token, at = start(open_app, engine, clock)
    _, item = item_of(engine, token, clock)
    at.slider(key=f"hypothesis-flowers~~{item}").set_value(2).run()
    at.slider(key=f"confidence-p1~~{item}").set_value(90).run()
    at.text_area(key=f"rationale~~{item}").input("went around the puddle").run()
    at = answer(at, "B")
    [(hyp, conf, why, draft)] = rows(
        engine,
        "SELECT hypothesis, confidence, rationale, draft FROM answers WHERE respondent_kind = 'human'",
    )
    assert json.loads(hyp)["flowers"] == 2.0 and json.loads(conf)["p1"] == 0.9
    assert why == "went around the puddle" and draft
    resumed = open_app(t=token)  # a new session shows what was stored
    assert resumed.slider(key=f"hypothesis-flowers~~{item}").value == 2
    assert resumed.text_area(key=f"rationale~~{item}").value == "went around the puddle"


# --- time and durability -----------------------------------------------------------------------


def test_refresh_resumes_the_same_item_with_the_same_deadline(engine, make_study, open_app, clock):
    make_study(item_seconds=60)
    token, at = start(open_app, engine, clock)
    _, first = item_of(engine, token, clock)
    clock.advance(20)
    at = open_app(t=token)
    assert countdown(at) == 40
    step, again = item_of(engine, token, clock)
    assert again == first
    clock.advance(15)
    assert countdown(open_app(t=token)) == 25
    assert step.item.deadline_at == item_of(engine, token, clock)[0].item.deadline_at


def test_drafts_survive_a_crash(engine, make_study, open_app, clock):
    make_study()
    token, at = start(open_app, engine, clock)
    at = answer(at, "B")
    del at  # the browser session is gone
    at = open_app(t=token)
    assert [r.value for r in probe_radios(at)] and all(r.value == "B" for r in probe_radios(at))


def test_an_answer_after_the_deadline_is_a_timeout_with_what_was_selected(
    engine, make_study, open_app, clock
):
    make_study(item_seconds=30)
    token, at = start(open_app, engine, clock)
    _, item = item_of(engine, token, clock)
    first = probe_radios(at)[0]
    first.set_value("A")
    at.run()
    clock.advance(40)
    submit_button(at).click().run()
    [(status, choices)] = rows(
        engine,
        "SELECT status, choices FROM answers WHERE respondent_kind = 'human' AND item_id = :i",
        i=item,
    )
    assert status == "timeout" and len(json.loads(choices)) == 1
    assert "Time ran out for question set 1" in texts(at)
    assert item_of(engine, token, clock)[1] != item


def test_a_page_drawn_past_the_deadline_ends_the_item_with_no_grace(
    engine, make_study, open_app, clock
):
    """The browser takes no input after its countdown shows 0, so the page (the server's wake
    half a second after the deadline) ends the item at once; the store's 2 s of grace are for
    answers in flight only (before, the page drew the item again, clickable, for 2 s more)."""
    make_study(item_seconds=30)
    token, at = start(open_app, engine, clock)
    _, item = item_of(engine, token, clock)
    clock.advance(30.5)
    at.run()
    assert rows(
        engine,
        "SELECT status, draft FROM answers WHERE respondent_kind = 'human' AND item_id = :i",
        i=item,
    ) == [("timeout", False)]
    assert "Time ran out for question set 1" in texts(at)


def test_the_time_up_notice_numbers_question_sets_as_the_title_does(
    engine, make_study, open_app, clock
):
    """After a practice item, the first timed item is question set 2 of the title; its time-up
    notice says set 2 too (it counted timed sets only: 'set 1' right after 'set 2 of 3')."""
    make_study(train=1, items=2, item_seconds=30)
    _, at = start(open_app, engine, clock)
    at = answer(at, "A")
    submit_button(at).click().run()
    at.button(key="next").click().run()
    assert "Question set 2 of 3" in texts(at)
    clock.advance(31)
    at.run()
    assert "Question set 3 of 3" in texts(at)
    assert "Time ran out for question set 2." in texts(at)


def test_an_item_left_to_expire_is_recorded_on_the_next_run(engine, make_study, open_app, clock):
    make_study(item_seconds=30)
    token, at = start(open_app, engine, clock)
    _, item = item_of(engine, token, clock)
    clock.advance(33)
    at.run()  # what the countdown fragment's rerun does when it reaches zero
    [(status,)] = rows(
        engine,
        "SELECT status FROM answers WHERE respondent_kind = 'human' AND item_id = :i",
        i=item,
    )
    assert status == "timeout" and countdown(at) == 30


@pytest.mark.parametrize("mode", [Mode.PROBES, Mode.HYPOTHESIS])
def test_a_recorded_timeout_carries_the_hash_of_what_the_page_showed(
    engine, make_study, open_app, clock, mode, tiny_bank
):
    """The store records a timeout with the hash the page's submit would have stored: a
    hypothesis-only page shows the walks and a legend of what they show (the item's predict
    map and its paths are not shown), so its hash covers those alone."""
    with_map = next(i for i in tiny_bank.items if any(p.kind.shows_paths for p in i.probes))
    train = [i for i in tiny_bank.items if i.split.value == "train"]
    bank = dataclasses.replace(tiny_bank, items=(*train, with_map))
    make_study(bank=bank, items=1, item_seconds=30, mode=mode)
    token, at = start(open_app, engine, clock)
    step, item = item_of(engine, token, clock)
    view = step.item
    asks = mode is not Mode.HYPOTHESIS
    stim = item_stimulus(view.bank, view.item, order=dict(view.order), questions=asks)
    n = len(view.item.demos)
    assert len(stim.images) == n + asks * sum(p.kind.shows_paths for p in view.item.probes)
    shown = [base64.b64decode(i.value[0].split(",", 1)[1]) for i in at.image]
    assert shown == [*stim.images[:n], *stim.images[n:]]
    assert legend_shown(at)[0] == [stim.legend] * 3
    clock.advance(33)
    at.run()
    [(status, stimulus)] = rows(
        engine,
        "SELECT status, stimulus FROM answers WHERE respondent_kind = 'human' AND item_id = :i",
        i=item,
    )
    assert status == "timeout"
    if mode is Mode.HYPOTHESIS:
        assert stimulus == stimulus_hash((*stim.images[:n], stim.legend), ())
    else:
        assert stimulus == stimulus_hash(stim.pictures, stim.texts)


def test_two_tabs_submitting_the_same_item_store_one_answer(engine, make_study, open_app, clock):
    make_study()
    token, one = start(open_app, engine, clock)
    two = open_app(t=token)
    step, item = item_of(engine, token, clock)
    one, two = answer(one, "A"), answer(two, "B")
    submit_button(one).click().run()
    submit_button(two).click().run()
    assert not one.exception and not two.exception
    # the second tab says its choices were not saved; the first tab (and a double click) do not
    assert SUBMITTED_ELSEWHERE in texts(two) and SUBMITTED_ELSEWHERE not in texts(one)
    [(choices,)] = rows(
        engine,
        "SELECT choices FROM answers WHERE respondent_kind = 'human' AND item_id = :i AND NOT draft",
        i=item,
    )
    assert (
        rows(
            engine,
            "SELECT count(*) FROM answers WHERE respondent_kind = 'human' AND item_id = :i",
            i=item,
        )[0][0]
        == 1
    )
    shown_a = {pid: sides[0] for pid, sides in step.item.order.items()}  # what "A" means per probe
    assert (
        json.loads(choices) == shown_a
    )  # the first tab's answer, mapped back to the bank's letters


# --- bad links, outages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"t": "A" * 27},
        {"t": "x"},
        {"t": "<script>"},
        {"t": ["A" * 27, "B" * 27]},
        {"study": "nosuch"},
        {"study": "Bad Name!"},
        {"study": "s", "PROLIFIC_PID": "no spaces allowed"},
        {"study": "closed"},
    ],
)
def test_bad_links_show_a_clear_page_and_write_nothing(engine, make_study, open_app, clock, query):
    make_study()
    make_study("closed")
    set_study_status(engine, "closed", StudyStatus.CLOSED, now=clock, actor="test")
    before = snapshot(engine)
    at = open_app(**query)
    page = "This study has closed" if query.get("study") == "closed" else "This link cannot be used"
    assert not at.exception and page in texts(at)
    assert snapshot(engine) == before


def test_a_link_to_a_closed_study_stops_a_participant(engine, make_study, open_app, clock):
    make_study()
    token, at = start(open_app, engine, clock)
    set_study_status(engine, "s", StudyStatus.CLOSED, now=clock, actor="test")
    before = snapshot(engine)
    at = open_app(t=token)
    assert "closed" in texts(at) and not probe_radios(at)
    assert snapshot(engine) == before


def test_a_change_on_a_page_left_open_after_its_item_was_submitted_says_it_was_not_saved(
    engine, make_study, open_app, clock
):
    make_study()
    token, one = start(open_app, engine, clock)
    two = open_app(t=token)
    _, item = item_of(engine, token, clock)
    submit_button(answer(one, "A")).click().run()
    stored = rows(engine, "SELECT * FROM answers WHERE respondent_kind = 'human'")
    two = answer(two, "B")
    assert ALREADY_FINAL in texts(two) and not two.exception
    assert rows(engine, "SELECT * FROM answers WHERE respondent_kind = 'human'") == stored
    assert item in {r.item_id for r in stored}


def test_database_failures_reach_participants_as_a_plain_sentence_and_the_log_in_detail(
    engine, make_study, open_app, clock, caplog
):
    """A write refused by the database shows the participant one plain sentence, never the
    database's own words; the server log has the detail under the participant's hashed token
    (issue 16 item 3). The database refuses every write of an answer: a trigger names a table
    that is gone (SQLite checks that when the write is prepared); reads go on."""
    make_study()
    token, at = start(open_app, engine, clock)
    _, item = item_of(engine, token, clock)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE gone (x INTEGER)")
        for op in ("INSERT", "UPDATE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_{op} BEFORE {op} ON answers "
                "BEGIN INSERT INTO gone VALUES (1); END"
            )
        conn.exec_driver_sql("DROP TABLE gone")
    try:
        at = answer(at, "A")
        shown = texts(at) + rendered(at)
        submit_button(at).click().run()
        shown += texts(at) + rendered(at)
    finally:
        with engine.begin() as conn:
            for op in ("INSERT", "UPDATE"):
                conn.exec_driver_sql(f"DROP TRIGGER refuse_{op}")
    assert not at.exception
    assert "Your last change could not be saved: the study's server is briefly" in shown
    assert "Your answer could not be saved: the study's server is briefly" in shown
    for detail in ("no such table", "answers", "sqlite", "database cannot", "SELECT", "INSERT"):
        assert detail not in shown, detail
    logged = [r.getMessage() for r in caplog.records if r.name == "hhvalues.participant"]
    ref = hash_token(token)[:16]
    assert logged and all(ref in m and "no such table" in m for m in logged), logged
    assert not any(token in m for m in logged)
    # the fault cleared: the same page submits
    at = answer(at, "A")
    submit_button(at).click().run()
    assert rows(engine, "SELECT status FROM answers WHERE item_id = :i AND NOT draft", i=item)


def test_an_unreachable_database_shows_the_fallback_page(monkeypatch, open_app):
    monkeypatch.setenv("HHVALUES_DATABASE_URL", "postgresql+psycopg://u:p@127.0.0.1:9/none")
    at = open_app(t="A" * 27)
    assert not at.exception and "briefly unavailable" in texts(at)
    assert "psycopg" not in rendered(at) and "127.0.0.1" not in rendered(at)


# --- secrecy -----------------------------------------------------------------------------------


def _flipped_truth_bank():
    """The tiny bank with every test item's truth changed (weights negated, answers flipped)."""
    doc = json.loads(TINY_BANK.read_text())
    for item in doc["items"]:
        if item["split"] != "train":
            t = item["truth"]
            t["weights"] = {k: -v for k, v in t["weights"].items()}
            t["answers"] = {k: "AB"[v == "A"] for k, v in t["answers"].items()}
            t["rationality"] = t["rationality"] + 7
    return parse_bank(doc)


def _pages_of_a_session(open_app, engine, clock, make_study, bank=None):
    make_study(bank=bank, train=0, catch=1, item_seconds=60)
    token, at = start(open_app, engine, clock)
    pages = []
    while item_of(engine, token, clock)[0].kind is StepKind.ITEM:
        pages.append(rendered(at))
        at = answer(at, "A")
        pages.append(rendered(at))
        submit_button(at).click().run()
    return pages


def test_no_truth_of_a_test_item_reaches_any_element(
    engine, make_study, open_app, clock, tiny_bank
):
    pages = _pages_of_a_session(open_app, engine, clock, make_study)
    assert len(pages) >= 6 and all(
        "data:image/png;base64," in p and "seeks out" in p for p in pages
    )
    for item in tiny_bank.items:
        if item.split.value == "train":
            continue
        t = item.truth
        needles = [
            "truth",
            "rationality",
            "weights",
            json.dumps(dict(t.weights)),
            json.dumps(dict(t.answers)),
            *(f"{k}={v}" for k, v in t.answers.items()),
        ]
        for page in pages:
            assert not [n for n in needles if n in page]


def test_rendered_pages_do_not_depend_on_the_truth(
    tmp_path, monkeypatch, open_app, clock, tiny_bank
):
    """Same items, different truth → byte-identical elements: nothing of the truth is sent."""
    runs = []
    for name, bank in (("a", tiny_bank), ("b", _flipped_truth_bank())):
        url = f"sqlite:///{tmp_path / name}.db"
        monkeypatch.setenv("HHVALUES_DATABASE_URL", url)
        eng = make_engine(url)
        upgrade(eng)
        clock.now = clock.now.replace(hour=12, minute=0, second=0)

        def make(slug="s", bank=None, _chosen=bank, eng=eng, **config):
            from hhvalues.store.db import import_bank, write_session
            from hhvalues.store.studies import StudyConfig, create_study

            with write_session(eng) as s:
                info = import_bank(s, bank or _chosen, now=clock)
            config.setdefault("completion_code", "DONE-7Q4Z")
            create_study(
                eng,
                slug=slug,
                bank_id=info.id,
                config=StudyConfig(**config),
                now=clock,
                actor="test",
            )

        runs.append(_pages_of_a_session(open_app, eng, clock, make))
        eng.dispose()
    assert runs[0] == runs[1]


def test_declining_gives_the_studys_code_and_way_back_and_its_contact(
    engine, make_study, open_app, clock
):
    """Issue 19 item 10: declining consent gave no redirect or code, and "contact the
    researcher" was shown with no contact."""
    make_study(
        decline_code="NOCONSENT",
        decline_url="https://app.prolific.com/submissions/complete?cc=NOCONSENT",
        contact="lab@example.org",
    )
    at = open_app(study="s", PROLIFIC_PID="pp3")
    at.button(key="decline").click().run()
    assert not at.exception
    assert any(c.value == "NOCONSENT" for c in at.code)
    links = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<a ")]
    assert links == [  # a link in this tab (st.link_button opens a new one)
        '<a class="hhv-link-button" href="https://app.prolific.com/submissions/complete?'
        'cc=NOCONSENT">Return to the study platform</a>'
    ]
    assert "lab@example.org" in texts(at).replace("\\", "")  # shown as plain text


def test_a_closed_study_says_it_is_closed_not_to_check_the_link(
    engine, make_study, open_app, clock
):
    """Issue 19 item 10: a closed study told participants to "check that you opened the whole
    link"; it says the study has closed, with the study's contact."""
    make_study(contact="lab@example.org")
    token, _ = start(open_app, engine, clock)
    set_study_status(engine, "s", StudyStatus.CLOSED, now=clock, actor="test")
    shown = texts(open_app(t=token)).replace("\\", "")  # plain text, Markdown-escaped
    assert "This study has closed" in shown and "whole link" not in shown
    assert "lab@example.org" in shown


def test_refusals_at_enrolment_say_why_and_give_the_contact(engine, make_study, open_app, clock):
    """Issue 19 item 10: the study link of a closed study told participants to check the
    link, and 'started in another browser' told them to contact the researcher with no
    contact; both come from the study now."""
    make_study(contact="lab@example.org")
    first = open_app(study="s", PROLIFIC_PID="pp9")
    first.button(key="consent").click().run()
    elsewhere = texts(open_app(study="s", PROLIFIC_PID="pp9")).replace("\\", "")
    assert "another browser" in elsewhere and "lab@example.org" in elsewhere
    set_study_status(engine, "s", StudyStatus.CLOSED, now=clock, actor="test")
    shown = texts(open_app(study="s")).replace("\\", "")
    assert "This study has closed" in shown and "whole link" not in shown
    assert "lab@example.org" in shown


def test_questions_with_maps_take_turns_with_the_others():
    """The fullest item (two predict maps first) needed a scroll in two balanced columns: maps
    take turns with the questions without one; an item without maps keeps the bank's order."""
    from hhvalues.core.probes import Probe, ProbeKind
    from hhvalues.ui.participant.item import display_order

    predict, sign, compare = ProbeKind.PREDICT, ProbeKind.SIGN, ProbeKind.COMPARE
    order = lambda *kinds: display_order([Probe(f"p{i}", k) for i, k in enumerate(kinds)])  # noqa: E731
    assert order(predict, predict, compare, sign) == [0, 2, 1, 3]
    assert order(compare, sign, compare) == [0, 1, 2]
    assert order(predict, compare, predict) == [0, 1, 2]
