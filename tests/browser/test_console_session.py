"""The console session in the browser (issue 15 items 3, 4 and 5): a signed, HttpOnly,
SameSite=Strict cookie that survives a reload, a new tab and a typed URL, ends with the session
(expiry, `user disable`, sign-out), slows down wrong passwords without locking anyone out and
answers unknown and real names alike; downloads go to the signed-in session that asked only."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from tests.browser.harness import click_key, make_study, settle

pytestmark = pytest.mark.browser
PASSWORD = "browser test password"
SIGNED_IN = "Signed in as"


def _now() -> datetime:
    return datetime.now(UTC)


def _setup(database_url: str) -> None:
    from hhvalues.store.accounts import add_user
    from hhvalues.store.db import make_engine

    make_study(database_url, "bt", items=2, train=0, catch=0)
    engine = make_engine(database_url)
    add_user(engine, "ada", "admin", PASSWORD, now=_now)
    add_user(engine, "rui", "researcher", PASSWORD, now=_now)
    engine.dispose()


def _fill(page: Any, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input").first
    box.fill(value)
    box.press("Tab")


def _sign_in(page: Any, base: str, name: str, password: str = PASSWORD) -> str:
    """Submit the sign-in form; the page's text afterwards (after the cookie handoff)."""
    page.goto(f"{base}/console")
    settle(page)
    _fill(page, "login-name", name)
    _fill(page, "login-password", password)
    click_key(page, "login-submit")
    if password == PASSWORD:
        page.wait_for_selector(f"text={SIGNED_IN}", timeout=30_000)
    settle(page)
    return page.inner_text("[data-testid='stMain']")


def _message(page: Any) -> str:
    alerts = page.locator("[data-testid='stAlert']")
    return alerts.first.inner_text().strip() if alerts.count() else ""


def _signed_in(page: Any, url: str) -> bool:
    page.goto(url)
    settle(page)
    return SIGNED_IN in page.inner_text("body") or bool(
        page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Studies").count()
    )


def _tab(browser: Any) -> tuple[Any, Any]:
    """A fresh browser context (its own cookies) and a page in it."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def _engine(url: str) -> Any:
    from hhvalues.store.db import make_engine

    return make_engine(url)


def test_the_session_survives_a_reload_a_new_tab_and_a_typed_url(browser, servers, sqlite_db_url):
    _setup(sqlite_db_url)
    server = servers(sqlite_db_url)
    ctx, page = _tab(browser)
    assert SIGNED_IN in _sign_in(page, server.url, "ada")
    (cookie,) = [c for c in ctx.cookies() if c["name"] == "hhv_console"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/"
    lasts = cookie["expires"] - time.time()
    assert 7.9 * 3600 < lasts <= 8 * 3600  # the session's own expiry (SESSION_HOURS)
    assert page.evaluate("document.cookie").find("hhv_console") == -1  # no script can read it
    page.reload()
    settle(page)
    assert SIGNED_IN in page.inner_text("body")
    tab = ctx.new_page()
    assert _signed_in(tab, f"{server.url}/studies")  # a new tab, a typed console URL
    assert "Studies" in tab.inner_text("[data-testid='stMain']")
    # a tampered cookie is no session at all
    forged = {**cookie, "value": cookie["value"][:-2] + "xx"}
    other = browser.new_context()
    other.add_cookies([forged])
    assert not _signed_in(other.new_page(), f"{server.url}/console")
    # sign-out ends the session and clears the cookie
    page.goto(f"{server.url}/console")
    settle(page)
    click_key(page, "logout")
    page.wait_for_selector("text=Console sign-in", timeout=30_000)
    settle(page)
    assert not [c for c in ctx.cookies() if c["name"] == "hhv_console"]
    assert not _signed_in(tab, f"{server.url}/console")
    other.add_cookies([cookie])  # the old cookie, replayed: its session is over
    assert not _signed_in(other.new_page(), f"{server.url}/console")
    ctx.close()
    other.close()


def test_expiry_and_revocation_end_the_cookie_session(browser, servers, sqlite_db_url):
    from hhvalues.cli import main
    from hhvalues.store.db import ConsoleSessionRow, write_session

    _setup(sqlite_db_url)
    server = servers(sqlite_db_url)
    ctx, page = _tab(browser)
    _sign_in(page, server.url, "rui")
    engine = _engine(sqlite_db_url)
    with write_session(engine) as session:  # eight hours later
        session.exec(update(ConsoleSessionRow).values(expires_at=_now() - timedelta(seconds=1)))
    assert not _signed_in(page, f"{server.url}/console")
    assert "Console sign-in" in page.inner_text("body")

    _sign_in(page, server.url, "rui")
    assert _signed_in(page, f"{server.url}/studies")
    assert main(["user", "disable", "rui", "--db", sqlite_db_url]) == 0  # revoked on the server
    page.reload()
    settle(page)
    assert "Console sign-in" in page.inner_text("body")
    assert not page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Studies").count()
    engine.dispose()
    ctx.close()


def _forgive_the_browser(session: Any) -> None:
    """Forget the test browser's own failures (every context signs in from 127.0.0.1)."""
    from hhvalues.store.db import LoginThrottleRow

    session.exec(
        update(LoginThrottleRow)
        .where(LoginThrottleRow.key.startswith("client:"))  # type: ignore[attr-defined]
        .values(failures=0, next_allowed_at=None)
    )


