"""Inspect AI task (optional extra ``hhvalues[inspect]``): a bank as an Inspect dataset, scored
by our scoring core, and an importer from Inspect logs to our answers format.

    inspect eval hhvalues/inspect_task.py@hhvalues -T bank=data/banks/demo.json \\
        -T condition=baseline --model anthropic/claude-...

One sample per (item, epoch): the prompt, A/B order and few-shot examples are exactly those of
:func:`hhvalues.evals.prompts.build_prompt`, so an Inspect run and ``hhvalues eval`` send the
same stimulus and record the same ``stimulus`` hash. The scorer parses the reply with
:func:`hhvalues.evals.parse.parse_reply` and grades it with :func:`hhvalues.core.scoring.grade`.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from hhvalues.core.answers import Answer, Status, make_respondent, parse_answer
from hhvalues.core.bank import Bank, Split, load_bank
from hhvalues.errors import MissingExtraError
from hhvalues.evals.conditions import Condition, load_conditions, select_conditions
from hhvalues.evals.parse import parse_reply
from hhvalues.evals.prompts import Image, Prompt, build_prompt

try:
    from inspect_ai import Task, task
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import (
        ChatMessageAssistant,
        ChatMessageSystem,
        ChatMessageUser,
        ContentImage,
        ContentText,
        GenerateConfig,
    )
    from inspect_ai.scorer import Score, Target, accuracy, scorer, stderr
    from inspect_ai.solver import TaskState, generate
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("the Inspect AI task", "inspect") from exc

DEFAULT_CONDITIONS = Path(__file__).resolve().parents[1] / "conditions" / "published-study.toml"


def _messages(prompt: Prompt) -> list[Any]:
    out: list[Any] = []
    if prompt.system:
        out.append(ChatMessageSystem(content=prompt.system))
    for turn in prompt.turns:
        parts: list[Any] = []
        for p in turn.parts:
            if isinstance(p, Image):
                url = "data:image/png;base64," + base64.b64encode(p.png).decode("ascii")
                parts.append(ContentImage(image=url))
            else:
                parts.append(ContentText(text=p))
        cls = ChatMessageUser if turn.role == "user" else ChatMessageAssistant
        out.append(cls(content=parts))
    return out


def make_samples(
    bank: Bank, condition: Condition, *, epochs: int | None = None, limit: int | None = None
) -> list[Any]:
    """One Inspect sample per (item, epoch) of the test and catch splits."""
    items = [it for it in bank.items if it.split is not Split.TRAIN][:limit]
    samples = []
    for epoch in range(epochs or condition.epochs):
        for item in items:
            prompt = build_prompt(bank, item, condition, epoch=epoch)
            samples.append(
                Sample(
                    input=_messages(prompt),
                    id=f"{item.id}@{epoch}",
                    metadata={
                        "item": item.id,
                        "epoch": epoch,
                        "condition": condition.name,
                        "order": {k: list(v) for k, v in prompt.order.items()},
                        "few_shot": list(prompt.few_shot),
                        "stimulus": prompt.stimulus,
                    },
                )
            )
    return samples


@scorer(metrics=[accuracy(), stderr()])
def hhvalues_scorer(bank_path: str, condition: str, conditions_path: str) -> Any:
    """Parse the reply and grade it with the scoring core; the answer line rides in metadata."""
    from hhvalues.core.scoring import grade

    bank = load_bank(bank_path)
    cond = select_conditions(load_conditions(conditions_path), [condition])[0]

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        prompt = build_prompt(bank, bank.item(meta["item"]), cond, epoch=int(meta["epoch"]))
        out = state.output
        stop = getattr(out, "stop_reason", None)
        parsed = parse_reply(
            out.completion if out else None,
            prompt.probe_ids,
            stop_reason={
                "max_tokens": "max_tokens",
                "model_length": "max_tokens",
                "content_filter": "refusal",
            }.get(str(stop), "end"),
            features=prompt.features,
            require_hypothesis=cond.require_hypothesis,
        )
        answer = Answer(
            make_respondent("model", f"inspect/{state.model}/{cond.name}"),
            prompt.item,
            prompt.epoch,
            prompt.to_bank_sides(parsed.choices),
            prompt.to_bank_values(parsed.hypothesis),
            parsed.confidence,
            parsed.status,
            parsed.rationale,
            prompt.stimulus,
            {"condition": cond.name, "lazy": parsed.lazy, "parse": parsed.reason},
        )
        graded = grade(bank, [answer])
        value = float(graded.correct.mean()) if graded.n_rows else 0.0
        return Score(
            value=value,
            answer=parsed.status.value,
            explanation=parsed.reason,
            metadata={"answer": answer.to_json()},
        )

    return score


@task
def hhvalues(
    bank: str,
    condition: str = "baseline",
    conditions: str | None = None,
    epochs: int | None = None,
    limit: int | None = None,
) -> Task:
    """A bank under one condition of a conditions file, as an Inspect task."""
    conditions_path = conditions or os.fspath(DEFAULT_CONDITIONS)
    cond = select_conditions(load_conditions(conditions_path), [condition])[0]
    b = load_bank(bank)
    config = GenerateConfig(max_tokens=cond.max_tokens, temperature=cond.temperature)
    return Task(
        dataset=MemoryDataset(make_samples(b, cond, epochs=epochs, limit=limit)),
        solver=generate(),
        scorer=hhvalues_scorer(bank, condition, conditions_path),
        config=config,
        name=f"hhvalues-{b.name}-{cond.name}",
    )


def answers_from_inspect_log(path: str | os.PathLike[str]) -> list[Answer]:
    """Our answers from an Inspect log of this task (the scorer's answer lines; unscored samples
    become ``error`` answers)."""
    from inspect_ai.log import read_eval_log

    log = read_eval_log(os.fspath(path))
    model = log.eval.model
    out = []
    for sample in log.samples or []:
        scores = sample.scores or {}
        doc = next(
            (
                s.metadata["answer"]
                for s in scores.values()
                if s.metadata and "answer" in s.metadata
            ),
            None,
        )
        if doc is not None:
            out.append(parse_answer(doc))
            continue
        meta = sample.metadata or {}
        out.append(
            Answer(
                make_respondent("model", f"inspect/{model}/{meta.get('condition', '?')}"),
                str(meta.get("item", sample.id)),
                int(meta.get("epoch", 0)),
                {},
                None,
                None,
                Status.ERROR,
                str(sample.error.message if sample.error else "not scored"),
                meta.get("stimulus"),
            )
        )
    return out


__all__ = ["answers_from_inspect_log", "hhvalues", "hhvalues_scorer", "make_samples"]
