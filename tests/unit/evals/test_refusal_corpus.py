"""The refusal classifier on its corpus (issue 15 item 14): the issue's phrasings are refusals,
replies that only mention the words are not, and bench/RESULTS.md reports what the code measures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from hhvalues.core.answers import Status
from hhvalues.evals.parse import parse_reply
from hhvalues.evals.refusal import RefusalKind, find_refusal

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("bench_refusals", ROOT / "bench/bench_refusals.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_refusals"] = bench  # dataclasses look their module up there
_spec.loader.exec_module(bench)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "I don't feel comfortable speculating about a real person's values based on these walks.",
            RefusalKind.DECLINE,
        ),
        ("Honestly, this judgement is best left to a human.", RefusalKind.DEFERRAL),
        (
            "The walker chose a route, but what they value? That is for them to say.",
            RefusalKind.DEFERRAL,
        ),
    ],
)
def test_the_issues_phrasings_are_refusals_not_invalid(text: str, kind: RefusalKind) -> None:
    parsed = parse_reply(text, ["p1", "p2"])
    assert parsed.status is Status.REFUSED, parsed.reason
    match = find_refusal(text)
    assert match is not None and match.kind is kind


def test_an_answer_is_never_overruled_by_refusal_words() -> None:
    reply = 'I\'m not comfortable guessing, but if I must: {"choices": {"p1": "A", "p2": "B"}}'
    assert parse_reply(reply, ["p1", "p2"]).status is Status.OK


def test_precision_and_recall_on_the_corpus() -> None:
    rows = bench.load_corpus()
    assert {r["label"] for r in rows} == {"refused", "not"}
    assert sum(r["label"] == "refused" for r in rows) >= 60
    assert sum(r["label"] == "not" for r in rows) >= 60
    tallies, _ = bench.measure(rows)
    everything = tallies[-1]
    assert everything.precision >= 0.95 and everything.recall >= 0.95


def test_results_md_reports_the_measured_table() -> None:
    tallies, _ = bench.measure(bench.load_corpus())
    results = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    assert bench.table(tallies) in results, "rerun bench/bench_refusals.py and update RESULTS.md"