def test_wrong_passwords_slow_down_and_unknown_names_get_the_same_answers(
    browser, servers, sqlite_db_url
):
    """Wrong passwords are answered alike for a real and an unknown name, then slowed down
    (never locked); a real name and an unknown one held back alike read the same; the real
    user signs in once the wait is over."""
    from hhvalues.store.accounts import ACCOUNT_RULE
    from hhvalues.store.db import LoginThrottleRow, list_audit, write_session

    _setup(sqlite_db_url)
    server = servers(sqlite_db_url)
    engine = _engine(sqlite_db_url)
    ctx, page = _tab(browser)
    first = {}
    for name in ("ada", "nobody"):
        _sign_in(page, server.url, name, "not the password")
        first[name] = _message(page)
    assert first["ada"] == first["nobody"] == "wrong user name or password"
    seen = []
    for _ in range(ACCOUNT_RULE.free + 2):  # in a row: the wait grows past the time a try takes
        _sign_in(page, server.url, "ada", "not the password")
        seen.append(_message(page))
        if seen[-1].startswith("Too many failed sign-ins"):
            break
    assert seen[-1].startswith("Too many failed sign-ins"), seen
    assert "locked" not in " ".join(seen)
    # a name under attack: the real one and an unknown one held back alike read the same
    held = _now() + timedelta(seconds=30)
    with write_session(engine) as session:
        for name in ("ada", "nobody"):
            row = session.exec(
                select(LoginThrottleRow).where(LoginThrottleRow.key == f"account:{name}")
            ).first() or LoginThrottleRow(key=f"account:{name}", names=[])
            row.failures, row.last_failure_at, row.next_allowed_at = 9, _now(), held
            session.add(row)
        _forgive_the_browser(session)  # only the names are held back below
    held_answers = {}
    for name in ("ada", "nobody"):
        other, tab = _tab(browser)  # the same address; the client itself is not held back
        _sign_in(tab, server.url, name, PASSWORD + "?" if name == "nobody" else "x")
        held_answers[name] = re.sub(r"wait \d+ s", "wait N s", _message(tab))
        other.close()
    assert held_answers["ada"] == held_answers["nobody"]
    assert held_answers["ada"].startswith("Too many failed sign-ins")
    with write_session(engine) as session:  # the wait is over: the real user signs in
        session.exec(
            update(LoginThrottleRow)
            .where(LoginThrottleRow.key == "account:ada")
            .values(next_allowed_at=_now() - timedelta(seconds=1))
        )
        _forgive_the_browser(session)
    assert SIGNED_IN in _sign_in(page, server.url, "ada")
    failed = [e for e in list_audit(engine) if e.action == "login_failed"]
    assert 1 <= len(failed) < 2 + len(seen)  # counted, not one row per guess
    engine.dispose()
    ctx.close()


def test_downloads_go_to_the_signed_in_session_that_asked_only(browser, servers, sqlite_db_url):
    from hhvalues.store.db import list_audit

    _setup(sqlite_db_url)
    server = servers(sqlite_db_url)
    ctx, page = _tab(browser)
    _sign_in(page, server.url, "ada")
    page.goto(f"{server.url}/exports")
    settle(page)
    links = page.eval_on_selector_all("[class*='st-key-export-'] a", "els => els.map(e => e.href)")
    assert len(links) == 6 and all("/hhv/download/" in x for x in links)
    bundle = page.eval_on_selector(".st-key-export-bundle a", "e => e.href")
    assert bundle in links
    engine = _engine(sqlite_db_url)
    assert not [e for e in list_audit(engine) if e.action == "export"]  # nothing made yet
    anonymous = browser.new_context()
    assert anonymous.request.get(bundle).status == 403  # no session: nothing, ever
    other = browser.new_context()
    _sign_in(other.new_page(), server.url, "rui")
    assert other.request.get(bundle).status == 403  # another signed-in session: not its link
    got = ctx.request.get(bundle)
    assert got.status == 200 and got.body()[:2] == b"PK"
    assert got.headers["content-disposition"] == 'attachment; filename="bt-bundle.zip"'
    assert got.headers["cache-control"] == "no-store"
    exports = [e for e in list_audit(engine) if e.action == "export"]
    assert len(exports) == 1 and exports[0].actor == "console:ada"
    page.goto(f"{server.url}/console")
    settle(page)
    click_key(page, "logout")
    page.wait_for_selector("text=Console sign-in", timeout=30_000)
    assert ctx.request.get(bundle).status == 403  # signed out: the link is dead
    engine.dispose()
    for c in (ctx, anonymous, other):
        c.close()


def test_a_bank_name_with_markdown_is_shown_as_typed(browser, servers, sqlite_db_url, tmp_path):
    from dataclasses import replace

    from hhvalues.core.bank import dumps_bank
    from hhvalues.core.validate import load_valid_bank
    from tests.browser.harness import DEMO_BANK

    _setup(sqlite_db_url)
    server = servers(sqlite_db_url)
    # Since issue 16 a bank name is a safe id (no brackets, stars, dollars or HTML), but
    # underscores and colons are allowed, and Markdown would render them as bold and an emoji.
    name = "b__bold__:smile:_i_x"
    path = tmp_path / "b.json"
    path.write_text(dumps_bank(replace(load_valid_bank(DEMO_BANK), name=name)))
    ctx, page = _tab(browser)
    _sign_in(page, server.url, "rui")
    page.goto(f"{server.url}/banks")
    settle(page)
    page.locator(".st-key-bank-upload input[type=file]").set_input_files(str(path))
    settle(page)
    click_key(page, "bank-upload-submit")
    success = page.locator("[data-testid='stAlertContentSuccess']").first
    assert f"Stored bank {name} v" in success.inner_text()
    assert not success.locator("a, strong, em, .katex").count()
    ctx.close()
