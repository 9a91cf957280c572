"""The console in headless Chromium: sign in, create a study, copy an invite, a participant
finishes in a second browser context, then the researcher downloads the results."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import click_key, run_session, settle

pytestmark = pytest.mark.browser
PASSWORD = "browser test password"
CODE = "BROWSER42"


def _admin(database_url: str) -> None:
    from hhvalues.store.accounts import add_user
    from hhvalues.store.db import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    add_user(engine, "ada", "admin", PASSWORD, now=lambda: datetime.now(UTC))
    engine.dispose()


def _fill(page: Any, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input, .st-key-{key} textarea").first
    box.fill(value)
    box.press("Tab")


def _nav(page: Any, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
    settle(page)


def test_researcher_creates_invites_participant_finishes_researcher_downloads(
    browser, servers, sqlite_db_url, tmp_path
):
    _admin(sqlite_db_url)
    server = servers(sqlite_db_url)
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 1600}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server.url}/console")
    settle(page)
    _fill(page, "login-name", "ada")
    _fill(page, "login-password", PASSWORD)
    click_key(page, "login-submit")
    assert "Signed in as" in page.inner_text("body")

    _nav(page, "Studies")
    _fill(page, "new-slug", "browser")
    _fill(page, "new-items", "2")
    _fill(page, "new-train", "0")
    _fill(page, "new-catch", "0")
    _fill(page, "new-code", CODE)
    click_key(page, "create-study-submit")
    assert "Created study browser" in page.inner_text("body")

    _nav(page, "Invites")
    _fill(page, "invite-count", "1")
    click_key(page, "invite-create")
    block = page.locator("[data-testid='stCode']").filter(has_text="?t=").first
    link = block.inner_text().strip()
    block.hover()
    copy = block.locator("button")
    if copy.count():
        copy.first.click()
        copied = page.evaluate("navigator.clipboard.readText()").strip()
        assert copied == link
    assert "/?t=" in link and link.startswith(server.url)

    participant = browser.new_context(viewport={"width": 1280, "height": 1600})
    p = participant.new_page()
    p.set_default_timeout(30_000)
    p.goto(link)
    settle(p)
    assert not p.locator("[data-testid='stSidebarNav']").count()  # no console for a link
    run_session(p, None, CODE)
    participant.close()

    _nav(page, "Exports")
    with page.expect_download() as dl:  # the link's new tab hands the file to this page
        page.locator(".st-key-export-csv a").first.click()
    data = Path(dl.value.path()).read_bytes()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) == 2 and {r["status"] for r in rows} == {"ok"}
    assert all(r["respondent"].startswith("human:browser/") for r in rows)
    csv_sha = hashlib.sha256(data).hexdigest()
    bundle = ctx.request.get(page.eval_on_selector(".st-key-export-bundle a", "e => e.href"))
    assert bundle.status == 200
    (tmp_path / "bundle.zip").write_bytes(bundle.body())
    with zipfile.ZipFile(tmp_path / "bundle.zip") as zf:
        scores = json.loads(zf.read("scores.json"))
    assert any(r["respondent"].startswith("human:browser/") for r in scores["respondents"])

    _nav(page, "Audit log")
    assert "Audit log" in page.inner_text("body")
    from hhvalues.store.db import list_audit, make_engine

    engine = make_engine(sqlite_db_url)
    entries = list_audit(engine)
    engine.dispose()
    assert any(
        e.action == "export" and e.sha256 == csv_sha and e.actor == "console:ada" for e in entries
    )
    assert {"study_create", "invite", "login"} <= {e.action for e in entries}
    ctx.close()
