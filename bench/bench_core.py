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

from hhvalues.core.audit import audit_bank
from hhvalues.core.bank import Bank, Demonstration, Model, Planner, load_bank
from hhvalues.core.features import CATALOGUE, FeatureSet
from hhvalues.core.generate import GenerateConfig, generate_bank, random_world
from hhvalues.core.observer import ideal_probabilities, infer
from hhvalues.core.planning import path_log_likelihood, policy_sampler
from hhvalues.core.prior import hypothesis_grid


def _bank_with_demos(
    size: int, n_features: int, levels: tuple[float, ...], planner: str, seed: int
) -> tuple[Bank, tuple[Demonstration, ...]]:
    rng = np.random.default_rng(seed)
    terrain = [f for f in CATALOGUE if not f.terminal][: n_features - 2]
    dests = [f for f in CATALOGUE if f.terminal][:2]
    features = FeatureSet(tuple(terrain + dests))
    model = Model(
        planner=Planner(planner), horizon=30, weight_levels=levels, rationality_levels=(2.0,)
    )
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

    grid = hypothesis_grid(bank.model.levels(bank.features), bank.model.rationality_levels)
    for demo in demos:
        world = parse_world(demo.grid, bank.features)
        for h in range(len(grid.rationality)):
            path_log_likelihood(
                world,
                demo.path,
                grid.weights[h : h + 1],
                grid.rationality[h : h + 1],
                step_cost=bank.step_cost,
                horizon=bank.model.horizon,
                planner=bank.model.planner.value,
            )


def observer_figures(quick: bool) -> list[str]:
    lines = []
    five = (-2.0, -1.0, -0.5, 1.0, 2.0)
    for planner in ("hard", "soft"):
        bank, demos = _bank_with_demos(9, 5, five, planner, seed=1)
        fast = _median_ms(lambda bank=bank, demos=demos: infer(bank, demos), 15)
        loop_runs = 1
        slow = _median_ms(
            lambda bank=bank, demos=demos: _per_hypothesis_loop(bank, demos), loop_runs
        )
        lines.append(
            f"observer 9x9, 5 features x 5 levels (3,125 hypotheses), 2 demos, {planner}: "
            f"median {fast:.1f} ms; per-hypothesis loop {slow:.0f} ms; ratio {slow / fast:.0f}x"
        )
    if not quick:
        six = (-2.0, -1.0, -0.5, 1.0, 2.0)
        bank, demos = _bank_with_demos(12, 6, six, "hard", seed=2)
        big = _median_ms(lambda: infer(bank, demos), 5)
        lines.append(
            f"observer 12x12, 6 features x 5 levels (15,625 hypotheses), 2 demos, hard: "
            f"median {big:.0f} ms"
        )
    return lines


def item_observer_figures(quick: bool) -> list[str]:
    """The observer on one item of a default generated bank (its demos and probes)."""
    bank = generate_bank(GenerateConfig(seed=3, items=10 if quick else 30))
    grid = hypothesis_grid(bank.model.levels(bank.features), bank.model.rationality_levels)
    times = []
    for item in bank.items:
        times.append(_median_ms(lambda item=item: ideal_probabilities(bank, item), 3))
    return [
        f"observer on one item of the default generator ({len(grid.rationality):,} hypotheses, "
        f"1-3 demos, up to 4 probes): median {statistics.median(times):.1f} ms, "
        f"max {max(times):.1f} ms over {len(times)} items"
    ]


def generate_figures(quick: bool) -> list[str]:
    n = 40 if quick else 200
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bank.json"
        medians = {}
        for label, extra in (
            ("information-gain selection on", []),
            ("baseline: one world per demonstration", ["--candidates", "1"]),
            ("5 hidden features (target <= 40 s)", ["--features", "5"]),
        ):
            runs: list[float] = []
            for _ in range(1 if quick else 3):
                t = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "hhvalues.cli",
                        "bank",
                        "generate",
                        "--seed",
                        "1",
                        "--items",
                        str(n),
                        "--out",
                        str(out),
                        *extra,
                    ],
                    check=True,
                    capture_output=True,
                )
                runs.append(time.perf_counter() - t)
            medians[label] = statistics.median(runs)
            walks = audit_bank(load_bank(out)).walks
            lines.append(
                f"bank generate {n} items (CLI, whole process), {label}: "
                f"median {medians[label]:.1f} s (runs {', '.join(f'{r:.1f}' for r in runs)}); "
                f"walks: {walks.info_bits:.2f} bits each, "
                f"{walks.not_shortest_to_nearest:.0%} not a shortest path to the nearest place"
            )
    on, off, _ = medians.values()
    lines.append(f"  selection costs {on / off:.1f}x the baseline")
    return lines


def main() -> None:
    quick = "--quick" in sys.argv
    for line in observer_figures(quick) + item_observer_figures(quick) + generate_figures(quick):
        print(line, flush=True)


if __name__ == "__main__":
    main()
