"""The gates that keep the code as it is: ruff's rules, ruff's format and mypy strict.

Each runs as its own process over the whole tree, as a contributor would run it, and fails with
that tool's own report. They are ``slow`` (mypy needs half a minute without its cache):
``pytest -m "not slow"`` leaves them out while iterating; the full suite runs them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_finds_nothing() -> None:
    proc = _run("ruff", "check", "--output-format", "concise", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_would_change_nothing() -> None:
    proc = _run("ruff", "format", "--check", "--output-format", "concise", "--no-cache", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_finds_nothing() -> None:
    proc = _run("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
