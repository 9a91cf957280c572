"""Every reader that reports answers records the timeouts due at its clock (issue 16 item 5).

A participant who walks away leaves an item whose deadline passes with no request to record
it; before, ``hhvalues export`` of an app nobody had opened since never showed it. Each case
below leaves one item to expire in an otherwise idle database, then runs one reader.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from hhvalues.store.analysis import answers_fingerprint, load_study_answers, monitor
from hhvalues.store.db import read_session
from hhvalues.store.exports import write_export
from hhvalues.store.participation import (
    consent,
    current_step,
    save_draft,
    start_session,
    submit,
    sweep_timeouts,
)
from hhvalues.store.studies import invite


def _abandoned(engine: Engine, clock: Any) -> tuple[str, str, dict[str, str]]:
    """A participant who saw the first item, chose A on one probe and went away: its token,
    the item, and that choice in the bank's letters."""
    [token] = invite(engine, "s", 1, now=clock, actor="test")
    consent(engine, token, now=clock)
    start_session(engine, token, now=clock)
    view = current_step(engine, token, now=clock).item
    probe = view.item.probes[0].id
    save_draft(engine, token, view.item.id, choices={probe: "A"}, now=clock)
    return token, view.item.id, {probe: view.order[probe][0]}


def _final(engine: Engine) -> list[tuple[str, str]]:
    with read_session(engine) as s:
        sql = "SELECT item_id, status FROM answers WHERE participant_id IS NOT NULL AND NOT draft"
        return [tuple(r) for r in s.exec(text(sql)).all()]


def _export(fmt: str) -> Callable[[Engine, Any, Path], str]:
    def run(engine: Engine, clock: Any, tmp: Path) -> str:
        out = tmp / f"out.{fmt}"
        write_export(engine, "s", fmt, out, actor="test", now=clock)
        if fmt == "bundle":
            with zipfile.ZipFile(out) as zf:
                return zf.read("answers.jsonl").decode() + zf.read("participants.csv").decode()
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return json.dumps(pq.read_table(io.BytesIO(out.read_bytes())).to_pylist(), default=str)
        return out.read_text()

    return run


READERS: dict[str, Callable[[Engine, Any, Path], str]] = {
    **{f"export-{fmt}": _export(fmt) for fmt in ("jsonl", "csv", "parquet", "items", "bundle")},
    "results": lambda e, c, _: repr(load_study_answers(e, "s", now=c).answers),
    "monitor": lambda e, c, _: repr(monitor(e, "s", now=c).participants),
    "fingerprint": lambda e, c, _: repr(answers_fingerprint(e, "s", now=c)),
}


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_reader_of_an_idle_database_reports_the_item_left_to_time_out(
    engine, make_study, clock, tmp_path, reader
):
    make_study(items=2, train=0, catch=0, item_seconds=30, session_minutes=60)
    token, item, chosen = _abandoned(engine, clock)
    quiet = READERS[reader](engine, clock, tmp_path)
    assert _final(engine) == []  # nothing due yet: nothing written
    clock.advance(45)
    report = READERS[reader](engine, clock, tmp_path)
    assert _final(engine) == [(item, "timeout")], "the due timeout was not recorded"
    if reader != "export-items":  # items.csv counts finished participants only (issue 15)
        assert report != quiet
    if reader in ("export-jsonl", "export-bundle"):
        [line] = [json.loads(x) for x in report.splitlines() if x.startswith("{")]
        assert line["status"] == "timeout" and line["choices"] == chosen  # the draft kept
    # the participant's own next page finds it recorded, and shows the next item
    assert current_step(engine, token, now=clock).item.item.id != item


def test_the_sweep_records_only_what_is_due(engine, make_study, clock):
    make_study(items=2, train=0, catch=0, item_seconds=30, session_minutes=60)
    _, item, _ = _abandoned(engine, clock)
    assert sweep_timeouts(engine, now=clock) == 0 and _final(engine) == []
    clock.advance(31)  # within the grace period after the deadline: not yet due
    assert sweep_timeouts(engine, now=clock) == 0
    clock.advance(5)
    assert sweep_timeouts(engine, now=clock) == 1 and _final(engine) == [(item, "timeout")]
    assert sweep_timeouts(engine, now=clock) == 0
    clock.advance(3600)  # the session's hour is over: the unseen item times out, the session too
    assert sweep_timeouts(engine, now=clock) == 1 and len(_final(engine)) == 2
    with read_session(engine) as s:
        assert s.exec(text("SELECT state FROM participants")).scalar_one() == "timed_out"


def test_another_participants_answer_to_the_same_item_does_not_hide_a_due_timeout(
    engine, make_study, clock
):
    """The due query once tested "a final answer to this item" without tying it to the
    presentation's participant, so one participant's submit hid everyone else's timeout on
    that item from the sweep and from every reader."""
    make_study(items=1, train=0, catch=0, item_seconds=30, session_minutes=60)
    _, item, _ = _abandoned(engine, clock)
    [other] = invite(engine, "s", 1, now=clock, actor="test")
    consent(engine, other, now=clock)
    start_session(engine, other, now=clock)
    assert current_step(engine, other, now=clock).item.item.id == item
    submit(engine, other, item, choices={}, now=clock)
    clock.advance(45)
    assert sweep_timeouts(engine, now=clock) == 1
    assert sorted(_final(engine)) == [(item, "ok"), (item, "timeout")]
