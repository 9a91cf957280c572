"""Benchmark the scoring core: grading 1,000,000 probe answers in memory, ``hhvalues score``
over a 250,000-line answers file (wall time and peak RSS of the whole process).

    python bench/bench_scoring.py [--bank data/banks/demo.json] [--repeat 5]

Targets (issue 2): grading ≤ 1 s; ``hhvalues score`` ≤ 10 s and ≤ 1 GB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import Bank, load_bank
from hhvalues.core.scoring import grade, score

ROOT = Path(__file__).resolve().parents[1]


def make_answers(bank: Bank, n_probe_answers: int, *, seed: int = 0) -> list[Answer]:
    """Answers cycling over items, respondents and epochs until n probe answers are reached."""
    rng = random.Random(seed)
    out: list[Answer] = []
    total, k = 0, 0
    n_resp = 100
    while total < n_probe_answers:
        item = bank.items[k % len(bank.items)]
        resp = (k // len(bank.items)) % n_resp
        epoch = k // (len(bank.items) * n_resp)
        choices = {p.id: rng.choice("AB") for p in item.probes}
        out.append(Answer(f"model:m{resp}", item.id, epoch, choices))
        total += len(item.probes)
        k += 1
    return out


def answer_lines(bank: Bank, n_lines: int, *, seed: int = 0) -> list[str]:
    """JSONL lines in the format of docs/formats.md §2 with a realistic mix of fields and statuses."""
    rng = random.Random(seed)
    statuses = [Status.OK] * 90 + [Status.REFUSED] * 4 + [Status.TIMEOUT] * 3 + [Status.INVALID] * 3
    epochs = 10
    lines = []
    for k in range(n_lines):
        item = bank.items[k % len(bank.items)]
        rest = k // len(bank.items)
        epoch, resp = rest % epochs, rest // epochs
        doc = {
            "respondent": f"model:cond{resp}",
            "item": item.id,
            "epoch": epoch,
            "choices": {p.id: rng.choice(["A", "B", "A", "B", None]) for p in item.probes},
            "hypothesis": (
                {f: rng.choice([-2, -1, 1, 2]) for f in bank.features.ids} if k % 5 == 0 else None
            ),
            "confidence": {p.id: round(rng.uniform(0.5, 1), 2) for p in item.probes}
            if k % 3 == 0
            else None,
            "status": rng.choice(statuses).value,
            "rationale": "The walker detoured around the puddles and went straight to the café.",
        }
        lines.append(json.dumps(doc, separators=(",", ":")))
    return lines


def bench_in_memory(bank: Bank, repeat: int) -> dict[str, float]:
    answers = make_answers(bank, 1_000_000)
    times, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        graded = grade(bank, answers)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    t = time.perf_counter()
    scores = score(graded)
    t_score = time.perf_counter() - t
    return {
        "n_answers": len(answers),
        "n_probe_answers": graded.n_rows,
        "grade_s": statistics.median(times),
        "grade_cpu_s": statistics.median(cpu),
        "score_s": t_score,
        "n_respondents": len(scores.rows),
    }


def run_cli(argv: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS in MB and CPU seconds of one ``hhvalues`` process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hhvalues.cli", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"hhvalues {' '.join(argv)} failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # maxrss in KiB


def bench_cli(bank_path: Path, bank: Bank, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        answers = Path(tmp) / "answers.jsonl"
        answers.write_text("\n".join(answer_lines(bank, 250_000)) + "\n", encoding="utf-8")
        size_mb = answers.stat().st_size / 1e6
        runs = [
            run_cli(["score", "--bank", str(bank_path), "--answers", str(answers), "--json"])
            for _ in range(repeat)
        ]
    return {
        "file_mb": size_mb,
        "score_s": statistics.median(r[0] for r in runs),
        "peak_mb": max(r[1] for r in runs),
        "cpu_s": statistics.median(r[2] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bank", default=str(ROOT / "data" / "banks" / "demo.json"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bank_path = Path(args.bank)
    bank = load_bank(bank_path)
    mem = bench_in_memory(bank, args.repeat)
    print(
        f"grade(): {mem['n_probe_answers']:,} probe answers ({mem['n_answers']:,} Answer objects, "
        f"{len(bank.items)}-item bank): median {mem['grade_s']:.3f} s wall, "
        f"{mem['grade_cpu_s']:.3f} s CPU over {args.repeat} runs "
        f"(target ≤ 1 s); score() of {mem['n_respondents']} respondents × 2,000 bootstrap draws: "
        f"{mem['score_s']:.3f} s"
    )
    cli = bench_cli(bank_path, bank, max(1, args.repeat // 2))
    print(
        f"hhvalues score --json, 250,000-line file ({cli['file_mb']:.0f} MB): median "
        f"{cli['score_s']:.2f} s wall, {cli['cpu_s']:.2f} s CPU (target ≤ 10 s), "
        f"peak RSS {cli['peak_mb']:.0f} MB "
        f"(target ≤ 1 GB)"
    )


if __name__ == "__main__":
    main()
