"""Nobody takes a session with a participant's ``PROLIFIC_PID`` (issue 16 item 2).

A platform link (``?study=SLUG&PROLIFIC_PID=...``) carries nothing secret, and PIDs appear in
platform exports and messages. Before the fix, a second browser opening the victim's platform
link was handed the victim's session under a new token: it saw the victim's current item with
the victim's selections, could submit and finish, and the victim's own link stopped working.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlmodel import select

from tests.browser.harness import choose, chosen, click_key, keys, make_study, open_link

pytestmark = pytest.mark.browser


def _token(page: Any) -> str:
    values = parse_qs(urlsplit(page.url).query).get("t")
    assert values, f"the URL carries no ?t= token: {page.url}"
    return values[0]


def _people(database_url: str) -> list[tuple[str | None, str, str]]:
    """(external_pid, token_hash, state) of every participant."""
    from hhvalues.store.db import ParticipantRow, make_engine, read_session

    engine = make_engine(database_url)
    try:
        with read_session(engine) as s:
            rows = s.exec(select(ParticipantRow).order_by(ParticipantRow.id)).all()
            return [(p.external_pid, p.token_hash, p.state) for p in rows]
    finally:
        engine.dispose()


def _platform_link(app: Any, slug: str, pid: str) -> str:
    query = urlencode({"study": slug, "PROLIFIC_PID": pid, "STUDY_ID": "st1", "SESSION_ID": "se1"})
    return f"{app.url}/?{query}"


def _to_first_item(page: Any) -> str:
    """Consent and start; the key of the first probe."""
    click_key(page, "consent")
    click_key(page, "start")
    probes = sorted(k for k in keys(page) if k.startswith("probe-"))
    assert probes, page.inner_text("body")[:300]
    return probes[0]


def test_a_second_browser_with_the_same_prolific_pid_does_not_get_the_session(
    tab: Any, browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    from hhvalues.store.studies import hash_token

    victim, _ = tab
    study = make_study(sqlite_db_url, train=0, items=2, catch=0, item_seconds=300)
    app = servers(sqlite_db_url)
    link = _platform_link(app, study.slug, "5f00victim")
    open_link(victim, link)
    probe = _to_first_item(victim)
    choose(victim, probe, 1)
    token = _token(victim)

    stranger_context = browser.new_context(viewport={"width": 1280, "height": 1600})
    try:
        stranger = stranger_context.new_page()
        stranger.set_default_timeout(30_000)
        open_link(stranger, link)
        text = stranger.inner_text("body")
        shown = keys(stranger)
        assert not any(k.startswith("probe-") for k in shown) and "submit" not in shown, (
            f"a stranger with the victim's PID was shown the victim's item: {text[:300]}"
        )
        assert "another browser" in text and "researcher" in text, text[:500]
        assert "t=" not in urlsplit(stranger.url).query, "the stranger was given a token"
    finally:
        stranger_context.close()

    # the victim's session is untouched: same token, one participant, the selection kept
    assert _people(sqlite_db_url) == [("5f00victim", hash_token(token), "in_progress")]
    open_link(victim, f"{app.url}/?t={token}")
    assert chosen(victim, probe) == 1
    # the victim's own browser coming back through the platform link resumes, same token
    open_link(victim, link)
    assert _token(victim) == token
    assert chosen(victim, probe) == 1
    assert _people(sqlite_db_url) == [("5f00victim", hash_token(token), "in_progress")]


def test_a_prolific_pid_that_declined_is_recognised_in_another_browser(
    tab: Any, browser: Any, servers: Any, sqlite_db_url: str
) -> None:
    page, _ = tab
    study = make_study(sqlite_db_url, train=0, items=2, catch=0)
    app = servers(sqlite_db_url)
    link = _platform_link(app, study.slug, "5f00decliner")
    open_link(page, link)
    click_key(page, "decline")
    assert "chose not to take part" in page.inner_text("body")

    other = browser.new_context()
    try:
        again = other.new_page()
        again.set_default_timeout(30_000)
        open_link(again, link)
        text = again.inner_text("body")
        assert "declined" in text and "consent" not in keys(again), text[:300]
    finally:
        other.close()
    people = _people(sqlite_db_url)
    assert len(people) == 1 and people[0][2] == "declined"
