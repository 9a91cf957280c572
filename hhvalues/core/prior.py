"""The prior grid shared by the generator and the ideal observer (docs/item-banks.md §2).

Every combination of weight levels (one level per feature, each feature with its own list of
levels) crossed with every rationality level, uniformly weighted. The generator draws true
values from exactly this grid, so the ideal observer's posterior is Bayes-optimal and its
accuracy a true ceiling.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Levels = tuple[tuple[float, ...], ...]
"""``levels[k]``: the weight levels of feature k."""


class HypothesisGrid(NamedTuple):
    """All hypotheses of a prior: ``weights[h, k]`` and ``rationality[h]``.

    Weights-major: hypothesis ``h = i_w * n_beta + i_beta``, so ``weights[::n_beta]`` lists each
    weight vector once.
    """

    weights: NDArray[np.float64]
    rationality: NDArray[np.float64]
    n_beta: int = 1
    """Rationality levels per weight vector."""

    @property
    def unique_weights(self) -> NDArray[np.float64]:
        """``weights[i_w, k]``: each weight vector once, in grid order."""
        return self.weights[:: self.n_beta]


MEMORY_BUDGET = 2 * 1024**3
"""Bytes the observer or the generator may take for one prior (2 GiB)."""


def grid_size(levels: Levels, rationality_levels: Sequence[float]) -> int:
    """Number of hypotheses of a prior, computed without building it."""
    return math.prod(len(lv) for lv in levels) * len(rationality_levels)


def observer_bytes(levels: Levels, rationality_levels: Sequence[float], *, cells: int) -> int:
    """Peak memory of the ideal observer on this prior (estimated before anything is allocated).

    Planning keeps four float32 arrays of cells × weight vectors (values, their padded copy,
    a scratch array and one step's entry values); the grid itself and the log-likelihoods are
    float64 per hypothesis.
    """
    n_w = math.prod(len(lv) for lv in levels)
    n_h = n_w * len(rationality_levels)
    return 16 * n_w * (cells + 2 * math.isqrt(cells) + 4) + 8 * n_h * (len(levels) + 8)


def generator_bytes(
    levels: Levels, rationality_levels: Sequence[float], *, cells: int, horizon: int, walkers: int
) -> int:
    """Peak memory of the generator on this prior: the planning table of every weight vector
    (float32, cells × horizon) and the information-gain step's per-move arrays."""
    n_w = math.prod(len(lv) for lv in levels)
    steps = min(cells, walkers) * horizon
    return 4 * n_w * (cells * horizon + 12 * steps) + observer_bytes(
        levels, rationality_levels, cells=cells
    )


def check_budget(needed: int, what: str, *, budget: int = MEMORY_BUDGET) -> None:
    """ValueError saying the size and the limit when ``needed`` bytes exceed ``budget``."""
    if needed > budget:
        raise ValueError(
            f"{what} needs about {_size(needed)}, over the memory budget of {_size(budget)}"
        )


def _size(n: int) -> str:
    return f"{n / 1024**3:,.1f} GiB" if n >= 1024**3 else f"{n / 1024**2:,.0f} MiB"


@lru_cache(maxsize=16)
def hypothesis_grid(levels: Levels, rationality_levels: tuple[float, ...]) -> HypothesisGrid:
    """The full grid over per-feature ``levels`` × ``rationality_levels`` (weights-major).

    ValueError, before anything is allocated, when the grid alone would exceed the memory budget.
    """
    n_h = grid_size(levels, rationality_levels)
    check_budget(8 * n_h * (len(levels) + 2), f"a prior of {n_h:,} hypotheses")
    w = np.array(list(itertools.product(*levels)), dtype=np.float64).reshape(-1, len(levels))
    betas = np.asarray(rationality_levels, dtype=np.float64)
    weights = np.repeat(w, len(betas), axis=0)
    rationality = np.tile(betas, len(w))
    weights.setflags(write=False)
    rationality.setflags(write=False)
    return HypothesisGrid(weights, rationality, len(betas))


def sample_truth(
    levels: Levels,
    rationality_levels: Sequence[float],
    *,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], float]:
    """Draw true weights (one level per feature) and rationality uniformly from the grid."""
    picks = rng.integers(np.array([len(lv) for lv in levels]))
    w = np.array([lv[int(i)] for lv, i in zip(levels, picks, strict=True)], dtype=np.float64)
    beta = float(rationality_levels[int(rng.integers(len(rationality_levels)))])
    return w, beta


__all__ = [
    "MEMORY_BUDGET",
    "HypothesisGrid",
    "Levels",
    "check_budget",
    "generator_bytes",
    "grid_size",
    "hypothesis_grid",
    "observer_bytes",
    "sample_truth",
]
