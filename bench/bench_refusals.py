"""Precision and recall of the refusal classifier on its corpus (issue 15 item 14).

    python bench/bench_refusals.py

Reads ``tests/data/refusals/corpus.jsonl``: refusals and deferrals (label ``refused``) and
replies that merely mention the words (label ``not``), each in the ``dev`` half (the patterns of
:mod:`hhvalues.evals.refusal` were written from it) or the ``holdout`` half. A reply counts as
classified refused when :func:`~hhvalues.evals.parse.parse_reply` gives it the status
``refused`` (the whole path a model reply takes, answer extraction first). Prints the markdown
table recorded in bench/RESULTS.md, and every miss.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from hhvalues.core.answers import Status
from hhvalues.evals.parse import parse_reply

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "refusals" / "corpus.jsonl"
PROBES = ("p1", "p2", "p3")


@dataclass(frozen=True, slots=True)
class Tally:
    """Confusion counts of one part of the corpus."""

    part: str
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def row(self) -> str:
        return (
            f"| {self.part} | {self.tp + self.fn} | {self.fp + self.tn} | {self.tp} | {self.fp} "
            f"| {self.fn} | {self.precision:.3f} | {self.recall:.3f} |"
        )


def load_corpus(path: Path = CORPUS) -> list[dict[str, str]]:
    """The corpus lines."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def is_refused(text: str) -> bool:
    """Whether a reply with this text is classified ``refused``."""
    return parse_reply(text, PROBES).status is Status.REFUSED


def measure(rows: list[dict[str, str]]) -> tuple[list[Tally], list[dict[str, str]]]:
    """A tally per part and for the whole corpus, and the misclassified lines."""
    misses = [r for r in rows if is_refused(r["text"]) != (r["label"] == "refused")]
    tallies = []
    for part in ("dev", "holdout", "all"):
        sel = [r for r in rows if part == "all" or r["part"] == part]
        got = [is_refused(r["text"]) for r in sel]
        want = [r["label"] == "refused" for r in sel]
        pairs = list(zip(got, want, strict=True))
        tallies.append(
            Tally(
                part,
                sum(g and w for g, w in pairs),
                sum(g and not w for g, w in pairs),
                sum(w and not g for g, w in pairs),
                sum(not g and not w for g, w in pairs),
            )
        )
    return tallies, misses


def table(tallies: list[Tally]) -> str:
    """The markdown table of RESULTS.md."""
    head = (
        "| part | refused | not | true pos. | false pos. | false neg. | precision | recall |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    return "\n".join([head, *(t.row() for t in tallies)])


def main() -> int:
    tallies, misses = measure(load_corpus())
    sys.stdout.write(table(tallies) + "\n")
    for r in misses:
        sys.stdout.write(f"miss ({r['part']}, {r['label']}): {r['text']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
