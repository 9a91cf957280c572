"""Benchmark the console: the Results page of a big study, and exporting a million answers.

    python bench/bench_console.py [--rows 1000000] [--repeat 3]

Targets (issue 4): the Results page for 200 participants × 40 items plus 10 model conditions ×
3 epochs renders in ≤ 2 s server time (timed: the pure table function ``build_results``, and an
AppTest run of the Results page); exporting 1,000,000 answer rows to CSV and to Parquet takes
≤ 15 s and ≤ 1 GB peak memory (each export in its own process: wall time of `write_export`,
VmHWM of that process and the sampled sum with its second export process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.console_data import synthetic_answers  # noqa: E402
from hhvalues.core.bank import Bank  # noqa: E402
from hhvalues.core.generate import GenerateConfig, generate_bank  # noqa: E402


def _now() -> datetime:
    return datetime.now(UTC)


def big_bank() -> Bank:
    """40 test and 4 catch items (generated, seed 1)."""
    return generate_bank(GenerateConfig(seed=1, items=40, catch=4))


def bench_results(repeat: int) -> dict[str, float]:
    from hhvalues.store.analysis import build_results

    bank = big_bank()
    answers, seconds = synthetic_answers(bank, participants=200, models=10, epochs=3)
    t0 = time.perf_counter()
    build_results(bank, answers, seconds=seconds)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        build_results(bank, answers, seconds=seconds)
        warm.append(time.perf_counter() - t0)
    return {"answers": len(answers), "cold_s": cold, "warm_median_s": statistics.median(warm)}


def _store_study(url: str, bank: Bank, answers: list, *, slug: str = "big", catch: int = 4) -> None:
    from hhvalues.store.db import import_bank, make_engine, record_answers, upgrade, write_session
    from hhvalues.store.studies import StudyConfig, create_study

    engine = make_engine(url)
    upgrade(engine)
    with write_session(engine) as session:
        info = import_bank(session, bank, now=_now)
    study = create_study(
        engine, slug=slug, bank_id=info.id, config=StudyConfig(catch=catch), now=_now, actor="bench"
    )
    humans = [a for a in answers if a.respondent.startswith("human:")]
    models = [a for a in answers if not a.respondent.startswith("human:")]
    with write_session(engine) as session:
        record_answers(session, humans, bank_id=info.id, study_id=study.id, now=_now)
        record_answers(session, models, bank_id=info.id, now=_now)
    engine.dispose()


def bench_results_page(repeat: int) -> dict[str, float]:
    """AppTest: sign in, open Results (cold: scoring; warm: cached by the answers fingerprint)."""
    from streamlit.testing.v1 import AppTest

    from hhvalues.store.accounts import add_user
    from hhvalues.store.db import make_engine

    bank = big_bank()
    answers, _ = synthetic_answers(bank, participants=200, models=10, epochs=3, study="big")
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'page.db'}"
    _store_study(url, bank, answers)
    engine = make_engine(url)
    add_user(engine, "bench", "researcher", "benchmark-password", now=_now)
    engine.dispose()
    os.environ["HHVALUES_DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("hhvalues/ui/console/login.py").run()
    at.text_input(key="login-name").input("bench")
    at.text_input(key="login-password").input("benchmark-password")
    at.button(key="login-submit").click().run()
    at.switch_page("hhvalues/ui/console/results.py")
    # A restarted server: nothing memoised in the process (the reference agents come from the
    # database, stored at import). The one-off import of the page's Altair/pandas modules is
    # timed apart: it happens once per server process, not per render.
    from hhvalues.core.agents import forget_reference_answers

    forget_reference_answers()
    t0 = time.perf_counter()
    import hhvalues.ui.console.charts  # noqa: F401

    imports = time.perf_counter() - t0
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 200 + 2 + 10 + 3, len(at.dataframe[0].value)
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    return {"imports_s": imports, "cold_s": cold, "warm_median_s": statistics.median(warm)}


def fill_rows(url: str, n_rows: int) -> None:
    """A study with ``n_rows`` answers (2,500 participants × 400 items), bulk-inserted."""
    from sqlalchemy import insert

    from hhvalues.core.answers import Answer
    from hhvalues.store.db import AnswerRow, answer_values, make_engine, write_session

    bank = generate_bank(GenerateConfig(seed=2, items=400, size=5))
    _store_study(url, bank, [], slug="million", catch=0)
    engine = make_engine(url)
    items = [it for it in bank.items]
    per = len(items)
    batch, at = [], _now()
    with write_session(engine) as session:
        for k in range(n_rows):
            it = items[k % per]
            a = Answer(
                f"human:million/{k // per + 1}",
                it.id,
                0,
                {p.id: "AB"[k % 2] for p in it.probes},
                rationale="=1+1" if k % 1000 == 0 else "",
            )
            v = answer_values(a, bank_id=1, now=at, study_id=1, submitted_at=at, seconds=12.5)
            batch.append(v)
            if len(batch) == 50_000:
                session.execute(insert(AnswerRow), batch)
                batch = []
        if batch:
            session.execute(insert(AnswerRow), batch)
    engine.dispose()


_CHILD = """
import json, os, sys, threading, time
from datetime import UTC, datetime
from hhvalues.store.db import make_engine
from hhvalues.store.exports import ExportFormat, write_export

# ru_maxrss is no use here: Linux carries the parent's high-water mark across fork and exec, so
# every child "peaked" at the bench process's size. VmHWM is this process's own; the sampler adds
# the export's second process (a split CSV/JSONL export) every 20 ms.
def kib(pid, key):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def descendants(pid):
    try:
        kids = [int(k) for k in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []
    return kids + [d for k in kids for d in descendants(k)]

peak, stop = [0], threading.Event()
def sample():
    while not stop.wait(0.02):
        me = os.getpid()
        peak[0] = max(peak[0], kib(me, "VmRSS") + sum(kib(d, "VmRSS") for d in descendants(me)))
threading.Thread(target=sample, daemon=True).start()
engine = make_engine(sys.argv[1])
t0 = time.perf_counter()
w = write_export(engine, "million", ExportFormat(sys.argv[2]), sys.argv[3], actor="bench",
                 now=lambda: datetime.now(UTC))
seconds = time.perf_counter() - t0
stop.set()
print(json.dumps({"rows": w.rows, "seconds": seconds, "peak_mb": kib(os.getpid(), "VmHWM") / 1024,
                  "all_processes_peak_mb": max(peak[0], kib(os.getpid(), "VmHWM")) / 1024}))
"""


def bench_export(n_rows: int, db: Path | None) -> dict[str, dict[str, float]]:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{db or tmp / 'million.db'}"
    t0 = time.perf_counter()
    if db is None or not db.exists():
        fill_rows(url, n_rows)
    out: dict[str, dict[str, float]] = {"fill_s": {"seconds": time.perf_counter() - t0}}
    for fmt in ("csv", "parquet", "jsonl"):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, url, fmt, str(tmp / f"out.{fmt}")],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - t0
        res = json.loads(proc.stdout)
        res |= {"process_wall_s": wall, "file_mb": (tmp / f"out.{fmt}").stat().st_size / 2**20}
        out[fmt] = res
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument(
        "--export-db",
        type=Path,
        help="SQLite file of the export study: filled if "
        "missing, reused if present (the fill takes ~2 min)",
    )
    args = ap.parse_args()
    report = {
        "build_results": bench_results(args.repeat),
        "results_page_apptest": bench_results_page(args.repeat),
    }
    if not args.skip_export:
        report["export"] = bench_export(args.rows, args.export_db)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
