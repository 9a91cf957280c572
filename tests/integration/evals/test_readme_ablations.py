"""The README's model-run and ablations lines work as printed (issue 15 item 11): the answers of
two runs found by the README's glob, its baseline a condition that exists."""

from __future__ import annotations

import glob
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, TINY_BANK
from provider_server import ProviderServer

from hhvalues.cli import main

README = ROOT / "README.md"


def _line(start: str) -> list[str]:
    """The README's command line that starts with ``start`` (without its comment)."""
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith(start) and "--dry-run" not in line:
            return shlex.split(line.split("  #")[0])[1:]  # drop "hhvalues"
    raise AssertionError(f"no line starting {start!r} in the README")


def test_the_readme_runs_two_models_and_compares_their_conditions(
    server: ProviderServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(TINY_BANK, tmp_path / "bank.json")
    shutil.copytree(ROOT / "conditions", tmp_path / "conditions")
    run = _line("hhvalues eval ")
    assert "runs/claude-x/answers.jsonl" in run
    local = ["--condition", "baseline", "--condition", "temperature-0", "--no-progress"]
    local += ["--cache-dir", str(tmp_path / "cache")]
    assert main([*run, *local, "--base-url", server.url]) == 0
    second = [a.replace("claude-x", "gpt-y").replace("anthropic", "openai") for a in run]
    assert main([*second, *local, "--base-url", server.url + "/v1"]) == 0
    capsys.readouterr()

    ablations = _line("hhvalues ablations ")
    argv = [x for a in ablations for x in (sorted(glob.glob(a)) if "*" in a else [a])]
    assert argv.count("runs/claude-x/answers.jsonl") == 1 and "runs/gpt-y/answers.jsonl" in argv
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "anthropic/claude-x: conditions vs baseline 'baseline'" in out
    assert "openai/gpt-y: conditions vs baseline 'baseline'" in out

    wrong = [("direct" if a == "baseline" else a) for a in argv]
    assert main(wrong) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: no model has answers under baseline condition 'direct'; the conditions in "
        "these answers are: baseline, temperature-0"
    ]
