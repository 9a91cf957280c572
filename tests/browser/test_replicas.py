"""Two app processes on different ports sharing one PostgreSQL database (README, "Beyond one
machine"): a participant who starts on one replica and resumes on the other loses nothing.

Keep this the only test of the module: ``pg_database_url`` gives a fresh database per module.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.harness import (
    choose,
    chosen,
    click_key,
    countdown,
    item_signature,
    keys,
    make_study,
    open_link,
    run_session,
)
from tests.browser.test_participant import _participant, _to_first_test_item, _token

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def test_participant_moves_between_replicas_on_one_postgres(
    tab: Any, servers: Any, pg_db_url: str
) -> None:
    page, _ = tab
    from hhvalues.cli import main

    # migrations once, before the replicas start, exactly as the README says
    assert main(["db", "upgrade", "--db", pg_db_url]) == 0
    study = make_study(pg_db_url, train=0, items=3, catch=0, item_seconds=120, min_answer_seconds=0)
    a, b = servers(pg_db_url), servers(pg_db_url)
    assert a.port != b.port

    open_link(page, f"{a.url}/?study={study.slug}")
    _to_first_test_item(page)
    token = _token(page)
    probes = sorted(k for k in keys(page) if k.startswith("probe-"))
    for k in probes:
        choose(page, k, 1)
    sig, left, t0 = item_signature(page), countdown(page), time.monotonic()
    before = _participant(pg_db_url, token)
    assert len(before["drafts"]) == 1

    # the proxy lost affinity, or replica A went away: the same link lands on replica B
    a.kill()
    other = page.context.new_page()
    open_link(other, f"{b.url}/?t={token}")
    other.wait_for_selector(".st-key-countdown")
    assert item_signature(other) == sig, "replica B shows another item"
    assert [chosen(other, k) for k in probes] == [1] * len(probes), "the selection was lost"
    assert abs(countdown(other) - (left - (time.monotonic() - t0))) <= 2
    after = _participant(pg_db_url, token)
    assert after["drafts"] == before["drafts"] and after["shown"] == before["shown"]
    click_key(other, "submit")
    run_session(other, None, study.completion_code)
    state = _participant(pg_db_url, token)
    assert state["state"] == "finished" and len(state["final"]) == 3
    ((item, draft),) = before["drafts"].items()
    assert state["final"][item] == ("ok", draft)
