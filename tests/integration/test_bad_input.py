"""Every file-reading command over the bad-input corpus of tests/data/bad (issue 16 item 6).

Each run is a real ``hhvalues`` process: exit status 2, exactly one ``error:`` line naming the
file, no traceback, and bounded time and memory (the child's own peak RSS, VmHWM). The
corpus holds what reviewers fed the tools: nesting 200,000 deep, 5,000-digit numbers, an epoch of
10^30, a prior of 401 weight levels, empty and non-UTF-8 files, plainly malformed ones, and ids
(a bank's name, a feature, an item, a probe, a respondent) with a right-to-left override,
zero-width characters or HTML in them (issue 16 item 8).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "data" / "bad"
DEMO = ROOT / "data" / "banks" / "demo.json"
CONDITIONS = ROOT / "conditions" / "published-study.toml"
PEAK_RSS_MB = 400
SECONDS = 60


# The child reports its own high-water mark (VmHWM) on the way out: ``ru_maxrss`` of a child
# starts from the parent's size (Linux carries it across fork and exec), so it would measure pytest.
PEAK_CHILD = """
import atexit, sys
def _hwm(path=sys.argv[1]):
    kib = next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:'))
    open(path, 'w').write(kib)
atexit.register(_hwm)
from hhvalues.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def _run(argv: list[str], cwd: Path) -> tuple[int, str, float]:
    """Exit status, stderr and peak RSS (MiB) of one ``hhvalues`` process."""
    hwm = cwd / "hwm.txt"
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_CHILD, str(hwm), *argv],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=SECONDS,
        check=False,
    )
    return proc.returncode, proc.stderr, int(hwm.read_text()) / 1024


def _bank_commands(bank: Path, tmp: Path) -> list[list[str]]:
    good = tmp / "good.jsonl"
    good.write_text('{"respondent": "agent:x", "item": "t001", "choices": {}}\n', encoding="utf-8")
    return [
        ["bank", "validate", str(bank)],
        ["bank", "info", str(bank)],
        ["bank", "audit", str(bank)],
        ["bank", "publish", str(bank), "--out", str(tmp / "public.json")],
        ["baseline", "--bank", str(bank), "--agent", "ideal", "--out", str(tmp / "ideal.jsonl")],
        ["score", "--bank", str(bank), "--answers", str(good)],
        [
            "study",
            "create",
            "--bank",
            str(bank),
            "--name",
            "bad",
            "--db",
            f"sqlite:///{tmp / 's.db'}",
        ],
        [
            "eval",
            "--bank",
            str(bank),
            "--provider",
            "anthropic",
            "--model",
            "m",
            "--conditions",
            str(CONDITIONS),
            "--dry-run",
            "--out",
            str(tmp / "run.jsonl"),
            "--no-cache",
            "--no-store",
        ],
    ]


def _answers_commands(answers: Path, tmp: Path) -> list[list[str]]:
    return [
        ["score", "--bank", str(DEMO), "--answers", str(answers)],
        [
            "compare",
            "--bank",
            str(DEMO),
            "--answers",
            str(answers),
            "--a",
            "agent:x",
            "--b",
            "agent:y",
        ],
        ["ablations", "--bank", str(DEMO), "--answers", str(answers), "--baseline", "direct"],
    ]


# ``score`` reads a bank's structure, truth and model but not its walks (it grades truth, and
# checking every walk of a 60,000-item bank would dominate it); ``bank validate`` refuses them.
SCORE = 5
CASES = [
    (f.name, i)
    for f in sorted(BAD.glob("bank-*"))
    for i in range(8)
    if not (f.name == "bank-path-off-grid.json" and i == SCORE)
] + [(f.name, i) for f in sorted(BAD.glob("answers-*")) for i in range(3)]


@pytest.mark.slow
@pytest.mark.parametrize("name, which", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_bad_input_is_one_line_and_exit_2_in_bounded_time_and_memory(name, which, tmp_path):
    path = BAD / name
    commands = (
        _bank_commands(path, tmp_path)
        if name.startswith("bank-")
        else _answers_commands(path, tmp_path)
    )
    argv = commands[which]
    code, err, rss = _run(argv, tmp_path)
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert code == 2, (argv, err)
    assert "Traceback" not in err, err
    assert len(errors) == 1 and name in errors[0], (argv, err)
    assert all(line.startswith(("error:", "warning:")) for line in lines), err
    assert rss < PEAK_RSS_MB, f"{argv}: peak RSS {rss:.0f} MiB"
    assert not (tmp_path / "public.json").exists() and not (tmp_path / "ideal.jsonl").exists()
