"""Plain-text rendering of worlds, walks and probes: the words models read and humans choose.

:func:`question_words` is the one wording of every question and its A/B options as shown
(``probe_question`` and ``describe_probe`` are its two halves); the participant app shows these
texts and the model harness sends them, so both sides answer the same question. A compare
question names its features in the order of its options as shown (after A/B counterbalancing),
and ground that can only cost is "minded", never "valued". Nothing here reads
``item.truth``. Coordinates are ``(row, column)`` from ``(0, 0)`` at the top-left corner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import groupby
from typing import assert_never

from hhvalues.core.bank import Bank, Demonstration, Item
from hhvalues.core.explain import around_words, cells_words, walk_facts
from hhvalues.core.features import FeatureSet
from hhvalues.core.probes import Probe, ProbeKind
from hhvalues.core.world import MOVES, World, follow_path, parse_world

__all__ = [
    "PREDICT_QUESTION",
    "cost_features",
    "demo_lines",
    "describe_probe",
    "option_sides",
    "predict_lines",
    "probe_question",
    "question_words",
    "render_item_text",
    "render_world_text",
]

PREDICT_QUESTION = "Of these two paths, which would this person rather take?"
"""A predict probe asks what it grades: which of the two drawn paths is worth more to the
person (neither need be the walk they would make themselves)."""

_ROLES = {True: "destination: a walk ends on entering it", False: "terrain: walked through"}
_WORDS = {"U": "up", "D": "down", "L": "left", "R": "right"}


def _legend_text(features: FeatureSet, symbols: set[str]) -> list[str]:
    lines = ["  # = wall (cannot be entered)", "  . = open ground", "  S = start (open ground)"]
    for f in features:
        if f.symbol in symbols:
            lines.append(f"  {f.symbol} = {f.label} ({_ROLES[f.terminal]})")
    return lines


def _grid_text(grid: Sequence[str]) -> list[str]:
    w = len(str(max(len(grid), len(grid[0])) - 1)) + 1
    head = " " * (w + 2) + "".join(str(c).rjust(w) for c in range(len(grid[0])))
    return [
        head,
        *(
            str(r).rjust(w) + "  " + "".join(ch.rjust(w) for ch in row)
            for r, row in enumerate(grid)
        ),
    ]


def _spell(path: str) -> str:
    return ", ".join(f"{_WORDS[m]} {len(list(run))}" for m, run in groupby(path)) or "no move"


def _ending(features: FeatureSet, world: World, last: int) -> str:
    if bool(world.terminal[last]):
        return f"ending at the {features.features[int(world.cell[last])].label}"
    return "stopping at ({}, {}) when the step limit is reached".format(*world.coords(last))


def _path_lines(world: World, path: str, *, horizon: int, indent: str) -> list[str]:
    states = follow_path(world, path, horizon=horizon).states
    cells = " -> ".join("({}, {})".format(*world.coords(s)) for s in states)
    return [f"{indent}Moves ({len(path)}): {' '.join(path) or '(none)'}", f"{indent}Cells: {cells}"]


def render_world_text(features: FeatureSet, grid: Sequence[str]) -> str:
    """Render a world as text: a legend of the symbols it uses, then the numbered grid."""
    world = parse_world(grid, features)
    return "\n".join(
        [
            "Legend:",
            *_legend_text(features, set("".join(world.rows))),
            f"Grid ({world.height} rows x {world.width} columns; "
            "(row, column) from (0, 0) top-left):",
            *_grid_text(world.rows),
        ]
    )


def cost_features(bank: Bank) -> frozenset[str]:
    """Ids of the features that can only cost (terrain whose declared levels are all ≤ 0): their
    compare questions ask who "minds" which less. Format 1 banks declare no per-feature levels
    (terrain there may be liked), so none."""
    if bank.model.feature_levels is None:
        return frozenset()
    levels = bank.model.levels(bank.features)
    return frozenset(
        f.id for f, lv in zip(bank.features, levels, strict=True) if not f.terminal and max(lv) <= 0
    )


def describe_probe(
    features: FeatureSet,
    probe: Probe,
    *,
    horizon: int = 500,
    costs: frozenset[str] = frozenset(),
) -> tuple[str, str]:
    """Spell out a probe's options (bank sides A, B) in words: shared by the participant app and
    prompts. ``costs``: :func:`cost_features` of the bank.

    Predict options describe the walk itself, not its letter, so they stay true when the app
    counterbalances sides: the ground it goes around or through, its end and its length (the
    prompt adds every move and cell). ``horizon`` only bounds path checking.
    """
    if probe.kind is ProbeKind.SIGN:
        label = features.by_id(probe.features[0]).label
        return f"seeks out {label}", f"avoids {label}"
    if probe.kind is ProbeKind.COMPARE:
        x, y = (features.by_id(f).label for f in probe.features)
        if set(probe.features) <= costs:  # A: x costs less (w_x > w_y)
            return f"minds {x} less than {y}", f"minds {y} less than {x}"
        return f"values {x} more than {y}", f"values {y} more than {x}"
    if probe.kind is not ProbeKind.PREDICT:
        assert_never(probe.kind)
    a, b = (_route(features, tuple(probe.grid), p, horizon) for p in probe.options)
    if a == b:  # the same ground, end and length: say how each sets off, or spell them out
        first = [_WORDS[p[0]] if p else "" for p in probe.options]
        if first[0] != first[1]:
            return f"{a}, setting off {first[0]}", f"{b}, setting off {first[1]}"
        spelled = [f"{t} ({_spell(p)})" for t, p in zip((a, b), probe.options, strict=True)]
        return spelled[0], spelled[1]
    return a, b


@lru_cache(maxsize=4096)
def _route(features: FeatureSet, grid: tuple[str, ...], path: str, horizon: int) -> str:
    """A path in a few words a reader can check on the map: the ground it goes around or
    through, where it ends, how many moves ("around the puddles to the café, 9 moves").

    Cached: finding the ground every shortest way crosses takes ~2 ms, and each prompt and
    each A/B order of an item asks for the same options again."""
    facts = walk_facts(features, grid, path, horizon=horizon)
    bits = []
    if facts.avoided:
        bits.append(around_words(facts))
    if facts.crossed:
        bits.append("through " + cells_words(facts, " and "))
    if facts.end:
        end = f"to the {facts.end}"
    else:
        world = parse_world(grid, features)
        last = follow_path(world, path, horizon=horizon).states[-1]
        end = "until the step limit, at ({}, {})".format(*world.coords(last))
    moves = f"{len(path)} move{'s' if len(path) != 1 else ''}"
    return " and ".join(bits) + (" " if bits else "") + f"{end}, {moves}"


def option_sides(order: dict[str, tuple[str, str]] | None, probe: Probe) -> tuple[int, int]:
    shown = (order or {}).get(probe.id, ("A", "B"))
    if sorted(shown) != ["A", "B"]:
        raise ValueError(f"order of probe {probe.id} must be ('A', 'B') or ('B', 'A'), got {shown}")
    return "AB".index(shown[0]), "AB".index(shown[1])


def probe_question(
    features: FeatureSet,
    probe: Probe,
    *,
    mark: Callable[[str], str] = str,
    sides: tuple[int, int] = (0, 1),
    costs: frozenset[str] = frozenset(),
) -> str:
    """A probe's question in words: the one wording humans read and models are sent.

    ``sides``: the bank options shown as A and B (:func:`option_sides`); a compare question names
    its features in that order. ``mark`` wraps each feature label (the app passes Markdown
    bold); the words stay the same. ``costs``: :func:`cost_features` of the bank.
    """
    if probe.kind is ProbeKind.SIGN:
        return (
            f"Does this person seek out or avoid {mark(features.by_id(probe.features[0]).label)}?"
        )
    if probe.kind is ProbeKind.COMPARE:
        x, y = (mark(features.by_id(probe.features[i]).label) for i in sides)
        if set(probe.features) <= costs:
            return f"Which does this person mind less: {x} or {y}?"
        return f"Which does this person value more: {x} or {y}?"
    if probe.kind is ProbeKind.PREDICT:
        return PREDICT_QUESTION
    assert_never(probe.kind)


def question_words(
    bank: Bank,
    probe: Probe,
    *,
    order: dict[str, tuple[str, str]] | None = None,
    mark: Callable[[str], str] = str,
) -> tuple[str, str, str]:
    """(question, option shown as A, option shown as B) of a probe in the display ``order``:
    the one function that words a question, for participants, feedback, the console and
    models alike."""
    sides = option_sides(order, probe)
    costs = cost_features(bank)
    opts = describe_probe(bank.features, probe, horizon=bank.model.horizon, costs=costs)
    question = probe_question(bank.features, probe, mark=mark, sides=sides, costs=costs)
    return question, opts[sides[0]], opts[sides[1]]


def demo_lines(
    features: FeatureSet, demo: Demonstration, *, horizon: int, n: int, total: int
) -> list[str]:
    """One demonstration in words: its grid, moves, cells and walk (a model's text, and the
    text alternative of its map)."""
    world = parse_world(demo.grid, features)
    last = follow_path(world, demo.path, horizon=horizon).states[-1]
    return [
        f"Demonstration {n} of {total}: world of {world.height} rows x {world.width} columns",
        *_grid_text(demo.grid),
        *_path_lines(world, demo.path, horizon=horizon, indent=""),
        f"The walk: {_spell(demo.path)}, {_ending(features, world, last)}.",
    ]


def predict_lines(
    features: FeatureSet, probe: Probe, sides: tuple[int, int], *, horizon: int
) -> list[str]:
    """A predict probe's new world and its paths A and B (bank options ``sides``) in words."""
    texts, world = (
        describe_probe(features, probe, horizon=horizon),
        parse_world(probe.grid, features),
    )
    out = _grid_text(probe.grid)
    for letter, i in zip("AB", sides, strict=True):
        out += [
            f"  Path {letter}: {texts[i]}",
            *_path_lines(world, probe.options[i], horizon=horizon, indent="    "),
        ]
    return out


