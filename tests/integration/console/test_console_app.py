"""The console through AppTest: sign-in, role gating per page, first start, studies, results."""

from __future__ import annotations

import pytest

from hhvalues.store.accounts import list_users
from hhvalues.store.db import list_audit
from tests.integration.console.conftest import DEMO, PASSWORD, page, shown, sign_in


def _text(at) -> str:
    return "\n".join(
        shown(str(e.value))
        for e in [
            *at.markdown,
            *at.code,
            *at.caption,
            *at.error,
            *at.warning,
            *at.success,
            *at.title,
        ]
    )


def test_first_start_without_an_admin_names_the_command(app_engine, open_app):
    at = open_app()
    at.switch_page(page("login")).run()
    assert not at.exception
    assert "hhvalues user add NAME --role admin" in _text(at)


def test_a_participant_link_never_reaches_a_console_page(
    app_engine, accounts, demo_study, open_app
):
    at = open_app(study="s1")
    for name in ("login", "studies", "users", "results", "exports"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page(name))


def test_an_anonymous_visitor_gets_only_the_sign_in_page(app_engine, accounts, open_app):
    at = open_app()
    at.switch_page(page("login")).run()
    for name in ("studies", "users", "audit", "results", "exports", "browse"):
        with pytest.raises(ValueError):
            at.switch_page(page(name))


def test_a_researcher_is_refused_admin_pages(app_engine, accounts, demo_study, open_app):
    at = sign_in(open_app(), "rui")
    assert "Signed in as rui (researcher)" in _text(at).replace("**", "")
    for name in ("studies", "invites", "monitor", "results", "exports", "banks", "browse"):
        at.switch_page(page(name)).run()
        assert not at.exception, (name, at.exception)
    for name in ("users", "audit"):
        with pytest.raises(ValueError):
            at.switch_page(page(name))


def test_an_admin_manages_users_and_reads_the_audit_log(app_engine, accounts, open_app, clock):
    at = sign_in(open_app(), "ada")
    at.switch_page(page("users")).run()
    assert not at.exception
    at.text_input(key="user-name").input("newbie")
    at.text_input(key="user-password").input("another long password")
    at.button(key="user-add").click().run()
    assert "newbie" in [u.name for u in list_users(app_engine, now=clock)]
    at.switch_page(page("audit")).run()
    assert not at.exception
    assert "user_add" in at.dataframe[0].value["action"].tolist()


def test_sign_in_slows_down_and_answers_unknown_and_real_names_alike(
    app_engine, accounts, open_app, clock
):
    """Issue 15 item 4 through the page: the same wrong guesses on a real name and on an
    unknown one get the same answers; the real user gets in once the short wait is over."""
    from hhvalues.store.accounts import ACCOUNT_RULE

    answers = {}
    for name in ("rui", "nobody"):
        at = open_app()
        seen = []
        for _ in range(ACCOUNT_RULE.free + 2):
            at = sign_in(at, name, "wrong password!")
            seen.append([shown(e.value) for e in at.error])
        answers[name] = seen
        clock.advance(FORGET)  # the client (AppTest's one address) starts again from none
    assert answers["rui"] == answers["nobody"]
    assert answers["rui"][0] == ["wrong user name or password"]
    assert answers["rui"][-1][0].startswith("Too many failed sign-ins")
    assert "locked" not in _text(at)
    clock.advance(ACCOUNT_RULE.max_delay)
    at = sign_in(open_app(), "rui", PASSWORD)
    assert "Signed in as rui" in _text(at).replace("**", "")
    rows = [e for e in list_audit(app_engine) if e.action == "login_failed"]
    assert 1 <= len(rows) <= 3 and sum(e.detail["attempts"] for e in rows) >= 2


FORGET = 3601


def test_an_expired_session_loses_the_console(app_engine, accounts, open_app, clock):
    at = sign_in(open_app(), "rui")
    at.switch_page(page("studies")).run()
    clock.advance(2 * 3600)  # idle longer than IDLE_MINUTES
    at.run()
    with pytest.raises(ValueError):
        at.switch_page(page("studies"))


