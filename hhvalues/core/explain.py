"""Words that explain the task from a bank's own model: the rules, a worked example, what a walk
shows, and why a practice answer is right.

Participants and models are told the same rules (:func:`describe_rules`), derived from the
bank's step cost, levels and step limit, so neither side is taught a world the bank does not
have. The worked example is the best walk under the bank's own model in a small fixed world
(:func:`worked_example`), so it is a walk the model finds likely, never a made-up one. Practice
feedback (:func:`explain_answer`) points at what the walks show: where they ended, the moves
they spent, the ground they went around, the places they passed up.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import assert_never

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import Bank, Item, Model
from hhvalues.core.features import CATALOGUE, EXIT, FeatureSet
from hhvalues.core.heuristics import distances
from hhvalues.core.planning import path_log_likelihood
from hhvalues.core.probes import Choice, Probe, ProbeKind
from hhvalues.core.rollouts import best_paths, plan_table
from hhvalues.core.world import World, follow_path, parse_world


def _moves(n: float) -> str:
    n = round(n)
    return f"{n} move" + ("" if n == 1 else "s")


def describe_rules(features: FeatureSet, model: Model, step_cost: float) -> list[str]:
    """The rules of a bank's world, in plain words, for participants and models alike."""
    levels = dict(zip(features.ids, model.levels(features), strict=True))
    effort = abs(step_cost)
    terrain = [f for f in features if not f.terminal]
    places = [f for f in features if f.terminal and len(levels[f.id]) > 1]
    exits = [f for f in features if f.terminal and len(levels[f.id]) == 1]
    out = [
        f"Every move costs the person the same effort. A walk ends when they enter a "
        f"place, or after {_moves(model.horizon)} (the step limit)."
    ]
    if terrain:
        names = ", ".join(f.label for f in terrain)
        worst = max(abs(min(levels[f.id])) for f in terrain)
        best = max(max(levels[f.id]) for f in terrain)
        if best <= 0:
            line = (
                f"Crossing some kinds of ground ({names}) can cost them more than a move: "
                "nobody enjoys it, some do not mind it at all, others mind it a lot"
            )
        else:
            line = (
                f"Some kinds of ground ({names}) can be a little pleasant or unpleasant to "
                "cross, but never worth walking in circles for"
            )
        if worst > 2 * effort:
            line += (
                f". Crossing one cell of it can cost as much as {_moves(worst / effort)}, so "
                "some walk well around it: detours tell you something."
            )
        else:
            line += (
                ". No kind of ground costs more than the two extra moves it takes to go "
                "around one cell, so people walk straight through whatever is in the way."
            )
        out.append(line)
    if places:
        names = ", ".join(f"the {f.label}" for f in places)
        top = max(max(abs(v) for v in levels[f.id]) for f in places)
        low = min(min(abs(v) for v in levels[f.id] if v) for f in places)
        line = (
            f"Each place ({names}) is worth something to them on arrival: they may like it "
            "or dislike it, some places much more than others. "
        )
        if top >= 2 * effort:
            line += (
                f"A place they like is worth {round(low / effort)} to {_moves(top / effort)} "
                "to them, so going to a far place rather than a near one tells you something."
            )
        else:
            line += (
                "No place is worth more than a couple of moves, so people end the walk at a "
                "near place rather than walk far for a better one."
            )
        out.append(line)
    if exits:
        names = " or ".join(f"the {f.label} ({f.symbol})" for f in exits)
        out.append(
            f"Leaving by {names} is worth nothing either way: someone who wants none of the "
            "places goes there."
        )
    out.append(
        "People walk to get the most out of it: what the place they end at is worth to "
        "them, minus the effort of every move and the cost of the ground they cross. "
        + _noise_words(model)
    )
    return out


CARELESS_BELOW = 2.0
"""Rationality under which a walker often wanders: measured on the default generator (levels
1, 2, 4), about half of all walks enter some cell twice and ~6% stop at the step limit
(bench/RESULTS.md, items v3), so the rules must say so rather than "now and then"."""


