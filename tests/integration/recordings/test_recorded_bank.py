"""From recorded walks to a bank: the CLI, validation, serving it, and the lapse that lets the
ideal observer survive a deliberately suboptimal step."""

from __future__ import annotations

import json

import numpy as np

from hhvalues.cli import main
from hhvalues.core.bank import load_bank
from hhvalues.core.observer import infer
from hhvalues.core.planning import iter_entry_values
from hhvalues.core.world import MOVES, parse_world
from hhvalues.store.demonstration import demo_step, record_move
from hhvalues.store.participation import StepKind, consent, current_step, start_session
from hhvalues.store.studies import invite


def _best_moves(world, w, step_cost, horizon):
    """``best[t][s]``: the optimal move with ``horizon - t`` steps left (hard values)."""
    us = [
        u[:, :, 0].reshape(-1).copy()
        for _, u in iter_entry_values(
            world,
            np.atleast_2d(w),
            np.array([1.0]),
            step_cost=step_cost,
            horizon=horizon,
            planner="hard",
        )
    ]

    def best(s, t):
        u = us[horizon - t - 1]
        nxt = world.next_state[s]
        legal = [a for a in range(4) if nxt[a] >= 0]
        return max(legal, key=lambda a: u[nxt[a]]), min(legal, key=lambda a: u[nxt[a]])

    return best


def _walk_all(engine, token, clock, bank, *, slip_first=False, bump_first=False):
    """Walk every world of a participant optimally (optionally with one worst first step)."""
    while True:
        step = demo_step(engine, token, now=clock)
        if step.walk is None:  # done
            return step
        walk = step.walk
        world = parse_world(walk.grid, bank.features)
        w = np.array(bank.features.weights_vector(step.weights))
        best = _best_moves(world, w, bank.step_cost, walk.horizon)
        s, t = world.start, 0
        if bump_first:
            blocked = [a for a in range(4) if world.next_state[s, a] < 0]
            if blocked:
                walk = record_move(
                    engine, token, walk.id, walk.n_moves, MOVES[blocked[0]], now=clock
                ).walk
        while not walk.ended:
            good, bad = best(s, t)
            a = bad if (slip_first and t == 0) else good
            walk = record_move(engine, token, walk.id, walk.n_moves, MOVES[a], now=clock).walk
            s, t = int(world.next_state[s, a]), t + 1
        if step.walk.practice:
            from hhvalues.store.demonstration import acknowledge_practice

            acknowledge_practice(engine, token, walk.id, now=clock)


def test_cli_builds_a_valid_bank_from_recorded_walks_that_serves_and_survives_a_slip(
    sqlite_engine, sqlite_url, demo_study, clock, source_bank, tmp_path, capsys
):
    slug = demo_study(practice=1, worlds=2)
    tokens = invite(sqlite_engine, slug, 3, now=clock, actor="test")
    for k, token in enumerate(tokens):
        consent(sqlite_engine, token, now=clock)
        start_session(sqlite_engine, token, now=clock)
        _walk_all(sqlite_engine, token, clock, source_bank, slip_first=k == 0, bump_first=k == 1)
    out = tmp_path / "recorded.json"
    assert (
        main(["bank", "from-recordings", "--study", slug, "--out", str(out), "--db", sqlite_url])
        == 0
    )
    err = capsys.readouterr().err
    assert "left out: practice" in err and "wrote" in err
    assert main(["bank", "validate", str(out)]) == 0
    bank = load_bank(out)
    assert bank.model.lapse == 0.05 and bank.model.planner.value == "hard"
    assert bank.items and all(
        d.source == "human" and d.instruction in ("do", "teach")
        for it in bank.items
        for d in it.demos
    )
    assert all(it.truth.rationality in bank.model.rationality_levels for it in bank.items)
    report = bank.meta["recordings"]["walks"]
    assert len(report) == 3 * 3  # every walk is reported, practice ones too
    assert sum(r["excluded"] == "practice" for r in report) == 3
    # the slipped walk (participant 1's first recorded world) is in an item; its truth survives
    slipped = [r for r in report if r["participant"].endswith("/1") and not r["practice"]]
    item = bank.item(slipped[0]["item"] or "missing")
    truth_w = np.array(bank.features.weights_vector(item.truth.weights))
    post = infer(bank, item.demos)
    mass = post.probs[(post.grid.weights == truth_w).all(axis=1)].sum()
    assert mass > 1e-3, mass
    # served in an ordinary study
    assert (
        main(["study", "create", "--bank", str(out), "--name", "served", "--db", sqlite_url]) == 0
    )
    [t] = invite(sqlite_engine, "served", 1, now=clock, actor="test")
    consent(sqlite_engine, t, now=clock)
    start_session(sqlite_engine, t, now=clock)
    assert current_step(sqlite_engine, t, now=clock).kind is StepKind.ITEM


def test_min_quality_and_compare_report_every_walk(
    sqlite_engine, sqlite_url, demo_study, clock, source_bank, tmp_path, capsys
):
    slug = demo_study(practice=0, worlds=2)
    [token] = invite(sqlite_engine, slug, 1, now=clock, actor="test")
    consent(sqlite_engine, token, now=clock)
    start_session(sqlite_engine, token, now=clock)
    _walk_all(sqlite_engine, token, clock, source_bank)
    out = tmp_path / "strict.json"
    # optimal walks have score 1: a threshold above 1 leaves every walk out, and says so
    assert (
        main(
            [
                "bank",
                "from-recordings",
                "--study",
                slug,
                "--min-quality",
                "1.5",
                "--out",
                str(out),
                "--db",
                sqlite_url,
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "none of the 2 recorded walk(s) can become an item" in err and not out.exists()
    assert (
        main(["recordings", "compare", "--study", slug, "--samples", "3", "--db", sqlite_url]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["walks"]) == 2 and doc["summary"][-1]["demonstrator"] == "simulated"