def test_create_study_and_invite_from_the_console(app_engine, accounts, demo_study, open_app):
    at = sign_in(open_app(), "rui")
    at.switch_page(page("studies")).run()
    at.text_input(key="new-slug").input("pilot")
    at.number_input(key="new-items").set_value(3)
    at.button(key="create-study-submit").click().run()
    assert not at.exception
    assert any("Created study pilot" in s.value for s in at.success)
    at.switch_page(page("invites")).run()
    at.selectbox(key="console-study").set_value("pilot").run()
    at.number_input(key="invite-count").set_value(3)
    at.button(key="invite-create").click().run()
    links = next(c.value for c in at.code if "?t=" in c.value).splitlines()
    assert len(links) == 3 and all("/?t=" in x for x in links)
    assert any(c.value.endswith("/?study=pilot") for c in at.code)
    actions = {(e.action, e.target) for e in list_audit(app_engine)}
    assert ("study_create", "pilot") in actions and ("invite", "pilot") in actions


def test_banks_page_shows_the_same_validity_report_as_the_cli(
    app_engine, accounts, demo_study, open_app
):
    from hhvalues.core.audit import audit_bank
    from hhvalues.core.validate import load_valid_bank

    at = sign_in(open_app(), "rui")
    at.switch_page(page("banks")).run()
    at.button(key="audit-run").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    report = audit_bank(load_valid_bank(DEMO))
    overall = table[(table["kind"] == "all") & (table["third"] == "all")].iloc[0]
    assert overall["ideal expected"] == pytest.approx(report.group().expected.value)
    assert overall["ideal realised"] == pytest.approx(report.group().realised.value)
    assert overall["best heuristic"] == report.group().best_heuristic
    assert len(table) == len(report.groups)
    shown = " ".join(m.value for m in at.markdown)
    assert all(goal in shown for goal in report.goals)


def test_the_edit_form_takes_its_bounds_from_the_limits_and_survives_an_old_config(
    app_engine, accounts, demo_study, open_app
):
    """A study stored with item_seconds=2 (the CLI allowed it before the limits) crashed the
    Edit tab; the inputs now show it at the nearest bound, and saving refuses nothing else."""
    from sqlalchemy import update

    from hhvalues.store.db import StudyConfigRow, StudyRow, write_session
    from hhvalues.store.studies import STUDY_LIMITS, get_study

    old = get_study(app_engine, demo_study).config.with_changes(item_seconds=2.0).to_json()
    with write_session(app_engine) as session:
        session.exec(update(StudyRow).where(StudyRow.slug == demo_study).values(config=old))
        session.exec(update(StudyConfigRow).values(config=old))
    at = sign_in(open_app(), "rui")
    at.switch_page(page("studies")).run()
    assert not at.exception
    for name in (
        "items",
        "train",
        "catch",
        "item_seconds",
        "session_minutes",
        "seed",
        "min_answer_seconds",
        "catch_exclude",
    ):
        key = "min-seconds" if name == "min_answer_seconds" else name.replace("_", "-")
        for prefix in ("new", f"edit-{demo_study}"):
            box = at.number_input(key=f"{prefix}-{key}")
            assert (box.min, box.max) == (STUDY_LIMITS[name].low, STUDY_LIMITS[name].high), name
    assert at.number_input(key=f"edit-{demo_study}-item-seconds").value == 5.0
    at.button(key="edit-study-submit").click().run()
    assert not at.exception and get_study(app_engine, demo_study).config.item_seconds == 5.0


def test_every_console_page_file_is_in_the_navigation(app_engine):
    """A page file under ui/console (one that runs as a page) is reachable from some role's
    navigation: adding a page means adding it to pages.py too."""
    from pathlib import Path

    from hhvalues.ui.console import pages

    files = {
        p.stem
        for p in Path(pages.HERE).glob("*.py")
        if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8")
    }
    tables = (pages.RESEARCHER_SECTIONS, pages.ADMIN_SECTIONS)
    listed = {name for table in tables for entries in table.values() for name, _, _ in entries}
    assert files == listed | {pages.ACCOUNT.stem}


def test_the_exports_page_offers_every_format_of_the_export_table(
    app_engine, accounts, demo_study, open_app
):
    from hhvalues.store.exports import EXPORTS

    at = sign_in(open_app(), "rui")
    at.switch_page(page("exports")).run()
    assert not at.exception
    links = {b.key: b.proto.url for b in at.get("link_button")}
    assert set(links) == {f"export-{fmt.value}" for fmt in EXPORTS}
    assert all(url.startswith("/hhv/download/") for url in links.values())
    assert not at.get("download_button")  # no /media URL: files go to this session only