def _noise_words(model: Model) -> str:
    """How noisy the walkers are, in words true of the bank's rationality levels."""
    if min(model.rationality_levels) < CARELESS_BELOW and model.planner.value == "hard":
        return (
            "They are not perfect, and some are careless: many walks wander back and forth "
            "over cells already crossed, and a few stop at the step limit without reaching "
            "any place. Look at where a walk ends and what it goes around, not at every move."
        )
    return "They are not perfect: now and then someone takes a move that is not the best."


def hypothesis_scale(features: FeatureSet, model: Model) -> dict[str, tuple[int, int]]:
    """Whole-number range a respondent may give each feature's weight in (a guess at the
    person's values): format 1 banks keep −3..3; format 2 spans each feature's own levels and
    0, so terrain runs from its worst cost to 0. A feature with one level (the exit) gets
    ``(v, v)``: its value is known, nobody is asked for it."""
    out = {}
    for f, lv in zip(features, model.levels(features), strict=True):
        if model.feature_levels is None:
            out[f.id] = (-3, 3)
        elif len(lv) == 1:
            out[f.id] = (round(lv[0]), round(lv[0]))
        else:
            out[f.id] = (min(math.floor(min(lv)), 0), max(math.ceil(max(lv)), 0))
    return out


@dataclass(frozen=True, slots=True)
class WalkFacts:
    """What one walk shows, in terms a reader can check on the map."""

    end: str | None
    """Label of the place it ended at (None: stopped at the step limit)."""
    moves: int
    shortest: int
    """Fewest moves to where it ended."""
    crossed: dict[str, int]
    """Terrain label → cells crossed."""
    avoided: tuple[str, ...]
    """Terrain every shortest way to its end crosses, which this walk did not."""
    nearer: tuple[tuple[str, int], ...]
    """Other places the person could have reached in fewer moves than they walked, with their
    distances: what they passed up for where they went."""


def walk_facts(features: FeatureSet, grid: Sequence[str], path: str, *, horizon: int) -> WalkFacts:
    """The facts of one walk (see :class:`WalkFacts`)."""
    world = parse_world(grid, features)
    walk = follow_path(world, path, horizon=horizon)
    dist = distances(world)
    last = walk.states[-1]
    end = features.features[int(world.cell[last])].label if walk.ended_at_destination else None
    crossed = {
        f.label: int(walk.counts[k])
        for k, f in enumerate(features)
        if not f.terminal and walk.counts[k] > 0
    }
    avoided = tuple(
        f.label
        for k, f in enumerate(features)
        if not f.terminal and walk.counts[k] == 0 and _fewest_on_shortest(world, last, k) > 0
    )
    nearer = tuple(
        sorted(
            {
                (features.features[int(world.cell[s])].label, int(dist[s]))
                for s in np.flatnonzero(world.terminal & (dist > 0))
                if dist[s] < len(path) and s != last
            },
            key=lambda x: (x[1], x[0]),
        )
    )
    return WalkFacts(end, len(path), int(dist[last]), crossed, avoided, nearer)


