"""No console page shows Streamlit's exception box (issue 15 item 1); user-supplied text is
plain text and a redirect URL is http(s) only (item 7); Results and Monitoring say what their
rows and counts are (item 8)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from hhvalues.core.bank import dumps_bank, publish
from hhvalues.core.validate import load_valid_bank
from hhvalues.store.studies import get_study, list_studies
from hhvalues.ui.console import pages
from hhvalues.ui.guard import UNEXPECTED
from hhvalues.ui.text import plain
from tests.integration.console.conftest import DEMO, page, shown, sign_in

RESEARCHER = [n for entries in pages.RESEARCHER_SECTIONS.values() for n, _, _ in entries]
ADMIN = [n for entries in pages.ADMIN_SECTIONS.values() for n, _, _ in entries]
ACCOUNT_TABLES = {"users", "console_sessions", "sso_allowlist", "login_throttle", "audit_log"}


def _errors(at) -> list[str]:
    return [shown(e.value) for e in at.error]


def _drop_tables(engine, keep: set[str]) -> None:
    """What a half-restored or wrongly migrated database looks like: tables gone."""
    import sqlite3

    con = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys=OFF")
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table not in keep | {"alembic_version"} and not table.startswith("sqlite_"):
                con.execute(f'DROP TABLE "{table}"')
    finally:
        con.close()


@pytest.mark.parametrize("name", RESEARCHER + ADMIN)
def test_a_page_whose_store_calls_fail_shows_one_message(
    app_engine, accounts, demo_study, open_app, name
):
    """Every store call of the page raises StoreError (its tables are gone): the page shows
    the store's message, never the exception box."""
    at = sign_in(open_app(), "ada")
    at.switch_page(page(name)).run()
    assert not at.exception, (name, at.exception)
    # an admin page's own tables go too (users and sessions stay: the sign-in needs them)
    own = {"audit": {"audit_log"}, "users": {"sso_allowlist", "login_throttle"}}
    _drop_tables(app_engine, ACCOUNT_TABLES - own.get(name, set()))
    at.run()
    assert not at.exception, (name, at.exception)
    errors = _errors(at)
    assert errors and all(UNEXPECTED not in e for e in errors), (name, errors)
    assert any("the database cannot be reached or refused the operation" in e for e in errors)


@pytest.mark.parametrize("name", ["login", *RESEARCHER, *ADMIN])
def test_a_database_that_cannot_be_opened_is_one_message_on_every_page(
    app_engine, accounts, demo_study, open_app, name, tmp_path, monkeypatch
):
    at = sign_in(open_app(), "ada")
    at.switch_page(page(name)).run()
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("HHVALUES_DATABASE_URL", f"sqlite:///{broken}")
    at.run()
    assert not at.exception, (name, at.exception)
    assert any("database" in e for e in _errors(at)), _errors(at)


def test_uploading_a_public_bank_says_why_it_is_not_stored(
    app_engine, accounts, demo_study, open_app, tmp_path
):
    """The file ``bank publish`` writes (no truth) crashed the Banks page with BankError."""
    at = sign_in(open_app(), "rui")
    at.switch_page(page("banks")).run()
    public = dumps_bank(publish(load_valid_bank(DEMO))).encode()
    at.file_uploader(key="bank-upload").set_value(("public.json", public, "application/json"))
    at.run()
    at.button(key="bank-upload-submit").click().run()
    assert not at.exception
    (error,) = _errors(at)
    assert error.startswith("Not stored: ") and "truth" in error


def test_a_bug_on_a_page_is_one_message_not_the_exception_box(
    app_engine, accounts, demo_study, open_app
):
    """Data no code expects (a study configuration that is not an object): not one of our
    errors, so the page says something went wrong, and the traceback goes to the log."""
    at = sign_in(open_app(), "rui")
    with app_engine.begin() as conn:
        conn.execute(text("UPDATE studies SET config = '[]'"))
    for name in ("studies", "invites", "results", "exports", "monitor"):
        at.switch_page(page(name)).run()
        assert not at.exception, (name, at.exception)
        assert UNEXPECTED in _errors(at), (name, _errors(at))


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", "/relative", "https://", "http://a b"]
)
def test_a_redirect_url_must_be_http_or_https(app_engine, accounts, demo_study, open_app, url):
    at = sign_in(open_app(), "rui")
    at.switch_page(page("studies")).run()
    at.text_input(key="new-slug").input("p2")
    at.text_input(key="new-redirect").input(url)
    at.button(key="create-study-submit").click().run()
    assert not at.exception
    assert any("the redirect URL must be an http:// or https:// address" in e for e in _errors(at))
    assert "p2" not in {s.slug for s in list_studies(app_engine)}
    at.text_input(key="new-redirect").input("https://app.prolific.com/submissions/complete?cc=X")
    at.button(key="create-study-submit").click().run()
    assert get_study(app_engine, "p2").config.redirect_url.startswith("https://app.prolific")


