"""Shallow strategies: what a respondent reaches without inverse planning (docs/item-banks.md §4).

Each heuristic answers A, B or None (cannot decide: a coin flip, worth 0.5 on average) for
every probe of an item, from the item's public part only:

``always_a``        A, always.
``visited``         "visited means liked": a feature the walks entered is liked, more entries
                    liked more; of two paths, the one through more visited features (then the
                    shorter) — also the rule catch items must be answerable by.
``ended``           the destination a walk ended at is liked, the others are not; of two paths,
                    the one ending where the walks ended.
``nearest``         walkers go to the nearest destination: it is the liked one; of two paths, the
                    one ending at the destination nearest the start.
``shorter``         of two paths, the shorter.
``avoid_terrain``   terrain is avoided: of two paths, the one over less terrain; of two kinds of
                    terrain, the one the walks crossed more is minded less.
``resemble``        of two paths, the one whose mix of cells is most like the walks'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, assert_never

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import Bank, Item
from hhvalues.core.probes import Choice, Probe, ProbeKind
from hhvalues.core.world import Walk, World, follow_path, parse_world


class _Seen(NamedTuple):
    """What an item's walks show, as a shallow reader sees it."""

    counts: NDArray[np.float64]
    """``counts[k]``: entries into feature k over all walks."""
    ended: NDArray[np.float64]
    """``ended[k]``: walks that ended at destination k."""
    nearest: NDArray[np.float64]
    """``nearest[k]``: walks whose world had destination k nearest the start."""


def distances(world: World) -> NDArray[np.int64]:
    """Moves from the start to every cell (-1 where unreachable; destinations end a walk)."""
    dist = np.full(world.n_states, -1, dtype=np.int64)
    dist[world.start] = 0
    frontier = [world.start]
    while frontier:
        nxt = []
        for s in frontier:
            if world.terminal[s] and s != world.start:
                continue
            for t in world.next_state[s]:
                if t >= 0 and dist[t] < 0:
                    dist[t] = dist[s] + 1
                    nxt.append(int(t))
        frontier = nxt
    return dist


def nearest_destinations(world: World) -> NDArray[np.intp]:
    """Feature indices of the destination(s) nearest the start."""
    dist = distances(world)
    dests = np.flatnonzero(world.terminal & (dist > 0))
    if dests.size == 0:
        return np.array([], dtype=np.intp)
    near = dests[dist[dests] == dist[dests].min()]
    return np.unique(world.cell[near]).astype(np.intp)


def visit_counts(bank: Bank, item: Item) -> NDArray[np.float64]:
    """``counts[k]``: entries into feature k over all of an item's demonstrations."""
    return _seen(bank, item).counts


def _seen(bank: Bank, item: Item) -> _Seen:
    k = len(bank.features)
    counts, ended, nearest = np.zeros(k), np.zeros(k), np.zeros(k)
    for demo in item.demos:
        world = parse_world(demo.grid, bank.features)
        walk = follow_path(world, demo.path, horizon=bank.model.horizon)
        counts += walk.counts
        if walk.ended_at_destination:
            ended[int(world.cell[walk.states[-1]])] += 1
        nearest[nearest_destinations(world)] += 1
    return _Seen(counts, ended, nearest)


def _by_score(x: float, y: float) -> Choice | None:
    return "A" if x > y else "B" if y > x else None


def _options(bank: Bank, probe: Probe) -> tuple[World, list[Walk]]:
    world = parse_world(probe.grid, bank.features)
    return world, [follow_path(world, p, horizon=bank.model.horizon) for p in probe.options]


def _end(world: World, walk: Walk) -> int:
    return int(world.cell[walk.states[-1]]) if walk.ended_at_destination else -1


Rule = Callable[[Bank, Item, Probe, _Seen], Choice | None]


