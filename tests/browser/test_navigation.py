"""Where a participant's browser goes (issue 19, items 5 and 6): Back in the middle of an item
stays with the same participant, and the app's links open in the tab the participant is in."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.browser.harness import (
    click_key,
    free_port,
    keys,
    make_study,
    run_session,
    settle,
)

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _participants(db_url: str) -> list[tuple[str]]:
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
        return db.execute("SELECT state FROM participants ORDER BY id").fetchall()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_back_in_the_middle_of_an_item_goes_on_with_the_same_participant(
    browser: Any, servers: Any, sqlite_db_url: str, size: str
) -> None:
    """Back from an item returns to the ``?study=`` link the session began with: the page goes
    on with the same participant and item (it enrolled a new one, left "invited", and showed
    consent again)."""
    setup = make_study(sqlite_db_url, items=2, train=0, catch=0, item_seconds=120)
    server = servers(sqlite_db_url)
    w, h = SIZES[size]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.goto(f"{server.url}/?study={setup.slug}")
    settle(page)
    click_key(page, "consent")
    click_key(page, "start")
    probes = sorted(k for k in keys(page) if k.startswith("probe-"))
    assert probes
    page.go_back()
    settle(page)
    assert "consent" not in keys(page), "Back showed consent again"
    assert sorted(k for k in keys(page) if k.startswith("probe-")) == probes
    assert "t=" in page.url
    assert _participants(sqlite_db_url) == [("in_progress",)]
    again = context.new_page()  # the study link opened again in this browser: its cookie
    again.goto(f"{server.url}/?study={setup.slug}")
    settle(again)
    assert sorted(k for k in keys(again) if k.startswith("probe-")) == probes
    assert _participants(sqlite_db_url) == [("in_progress",)]
    context.close()


def test_the_demo_link_and_the_platform_redirect_open_in_the_same_tab(
    browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    """'Start a demo session' and 'Return to the study platform' navigate the tab they are in
    (both opened a new tab, leaving the participant's tab behind)."""
    port = free_port()
    back = f"http://127.0.0.1:{port}/?from=done"
    setup = make_study(
        sqlite_db_url, "demo", items=1, train=0, catch=0, item_seconds=120, redirect_url=back
    )
    server = servers(sqlite_db_url, port)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server.url)
    settle(page)
    page.get_by_role("link", name="Start a demo session").click()
    page.wait_for_url("**/?t=*", timeout=15_000)
    settle(page)
    assert len(context.pages) == 1, "the demo opened in a new tab"
    run_session(page, None, setup.completion_code, max_pages=20)
    page.get_by_role("link", name="Return to the study platform").click()
    page.wait_for_url("**/?from=done", timeout=15_000)
    assert len(context.pages) == 1, "the redirect opened a new tab"
    context.close()