def test_user_supplied_names_are_plain_text(app_engine, accounts, demo_study, open_app):
    """A bank name with Markdown in it (bold and italics by underscores, an emoji shortcode) is
    shown as those characters: every markup character of the name is escaped in the message.
    (Since issue 16 a bank name is a safe id, so brackets, stars, dollars and HTML can no longer
    be in one at all; test_plain_escapes_every_markup_character covers those.)"""
    from dataclasses import replace

    name = "b__bold__:smile:_i_x"
    bank = replace(load_valid_bank(DEMO), name=name)
    at = sign_in(open_app(), "rui")
    at.switch_page(page("banks")).run()
    at.file_uploader(key="bank-upload").set_value(
        ("b.json", dumps_bank(bank).encode(), "application/json")
    )
    at.run()
    at.button(key="bank-upload-submit").click().run()
    (message,) = [s.value for s in at.success]
    assert plain(name) in message and name not in message
    assert shown(message).startswith(f"Stored bank {name} v")


def test_plain_escapes_every_markup_character():
    raw = "a*b_c`d[e](f)#g+h-i.j!k|l<m>n~o$p:q&r{s}t\\u=v^w"
    escaped = plain(raw)
    assert shown(escaped) == raw
    assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c in "*_`[]()#$:<>&")


def test_results_say_which_participants_are_in_and_the_chart_has_room_for_every_row(
    app_engine, accounts, demo_study, open_app, clock
):
    from hhvalues.store.analysis import study_results
    from hhvalues.ui.console import charts

    at = sign_in(open_app(), "rui")
    at.switch_page(page("results")).run()
    assert not at.exception
    toggle = at.toggle(key="results-finished")
    assert toggle.value is True and toggle.label == "Finished participants only"
    assert any(
        "Human rows: the 0 participant(s) who finished" in shown(c.value) for c in at.caption
    )
    results = study_results(app_engine, "s1")
    spec = charts.accuracy_chart(results).to_dict()
    assert spec["height"] == {"step": charts.ROW_PIXELS}  # a row's room, whatever the count
    texts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    (labels,) = [t for t in texts if t["encoding"]["text"]["field"] == "label"]
    assert labels["encoding"]["x"] == {"value": 0}  # whole labels, across the chart's width
    assert all(layer["encoding"]["y"]["axis"] is None for layer in spec["layer"][1:])
    toggle.set_value(False).run()
    assert any("Human rows: all 0 participant(s)" in shown(c.value) for c in at.caption)


def test_monitoring_counts_say_what_they_count(app_engine, accounts, demo_study, open_app, clock):
    from hhvalues.store.analysis import monitor
    from hhvalues.store.studies import ParticipantState, invite
    from hhvalues.ui.console import charts
    from hhvalues.ui.console.monitor import STATES

    invite(app_engine, "s1", 3, now=clock, actor="test")
    at = sign_in(open_app(), "rui")
    at.switch_page(page("monitor")).run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert set(STATES) == {s.value for s in ParticipantState}
    assert labels["not consented yet"] == "3" and "invited" not in labels
    assert {"sessions timed out", "items timed out", "catch items failed"} <= set(labels)
    spec = charts.answers_per_minute_chart(monitor(app_engine, "s1", now=clock)).to_dict()
    axis = spec["encoding"]["x"]["axis"]
    assert "utchours(datum.value)" in axis["labelExpr"]  # HH:MM in UTC (issue 19 item 11)
    assert spec["encoding"]["x"]["title"] == "minute (UTC)"
    json.dumps(spec)