def _always_a(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    return "A"


def _visited(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    return _liked_rule(bank, probe, seen.counts)


def _liked_rule(bank: Bank, probe: Probe, score: NDArray[np.float64]) -> Choice | None:
    fs = bank.features
    if probe.kind is ProbeKind.SIGN:
        return "A" if score[fs.index(probe.features[0])] > 0 else "B"
    if probe.kind is ProbeKind.COMPARE:
        return _by_score(*(float(score[fs.index(f)]) for f in probe.features))
    if probe.kind is not ProbeKind.PREDICT:
        assert_never(probe.kind)
    _, walks = _options(bank, probe)
    liked = np.where(score > 0, 1.0, -1.0)
    a, b = (float(w.counts @ liked) for w in walks)
    return _by_score(a, b) or _by_score(-len(probe.options[0]), -len(probe.options[1]))


def _ended(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    if probe.kind is ProbeKind.PREDICT:
        world, walks = _options(bank, probe)
        ends = [_end(world, w) for w in walks]
        return _by_score(*(float(seen.ended[e]) if e >= 0 else 0.0 for e in ends))
    if any(not bank.features.by_id(f).terminal for f in probe.features):
        return None
    return _liked_rule(bank, probe, seen.ended)


def _nearest(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    if probe.kind is ProbeKind.PREDICT:
        world, walks = _options(bank, probe)
        dist = distances(world)
        a, b = (float(dist[w.states[-1]]) for w in walks)
        return _by_score(-a, -b)
    if any(not bank.features.by_id(f).terminal for f in probe.features):
        return None
    return _liked_rule(bank, probe, seen.nearest)


def _shorter(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    if probe.kind is not ProbeKind.PREDICT:
        return None
    return _by_score(-len(probe.options[0]), -len(probe.options[1]))


def _avoid_terrain(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    terrain = np.array([not f.terminal for f in bank.features], dtype=float)
    if probe.kind is ProbeKind.PREDICT:
        _, walks = _options(bank, probe)
        return _by_score(*(-float(w.counts @ terrain) for w in walks))
    if probe.kind is ProbeKind.COMPARE and all(
        not bank.features.by_id(f).terminal for f in probe.features
    ):
        return _liked_rule(bank, probe, seen.counts)
    return None


def _resemble(bank: Bank, item: Item, probe: Probe, seen: _Seen) -> Choice | None:
    if probe.kind is not ProbeKind.PREDICT:
        return None
    _, walks = _options(bank, probe)
    mix = seen.counts / max(seen.counts.sum(), 1.0)
    dist = [float(np.abs(w.counts / max(w.counts.sum(), 1.0) - mix).sum()) for w in walks]
    return _by_score(-dist[0], -dist[1])


HEURISTICS: dict[str, Rule] = {
    "always_a": _always_a,
    "visited": _visited,
    "ended": _ended,
    "nearest": _nearest,
    "shorter": _shorter,
    "avoid_terrain": _avoid_terrain,
    "resemble": _resemble,
}
"""Every shallow strategy, by name (the module docstring says what each does)."""


def heuristic_choices(bank: Bank, item: Item, name: str) -> dict[str, Choice | None]:
    """One heuristic's answer per probe (None where it cannot decide)."""
    return all_heuristic_choices(bank, item)[name]


def all_heuristic_choices(bank: Bank, item: Item) -> dict[str, dict[str, Choice | None]]:
    """Every heuristic's answer per probe: ``out[name][probe_id]``."""
    seen = _seen(bank, item)
    return {
        name: {p.id: rule(bank, item, p, seen) for p in item.probes}
        for name, rule in HEURISTICS.items()
    }


def visited_means_liked(bank: Bank, item: Item) -> dict[str, Choice | None]:
    """The "visited means liked" answer per probe (None where the rule cannot decide)."""
    return heuristic_choices(bank, item, "visited")


__all__ = [
    "HEURISTICS",
    "all_heuristic_choices",
    "distances",
    "heuristic_choices",
    "nearest_destinations",
    "visit_counts",
    "visited_means_liked",
]
