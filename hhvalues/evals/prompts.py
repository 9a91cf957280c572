"""The exact prompt for one (item, condition, epoch): text, images, few-shot turns, A/B order.

Provider-neutral: a :class:`Prompt` is a system text and a list of turns whose parts are text
or PNG images. The provider modules turn it into their request body; batch mode uses the same
bodies. Images are the very PNG bytes :mod:`hhvalues.core.render` makes for participants.

Seeding
    Few-shot selection and A/B order are drawn from one generator seeded by
    ``(condition.seed, epoch, crc32(item id))``: the same for every condition, so conditions are
    paired on identical orders, and recorded in each answer.
Stimulus hash
    ``stimulus`` is :func:`~hhvalues.core.render.stimulus_hash` of
    :func:`~hhvalues.core.render.item_stimulus` in the order shown — the value a participant
    shown that order stores. ``sent_hash`` covers everything actually sent (system, every turn's
    texts and images, few-shot included).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from hhvalues.core.bank import Bank, Item, Split
from hhvalues.core.explain import describe_rules, hypothesis_scale
from hhvalues.core.probes import Choice, ProbeKind
from hhvalues.core.render import (
    ItemStimulus,
    item_stimulus,
    question_words,
    render_item_text,
    stimulus_hash,
)
from hhvalues.evals.conditions import Condition, Modality, PromptVariant

Order = dict[str, tuple[str, str]]
"""Probe id → (bank side shown as A, bank side shown as B)."""

INTRO = "You will see how one person walked through small grid worlds. The rules of these worlds:"
OUTRO = "Infer what this person values from their walks, then answer every question with A or B."


def intro(bank: Bank) -> str:
    """The task as the participants' instructions state it: the same rules, from the bank's model."""
    rules = describe_rules(bank.features, bank.model, bank.step_cost)
    return "\n".join([INTRO, *(f"- {line}" for line in rules), OUTRO])


VARIANTS: dict[PromptVariant, str] = {
    PromptVariant.DIRECT: "Answer directly.",
    PromptVariant.STRUCTURED: (
        "Work in three stages, and write each one out. 1. Hypothesis generation: propose several "
        "candidate value assignments (a weight per kind of cell). 2. Trajectory "
        "evaluation: for each candidate, check every demonstrated walk — would a person with "
        "those values walk exactly that way rather than some other way? 3. Reward refinement: "
        "settle on the weights that best explain all walks, and answer from them."
    ),
    PromptVariant.STEP_BY_STEP: "Think step by step before you answer.",
    PromptVariant.NO_SHORTCUTS: (
        "Think step by step. Do not take shortcuts: consider every cell of every walk and the "
        "alternative paths the person could have taken, before you answer."
    ),
}


@dataclass(frozen=True, slots=True)
class Image:
    """A PNG part of a turn."""

    name: str
    """Stable file name for logs and dry runs, e.g. ``i1-1.png``."""
    png: bytes


@dataclass(frozen=True, slots=True)
class Turn:
    """One message: ``user`` or ``assistant``, its parts in order."""

    role: str
    parts: tuple[str | Image, ...]


@dataclass(frozen=True, slots=True)
class Prompt:
    """Everything sent for one item under one condition and epoch."""

    item: str
    epoch: int
    condition: str
    system: str | None
    turns: tuple[Turn, ...]
    probe_ids: tuple[str, ...]
    order: Order
    few_shot: tuple[str, ...]
    """Ids of the training items shown as examples, in order."""
    stimulus: str
    sent_hash: str
    features: Mapping[str, str] = field(default_factory=dict)
    """Lower-cased feature id or label → id, for reading a hypothesis."""
    hypothesis_unit: float = 1.0
    """Value units per unit the hypothesis template asks in: |step cost| for a format 2 bank,
    whose template asks in moves (the rules' unit); 1 for format 1 (value units)."""

    @property
    def images(self) -> tuple[Image, ...]:
        """Every image of every turn, in order."""
        return tuple(p for t in self.turns for p in t.parts if isinstance(p, Image))

    def to_bank_values(self, hypothesis: Mapping[str, float] | None) -> dict[str, float] | None:
        """A parsed hypothesis (feature id → what the reply said, in the template's unit) in
        the bank's value units."""
        if hypothesis is None:
            return None
        return {f: v * self.hypothesis_unit for f, v in hypothesis.items()}

    def to_bank_sides(self, choices: Mapping[str, Choice | None]) -> dict[str, Choice | None]:
        """Map choices as shown back to the bank's A/B."""
        out: dict[str, Choice | None] = {}
        for pid, c in choices.items():
            shown = self.order.get(pid, ("A", "B"))
            out[pid] = None if c is None else shown["AB".index(c)]  # type: ignore[assignment]
        return out


def make_rng(seed: int, epoch: int, item_id: str) -> np.random.Generator:
    """The generator for one (seed, epoch, item)."""
    return np.random.default_rng([seed, epoch, zlib.crc32(item_id.encode("utf-8"))])


def draw_order(item: Item, rng: np.random.Generator) -> Order:
    """Counterbalance each probe's sides with a fair coin."""
    flips = rng.random(len(item.probes)) < 0.5
    return {
        p.id: (("B", "A") if f else ("A", "B")) for p, f in zip(item.probes, flips, strict=True)
    }


def build_prompt(bank: Bank, item: Item, condition: Condition, *, epoch: int) -> Prompt:
    """The prompt for ``item`` under ``condition`` in ``epoch`` (deterministic)."""
    rng = make_rng(condition.seed, epoch, item.id)
    order = draw_order(item, rng)
    examples = _pick_examples(bank, item, condition.few_shot, rng)
    turns: list[Turn] = []
    for n, ex in enumerate(examples):
        ex_order = draw_order(ex, rng)
        head = (
            intro(bank) + "\n\n" if n == 0 else ""
        ) + f"Example {n + 1} (with the correct answer):\n\n"
        turns.append(Turn("user", (head, *_item_parts(bank, ex, ex_order, condition.modality))))
        turns.append(
            Turn("assistant", (_true_answer(bank, ex, ex_order, condition.require_hypothesis),))
        )
    head = intro(bank) + "\n\n" if not examples else "Now the item to answer:\n\n"
    final = (
        head,
        *_item_parts(bank, item, order, condition.modality),
        "\n" + VARIANTS[condition.prompt] + "\n\n" + answer_format(item, bank, condition),
    )
    turns.append(Turn("user", _merge_text(final)))
    stim = _stimulus(bank, item.id, _key(order))
    texts = [condition.system or ""] + [p for t in turns for p in t.parts if isinstance(p, str)]
    sent = stimulus_hash([p.png for t in turns for p in t.parts if isinstance(p, Image)], texts)
    aliases = {f.id.lower(): f.id for f in bank.features} | {
        f.label.lower(): f.id for f in bank.features
    }
    return Prompt(
        item.id,
        epoch,
        condition.name,
        condition.system,
        tuple(turns),
        tuple(p.id for p in item.probes),
        order,
        tuple(e.id for e in examples),
        stimulus_hash(stim.pictures, stim.texts),
        sent,
        aliases,
        hypothesis_unit(bank),
    )


def hypothesis_unit(bank: Bank) -> float:
    """Value units per unit of the hypothesis template: a move (|step cost|) when the bank
    declares per-feature levels (format 2), whose rules speak in moves; else 1."""
    return abs(bank.step_cost) if bank.model.feature_levels is not None else 1.0


def answer_format(item: Item, bank: Bank, condition: Condition) -> str:
    """The instruction that asks for the final JSON answer.

    The hypothesis template names features by the labels the maps use and, for format 2 banks,
    asks in moves, the rules' unit (issue 20): "lawns": -8 to 0 means crossing a cell of lawn
    costs the person up to 8 moves' worth of effort."""
    choices = ", ".join(f'"{p.id}": "A" or "B"' for p in item.probes)
    conf = ", ".join(f'"{p.id}": 0.5 to 1' for p in item.probes)
    unit = hypothesis_unit(bank)
    scale = hypothesis_scale(bank.features, bank.model)
    named = {f.id: (f.label if unit != 1.0 else f.id) for f in bank.features}
    hyp = ", ".join(
        f'"{named[f]}": {_in(lo, unit)}'
        if lo == hi
        else f'"{named[f]}": {_in(lo, unit)} to {_in(hi, unit)}'
        for f, (lo, hi) in scale.items()
    )
    need = "required" if condition.require_hypothesis else "optional"
    what = (
        "what each kind of cell is worth to the person, in moves: -8 means crossing one cell "
        "of it costs as much as 8 extra moves, 12 that arriving there is worth 12 moves"
        if unit != 1.0
        else "how much the person values each kind of cell"
    )
    return (
        "End your reply with your final answer as one JSON object:\n"
        f'{{"choices": {{{choices}}}, "hypothesis": {{{hyp}}}, "confidence": {{{conf}}}}}\n'
        f"Every choice is required. The hypothesis (your estimate of {what}) is {need}; "
        "confidence (how sure you are of each choice) is optional."
    )


def _in(value: float, unit: float) -> str:
    """A value in the template's unit, as a whole number when it is one."""
    v = value / unit
    return f"{round(v)}" if abs(v - round(v)) < 1e-9 else f"{v:g}"


def _key(order: Order) -> tuple[tuple[str, str, str], ...]:
    return tuple((pid, a, b) for pid, (a, b) in order.items())


# Rendering dominates a call's CPU time; an item is shown in at most 2^probes orders, so the
# renderings are memoised per (bank object, item, order). The bank is held by identity.
@lru_cache(maxsize=512)
def _stimulus(bank: Bank, item_id: str, order: tuple[tuple[str, str, str], ...]) -> ItemStimulus:
    return item_stimulus(bank, bank.item(item_id), order={p: (a, b) for p, a, b in order})


@lru_cache(maxsize=2048)
def _text(bank: Bank, item_id: str, order: tuple[tuple[str, str, str], ...]) -> str:
    return render_item_text(bank, bank.item(item_id), order={p: (a, b) for p, a, b in order})


def few_shot_shortfall(bank: Bank, conditions: Sequence[Condition]) -> dict[str, dict[str, int]]:
    """Conditions that ask for more few-shot examples than the bank has training items (with
    truth): name → ``{"asked": k, "shown": n}``. Such a condition shows every training item,
    fewer than its name says; the runner records it in the manifest and says so on stderr."""
    pool = sum(1 for it in bank.by_split(Split.TRAIN) if it.truth is not None)
    return {c.name: {"asked": c.few_shot, "shown": pool} for c in conditions if c.few_shot > pool}


def _pick_examples(bank: Bank, item: Item, k: int, rng: np.random.Generator) -> list[Item]:
    pool = [it for it in bank.by_split(Split.TRAIN) if it.id != item.id and it.truth is not None]
    if k <= 0 or not pool:
        return []
    idx = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
    return [pool[int(i)] for i in idx]


def _item_parts(bank: Bank, item: Item, order: Order, modality: Modality) -> list[str | Image]:
    if modality is Modality.TEXT:
        return [_text(bank, item.id, _key(order))]
    stim = _stimulus(bank, item.id, _key(order))
    n_demo = len(item.demos)
    parts: list[str | Image] = []
    if modality is Modality.BOTH:
        parts.append(_text(bank, item.id, _key(order)))
    walks = (
        f"The first {n_demo} images show the person's walks"
        if n_demo > 1
        else "The first image shows the person's walk"
    )
    parts.append(walks + "; the next image is the legend of every map (walks and questions).")
    for n, png in enumerate(stim.images[:n_demo], start=1):
        parts.append(Image(f"{item.id}-demo{n}.png", png))
    parts.append(Image(f"{item.id}-legend.png", stim.still_legend or stim.legend))
    parts.append(_questions_text(bank, item, order))
    predict = [p for p in item.probes if p.kind is ProbeKind.PREDICT]
    for p, png in zip(predict, stim.images[n_demo:], strict=True):
        parts += [f"Question {p.id}: paths A and B:", Image(f"{item.id}-{p.id}.png", png)]
    return parts


def _questions_text(bank: Bank, item: Item, order: Order) -> str:
    out = ["Questions: answer each with A or B."]
    for p in item.probes:
        question, shown_a, shown_b = question_words(bank, p, order=order)
        out += [f"Question {p.id}: {question}", f"  A: {shown_a}", f"  B: {shown_b}"]
    return "\n".join(out) + "\n"


def _true_answer(bank: Bank, item: Item, order: Order, with_hypothesis: bool) -> str:
    assert item.truth is not None
    inverse = {
        pid: {bank_side: "AB"[i] for i, bank_side in enumerate(shown)}
        for pid, shown in order.items()
    }
    doc: dict[str, Any] = {
        "choices": {p.id: inverse[p.id][item.truth.answers[p.id]] for p in item.probes}
    }
    if with_hypothesis:
        unit = hypothesis_unit(bank)
        doc["hypothesis"] = (
            dict(item.truth.weights)
            if unit == 1.0
            else {bank.features.by_id(f).label: w / unit for f, w in item.truth.weights.items()}
        )
    return json.dumps(doc)


def _merge_text(parts: tuple[str | Image, ...]) -> tuple[str | Image, ...]:
    out: list[str | Image] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + p
        else:
            out.append(p)
    return tuple(out)


def prompt_to_text(prompt: Prompt) -> str:
    """A readable dump of a prompt (for ``--dry-run``); images appear as ``[image NAME]``."""
    lines = [
        (
            f"=== item {prompt.item} · condition {prompt.condition} · epoch {prompt.epoch} · "
            f"order {json.dumps(prompt.order)} · few-shot {list(prompt.few_shot)}"
        )
    ]
    if prompt.system:
        lines += ["--- system", prompt.system]
    for t in prompt.turns:
        lines.append(f"--- {t.role}")
        lines += [p if isinstance(p, str) else f"[image {p.name}]" for p in t.parts]
    return "\n".join(lines)


__all__ = [
    "INTRO",
    "OUTRO",
    "VARIANTS",
    "Image",
    "Order",
    "Prompt",
    "Turn",
    "answer_format",
    "build_prompt",
    "draw_order",
    "few_shot_shortfall",
    "hypothesis_unit",
    "intro",
    "make_rng",
    "prompt_to_text",
]
