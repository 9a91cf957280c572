"""Batch mode through the real SDKs against the local server's batch endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import STUDY, TINY_BANK
from provider_server import ProviderServer

from hhvalues.cli import main
from hhvalues.core.bank import load_bank
from hhvalues.evals.batch import custom_id
from hhvalues.evals.conditions import load_conditions
from hhvalues.evals.runner import Job

WIRES = {"anthropic": "", "openai": "/v1"}


def batch(server: ProviderServer, tmp: Path, provider: str, model: str, *extra: str) -> int:
    return main(
        [
            "eval-batch",
            "--bank",
            str(TINY_BANK),
            "--provider",
            provider,
            "--model",
            model,
            "--conditions",
            str(STUDY),
            "--condition",
            "baseline",
            "--condition",
            "few-shot-3",
            "--epochs",
            "2",
            "--base-url",
            server.url + WIRES[provider],
            "--out",
            str(tmp / "answers.jsonl"),
            "--poll",
            "0",
            *extra,
        ]
    )


def answers(tmp: Path) -> list[dict]:
    return [json.loads(x) for x in (tmp / "answers.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_batch_submit_then_collect_resumably(
    server: ProviderServer, tmp_path: Path, provider: str
) -> None:
    assert batch(server, tmp_path, provider, "prose", "--no-wait") == 0
    assert server.count("batches") == 1 and not (tmp_path / "answers.jsonl").read_text()
    state = json.loads((tmp_path / "answers.batch.json").read_text())
    assert len(state["batches"][0]["jobs"]) == 12
    assert batch(server, tmp_path, provider, "prose") == 0
    got = answers(tmp_path)
    assert len(got) == 12 and {a["status"] for a in got} == {"ok"}
    creates = [p for m, p, _ in server.requests if m == "POST" and p.endswith("batches")]
    assert len(creates) == 1, "the rerun collected the batch instead of submitting again"
    assert batch(server, tmp_path, provider, "prose") == 0
    assert (
        len(answers(tmp_path)) == 12
        and len([p for m, p, _ in server.requests if m == "POST" and p.endswith("batches")]) == 1
    )


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_batch_statuses_match_live_runs(
    server: ProviderServer, tmp_path: Path, provider: str
) -> None:
    assert batch(server, tmp_path, provider, "refusal-signal") == 0
    assert {a["status"] for a in answers(tmp_path)} == {"refused"}


def test_batch_rejected_temperature_fails_loudly(
    server: ProviderServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert batch(server, tmp_path, "anthropic", "no-temperature") == 2
    assert "rejected temperature" in capsys.readouterr().err
    assert answers(tmp_path) == []


def test_custom_ids_are_unique_and_valid() -> None:
    bank = load_bank(TINY_BANK)
    conds = load_conditions(STUDY)
    ids = [custom_id(Job(c, it, e, "r")) for c in conds for it in bank.items for e in range(3)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) <= 64 and all(ch.isalnum() or ch in "-_" for ch in i) for i in ids)


def test_batch_without_key_is_one_line(
    server: ProviderServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert batch(server, tmp_path, "anthropic", "clean") == 2
    err = [
        x for x in capsys.readouterr().err.strip().splitlines() if not x.startswith("database: ")
    ]
    assert len(err) == 1 and "submitting a batch failed" in err[0]
