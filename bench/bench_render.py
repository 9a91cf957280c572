"""Benchmark: time to render a demonstration PNG (issue 3 target: ≤ 10 ms cold).

Run ``python bench/bench_render.py [--runs N] [--results bench/RESULTS.md]``.

Three figures per world size, each the median over ``--runs`` calls (every call renders a
different replay step, so no two calls produce the same image; nothing caches output bytes):

- ``cold``: the renderer as the app calls it — fonts loaded, glyph tiles, palette and chrome kept
  from earlier calls (they depend on text, sizes and feature colours, never on cells or walk);
- ``chrome redrawn``: the axes, empty grid and legend (which depend only on grid size and the
  features present) drawn afresh on every call, as for an item of a new size or feature set;
- ``no caches``: glyph tiles, palette and chrome all cleared before every call;
- ``first call``: the very first render in this process (font files read from disk).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hhvalues.core import render
from hhvalues.core.features import CATALOGUE, FeatureSet

FEATURES = FeatureSet(CATALOGUE)
WORLDS = {
    "9x9": (
        (
            "S..f....#",
            ".##f..#..",
            "..cc....p",
            ".#....g.g",
            ".#.kk...L",
            ".....#..t",
            "C...##..t",
            "..ppp...t",
            "....B....",
        ),
        "RRRDDDRRRDRR",
    ),
    "12x12": (
        (
            "S..f..#..ff.",
            ".##f..#..ff.",
            "..cc....p...",
            ".#....g.g..L",
            ".#.kk...g...",
            ".....#..t...",
            "C...##..t...",
            "..ppp...t..P",
            ".........#..",
            "..f..ggg.#..",
            "#....B......",
            "...H.....c.G",
        ),
        "RRRDDDRRRDDRRRDRDDDDDR",
    ),
}
HEADING = "## Rendering: demonstration images (`python bench/bench_render.py`"


ALL_CACHES = (render._text_tile, render._palette, render._blends, render._chrome, render._fit)


def _time(grid: tuple[str, ...], path: str, runs: int, *, clear: tuple[Any, ...]) -> str:
    """Median wall and CPU milliseconds (CPU time is steadier on a shared, busy machine)."""
    wall, cpu = [], []
    for i in range(runs):
        for fn in clear:
            fn.cache_clear()
        t0, c0 = time.perf_counter(), time.process_time()
        render.render_demo_png(FEATURES, grid, path, horizon=30, upto=len(path) - i % len(path))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return f"{statistics.median(wall) * 1000:.1f} ms (CPU {statistics.median(cpu) * 1000:.1f})"


def main() -> int:
    """Run the benchmark, print a table, optionally write the RESULTS.md section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--results", type=Path, help="write/replace our section in this file")
    args = parser.parse_args()
    if args.runs < 20:
        parser.error("--runs must be at least 20")
    load = os.getloadavg()[0]
    grid, path = WORLDS["12x12"]
    t0 = time.perf_counter()
    render.render_demo_png(FEATURES, grid, path, horizon=30)
    first = (time.perf_counter() - t0) * 1000
    rows = []
    for name, (grid, path) in WORLDS.items():
        size = len(render.render_demo_png(FEATURES, grid, path, horizon=30))
        warm = _time(grid, path, args.runs, clear=())
        fresh = _time(grid, path, args.runs, clear=(render._chrome,))
        bare = _time(grid, path, args.runs, clear=ALL_CACHES)
        rows += [
            f"| demonstration PNG {name}, cold (new image; glyph tiles, chrome kept) | ≤ 10 ms "
            f"| {warm}, {size / 1024:.0f} KiB |",
            f"| same, chrome (axes, empty grid, legend) redrawn each call | ≤ 10 ms | {fresh} |",
            f"| same, every drawing cache cleared before each call | — | {bare} |",
        ]
    table = [
        "| what | target | measured |",
        "| --- | --- | --- |",
        *rows,
        f"| first render in a fresh process (12x12, fonts read from disk) | — | {first:.1f} ms |",
    ]
    note = (
        f"Medians over {args.runs} calls, each a different replay step (no output is cached); "
        f"wall time, with CPU time in brackets (load average {load:.1f} on "
        f"{os.cpu_count()} cores at the start of the run). "
        "Images are palette PNGs (text anti-aliased in 4 levels, zlib level 1): an RGB PNG of "
        "the same picture took ~20 ms to encode alone. Glyph tiles depend only on text, size "
        "and colours, the chrome only on grid size and the features present, so both are "
        "reused across the items of a bank; the cells and the walk are drawn on every call."
    )
    print("\n".join([*table, "", note]))
    if args.results:
        heading = f"{HEADING}, {dt.date.today().isoformat()})"
        _write_section(args.results, [heading, "", *table, "", textwrap.fill(note, 100), ""])
    return 0


def _write_section(path: Path, lines: list[str]) -> None:
    """Replace our section of a shared results file (or append it), keeping all others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = "\n".join(lines)
    if HEADING in text:
        head, rest = text.split(HEADING, 1)
        nxt = rest.find("\n## ")
        text = head + section.rstrip("\n") + ("\n\n" + rest[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
