"""The participant app in headless Chromium: whole session, refresh, server restart, secrecy.

Each test starts the real app (``streamlit run app.py``) on a fresh SQLite file with a small
study on the shipped demo bank, and drives it through the stable selectors of issue 3.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlmodel import select

from tests.browser.harness import (
    DEMO_BANK,
    choose,
    chosen,
    click_key,
    countdown,
    item_signature,
    keys,
    make_study,
    open_link,
    run_session,
    settle,
)
from tests.browser.truth import FIELD_NEEDLES, needles, scan

pytestmark = pytest.mark.browser


def _store(database_url: str) -> Any:
    from hhvalues.store.db import make_engine

    return make_engine(database_url)


def _participant(database_url: str, token: str) -> dict[str, Any]:
    """A participant's shown items, final answers and drafts, straight from the database."""
    from hhvalues.store.db import AnswerRow, ParticipantRow, PresentationRow, read_session
    from hhvalues.store.studies import hash_token

    engine = _store(database_url)
    try:
        with read_session(engine) as s:
            p = s.exec(
                select(ParticipantRow).where(ParticipantRow.token_hash == hash_token(token))
            ).one()
            shown = s.exec(
                select(PresentationRow).where(PresentationRow.participant_id == p.id)
            ).all()
            answers = s.exec(select(AnswerRow).where(AnswerRow.participant_id == p.id)).all()
            return {
                "state": p.state,
                "assignment": p.assignment,
                "shown": {r.item_id: r.deadline_at for r in shown},
                "final": {a.item_id: (a.status, dict(a.choices)) for a in answers if not a.draft},
                "drafts": {a.item_id: dict(a.choices) for a in answers if a.draft},
            }
    finally:
        engine.dispose()


def _token(page: Any) -> str:
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(page.url).query).get("t")
    assert values, f"the URL carries no ?t= token after enrolment: {page.url}"
    return values[0]


def _to_first_test_item(page: Any) -> None:
    """From consent to the first timed item (the study has no training items)."""
    for _ in range(10):
        ks = keys(page)
        if any(k.startswith("probe-") for k in ks):
            page.wait_for_selector(".st-key-countdown")
            return
        if "consent" in ks:
            click_key(page, "consent")
        elif "start" in ks:
            click_key(page, "start")
        else:
            raise AssertionError(
                f"unexpected page before the first item: {page.inner_text('body')[:300]}"
            )
    raise AssertionError("never reached an item")


# --- (a) a whole session -------------------------------------------------------------------------


def test_whole_session_from_open_link_to_completion_code(
    tab: Any, servers: Any, sqlite_db_url: str
) -> None:
    page, rec = tab
    study = make_study(sqlite_db_url, train=1, items=2, catch=1, mode="both", min_answer_seconds=0)
    app = servers(sqlite_db_url)
    open_link(page, f"{app.url}/?study={study.slug}")
    run_session(page, rec, study.completion_code)
    token = _token(page)
    state = _participant(sqlite_db_url, token)
    assert state["state"] == "finished"
    assigned = [e["item"] for e in state["assignment"]]
    assert len(assigned) == 4
    assert set(state["final"]) == set(assigned)
    assert all(status == "ok" for status, _ in state["final"].values()), state["final"]
    assert all(set(ch.values()) <= {"A", "B"} and ch for _, ch in state["final"].values())
    # the completion code is shown only now; a refresh keeps showing it and writes nothing more
    page.reload()
    settle(page)
    assert study.completion_code in page.inner_text("body")
    assert _participant(sqlite_db_url, token)["final"] == state["final"]


# --- (b) refresh mid-item --------------------------------------------------------------------------


def test_refresh_mid_item_resumes_same_item_and_time(
    tab: Any, servers: Any, sqlite_db_url: str
) -> None:
    page, _ = tab
    study = make_study(sqlite_db_url, train=0, items=2, catch=0, item_seconds=90)
    app = servers(sqlite_db_url)
    open_link(page, f"{app.url}/?study={study.slug}")
    _to_first_test_item(page)
    token = _token(page)
    before_sig, before_left, t0 = item_signature(page), countdown(page), time.monotonic()
    probe = sorted(k for k in keys(page) if k.startswith("probe-"))[0]
    choose(page, probe, 1)
    page.wait_for_timeout(3000)
    page.reload()
    settle(page)
    page.wait_for_selector(".st-key-countdown")
    elapsed = time.monotonic() - t0
    after_left = countdown(page)
    assert item_signature(page) == before_sig, "a refresh showed another item"
    assert abs(after_left - (before_left - elapsed)) <= 2, (before_left, elapsed, after_left)
    assert after_left < before_left - 1, "the countdown restarted on refresh"
    assert chosen(page, probe) == 1, "the selected answer was lost on refresh"
    state = _participant(sqlite_db_url, token)
    assert len(state["shown"]) == 1 and not state["final"]


