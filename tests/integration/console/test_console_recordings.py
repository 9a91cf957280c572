"""The console's side of demonstration studies: create one from the Studies form, then list its
walks, compare them with the simulated demonstrator and build a stored bank (Recorded walks page)."""

from __future__ import annotations

from hhvalues.core.bank import load_bank
from hhvalues.store.db import list_audit, list_banks, read_session
from hhvalues.store.demonstration import DemoConfig
from hhvalues.store.participation import consent, start_session
from hhvalues.store.studies import StudyKind, invite, list_studies
from tests.integration.console.conftest import DEMO, page, shown, sign_in
from tests.integration.recordings.test_recorded_bank import _walk_all


def _create_demonstration_study(at) -> None:
    at.switch_page(page("studies")).run()
    at.text_input(key="new-slug").input("walkers")
    at.selectbox(key="new-kind").set_value("demonstrate")
    at.selectbox(key="new-instruction").set_value("teach")
    at.number_input(key="new-practice").set_value(0)
    at.number_input(key="new-worlds").set_value(2)
    at.number_input(key="new-min-score").set_value(0.4)
    at.button(key="create-study-submit").click().run()
    assert not at.exception, at.exception
    assert any("Created study walkers" in s.value for s in at.success)


def test_demonstration_study_from_the_console_to_a_stored_bank(
    app_engine, accounts, demo_study, open_app, clock
):
    at = sign_in(open_app(), "rui")
    _create_demonstration_study(at)
    study = next(s for s in list_studies(app_engine) if s.slug == "walkers")
    demo = DemoConfig.of(study.config)
    assert study.kind == StudyKind.DEMONSTRATE.value
    assert (demo.instruction, demo.practice, demo.worlds, demo.quality.min_score) == (
        "teach",
        0,
        2,
        0.4,
    )

    bank = load_bank(DEMO)
    for token in invite(app_engine, "walkers", 2, now=clock, actor="test"):
        consent(app_engine, token, now=clock)
        start_session(app_engine, token, now=clock)
        _walk_all(app_engine, token, clock, bank)

    at.switch_page(page("recordings")).run()
    at.selectbox(key="console-study").set_value("walkers").run()
    assert not at.exception, at.exception
    walks = at.dataframe[0].value
    assert len(walks) == 4 and set(walks["instruction"]) == {"teach"}
    assert (walks["score"] > 0.99).all() and not walks["excluded by rule"].any()

    at.button(key="cmp-run").click().run()
    summary = at.dataframe[1].value
    assert list(summary["demonstrator"]) == ["human (teach)", "simulated"]
    assert list(summary["n_walks"]) == [4, 4]

    before = {b.content_hash for b in _banks(app_engine)}
    at.button(key="rec-build").click().run()
    assert not at.exception, at.exception
    assert any("items from 4 of 4 finished walks" in s.value for s in at.success)
    [new] = [b for b in _banks(app_engine) if b.content_hash not in before]
    assert new.name == "recorded-walkers" and new.items["test"] >= 1
    audit = [e for e in list_audit(app_engine) if e.action == "bank_from_recordings"]
    assert audit and audit[0].target == "recorded-walkers"


def test_building_before_any_walk_ends_stores_nothing_and_says_why(
    app_engine, accounts, demo_study, open_app, clock
):
    at = sign_in(open_app(), "rui")
    _create_demonstration_study(at)
    [token] = invite(app_engine, "walkers", 1, now=clock, actor="test")
    consent(app_engine, token, now=clock)
    start_session(app_engine, token, now=clock)  # walks assigned, none walked yet
    at.switch_page(page("recordings")).run()
    at.selectbox(key="console-study").set_value("walkers").run()
    before = len(_banks(app_engine))
    at.button(key="rec-build").click().run()
    assert not at.exception
    assert any(
        "none of the 0 recorded walk(s) can become an item" in shown(e.value) for e in at.error
    )
    assert len(_banks(app_engine)) == before
    assert not [e for e in list_audit(app_engine) if e.action == "bank_from_recordings"]


def test_an_answering_study_has_no_walks_page_content(app_engine, accounts, demo_study, open_app):
    at = sign_in(open_app(), "rui")
    at.switch_page(page("recordings")).run()
    assert not at.exception
    assert any("answering study" in i.value for i in at.info)


def _banks(engine):
    with read_session(engine) as session:
        return list_banks(session)
