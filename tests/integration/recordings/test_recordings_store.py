"""Demonstration studies in the store: assignment, moves stored once, bumps, resume, bad input."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import text

from hhvalues.core.world import MOVES, follow_path, parse_world
from hhvalues.errors import InputError, LinkError
from hhvalues.store.db import read_session
from hhvalues.store.demonstration import (
    DemoStepKind,
    acknowledge_practice,
    demo_step,
    participant_walks,
    profile_lines,
    record_move,
    study_recordings,
    token_study_kind,
    walk_moves,
)
from hhvalues.store.participation import consent, start_session
from hhvalues.store.studies import invite


def _begin(engine, slug, clock, n=1):
    tokens = invite(engine, slug, n, now=clock, actor="test")
    for t in tokens:
        consent(engine, t, now=clock)
        assert demo_step(engine, t, now=clock).kind is DemoStepKind.INSTRUCTIONS
        start_session(engine, t, now=clock)
    return tokens


def _legal_and_bump(grid, features, path):
    """A legal move and (if any) a bumping move from where ``path`` ends."""
    world = parse_world(grid, features)
    s = follow_path(world, path, horizon=100).states[-1]
    legal = [MOVES[a] for a in range(4) if world.next_state[s, a] >= 0]
    bump = [MOVES[a] for a in range(4) if world.next_state[s, a] < 0]
    return legal, bump


def test_profile_instruction_and_worlds_are_seeded_per_participant(
    engine, demo_study, clock, source_bank
):
    slug = demo_study(practice=1, worlds=2)
    t1, t2 = _begin(engine, slug, clock, 2)
    s1, s2 = demo_step(engine, t1, now=clock), demo_step(engine, t2, now=clock)
    assert s1.kind is DemoStepKind.WALK and s1.walk.practice and s1.walks_total == 3
    assert {s1.instruction, s2.instruction} == {"do", "teach"}  # balanced by default
    assert set(s1.weights) == set(source_bank.features.ids)
    levels = dict(
        zip(source_bank.features.ids, source_bank.model.levels(source_bank.features), strict=False)
    )
    assert all(w in levels[f] for f, w in s1.weights.items())
    lines = profile_lines(source_bank.features, s1.weights, source_bank.step_cost)
    assert lines[-1] == f"each step −{abs(source_bank.step_cost):g} points"
    assert len(lines) == len(source_bank.features) + 1
    assert demo_step(engine, t1, now=clock).walk == s1.walk  # stable across calls
    assert token_study_kind(engine, t1) == "demonstrate"
    assert token_study_kind(engine, "x" * 27) is None


def test_moves_are_stored_once_bumps_do_not_move_and_the_path_replays(
    engine, demo_study, clock, source_bank
):
    slug = demo_study(practice=0, worlds=1)
    [token] = _begin(engine, slug, clock)
    walk = demo_step(engine, token, now=clock).walk
    rng = np.random.default_rng(0)
    presses, bumps = [], 0
    while not walk.ended:
        legal, bump = _legal_and_bump(walk.grid, source_bank.features, walk.path)
        if bump and bumps < 2:
            d = bump[0]
            bumps += 1
        else:
            d = legal[int(rng.integers(len(legal)))]
        before = walk.path
        clock.advance(1)
        result = record_move(engine, token, walk.id, walk.n_moves, d, now=clock)
        assert result.stored
        if result.bumped:
            assert result.walk.path == before
        presses.append(d)
        walk = result.walk
    stored = walk_moves(engine, walk.id)
    assert [m.direction for m in stored] == presses
    assert "".join(m.direction for m in stored if not m.bumped) == walk.path
    assert sum(m.bumped for m in stored) == walk.n_bumps == min(bumps, 2)
    assert all(m.from_state == m.to_state for m in stored if m.bumped)
    assert walk.end_reason in ("destination", "horizon")
    assert demo_step(engine, token, now=clock).kind is DemoStepKind.DONE


def test_a_refresh_or_restart_resumes_mid_walk(engine, demo_study, clock, source_bank):
    from hhvalues.store.db import make_engine

    slug = demo_study(practice=0, worlds=1)
    [token] = _begin(engine, slug, clock)
    walk = demo_step(engine, token, now=clock).walk
    legal, _ = _legal_and_bump(walk.grid, source_bank.features, "")
    after = record_move(engine, token, walk.id, 0, legal[0], now=clock).walk
    # a new process: nothing but the database
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        again = demo_step(other, token, now=clock).walk
    finally:
        other.dispose()
    assert (again.id, again.path, again.n_moves, again.score) == (
        after.id,
        after.path,
        1,
        after.score,
    )


def _table_counts(engine):
    with read_session(engine) as s:
        return {
            t: s.exec(text(f"SELECT count(*) FROM {t}")).one()[0]
            for t in ("moves", "walks", "events")
        }


def test_tampered_moves_are_rejected_and_write_nothing(engine, demo_study, clock, source_bank):
    slug = demo_study(practice=0, worlds=1)
    t1, t2 = _begin(engine, slug, clock, 2)
    w1 = demo_step(engine, t1, now=clock).walk
    w2 = demo_step(engine, t2, now=clock).walk
    legal, _ = _legal_and_bump(w1.grid, source_bank.features, "")
    record_move(engine, t1, w1.id, 0, legal[0], now=clock)
    before = _table_counts(engine)
    cases = [
        (InputError, "already stored", (t1, w1.id, 0, legal[0])),
        (InputError, "skips ahead", (t1, w1.id, 5, "U")),
        (InputError, "unknown direction", (t1, w1.id, 1, "X")),
        (InputError, "unknown direction", (t1, w1.id, 1, "UU")),
        (InputError, "non-negative integer", (t1, w1.id, "1", "U")),
        (LinkError, "not one of this participant's worlds", (t1, w2.id, 0, "U")),
        (LinkError, "not one of this participant's worlds", (t1, 10_000, 0, "U")),
        (LinkError, "not valid", ("not-a-token-at-all-xx", w1.id, 1, "U")),
    ]
    for error, words, args in cases:
        with pytest.raises(error, match=words):
            record_move(engine, *args, now=clock)
    assert _table_counts(engine) == before


def test_a_double_press_from_many_threads_stores_one_move(engine, demo_study, clock, source_bank):
    slug = demo_study(practice=0, worlds=1)
    [token] = _begin(engine, slug, clock)
    walk = demo_step(engine, token, now=clock).walk
    legal, _ = _legal_and_bump(walk.grid, source_bank.features, "")
    outcomes: list[str] = []

    def press() -> None:
        try:
            record_move(engine, token, walk.id, 0, legal[0], now=clock)
            outcomes.append("stored")
        except InputError:
            outcomes.append("rejected")

    threads = [threading.Thread(target=press) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["rejected"] * 5 + ["stored"]
    assert len(walk_moves(engine, walk.id)) == 1


def test_practice_feedback_then_recorded_worlds_then_done(engine, demo_study, clock, source_bank):
    slug = demo_study(practice=1, worlds=1)
    [token] = _begin(engine, slug, clock)
    for phase in ("practice", "recorded"):
        step = demo_step(engine, token, now=clock)
        assert step.kind is DemoStepKind.WALK and step.walk.practice == (phase == "practice")
        walk = step.walk
        with pytest.raises(LinkError):
            acknowledge_practice(engine, token, walk.id, now=clock)
        while not walk.ended:
            legal, _ = _legal_and_bump(walk.grid, source_bank.features, walk.path)
            walk = record_move(engine, token, walk.id, walk.n_moves, legal[0], now=clock).walk
        if phase == "practice":
            fb = demo_step(engine, token, now=clock)
            assert fb.kind is DemoStepKind.PRACTICE_DONE and fb.optimal >= fb.walk.score - 1e-9
            acknowledge_practice(engine, token, walk.id, now=clock)
    assert demo_step(engine, token, now=clock).kind is DemoStepKind.DONE
    rec = study_recordings(engine, slug)
    assert [w.practice for w in rec.walks] == [True, False]
    assert all(rec.ended[w.id] in ("destination", "horizon") for w in rec.walks)


def test_a_walk_that_runs_out_of_time_ends_as_timeout(engine, demo_study, clock):
    slug = demo_study(practice=0, worlds=2, walk_seconds=30)
    [token] = _begin(engine, slug, clock)
    walk = demo_step(engine, token, now=clock).walk
    clock.advance(40)
    result = record_move(engine, token, walk.id, 0, "U", now=clock)
    assert not result.stored and result.walk.ended and result.walk.end_reason == "timeout"
    assert walk_moves(engine, walk.id) == []
    nxt = demo_step(engine, token, now=clock).walk
    assert nxt.id != walk.id and nxt.number == 2
    views = participant_walks(engine, token)
    assert [v.end_reason for v in views] == ["timeout", ""]
