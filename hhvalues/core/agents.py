"""Reference respondents (README, 'The benchmark in one page'): random, oracle, ideal observer, heuristic.

They answer through the same :class:`~hhvalues.core.answers.Answer` form as humans and models,
so the scoring core grades them identically. Respondent ids are ``agent:<name>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import numpy as np

from hhvalues.core.answers import Answer, make_respondent
from hhvalues.core.bank import Bank, Item, Split
from hhvalues.core.heuristics import visited_means_liked
from hhvalues.core.observer import infer, item_matrix, predictive
from hhvalues.core.probes import Choice
from hhvalues.errors import BankError


class AgentKind(StrEnum):
    """The reference agents."""

    RANDOM = "random"
    ORACLE = "oracle"
    IDEAL = "ideal"
    HEURISTIC = "heuristic"


REFERENCE_AGENTS = (AgentKind.RANDOM, AgentKind.HEURISTIC, AgentKind.IDEAL)
"""The agents a study's Results table shows beside humans and models (the oracle is 100%)."""
_REFERENCE_CACHE: dict[tuple[str, int], tuple[Answer, ...]] = {}


def reference_answers(bank: Bank, *, seed: int = 0) -> tuple[Answer, ...]:
    """Answers of the random, heuristic and ideal agents on the bank's test and catch items.

    Deterministic for (bank content, seed), so they are memoised by content hash.
    """
    key = (bank.content_hash, seed)
    if key not in _REFERENCE_CACHE:
        rng = np.random.default_rng(seed)
        if len(_REFERENCE_CACHE) > 32:
            _REFERENCE_CACHE.clear()
        _REFERENCE_CACHE[key] = tuple(
            a for kind in REFERENCE_AGENTS for a in run_agent(bank, kind, rng=rng)
        )
    return _REFERENCE_CACHE[key]


def forget_reference_answers() -> None:
    """Empty the memo of :func:`reference_answers` (benchmarks time the cold computation)."""
    _REFERENCE_CACHE.clear()


def run_agent(
    bank: Bank,
    kind: AgentKind,
    *,
    rng: np.random.Generator,
    splits: tuple[Split, ...] = (Split.TEST, Split.CATCH),
) -> Iterator[Answer]:
    """Answer every item of the given splits."""
    respondent = make_respondent("agent", kind.value)
    if kind is AgentKind.ORACLE and not bank.has_truth:
        raise BankError("the oracle needs the full bank with truth", where=f"bank {bank.name}")
    for item in bank.items:
        if item.split in splits:
            yield _answer(bank, item, kind, respondent, rng)


def _answer(
    bank: Bank, item: Item, kind: AgentKind, respondent: str, rng: np.random.Generator
) -> Answer:
    if kind is AgentKind.RANDOM:
        choices: dict[str, Choice] = {
            p.id: ("A" if rng.random() < 0.5 else "B") for p in item.probes
        }
        return Answer(respondent, item.id, choices=choices)
    if kind is AgentKind.ORACLE:
        assert item.truth is not None
        # Choices left empty on purpose: they are derived from the hypothesis by the scoring
        # core's own rule, which makes "oracle = 100%" a check of the bank and of that rule.
        return Answer(respondent, item.id, hypothesis=dict(item.truth.weights))
    if kind is AgentKind.IDEAL:
        post = infer(bank, item.demos)
        p_a = predictive(post, item_matrix(bank, item.probes))
        choices = {p.id: ("A" if x >= 0.5 else "B") for p, x in zip(item.probes, p_a, strict=True)}
        # Rounded like the hypothesis: the last bits of a posterior differ between numpy builds
        # and CPUs, and an answer file should not.
        confidence = {
            p.id: round(float(max(x, 1 - x)), 6) for p, x in zip(item.probes, p_a, strict=True)
        }
        mean_w = bank.features.weights_dict(np.round(post.mean_weights(), 6) + 0.0)  # no -0.0
        return Answer(
            respondent, item.id, choices=choices, hypothesis=mean_w, confidence=confidence
        )
    heur = visited_means_liked(bank, item)
    choices = {
        pid: (c if c is not None else ("A" if rng.random() < 0.5 else "B"))
        for pid, c in heur.items()
    }
    return Answer(respondent, item.id, choices=choices)