def render_item_text(
    bank: Bank, item: Item, *, order: dict[str, tuple[str, str]] | None = None
) -> str:
    """Render an item as plain text for a language-model prompt; never reads ``item.truth``.

    ``order[probe_id] = ("B", "A")`` shows the bank's option B as "A" (counterbalancing); the
    caller maps the reply back. Item id and split are left out, as they could give it away.
    """
    fs, horizon = bank.features, bank.model.horizon
    symbols = set("".join(r for d in item.demos for r in d.grid))
    symbols |= set("".join(r for p in item.probes for r in p.grid))
    out = [
        "Each cell of a world is one character:",
        *_legend_text(fs, symbols),
        "A walk starts at S and moves one cell at a time: "
        + ", ".join(f"{m} = {_WORDS[m]}" for m in MOVES)
        + ".",
        f"It ends on entering a destination, or after {horizon} moves.",
        "Coordinates are (row, column), counted from (0, 0) at the top-left corner.",
        "",
    ]
    for n, demo in enumerate(item.demos, start=1):
        out += [*demo_lines(fs, demo, horizon=horizon, n=n, total=len(item.demos)), ""]
    out.append("Questions: answer each with A or B.")
    for probe in item.probes:
        question, shown_a, shown_b = question_words(bank, probe, order=order)
        out += ["", f"Question {probe.id}: {question}"]
        if not probe.kind.shows_paths:
            out += [f"  A: {shown_a}", f"  B: {shown_b}"]
            continue
        out += predict_lines(fs, probe, option_sides(order, probe), horizon=horizon)
    return "\n".join(out) + "\n"
