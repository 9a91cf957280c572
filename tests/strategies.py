"""Shared test data builders and hypothesis strategies (banks, weights, answers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import Bank, parse_bank

TINY = Path(__file__).parent / "data" / "examples" / "tiny_bank.json"

SIGN_FEATURES = [
    {"id": "flowers", "symbol": "f", "label": "flower bed", "terminal": False},
    {"id": "puddle", "symbol": "p", "label": "puddle", "terminal": False},
    {"id": "crowd", "symbol": "c", "label": "crowd", "terminal": False},
    {"id": "cafe", "symbol": "C", "label": "café", "terminal": True},
]


def tiny_doc() -> dict[str, Any]:
    """The tiny example bank as a JSON document."""
    return json.loads(TINY.read_text(encoding="utf-8"))


def tiny_bank(ideal: dict[str, dict[str, float]] | None = None) -> Bank:
    """The tiny example bank, with ``truth.ideal`` (P(A) per probe) filled in per item id."""
    doc = tiny_doc()
    for item in doc["items"]:
        if ideal and item["id"] in ideal:
            item["truth"]["ideal"] = ideal[item["id"]]
    return parse_bank(doc)


def sign_bank(
    n_items: int, *, n_probes: int = 3, seed: int = 0, ideal_q: float = 0.9, public: bool = False
) -> Bank:
    """A bank of ``n_items`` items with ``n_probes`` sign probes each, weights drawn at random.

    The ideal observer's P(A) is ``ideal_q`` on the true side, so its ceiling is 1.
    """
    rng = np.random.default_rng(seed)
    ids = [f["id"] for f in SIGN_FEATURES]
    items = []
    for i in range(n_items):
        w = {f: float(rng.choice([-2.0, -1.0, 1.0, 2.0])) for f in ids}
        probes = [
            {"id": f"s{j}", "type": "sign", "feature": ids[j % len(ids)]} for j in range(n_probes)
        ]
        answers = {p["id"]: "A" if w[p["feature"]] > 0 else "B" for p in probes}
        item: dict[str, Any] = {
            "id": f"i{i:04d}",
            "split": "test",
            "demos": [{"grid": ["S.fC"], "path": "RRR"}],
            "probes": probes,
        }
        if not public:
            item["truth"] = {
                "weights": w,
                "rationality": 2,
                "answers": answers,
                "ideal": {k: ideal_q if v == "A" else 1 - ideal_q for k, v in answers.items()},
            }
        items.append(item)
    return parse_bank(
        {
            "format": "hhvalues-bank/1",
            "name": "signs",
            "version": "1",
            "seed": seed,
            "features": SIGN_FEATURES,
            "step_cost": -2.5,
            "items": items,
        }
    )


def truth_choices(bank: Bank, item_id: str) -> dict[str, str]:
    """The correct choice per probe of an item."""
    truth = bank.item(item_id).truth
    assert truth is not None
    return dict(truth.answers)


def simulate(
    bank: Bank,
    respondent: str,
    p_correct: float,
    *,
    rng: np.random.Generator,
    epochs: int = 1,
    items: Sequence[str] | None = None,
) -> list[Answer]:
    """Answers that are right on each probe independently with probability ``p_correct``."""
    out = []
    for item in bank.items if items is None else [bank.item(i) for i in items]:
        assert item.truth is not None
        for e in range(epochs):
            right = rng.random(len(item.probes)) < p_correct
            choices = {
                p.id: (
                    item.truth.answers[p.id]
                    if ok
                    else ("B" if item.truth.answers[p.id] == "A" else "A")
                )
                for p, ok in zip(item.probes, right, strict=True)
            }
            out.append(Answer(respondent, item.id, e, choices))
    return out


# --- hypothesis strategies ----------------------------------------------------------------------

weights = st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0])
"""One submitted weight, ties (0) included."""


@st.composite
def answers_for(
    draw: st.DrawFn, bank: Bank, *, max_respondents: int = 3, max_epochs: int = 2
) -> list[Answer]:
    """A valid answer set for ``bank``: distinct (respondent, item, epoch), any mix of explicit
    choices (some null or missing), hypotheses, confidences and statuses."""
    respondents = [f"model:r{k}" for k in range(draw(st.integers(1, max_respondents)))]
    out = []
    for r in respondents:
        for item in bank.items:
            for e in range(draw(st.integers(0, max_epochs))):
                probes = [p.id for p in item.probes]
                choices = draw(
                    st.dictionaries(
                        st.sampled_from(probes),
                        st.sampled_from(["A", "B", None]),
                        max_size=len(probes),
                    )
                )
                hyp = draw(
                    st.none() | st.fixed_dictionaries({f: weights for f in bank.features.ids})
                )
                conf = draw(
                    st.none()
                    | st.dictionaries(
                        st.sampled_from(probes), st.floats(0.5, 1.0), max_size=len(probes)
                    )
                )
                status = draw(st.sampled_from(list(Status)))
                out.append(Answer(r, item.id, e, choices, hyp, conf, status))
    return out


__all__ = [
    "SIGN_FEATURES",
    "TINY",
    "answers_for",
    "sign_bank",
    "simulate",
    "tiny_bank",
    "tiny_doc",
    "truth_choices",
    "weights",
]
