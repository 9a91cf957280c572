"""Quality of a recorded walk: return against the optimal and the random walker, idling,
back-and-forth oscillation, and the rationality that best explains it.

All values are under the weights the walker was assigned. The random walker moves uniformly
among the legal moves (walls and the grid edge are not moves), so its expected return is an
exact dynamic programme over ``k`` steps left::

    m_k(s) = mean_{s' in N(s)} [ r(s') + (0 if s' is a destination else m_{k-1}(s')) ],  m_0 = 0

The fitted rationality is the maximum-likelihood β of the walk(s) under Boltzmann over *hard*
Q-values with a small lapse (Baker, Saxe & Tenenbaum 2009), on a log-spaced grid; it can be rounded to a
bank's rationality levels in log space.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.planning import optimal_return, path_log_likelihood, rewards
from hhvalues.core.world import World, follow_path

Array = NDArray[np.float64]
FIT_BETAS: tuple[float, ...] = tuple(float(b) for b in np.geomspace(0.125, 32.0, 25))
"""The β grid of :func:`fit_rationality` (1/8 .. 32, 25 log-spaced values)."""
DEFAULT_LAPSE = 0.05


class Flag(StrEnum):
    """Why a walk may be excluded."""

    FAR_BELOW_OPTIMAL = "far_below_optimal"
    IDLE = "idle"
    BACK_AND_FORTH = "back_and_forth"


@dataclass(frozen=True, slots=True)
class QualityRule:
    """The configurable exclusion rule (stored in a study's configuration under ``quality``)."""

    min_score: float = 0.25
    """A walk whose normalised score ``(R − R_random) / (R_opt − R_random)`` is below this is
    flagged ``far_below_optimal``."""
    idle_moves: int = 2
    """A walk that ended without reaching a destination or the horizon (timed out or abandoned)
    with at most this many moves is flagged ``idle``."""
    max_back_and_forth: float = 0.3
    """A walk whose share of A→B→A reversals exceeds this is flagged ``back_and_forth``."""
    exclude: tuple[Flag, ...] = (Flag.FAR_BELOW_OPTIMAL, Flag.IDLE, Flag.BACK_AND_FORTH)
    """Flags that exclude a walk from items (the others are only reported)."""

    def to_json(self) -> dict[str, object]:
        """The stored form."""
        return {
            "min_score": self.min_score,
            "idle_moves": self.idle_moves,
            "max_back_and_forth": self.max_back_and_forth,
            "exclude": [f.value for f in self.exclude],
        }

    @classmethod
    def from_json(cls, doc: object) -> QualityRule:
        """Read the stored form (missing keys take defaults); ValueError when malformed."""
        if doc is None:
            return cls()
        if not isinstance(doc, dict):
            raise TypeError("quality rule must be an object")
        base = cls()
        return cls(
            float(doc.get("min_score", base.min_score)),
            int(doc.get("idle_moves", base.idle_moves)),
            float(doc.get("max_back_and_forth", base.max_back_and_forth)),
            tuple(Flag(f) for f in doc.get("exclude", [f.value for f in base.exclude])),
        )


@dataclass(frozen=True, slots=True)
class WalkQuality:
    """How one walk compares with the optimal and the random walker under its weights."""

    ret: float
    """Return of the walk (reward of every entered cell, step cost included)."""
    optimal: float
    """Best achievable return from the start within the horizon."""
    random: float
    """Expected return of a walker moving uniformly among legal moves."""
    n_moves: int
    """Moves made (bumps not counted)."""
    n_bumps: int
    """Moves into a wall or off the grid (recorded, no movement)."""
    back_and_forth: float
    """Share of moves that undo the previous one (A→B→A)."""
    complete: bool
    """Whether the walk reached a destination or the horizon."""
    flags: tuple[Flag, ...]
    """Flags raised under the rule it was assessed with."""
    excluded: bool
    """Whether the rule's excluding flags hit this walk."""

    @property
    def score(self) -> float:
        """Normalised return: 0 = random walker, 1 = optimal (may leave [0, 1])."""
        gap = self.optimal - self.random
        return (self.ret - self.random) / gap if gap > 1e-12 else 1.0


def walk_return(
    world: World, path: str, weights: Array, *, step_cost: float, horizon: int
) -> float:
    """Return of a path: ``Σ w·φ(s') + c`` over entered cells."""
    walk = follow_path(world, path, horizon=horizon)
    return float(walk.counts @ np.asarray(weights, dtype=np.float64) + step_cost * len(path))


def random_return(world: World, weights: Array, *, step_cost: float, horizon: int) -> float:
    """Expected return of the uniform random walker over ``horizon`` steps (exact DP)."""
    r = rewards(world, np.asarray(weights, dtype=np.float64), step_cost=step_cost)[:, 0]
    nxt = world.next_state
    legal = nxt >= 0
    n_legal = legal.sum(axis=1)
    safe = np.where(legal, nxt, 0)
    m = np.zeros(world.n_states)
    r_safe = np.where(np.isfinite(r), r, 0.0)
    for _ in range(horizon):
        cont = np.where(world.terminal, 0.0, m)
        gain = np.where(legal, r_safe[safe] + cont[safe], 0.0).sum(axis=1)
        m = np.where(n_legal > 0, gain / np.maximum(n_legal, 1), 0.0)
    return float(m[world.start])


def back_and_forth_share(states: Sequence[int]) -> float:
    """Share of moves (from the second on) that return to the cell before last."""
    n = len(states) - 1
    if n < 2:
        return 0.0
    undo = sum(1 for t in range(2, len(states)) if states[t] == states[t - 2])
    return undo / (n - 1)


def assess_walk(
    world: World,
    path: str,
    weights: Array,
    *,
    step_cost: float,
    horizon: int,
    n_bumps: int = 0,
    rule: QualityRule | None = None,
) -> WalkQuality:
    """Return, optimal and random return, oscillation and flags of one walk."""
    rule = rule or QualityRule()
    walk = follow_path(world, path, horizon=horizon)
    w = np.asarray(weights, dtype=np.float64)
    ret = float(walk.counts @ w + step_cost * len(path))
    opt = optimal_return(world, w, step_cost=step_cost, horizon=horizon)
    rnd = random_return(world, w, step_cost=step_cost, horizon=horizon)
    bf = back_and_forth_share(walk.states)
    complete = walk.ended_at_destination or len(path) == horizon
    flags = []
    gap = opt - rnd
    if gap > 1e-12 and (ret - rnd) / gap < rule.min_score:
        flags.append(Flag.FAR_BELOW_OPTIMAL)
    if not complete and len(path) <= rule.idle_moves:
        flags.append(Flag.IDLE)
    if bf > rule.max_back_and_forth:
        flags.append(Flag.BACK_AND_FORTH)
    excluded = any(f in rule.exclude for f in flags)
    return WalkQuality(ret, opt, rnd, len(path), n_bumps, bf, complete, tuple(flags), excluded)


class RationalityFit(NamedTuple):
    """Maximum-likelihood β on :data:`FIT_BETAS`."""

    beta: float
    log_lik: Array
    """``log_lik[i]``: total log-likelihood at ``FIT_BETAS[i]``."""


def fit_rationality(
    worlds: Sequence[World],
    paths: Sequence[str],
    weights: Array,
    *,
    step_cost: float,
    horizon: int,
    lapse: float = DEFAULT_LAPSE,
    betas: Sequence[float] = FIT_BETAS,
) -> RationalityFit:
    """The β that makes these walks most likely under hard-Q Boltzmann with a lapse."""
    grid = np.asarray(betas, dtype=np.float64)
    w = np.repeat(np.atleast_2d(np.asarray(weights, dtype=np.float64)), len(grid), axis=0)
    total = np.zeros(len(grid))
    for world, path in zip(worlds, paths, strict=True):
        if path:
            total += path_log_likelihood(
                world,
                path,
                w,
                grid,
                step_cost=step_cost,
                horizon=horizon,
                planner="hard",
                lapse=lapse,
            )
    return RationalityFit(float(grid[int(np.argmax(total))]), total)


def round_to_levels(beta: float, levels: Sequence[float]) -> float:
    """The level nearest to ``beta`` on a log scale."""
    lv = np.asarray(levels, dtype=np.float64)
    return float(lv[int(np.argmin(np.abs(np.log(lv) - np.log(beta))))])


__all__ = [
    "DEFAULT_LAPSE",
    "FIT_BETAS",
    "Flag",
    "QualityRule",
    "RationalityFit",
    "WalkQuality",
    "assess_walk",
    "back_and_forth_share",
    "fit_rationality",
    "random_return",
    "round_to_levels",
    "walk_return",
]