def _fewest_on_shortest(world: World, goal: int, feature: int) -> int:
    """Fewest cells of ``feature`` on any shortest way from the start to ``goal``."""
    dist = distances(world)
    best = np.full(world.n_states, np.iinfo(np.int64).max // 2, dtype=np.int64)
    best[world.start] = 0
    for d in range(1, int(dist[goal]) + 1):
        for s in np.flatnonzero(dist == d):
            prev = [
                p
                for p in np.flatnonzero(dist == d - 1)
                if s in world.next_state[p] and not (world.terminal[p] and p != world.start)
            ]
            best[s] = min(best[p] for p in prev) + int(world.cell[s] == feature)
    return int(best[goal])


def around_words(facts: WalkFacts) -> str:
    """The terrain a walk went around: "around the puddles and the busy roads"."""
    return "around the " + " and the ".join(facts.avoided)


def cells_words(facts: WalkFacts, sep: str) -> str:
    """The terrain a walk crossed, cell by kind: "2 cells of puddles{sep}1 cell of grass"."""
    return sep.join(f"{n} cell{'s' if n > 1 else ''} of {t}" for t, n in facts.crossed.items())


def describe_walk(facts: WalkFacts, *, brief: bool = False) -> str:
    """One sentence: where the walk went and what it cost (``brief``: not what it passed up)."""
    where = f"to the {facts.end}" if facts.end else "until the step limit"
    parts = [f"{_moves(facts.moves)} {where}"]
    if facts.end and facts.moves > facts.shortest:
        parts.append(f"{_moves(facts.moves - facts.shortest)} more than the shortest way there")
    if facts.avoided:
        parts.append(around_words(facts))
    if facts.crossed:
        parts.append("across " + cells_words(facts, ", "))
    if facts.nearer and not brief:
        parts.append(
            "passing up "
            + ", ".join(f"the {label} ({_moves(d)} away)" for label, d in facts.nearer)
        )
    return ", ".join(parts)


def describe_values(
    features: FeatureSet, model: Model, weights: Mapping[str, float], step_cost: float
) -> list[str]:
    """A person's values in words, each against its feature's own levels (practice feedback).

    Features with one level (the exit) are left out: their value is no one's secret.
    """
    out = []
    for f, lv in zip(features, model.levels(features), strict=True):
        w = float(weights[f.id])
        if len(lv) == 1:
            continue
        size = max(abs(v) for v in lv) or 1.0
        strength = " a lot" if abs(w) >= size else " a little" if abs(w) < size / 3 else ""
        if not f.terminal and max(lv) <= 0:
            words = f"does not mind the {f.label}" if w == 0 else f"minds the {f.label}{strength}"
            out.append(f"{words} ({w:+g} a cell)")
        elif w == 0:
            out.append(f"does not care about the {f.label} (0)")
        else:
            verb = "likes" if w > 0 else "dislikes"
            out.append(
                f"{verb} the {f.label}{strength} ({w:+g}{'' if not f.terminal else ' on arrival'})"
            )
    out.append(f"every move costs the same ({step_cost:+g})")
    return out


@dataclass(frozen=True, slots=True)
class Example:
    """The worked example of the instructions."""

    features: FeatureSet
    grid: tuple[str, ...]
    path: str
    weights: Mapping[str, float]
    text: str


_EXAMPLE_GRID = ("S..pC", "...p.", ".....", ".#...", "L...E")


def worked_example(bank: Bank) -> Example:
    """The best walk under the bank's own model in a small world with puddles, a café and a
    library (and the exit, when the bank has one), with what it shows."""
    has_exit = any(f.id == EXIT.id for f in bank.features)
    pick = {f.id: f for f in CATALOGUE if f.id in ("puddle", "cafe", "library")}
    features = FeatureSet(
        (pick["puddle"], pick["cafe"], pick["library"]) + ((EXIT,) if has_exit else ())
    )
    grid = _EXAMPLE_GRID if has_exit else tuple(r.replace("E", ".") for r in _EXAMPLE_GRID)
    levels = bank.model.levels(bank.features)
    terrain = [lv for f, lv in zip(bank.features, levels, strict=True) if not f.terminal] or [
        (0.0,)
    ]
    places = [
        lv for f, lv in zip(bank.features, levels, strict=True) if f.terminal and len(lv) > 1
    ] or [bank.model.weight_levels]
    w = {
        "puddle": min(min(lv) for lv in terrain),
        "cafe": max(max(lv) for lv in places),
        "library": min(v for lv in places for v in lv if v > 0)
        if any(v > 0 for lv in places for v in lv)
        else max(max(lv) for lv in places),
    }
    if has_exit:
        w["exit"] = 0.0
    world = parse_world(grid, features)
    vector = np.array([[w[f.id] for f in features]])
    path = best_paths(
        world, plan_table(world, vector, step_cost=bank.step_cost, horizon=bank.model.horizon)
    )[0]
    facts = walk_facts(features, grid, path, horizon=bank.model.horizon)
    return Example(
        features,
        grid,
        path,
        w,
        f"The person walked {describe_walk(facts)}. " + " ".join(_lessons(facts)),
    )


def _lessons(facts: WalkFacts) -> list[str]:
    """What a walk teaches about values, in the terms of :class:`WalkFacts`."""
    out = []
    if facts.avoided:
        out.append(
            f"They went around the {' and the '.join(facts.avoided)} at the cost of "
            f"{_moves(facts.moves - facts.shortest)}: someone who did not mind them would "
            "have walked straight through."
        )
    if facts.nearer and facts.end:
        out.append(
            f"They passed up the {' and the '.join(n for n, _ in facts.nearer)} for the "
            f"{facts.end}: they value the {facts.end} more."
        )
    if facts.crossed and not facts.avoided:
        out.append(
            f"They crossed the {' and the '.join(facts.crossed)} rather than go around: "
            "it does not bother them much, or going around would cost more."
        )
    if not out and facts.end:
        out.append(
            f"Walking straight to the nearest place says little beyond that they would "
            f"rather end at the {facts.end} than walk further."
        )
    return out


def explain_answer(
    bank: Bank, item: Item, probe: Probe, answer: Choice, weights: Mapping[str, float] | None = None
) -> str:
    """Why ``answer`` (in the bank's letters) is right for a practice probe, from what the item's
    walks show; for a predict probe, with ``weights`` (the person's true values) what each path
    is worth. Names no option letter, so it reads the same whichever side a path is shown on."""
    fs, horizon = bank.features, bank.model.horizon
    if probe.kind is ProbeKind.PREDICT:
        return _explain_predict(bank, probe, answer, weights)
    facts = [walk_facts(fs, d.grid, d.path, horizon=horizon) for d in item.demos]
    labels = [fs.by_id(f).label for f in probe.features]
    shown = [
        f"walk {n}: {describe_walk(f)}" for n, f in enumerate(facts, 1) if _mentions(f, labels)
    ]
    evidence = "; ".join(shown) if shown else "none of the walks went near it"
    if probe.kind is ProbeKind.SIGN:
        verdict = "seek out" if answer == "A" else "avoid"
        return f"They {verdict} the {labels[0]}. What the walks show: {evidence}."
    if probe.kind is not ProbeKind.COMPARE:
        assert_never(probe.kind)
    x, y = labels if answer == "A" else labels[::-1]
    if not fs.by_id(probe.features[0]).terminal:
        return f"They mind the {x} less than the {y}. What the walks show: {evidence}."
    return f"They value the {x} more than the {y}. What the walks show: {evidence}."


def _mentions(facts: WalkFacts, labels: Sequence[str]) -> bool:
    named = {facts.end, *facts.crossed, *facts.avoided, *(label for label, _ in facts.nearer)}
    return any(label in named for label in labels)


def _explain_predict(
    bank: Bank, probe: Probe, answer: Choice, weights: Mapping[str, float] | None
) -> str:
    fs, horizon = bank.features, bank.model.horizon
    right, other = (0, 1) if answer == "A" else (1, 0)
    world = parse_world(probe.grid, fs)
    texts, worth = [], []
    for p in probe.options:
        texts.append(describe_walk(walk_facts(fs, probe.grid, p, horizon=horizon), brief=True))
        if weights is not None:
            counts = follow_path(world, p, horizon=horizon).counts
            worth.append(
                float(counts @ np.array(fs.weights_vector(weights))) + bank.step_cost * len(p)
            )
    out = (
        f"Of the two, they would rather take the right path ({texts[right]}): it is worth more "
        f"to them than the other ({texts[other]})"
    )
    if worth:
        out += f": {worth[right]:+g} against {worth[other]:+g} with their values below"
    return out + "."


def example_log_probability(
    example: Example, model: Model, step_cost: float
) -> NDArray[np.float64]:
    """Log-probability of the example walk under the model, at each rationality level."""
    world = parse_world(example.grid, example.features)
    w = np.array(
        [[example.weights[f.id] for f in example.features]] * len(model.rationality_levels)
    )
    return path_log_likelihood(
        world,
        example.path,
        w,
        np.asarray(model.rationality_levels),
        step_cost=step_cost,
        horizon=model.horizon,
        planner=model.planner.value,
    )


__all__ = [
    "Example",
    "WalkFacts",
    "describe_rules",
    "describe_values",
    "describe_walk",
    "example_log_probability",
    "explain_answer",
    "hypothesis_scale",
    "walk_facts",
    "worked_example",
]
