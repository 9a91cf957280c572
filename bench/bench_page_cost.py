"""Server CPU per run of the participant page, two checkouts side by side (issue 14 item 6).

Run ``python bench/bench_page_cost.py --before /path/to/old/checkout [--pairs 3] [--runs 200]``:
starts one ``streamlit run serve.py`` of this checkout and one of ``--before`` (each on its own
SQLite file, with its own code on ``PYTHONPATH``), and measures, alternately, the server CPU of
a timer run, a probe click (with its draft save) and a whole-page rerun on an item page (one
client, back to back, as ``bench_app.py`` does). Pairs taken one right after the other keep the
machine's drift (its load, CPU steal) out of the comparison; the medians of the pairs and their
ratio are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_app import run_costs  # noqa: E402
from tests.browser.harness import AppServer, make_study  # noqa: E402

KINDS = ("timer_ms", "click_ms", "full_ms")


def _server(checkout: Path, tmp: Path, name: str) -> tuple[AppServer, str]:
    url = f"sqlite:///{tmp / f'{name}.db'}"
    make_study(url, "pc", items=3, train=0, catch=0, min_answer_seconds=0)
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = str(checkout)
    try:
        server = AppServer(url, log_dir=tmp, app=checkout / "serve.py").start()
    finally:
        os.environ["PYTHONPATH"] = env_path
    return server, server.url


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True, help="A checkout of the old page.")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument(
        "--probe",
        type=int,
        default=0,
        help="Which question the clicks go to (0: the first, which has a map on the bench's item).",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        servers = {
            "before": _server(args.before.resolve(), tmp, "before"),
            "after": _server(ROOT, tmp, "after"),
        }
        got: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        try:
            for _ in range(args.pairs):
                for name, (server, url) in servers.items():
                    assert server.proc is not None
                    got[name].append(
                        asyncio.run(run_costs(url, "pc", server.proc.pid, args.runs, args.probe))
                    )
        finally:
            for server, _ in servers.values():
                server.stop()
    print(
        f"server CPU per run (ms), median of {args.pairs} alternating pairs, {args.runs} runs each"
        f" (clicks on question {args.probe + 1})"
    )
    print("| run | before | after | after / before |")
    print("| --- | --- | --- | --- |")
    for kind in KINDS:
        b = statistics.median(r[kind] for r in got["before"])
        a = statistics.median(r[kind] for r in got["after"])
        print(f"| {kind[:-3]} | {b:.1f} | {a:.1f} | {a / b:.2f} |")
    for name in got:
        print(name, [{k: round(v, 1) for k, v in r.items()} for r in got[name]])


if __name__ == "__main__":
    main()
