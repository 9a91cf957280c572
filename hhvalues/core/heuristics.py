"""Shallow strategies: what a respondent reaches without inverse planning (SCIENCE.md §2).

"Visited means liked": a feature the walks entered is liked, more entries means liked more,
and of two paths the one through more visited features (then the shorter) is predicted.
The generator also uses it: a catch item must be answerable by this rule.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import Bank, Item
from hhvalues.core.probes import Choice, ProbeKind
from hhvalues.core.world import follow_path, parse_world


def visit_counts(bank: Bank, item: Item) -> NDArray[np.float64]:
    """``counts[k]``: entries into feature k over all of an item's demonstrations."""
    total = np.zeros(len(bank.features))
    for demo in item.demos:
        world = parse_world(demo.grid, bank.features)
        total += follow_path(world, demo.path, horizon=bank.model.horizon).counts
    return total


def visited_means_liked(bank: Bank, item: Item) -> dict[str, Choice | None]:
    """The heuristic's answer per probe (None where the rule cannot decide)."""
    counts = visit_counts(bank, item)
    liked = np.where(counts > 0, 1.0, -1.0)
    out: dict[str, Choice | None] = {}
    for probe in item.probes:
        if probe.kind is ProbeKind.SIGN:
            out[probe.id] = "A" if counts[bank.features.index(probe.features[0])] > 0 else "B"
        elif probe.kind is ProbeKind.COMPARE:
            x, y = (counts[bank.features.index(f)] for f in probe.features)
            out[probe.id] = "A" if x > y else "B" if y > x else None
        else:
            world = parse_world(probe.grid, bank.features)
            walks = [follow_path(world, p, horizon=bank.model.horizon) for p in probe.options]
            scores = [float(w.counts @ liked) for w in walks]
            if scores[0] != scores[1]:
                out[probe.id] = "A" if scores[0] > scores[1] else "B"
            else:
                la, lb = (len(p) for p in probe.options)
                out[probe.id] = "A" if la < lb else "B" if lb < la else None
    return out
