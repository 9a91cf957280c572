"""The prior grid shared by the generator and the ideal observer (SCIENCE.md §1).

Every combination of weight levels (one level per feature) crossed with every rationality
level, uniformly weighted. The generator draws true values from exactly this grid, so the
ideal observer's posterior is Bayes-optimal and its accuracy a true ceiling.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray


class HypothesisGrid(NamedTuple):
    """All hypotheses of a prior: ``weights[h, k]`` and ``rationality[h]``."""

    weights: NDArray[np.float64]
    rationality: NDArray[np.float64]


@lru_cache(maxsize=16)
def hypothesis_grid(
    n_features: int, weight_levels: tuple[float, ...], rationality_levels: tuple[float, ...]
) -> HypothesisGrid:
    """The full grid, weights-major: hypothesis ``h = i_w * n_beta + i_beta``."""
    w = np.array(list(itertools.product(weight_levels, repeat=n_features)), dtype=np.float64)
    w = w.reshape(-1, n_features)
    betas = np.asarray(rationality_levels, dtype=np.float64)
    weights = np.repeat(w, len(betas), axis=0)
    rationality = np.tile(betas, len(w))
    weights.setflags(write=False)
    rationality.setflags(write=False)
    return HypothesisGrid(weights, rationality)


def sample_truth(
    n_features: int,
    weight_levels: tuple[float, ...],
    rationality_levels: tuple[float, ...],
    *,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], float]:
    """Draw true weights and rationality uniformly from the grid."""
    levels = np.asarray(weight_levels, dtype=np.float64)
    w = levels[rng.integers(len(levels), size=n_features)]
    beta = float(rationality_levels[int(rng.integers(len(rationality_levels)))])
    return w, beta
