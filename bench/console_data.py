"""Synthetic study answers for the console benchmarks and tests (seeded, no database needed)."""

from __future__ import annotations

import numpy as np

from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import Bank, Split


def synthetic_answers(
    bank: Bank,
    *,
    participants: int,
    models: int,
    epochs: int,
    seed: int = 0,
    study: str = "s",
    confidence: bool = True,
) -> tuple[list[Answer], list[float | None]]:
    """Humans answer every test and catch item once, models every item ``epochs`` times.

    Humans are right with probability 0.6 (a few time out); model conditions differ in skill.
    """
    rng = np.random.default_rng(seed)
    items = [it for it in bank.items if it.split in (Split.TEST, Split.CATCH)]
    answers: list[Answer] = []
    seconds: list[float | None] = []

    def answer(resp: str, it, epoch: int, p_right: float, timeout_p: float) -> None:
        assert it.truth is not None
        if rng.random() < timeout_p:
            answers.append(Answer(resp, it.id, epoch, {}, status=Status.TIMEOUT))
            seconds.append(120.0)
            return
        choices, conf = {}, {}
        for p in it.probes:
            right = rng.random() < p_right
            t = it.truth.answers[p.id]
            choices[p.id] = t if right else ("B" if t == "A" else "A")
            conf[p.id] = round(float(rng.uniform(0.5, 1.0)), 2)
        answers.append(Answer(resp, it.id, epoch, choices, confidence=conf if confidence else None))
        seconds.append(float(rng.uniform(5, 90)))

    for n in range(participants):
        for it in items:
            answer(f"human:{study}/{n + 1}", it, 0, 0.6, 0.03)
    for m in range(models):
        for e in range(epochs):
            for it in items:
                answer(f"model:prov/model-{m}/cond", it, e, 0.5 + 0.04 * m, 0.0)
    return answers, seconds


__all__ = ["synthetic_answers"]
