"""The ideal observer: Bayesian inverse planning over the bank's prior grid (README, 'The benchmark in one page').

``log post_h = log prior_h + Σ_demos log p(τ | w_h, β_h)`` (Baker, Saxe & Tenenbaum 2009), with the
likelihood of each walk from :mod:`hhvalues.core.planning` under the bank's own model, batched
over every hypothesis at once. Each probe's posterior predictive is
``P_j(A) = Σ_h post_h 1[v_j(w_h) > 0]`` over the hypotheses for which probe j has a definite
answer (|v_j| ≥ its margin) — one ``(H,) · (H, P)`` product. The ideal answer is the argmax; its
accuracy is the ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import Bank, Demonstration, Item
from hhvalues.core.features import FeatureSet
from hhvalues.core.planning import path_log_likelihood
from hhvalues.core.prior import HypothesisGrid, hypothesis_grid
from hhvalues.core.probes import Probe, ProbeMatrix, probe_matrix, probe_values
from hhvalues.core.world import parse_world


class Posterior(NamedTuple):
    """Posterior over the prior grid."""

    grid: HypothesisGrid
    log_post: NDArray[np.float64]
    """``log_post[h]``, normalised."""

    @property
    def probs(self) -> NDArray[np.float64]:
        """``post[h]``."""
        return np.exp(self.log_post)

    def mean_weights(self) -> NDArray[np.float64]:
        """Posterior mean weight vector."""
        return self.probs @ self.grid.weights


def bank_grid(bank: Bank) -> HypothesisGrid:
    """The bank's prior grid."""
    return hypothesis_grid(bank.model.levels(bank.features), bank.model.rationality_levels)


def demo_log_likelihoods(
    bank: Bank,
    demos: Sequence[Demonstration],
    *,
    lapse: float | None = None,
) -> NDArray[np.float64]:
    """``ll[d, h] = log p(τ_d | w_h, β_h)`` for every demonstration, under the bank's model.

    Each walk's lapse is the one the bank declares (:meth:`Model.demo_lapse`), unless ``lapse``
    overrides it for every walk.
    """
    grid = bank_grid(bank)
    m = bank.model
    out = np.zeros((len(demos), len(grid.rationality)))
    for d, demo in enumerate(demos):
        world = parse_world(demo.grid, bank.features)
        demo_eps = m.demo_lapse(demo.source) if lapse is None else lapse
        out[d] = path_log_likelihood(
            world,
            demo.path,
            grid.weights,
            grid.rationality,
            step_cost=bank.step_cost,
            horizon=m.horizon,
            planner=m.planner.value,
            lapse=demo_eps,
            dtype=np.float32,
        )
    return out


def infer(
    bank: Bank,
    demos: Sequence[Demonstration],
    *,
    lapse: float | None = None,
) -> Posterior:
    """Posterior given every demonstration of an item, under the bank's model (uniform prior)."""
    return posterior_from(
        bank_grid(bank), demo_log_likelihoods(bank, demos, lapse=lapse).sum(axis=0)
    )


def posterior_from(grid: HypothesisGrid, log_lik: NDArray[np.float64]) -> Posterior:
    """Normalise a summed log-likelihood over the grid (uniform prior) into a posterior."""
    top = log_lik.max()
    return Posterior(grid, log_lik - (top + np.log(np.exp(log_lik - top).sum())))


def predictive(posterior: Posterior, matrix: ProbeMatrix) -> NDArray[np.float64]:
    """``P_j(A)`` for every probe of ``matrix``, over hypotheses where the probe is definite."""
    values = probe_values(posterior.grid.weights, matrix)  # (H, P)
    definite = np.abs(values) >= matrix.margin - 1e-12
    post = posterior.probs
    mass = post @ definite
    p_a = post @ (definite & (values > 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(mass > 0, p_a / np.where(mass > 0, mass, 1.0), 0.5)
    return np.clip(out, 0.0, 1.0)


def item_matrix(
    bank: Bank, probes: Sequence[Probe], features: FeatureSet | None = None
) -> ProbeMatrix:
    """The probe matrix of probes under the bank's step cost, horizon and margins."""
    return probe_matrix(
        probes,
        features or bank.features,
        step_cost=bank.step_cost,
        horizon=bank.model.horizon,
        margins=bank.model.margins,
    )


def ideal_probabilities(bank: Bank, item: Item) -> dict[str, float]:
    """The ideal observer's P(A) for every probe of an item."""
    post = infer(bank, item.demos)
    p = predictive(post, item_matrix(bank, item.probes))
    return {probe.id: float(x) for probe, x in zip(item.probes, p, strict=True)}