# --- (c) server restart mid-session ---------------------------------------------------------------


def test_server_restart_mid_session_loses_nothing(
    tab: Any, servers: Any, sqlite_db_url: str
) -> None:
    page, _ = tab
    study = make_study(sqlite_db_url, train=0, items=2, catch=0, item_seconds=120)
    app = servers(sqlite_db_url)
    open_link(page, f"{app.url}/?study={study.slug}")
    _to_first_test_item(page)
    token = _token(page)
    probes = sorted(k for k in keys(page) if k.startswith("probe-"))
    for k in probes:
        choose(page, k, 1)
    sig, left, t0 = item_signature(page), countdown(page), time.monotonic()
    before = _participant(sqlite_db_url, token)
    assert len(before["drafts"]) == 1, "the selection was not saved as a draft at once"

    app.restart()  # SIGKILL, then a new process on the same port and database
    page.goto(f"{app.url}/?t={token}")
    settle(page)
    page.wait_for_selector(".st-key-countdown")
    assert item_signature(page) == sig, "after a restart another item is shown"
    assert [chosen(page, k) for k in probes] == [1] * len(probes), "the selection was lost"
    assert abs(countdown(page) - (left - (time.monotonic() - t0))) <= 2
    after = _participant(sqlite_db_url, token)
    assert after["drafts"] == before["drafts"] and after["shown"] == before["shown"]
    click_key(page, "submit")
    final = _participant(sqlite_db_url, token)["final"]
    assert len(final) == 1
    ((status, choices),) = final.values()
    assert status == "ok" and set(choices) == {k[len("probe-") :] for k in probes}


# --- (e) secrecy ------------------------------------------------------------------------------------


def test_scanner_finds_truth_when_it_leaks() -> None:
    """The needle set is real: a frame carrying a test item's truth is caught, in several forms."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from hhvalues.cli.bots import StreamlitClient  # noqa: F401  (same proto module as the app)

    table = needles(DEMO_BANK)
    doc = json.loads(DEMO_BANK.read_text())
    tests = [it for it in doc["items"] if it["split"] == "test"]
    betrayed = {item for item in table.values() if item != "*"}
    assert len(betrayed) >= len(tests) * 3 // 4, "too few test items have a distinctive needle"
    item = next(it for it in tests if it["id"] in betrayed)

    def frame(build: Any) -> bytes:
        msg = ForwardMsg()
        build(msg.delta.new_element)
        return msg.SerializeToString()

    leaks = [
        frame(lambda e: setattr(e.json, "body", json.dumps(item["truth"]))),  # st.json
        frame(lambda e: setattr(e.markdown, "body", str(item["truth"]["weights"]))),  # st.write
        frame(
            lambda e: setattr(
                e.markdown,
                "body",
                json.dumps({k: int(v) for k, v in item["truth"]["weights"].items()}),
            )
        ),
        frame(lambda e: setattr(e.text, "body", f"rationality={item['truth']['rationality']}")),
    ]
    for blob in leaks:
        assert scan([blob], table), f"the scanner missed a leak: {blob[:120]!r}"
    clean = frame(
        lambda e: setattr(
            e.markdown, "body", json.dumps({k: v for k, v in item.items() if k != "truth"})
        )
    )
    assert not scan([clean], table), "the public item itself trips the scanner"
    assert all(f in table for f in FIELD_NEEDLES)


def test_no_truth_of_a_test_item_reaches_the_browser(
    tab: Any, servers: Any, sqlite_db_url: str
) -> None:
    page, rec = tab
    study = make_study(sqlite_db_url, train=2, items=6, catch=2, mode="both", min_answer_seconds=0)
    app = servers(sqlite_db_url)
    open_link(page, f"{app.url}/?study={study.slug}")
    seen_items: list[str] = []

    def on_item(p: Any) -> None:
        rec.snapshot(p)
        seen_items.append(item_signature(p))

    run_session(page, rec, study.completion_code, on_item=on_item)
    rec.snapshot(page)
    page.reload()  # the done page after a refresh, too
    settle(page)
    rec.snapshot(page)
    assert len(rec.frames) > 20 and len(rec.html) > 10 and len(seen_items) >= 10
    blobs: list[bytes | str] = [*rec.frames, *rec.html, *(body for _, body in rec.bodies)]
    hits = scan(blobs, needles(DEMO_BANK))
    assert not hits, (
        f"truth of test items reached the browser: {sorted({(n, i) for n, i, _ in hits})[:10]}"
    )
    # the scan really looked at the item pages: every rendered image was in the frames
    assert any(b"data:image/png;base64," in f for f in rec.frames)
