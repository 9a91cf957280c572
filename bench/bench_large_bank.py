"""Benchmark the commands on a large bank: ``bank validate``, ``bank info``, ``study create``.

    python bench/bench_large_bank.py [--copies 1895] [--repeat 1] [--keep DIR]

The bank is the shipped demo bank's 32 items copied ``copies`` times under new ids (1,895 copies:
60,640 items, ~54 MB, the size issue 16 measured). Each command runs in a process of its own;
the figures are its wall time and its peak memory (VmHWM, reported by the child on exit:
``ru_maxrss`` of a child starts from the parent's size). Target (issue 16 item 9): ``study
create`` ≤ 60 s and ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEMO = ROOT / "data" / "banks" / "demo.json"

from tests.integration.test_bad_input import PEAK_CHILD  # noqa: E402 - the child that reports VmHWM


def large_bank(copies: int, out: Path) -> tuple[int, int]:
    """Write the demo bank's items ``copies`` times under new ids; (items, bytes)."""
    doc = json.loads(DEMO.read_text(encoding="utf-8"))
    items = []
    for k in range(copies):
        for item in doc["items"]:
            items.append({**item, "id": f"{item['id']}-{k:05d}"})
    doc["items"] = items
    doc["name"] = "large"
    text = json.dumps(doc)
    out.write_text(text, encoding="utf-8")
    return len(items), len(text.encode("utf-8"))


def run(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak MiB of one ``hhvalues`` process (which must succeed)."""
    hwm = cwd / "hwm.txt"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_CHILD, str(hwm), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:2]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds, int(hwm.read_text()) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1895)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the bank in this directory.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        where = args.keep or tmp
        bank = where / "large.json"
        n, size = large_bank(args.copies, bank)
        print(f"bank: {n:,} items, {size / 1e6:.1f} MB")
        commands = {
            "bank validate": ["bank", "validate", str(bank)],
            "bank info": ["bank", "info", str(bank)],
            "study create": [
                "study",
                "create",
                "--bank",
                str(bank),
                "--name",
                "large",
                "--db",
                "sqlite:///{db}",
            ],
        }
        for name, argv in commands.items():
            times, peaks = [], []
            for r in range(args.repeat):
                db = tmp / f"large-{r}.db"
                seconds, peak = run([a.format(db=db) for a in argv], tmp)
                times.append(seconds)
                peaks.append(peak)
            print(
                f"{name}: {statistics.median(times):.1f} s (median of {len(times)}), "
                f"peak {max(peaks):.0f} MiB"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
