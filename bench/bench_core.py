"""Benchmark the ideal observer and the bank generator (issue 2's performance targets).

Prints medians and the ratio against a straightforward per-hypothesis loop run in the same
process. Usage: ``python bench/bench_core.py [--quick]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hhvalues.core.bank import Bank, Demonstration, Model, Planner
from hhvalues.core.features import CATALOGUE, FeatureSet
from hhvalues.core.generate import random_world
from hhvalues.core.observer import infer
from hhvalues.core.planning import path_log_likelihood, policy_sampler
from hhvalues.core.prior import hypothesis_grid


def _bank_with_demos(size: int, n_features: int, levels: tuple[float, ...], planner: str,
                     seed: int) -> tuple[Bank, tuple[Demonstration, ...]]:
    rng = np.random.default_rng(seed)
    terrain = [f for f in CATALOGUE if not f.terminal][: n_features - 2]
    dests = [f for f in CATALOGUE if f.terminal][:2]
    features = FeatureSet(tuple(terrain + dests))
    model = Model(planner=Planner(planner), horizon=30, weight_levels=levels, rationality_levels=(2.0,))
    bank = Bank("bench", "1", seed, features, -2.5, model, ())
    truth = rng.choice(levels, size=n_features)
    demos = []
    for _ in range(2):
        world = random_world(features, size, rng)
        path = policy_sampler(world, truth, 2.0, step_cost=-2.5, horizon=30, planner=planner)(rng)
        demos.append(Demonstration(world.rows, path))
    return bank, tuple(demos)


def _median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def _per_hypothesis_loop(bank: Bank, demos: tuple[Demonstration, ...]) -> None:
    """The straightforward baseline: plan each hypothesis on its own (numpy over states)."""
    from hhvalues.core.world import parse_world

    grid = hypothesis_grid(len(bank.features), bank.model.weight_levels, bank.model.rationality_levels)
    for demo in demos:
        world = parse_world(demo.grid, bank.features)
        for h in range(len(grid.rationality)):
            path_log_likelihood(world, demo.path, grid.weights[h:h + 1], grid.rationality[h:h + 1],
                                step_cost=bank.step_cost, horizon=bank.model.horizon,
                                planner=bank.model.planner.value)


def observer_figures(quick: bool) -> list[str]:
    lines = []
    five = (-2.0, -1.0, -0.5, 1.0, 2.0)
    for planner in ("hard", "soft"):
        bank, demos = _bank_with_demos(9, 5, five, planner, seed=1)
        fast = _median_ms(lambda bank=bank, demos=demos: infer(bank, demos), 15)
        loop_runs = 1
        slow = _median_ms(lambda bank=bank, demos=demos: _per_hypothesis_loop(bank, demos),
                          loop_runs)
        lines.append(f"observer 9x9, 5 features x 5 levels (3,125 hypotheses), 2 demos, {planner}: "
                     f"median {fast:.1f} ms; per-hypothesis loop {slow:.0f} ms; ratio {slow / fast:.0f}x")
    if not quick:
        six = (-2.0, -1.0, -0.5, 1.0, 2.0)
        bank, demos = _bank_with_demos(12, 6, six, "hard", seed=2)
        big = _median_ms(lambda: infer(bank, demos), 5)
        lines.append(f"observer 12x12, 6 features x 5 levels (15,625 hypotheses), 2 demos, hard: "
                     f"median {big:.0f} ms")
    return lines


def generate_figures(quick: bool) -> list[str]:
    n = 40 if quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bank.json"
        runs = []
        for _ in range(1 if quick else 3):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "hhvalues.cli", "bank", "generate", "--seed", "1",
                            "--items", str(n), "--out", str(out)], check=True, capture_output=True)
            runs.append(time.perf_counter() - t)
    return [f"bank generate {n} items (CLI, whole process): median {statistics.median(runs):.1f} s"]


def main() -> None:
    quick = "--quick" in sys.argv
    for line in observer_figures(quick) + generate_figures(quick):
        print(line, flush=True)


if __name__ == "__main__":
    main()
