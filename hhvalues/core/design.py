"""Informative worlds: Bayesian optimal experimental design over the observer's own prior grid.

A candidate world is worth its *expected information gain* about the weights (docs/item-banks.md §3),

    EIG = E_{h ~ p, τ ~ p(τ | h)} [ log p(τ | w_h) − log p(τ) ],

the mutual information between the walk τ the demonstrator would make there and its weight
vector w (β is a nuisance and is marginalised), under ``p``: the prior, or the posterior after the
item's earlier walks. The outer expectation is a Monte Carlo average over walkers drawn from
``p`` (the same walkers and random numbers for every candidate world, so candidates are compared
on common random numbers); the inner sums over the whole grid are exact, from the same
likelihoods the observer uses (:mod:`hhvalues.core.rollouts`).

The choice of world depends on the prior and on walks already sampled, never on the true
values otherwise, so the observer's likelihood of the walks stays exact: the design is
ancillary and drops out of the posterior.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.prior import HypothesisGrid
from hhvalues.core.rollouts import Table, sample_walks, walks_log_likelihood
from hhvalues.core.world import World

LOG2 = float(np.log(2.0))


class Walkers(NamedTuple):
    """Simulated walkers shared by every candidate world of one design step."""

    hypotheses: NDArray[np.intp]
    """``hypotheses[i]``: grid index of walker i, drawn from the current belief."""
    uniforms: NDArray[np.float64]
    """``uniforms[i, t]``: the random number deciding walker i's move t."""


def draw_walkers(
    log_belief: NDArray[np.float64], n: int, horizon: int, *, rng: np.random.Generator
) -> Walkers:
    """``n`` walkers with hypotheses drawn from ``exp(log_belief)`` (normalised)."""
    p = np.exp(log_belief - log_belief.max())
    p /= p.sum()
    return Walkers(rng.choice(len(p), size=n, p=p), rng.random((n, horizon)))


def weights_log_belief(
    grid: HypothesisGrid, log_belief: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``log p(w)`` per weight vector (β summed out)."""
    per = log_belief.reshape(-1, grid.n_beta)
    top = per.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        out: NDArray[np.float64] = (
            top
            + np.log(np.exp(per - np.where(np.isfinite(top), top, 0.0)).sum(axis=1, keepdims=True))
        )[:, 0]
    return out


def information_gain(
    world: World,
    table: Table,
    grid: HypothesisGrid,
    log_belief: NDArray[np.float64],
    walkers: Walkers,
) -> float:
    """Monte Carlo estimate of the EIG (bits) about w of a walk in ``world``."""
    n_beta = grid.n_beta
    h = walkers.hypotheses
    walks = sample_walks(world, table, h // n_beta, grid.rationality[h], walkers.uniforms)
    ll = walks_log_likelihood(world, table, walks, grid.rationality[:n_beta])  # (M, W, B)
    joint = log_belief.reshape(1, -1, n_beta) + ll
    log_marginal = _logsumexp(joint.reshape(len(h), -1))
    log_w = weights_log_belief(grid, log_belief)
    own = joint[np.arange(len(h)), h // n_beta, :]  # (M, B): log p(w_i, β, τ_i)
    log_conditional = _logsumexp(own) - log_w[h // n_beta]
    return float(np.mean(log_conditional - log_marginal)) / LOG2


def entropy_bits(log_p: NDArray[np.float64]) -> float:
    """Entropy (bits) of a normalised log-distribution."""
    p = np.exp(log_p)
    mask = p > 0
    return float(-(p[mask] * log_p[mask]).sum()) / LOG2


def _logsumexp(x: NDArray[np.float64]) -> NDArray[np.float64]:
    top = x.max(axis=1, keepdims=True)
    out: NDArray[np.float64] = (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]
    return out


__all__ = ["Walkers", "draw_walkers", "entropy_bits", "information_gain", "weights_log_belief"]
