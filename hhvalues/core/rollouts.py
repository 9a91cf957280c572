"""Many walks in one world at once: a planning table for every weight vector, then sampling,
likelihoods and best paths vectorised over walkers and hypotheses.

The table is that of :func:`hhvalues.core.planning.iter_entry_values` under the *hard* planner
(Boltzmann over hard Q-values, Baker, Saxe & Tenenbaum 2009): ``table[k - 1, s', i]`` is the value of entering
cell ``s'`` with ``k`` steps left under weight vector ``i``, so the walker at step ``t`` (0-based)
of a walk with horizon ``T`` picks move ``a`` from ``s`` with probability
``softmax_a(β · table[T - 1 - t, next(s, a), i])``. Hard planning does not depend on β, so one
table serves every rationality level. The generator uses it to score candidate worlds
(:mod:`hhvalues.core.design`) and to build predict options (:mod:`hhvalues.core.questions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.planning import iter_entry_values
from hhvalues.core.world import MOVES, World

Table = NDArray[np.float32]
"""``table[k - 1, s, i]``: value of entering s with k steps left under weight vector i."""
TIE = 1e-6
"""Entry values closer than this count as equally good when picking a best path."""


def plan_table(
    world: World, weights: NDArray[np.float64], *, step_cost: float, horizon: int
) -> Table:
    """Hard-planning entry values for every weight vector ``weights[i, k]``, all horizons."""
    table = np.empty((horizon, world.n_states, weights.shape[0]), dtype=np.float32)
    for k, u in iter_entry_values(
        world,
        weights,
        np.ones(weights.shape[0]),
        step_cost=step_cost,
        horizon=horizon,
        planner="hard",
        dtype=np.float32,
    ):
        table[k - 1] = u.reshape(world.n_states, -1)
    return table


class Walks(NamedTuple):
    """Walks from the start, as move indices (``MOVES`` order) padded with -1."""

    moves: NDArray[np.int8]
    """``moves[i, t]``; -1 after the walk ended."""
    states: NDArray[np.int32]
    """``states[i, t]``: the cell before move t (valid where ``moves[i, t] >= 0``)."""

    def paths(self) -> list[str]:
        """The walks as ``U D L R`` strings."""
        return ["".join(MOVES[a] for a in row if a >= 0) for row in self.moves]


def _legal_q(
    world: World, table: Table, t: int, s: NDArray[np.int32], cols: NDArray[np.intp]
) -> tuple[NDArray[np.int32], NDArray[np.float64]]:
    """Next cells ``(m, 4)`` and their entry values (``-inf`` where a move is unavailable)."""
    nxt = world.next_state[s]
    legal = nxt >= 0
    q = table[table.shape[0] - 1 - t][np.where(legal, nxt, 0), cols[:, None]].astype(np.float64)
    return nxt, np.where(legal, q, -np.inf)


def sample_walks(
    world: World,
    table: Table,
    columns: NDArray[np.intp],
    betas: NDArray[np.float64],
    uniforms: NDArray[np.float64],
) -> Walks:
    """One Boltzmann walk per walker ``i`` (weight vector ``columns[i]``, rationality ``betas[i]``).

    ``uniforms[i, t]`` in [0, 1) decides move t by inverse CDF, so the same uniforms give the
    same walks in every world where the policies agree (common random numbers).
    """
    horizon = table.shape[0]
    m = len(columns)
    s = np.full(m, world.start, dtype=np.int32)
    alive = np.ones(m, dtype=bool)
    moves = np.full((m, horizon), -1, dtype=np.int8)
    states = np.zeros((m, horizon), dtype=np.int32)
    for t in range(horizon):
        idx = np.flatnonzero(alive & ((world.next_state[s] >= 0).any(axis=1)))
        if idx.size == 0:
            break
        nxt, q = _legal_q(world, table, t, s[idx], columns[idx])
        z = betas[idx, None] * q
        p = np.exp(z - z.max(axis=1, keepdims=True))
        c = np.cumsum(p, axis=1)
        c /= c[:, -1:]
        a = np.argmax(c > uniforms[idx, t, None], axis=1)
        states[idx, t] = s[idx]
        moves[idx, t] = a
        s[idx] = nxt[np.arange(idx.size), a]
        alive[idx] = ~world.terminal[s[idx]]
    return Walks(moves, states)


def walks_log_likelihood(
    world: World,
    table: Table,
    walks: Walks,
    rationality_levels: Sequence[float] | NDArray[np.float64],
) -> NDArray[np.float64]:
    """``log p(walk_i | w_j, β_b)`` as ``ll[i, j, b]`` for every weight vector of the table.

    Identical walks are scored once, and the normaliser of each (step, cell) once for all the
    walks that pass there; sums run in float64 over float32 steps.
    """
    horizon, n_w = table.shape[0], table.shape[2]
    betas = np.asarray(rationality_levels, dtype=np.float32)
    rows, inverse = np.unique(walks.moves, axis=0, return_inverse=True)
    first = np.unique(inverse.reshape(-1), return_index=True)[1]
    states = walks.states[first]
    out = np.zeros((len(rows), n_w, len(betas)))
    walker, t = np.nonzero(rows >= 0)
    if walker.size:
        s = states[walker, t]
        a = rows[walker, t].astype(np.intp)
        key, at = np.unique(t * world.n_states + s, return_inverse=True)
        k_t, k_s = np.divmod(key, world.n_states)
        nxt = world.next_state[k_s]
        legal = nxt >= 0
        q = table[horizon - 1 - k_t[:, None], np.where(legal, nxt, 0), :]  # (K, 4, n_w)
        q[~legal] = -np.inf
        top = q.max(axis=1)  # (K, n_w), finite: every visited cell has a move
        gap = q - top[:, None, :]
        chosen = q[at, a] - top[at]  # (P, n_w)
        starts = np.flatnonzero(np.r_[True, walker[1:] != walker[:-1]])
        for b, beta in enumerate(betas):
            with np.errstate(under="ignore"):
                lse = np.log(np.exp(beta * gap).sum(axis=1))  # (K, n_w)
            step = beta * chosen - lse[at]
            out[walker[starts], :, b] = np.add.reduceat(step.astype(np.float64), starts, axis=0)
    return out[inverse.reshape(-1)]


def best_paths(world: World, table: Table) -> list[str]:
    """The best walk under each weight vector of the table (hard argmax).

    Ties (within :data:`TIE`) keep the previous direction, else the first in ``MOVES`` order, so
    a best path turns as rarely as its values allow. With every step costing something and no
    cell worth more than a step costs, a best path never enters a cell twice.
    """
    horizon, n_w = table.shape[0], table.shape[2]
    cols = np.arange(n_w)
    s = np.full(n_w, world.start, dtype=np.int32)
    prev = np.full(n_w, -1)
    alive = np.ones(n_w, dtype=bool)
    moves = np.full((n_w, horizon), -1, dtype=np.int8)
    for t in range(horizon):
        idx = np.flatnonzero(alive & ((world.next_state[s] >= 0).any(axis=1)))
        if idx.size == 0:
            break
        nxt, q = _legal_q(world, table, t, s[idx], cols[idx])
        tied = q >= q.max(axis=1, keepdims=True) - TIE
        keep = prev[idx] >= 0
        keep[keep] = tied[np.flatnonzero(keep), prev[idx][keep]]
        a = np.where(keep, prev[idx], np.argmax(tied, axis=1))
        moves[idx, t] = a
        prev[idx] = a
        s[idx] = nxt[np.arange(idx.size), a]
        alive[idx] = ~world.terminal[s[idx]]
    rows, inverse = np.unique(moves, axis=0, return_inverse=True)
    texts = ["".join(MOVES[a] for a in row if a >= 0) for row in rows]
    return [texts[i] for i in inverse.reshape(-1)]


__all__ = [
    "TIE",
    "Table",
    "Walks",
    "best_paths",
    "plan_table",
    "sample_walks",
    "walks_log_likelihood",
]