def test_intake_contact_and_a_confirmed_close_from_the_console(
    app_engine, accounts, demo_study, open_app
):
    """Issue 19 items 9 and 10: intake questions and a contact are set in the Studies form;
    a bad intake line is refused naming it; "Close study" closes only once confirmed; the
    Invites page gives the Prolific URL with its placeholders."""
    from hhvalues.store.studies import IntakeQuestion, get_study

    at = sign_in(open_app(), "rui")
    at.switch_page(page("studies")).run()
    at.text_input(key="new-slug").input("pilot")
    at.number_input(key="new-items").set_value(3)
    at.text_input(key="new-contact").input("lab@example.org")
    at.text_area(key="new-intake").input("degree | Highest degree | none; BSc; PhD\nwhy | Why?")
    at.button(key="create-study-submit").click().run()
    assert not at.exception and any("Created study pilot" in s.value for s in at.success)
    cfg = get_study(app_engine, "pilot").config
    assert cfg.contact == "lab@example.org"
    assert cfg.intake == (
        IntakeQuestion("degree", "Highest degree", ("none", "BSc", "PhD")),
        IntakeQuestion("why", "Why?"),
    )
    at.text_input(key="new-slug").input("pilot2")
    at.text_area(key="new-intake").input("just a question")
    at.button(key="create-study-submit").click().run()
    assert any("line 1" in e.value for e in at.error)

    at.selectbox(key="console-study").set_value("pilot").run()
    assert get_study(app_engine, "pilot").status == "open"  # the popover alone closes nothing
    at.button(key="close-study-confirm").click().run()
    assert not at.exception and get_study(app_engine, "pilot").status == "closed"

    at.switch_page(page("invites")).run()
    assert any(
        c.value.endswith(
            "/?study=pilot&PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}"
            "&SESSION_ID={{%SESSION_ID%}}"
        )
        for c in at.code
    ), [c.value for c in at.code]


def test_sign_in_lets_a_password_manager_fill_it_and_says_how_to_get_an_account(
    app_engine, accounts, open_app
):
    """Issue 19 item 22: the password field asked password managers for a new password
    (autocomplete new-password) and nothing said how to get an account."""
    at = open_app()
    at.switch_page(page("login")).run()
    assert not at.exception
    assert at.text_input(key="login-name").proto.autocomplete == "username"
    assert at.text_input(key="login-password").proto.autocomplete == "current-password"
    text = _text(at)
    assert "No account yet?" in text and "hhvalues user add NAME --role researcher" in text


def test_browse_draws_predict_maps_and_names_features_by_label(
    app_engine, accounts, demo_study, open_app
):
    """Issue 19 item 20: Browse items showed the walks only, not the new world of a predict
    question, and the true weights by feature id ("traffic") where participants read labels."""
    from hhvalues.core.probes import ProbeKind
    from hhvalues.core.validate import load_valid_bank

    bank = load_valid_bank(DEMO)
    item = next(it for it in bank.items if any(p.kind is ProbeKind.PREDICT for p in it.probes))
    n_maps = sum(p.kind is ProbeKind.PREDICT for p in item.probes)
    at = sign_in(open_app(), "rui")
    at.switch_page(page("browse")).run()
    at.selectbox(key="browse-item").set_value(item).run()
    assert not at.exception
    captions = [i.caption for img in at.image for i in img.proto.imgs]
    assert sum("new world with paths A and B" in c for c in captions) == n_maps, captions
    assert sum(c.startswith("demonstration") for c in captions) == len(item.demos)
    weights = next(m.value for m in at.markdown if m.value.startswith("True weights"))
    assert "busy roads" in weights and "traffic" not in weights


def test_a_stored_bank_can_be_downloaded_from_the_console(
    app_engine, accounts, demo_study, open_app, clock
):
    """Issue 19 item 20: the console could not hand back a bank it generated; the Banks page
    offers each stored bank's file (with truth), the bytes `bank generate` writes, audited."""
    from hhvalues.core.bank import dumps_bank
    from hhvalues.core.validate import load_valid_bank
    from hhvalues.store.db import download_bank, list_banks, read_session

    at = sign_in(open_app(), "rui")
    at.switch_page(page("banks")).run()
    assert not at.exception
    assert at.selectbox(key="download-bank").value is not None
    assert any(b.proto.label.startswith("Download bank JSON") for b in at.get("link_button"))
    with read_session(app_engine) as session:
        (info,) = list_banks(session)
    data = download_bank(app_engine, info.id, actor="console:rui", now=clock)
    assert data.decode("utf-8") == dumps_bank(load_valid_bank(DEMO))
    (entry,) = list_audit(app_engine, action="bank_download")
    assert entry.actor == "console:rui" and entry.detail["content_hash"] == info.content_hash
