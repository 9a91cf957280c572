"""Measure candidate reward structures for the generator (how the default levels were chosen).

For every combination of step cost, terrain levels and destination levels below, generate banks
(default: 2 seeds × 120 test items, 4 hidden features, 7×7) and audit them: the expected and
realised ceiling, the best shallow heuristic overall and on the hard third, information per
walk, the share of walks that are not a shortest path to the nearest destination, the share
that end at the exit, and probes per item. Prints one line per structure, then the best by the
issue's goals. Usage: ``python bench/sweep_levels.py [--items N] [--seeds K] [--processes P]``.
docs/item-banks.md records a run and the choice made from it.
"""

from __future__ import annotations

import argparse
import itertools
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from hhvalues.core.audit import audit_bank
from hhvalues.core.generate import GenerateConfig, generate_bank
from hhvalues.core.probes import Difficulty

STEP_COSTS = (-0.25, -0.5, -1.0)
TERRAIN = ((0.0, -0.5, -1.0, -2.0), (0.0, -1.0, -2.0, -4.0), (-0.5, -1.0, -2.0, -4.0))
DESTINATIONS = ((-4.0, -2.0, 2.0, 4.0), (-6.0, -3.0, 3.0, 6.0), (-10.0, -5.0, 5.0, 10.0))


def measure(args: tuple[float, tuple[float, ...], tuple[float, ...], int, int]) -> dict[str, float]:
    step, terrain, dests, seed, items = args
    t = time.perf_counter()
    bank = generate_bank(
        GenerateConfig(
            seed=seed, items=items, step_cost=step, terrain_levels=terrain, destination_levels=dests
        )
    )
    seconds = time.perf_counter() - t
    a = audit_bank(bank)
    overall, hard = a.group(), a.group(third=Difficulty.HARD.value)
    return {
        "expected": overall.expected.value,
        "realised": overall.realised.value,
        "best": overall.heuristics[overall.best_heuristic].value,
        "best_hard": hard.heuristics[hard.best_heuristic].value,
        "info": a.walks.info_bits,
        "not_plain": a.walks.not_shortest_to_nearest,
        "exit": a.walks.ended_at_exit,
        "probes": overall.n_probes / a.n_items,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2)
    opts = parser.parse_args()
    structures = list(itertools.product(STEP_COSTS, TERRAIN, DESTINATIONS))
    jobs = [
        (s, t, d, seed, opts.items) for s, t, d in structures for seed in range(1, opts.seeds + 1)
    ]
    with ProcessPoolExecutor(opts.processes) as pool:
        results = list(pool.map(measure, jobs))
    print(f"{opts.seeds} seeds x {opts.items} test items per structure; means over seeds")
    print(
        "step  terrain               destinations          exp   real  best  hard  "
        "info  !plain exit  probes  gap"
    )
    rows = []
    for n, (s, t, d) in enumerate(structures):
        mine = results[n * opts.seeds : (n + 1) * opts.seeds]
        m = {k: float(np.mean([r[k] for r in mine])) for k in mine[0]}
        gap = m["realised"] - m["best"]
        rows.append((gap, s, t, d, m))
        print(
            f"{s:5.2f} {t!s:21} {d!s:21} {m['expected']:.3f} {m['realised']:.3f} "
            f"{m['best']:.3f} {m['best_hard']:.3f} {m['info']:.2f}  {m['not_plain']:.2f}  "
            f"{m['exit']:.2f}  {m['probes']:.2f}   {gap:+.3f}"
        )
    ok = [r for r in rows if 0.80 <= r[4]["expected"] <= 0.92 and r[4]["not_plain"] >= 0.4]
    print(
        "\nwithin the ceiling and walk goals, by gap between the observer and the best heuristic:"
    )
    for gap, s, t, d, m in sorted(ok, key=lambda r: -r[0])[:5]:
        print(
            f"  step {s}, terrain {t}, destinations {d}: gap {gap:+.3f}, info {m['info']:.2f} bits/walk"
        )


if __name__ == "__main__":
    main()
