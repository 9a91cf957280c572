"""Benchmark: one move of a recorded walk (issue 6 target: ≤ 100 ms server time with 20
concurrent walkers).

Run ``python bench/bench_walks.py [--walkers 20] [--moves 40] [--results bench/RESULTS.md]``.

A fresh SQLite file (WAL, ``BEGIN IMMEDIATE`` writes) with a demonstration study on the shipped
demo bank; ``--walkers`` participants are enrolled, consented and started. Each walker is a thread
that presses ``--moves`` keys as fast as it can (random legal moves and some bumps; a finished walk
moves on to the next world). One timed move is what the play page does on a key press:
:func:`hhvalues.store.demonstration.record_move` (one write transaction: validate, store the move,
update the walk) and then the grid re-rendered (:func:`hhvalues.ui.demonstrate.board.walk_png`,
uncached for a new path). All threads share one process, so the figures include GIL contention —
a Streamlit server runs its sessions as threads of one process in the same way. Also: the walk
quality of every recorded walk (return vs optimal and random, fitted β).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from hhvalues.core.bank import load_bank
from hhvalues.core.recorded import assess
from hhvalues.core.walks import fit_rationality
from hhvalues.core.world import MOVES, follow_path, parse_world
from hhvalues.store.db import import_bank, make_engine, upgrade, write_session
from hhvalues.store.demonstration import (
    DemoConfig,
    demo_step,
    demonstrate_config,
    record_move,
    study_recordings,
)
from hhvalues.store.participation import consent, start_session
from hhvalues.store.studies import StudyConfig, StudyKind, create_study, invite
from hhvalues.ui.demonstrate.board import walk_png

ROOT = Path(__file__).resolve().parents[1]
DEMO_BANK = ROOT / "data" / "banks" / "demo.json"
HEADING = "## Recorded walks: a move under load (`python bench/bench_walks.py`"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _setup(url: str, walkers: int) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    with write_session(engine) as session:
        info = import_bank(session, load_bank(DEMO_BANK), now=_now)
    config = demonstrate_config(StudyConfig(), DemoConfig(practice=0, worlds=40, walk_seconds=3600))
    create_study(
        engine,
        slug="bench",
        bank_id=info.id,
        config=config,
        now=_now,
        kind=StudyKind.DEMONSTRATE,
        actor="bench",
    )
    tokens = invite(engine, "bench", walkers, now=_now, actor="bench")
    for t in tokens:
        consent(engine, t, now=_now)
        start_session(engine, t, now=_now)
    engine.dispose()
    return tokens


def _walker(engine, token, features, moves, seed, out, barrier, think) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    walk = demo_step(engine, token, now=_now).walk
    barrier.wait()
    for _ in range(moves):
        if walk is None or walk.ended:
            walk = demo_step(engine, token, now=_now).walk
            if walk is None:
                return
        world = parse_world(walk.grid, features)
        s = follow_path(world, walk.path, horizon=walk.horizon).states[-1]
        legal = [a for a in range(4) if world.next_state[s, a] >= 0]
        a = int(rng.integers(4)) if rng.random() < 0.15 else legal[int(rng.integers(len(legal)))]
        t0 = time.perf_counter()
        result = record_move(engine, token, walk.id, walk.n_moves, MOVES[a], now=_now)
        walk_png(features, result.walk.grid, result.walk.path, result.walk.horizon)
        out.append((time.perf_counter() - t0) * 1000)
        walk = result.walk
        if think:
            time.sleep(think * rng.uniform(0.5, 1.5))


def run(walkers: int, moves: int, think_ms: float = 0.0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        tokens = _setup(url, walkers)
        engine = make_engine(url)
        features = load_bank(DEMO_BANK).features
        times: list[float] = []
        barrier = threading.Barrier(walkers + 1)
        threads = [
            threading.Thread(
                target=_walker,
                args=(engine, t, features, moves, k, times, barrier, think_ms / 1000),
            )
            for k, t in enumerate(tokens)
        ]
        for th in threads:
            th.start()
        barrier.wait()
        t0 = time.perf_counter()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        rec = study_recordings(engine, "bench")
        q0 = time.perf_counter()
        done = [w for w in rec.walks if rec.ended[w.id]]
        for w in done:
            assess(rec.bank, w)
            fit_rationality(
                [parse_world(w.grid, features)],
                [w.path],
                np.asarray(w.weights),
                step_cost=rec.bank.step_cost,
                horizon=rec.bank.model.horizon,
            )
        quality_ms = (time.perf_counter() - q0) * 1000 / max(1, len(done))
        engine.dispose()
    times.sort()
    return {
        "n": len(times),
        "median": statistics.median(times),
        "p95": times[int(0.95 * (len(times) - 1))],
        "max": times[-1],
        "throughput": len(times) / wall,
        "quality_ms": quality_ms,
        "walks": len(done),
    }


def _row(r: dict[str, float], walkers: int, think_ms: float = 0.0) -> str:
    pace = f"a key every ~{think_ms:g} ms each" if think_ms else "keys back to back (saturation)"
    return (
        f"| one move (store + re-render), {walkers} concurrent walkers, {pace}, {int(r['n'])} moves "
        f"| ≤ 100 ms | median {r['median']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms; "
        f"{r['throughput']:.0f} moves/s overall |"
    )


def write_results(path: Path, rows: list[str], note: str) -> None:
    """Replace (or add) this script's section of RESULTS.md."""
    day = dt.date.today().isoformat()
    section = "\n".join(
        [
            f"{HEADING}, {day})",
            "",
            "| what | target | measured |",
            "| --- | --- | --- |",
            *rows,
            "",
            note,
            "",
        ]
    )
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = text.find(HEADING)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end + 1 :])
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--walkers", type=int, default=20)
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument(
        "--think-ms",
        type=float,
        default=250.0,
        help="Mean pause between one walker's keys in the paced run (a fast human).",
    )
    ap.add_argument("--results", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    r1 = run(1, args.moves)
    rows.append(_row(r1, 1))
    paced = run(args.walkers, args.moves, args.think_ms)
    rows.append(_row(paced, args.walkers, args.think_ms))
    r = run(args.walkers, args.moves)
    rows.append(_row(r, args.walkers))
    rows.append(
        f"| walk quality (return, optimal, random DP, flags) + fitted β, per walk "
        f"({int(r['walks'])} walks) | — | {r['quality_ms']:.1f} ms |"
    )
    load = os.getloadavg()[0]
    note = (
        f"Server time of a key press as the play page spends it: `record_move` (one BEGIN "
        f"IMMEDIATE transaction on SQLite) then the grid PNG for the new path. {args.walkers} "
        f"threads in one process press keys back to back (no think time), so this is a worst "
        f"case; load average {load:.1f} on {os.cpu_count()} cores at the end of the run. The "
        "Streamlit fragment rerun and websocket delta come on top (not measured here)."
    )
    for row in rows:
        print(row)
    print(note)
    if args.results is not None:
        write_results(args.results, rows, note)


if __name__ == "__main__":
    main()
