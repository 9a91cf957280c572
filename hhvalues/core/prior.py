"""The prior grid shared by the generator and the ideal observer (SCIENCE.md §1).

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


def grid_size(levels: Levels, rationality_levels: Sequence[float]) -> int:
    """Number of hypotheses of a prior, computed without building it."""
    return math.prod(len(lv) for lv in levels) * len(rationality_levels)


@lru_cache(maxsize=16)
def hypothesis_grid(levels: Levels, rationality_levels: tuple[float, ...]) -> HypothesisGrid:
    """The full grid over per-feature ``levels`` × ``rationality_levels`` (weights-major)."""
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


__all__ = ["HypothesisGrid", "Levels", "grid_size", "hypothesis_grid", "sample_truth"]
