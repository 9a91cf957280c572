"""The demonstrator's planner, batched over hypotheses.

A hypothesis h is a weight vector ``w[h, k]`` with a rationality ``beta[h]``. With ``k`` steps
remaining, the value of *entering* state s' is ``u_k(s') = r_h(s') + v_{k-1}(s')``, with
``v`` taken as 0 on destinations (the walk ends there) and ``v_0 = 0``; ``q_k(s, a) = u_k(next(s, a))``.

* ``hard``: ``v_k(s) = max_a q_k(s, a)`` — Boltzmann over hard Q-values (Baker, Saxe & Tenenbaum
  2009; Ramachandran & Amir 2007). No entropy bonus, so a walk ends when it should.
* ``soft``: ``v_k(s) = (1/β) log Σ_a exp(β q_k(s, a))`` — soft value iteration (Ziebart et al.
  2008, eqs. 9.1–9.3).

Either way the demonstrator picks ``a`` with probability ``softmax(β q_k(s, ·))``; with lapse ε it
moves uniformly at random with probability ε (Baker, Saxe & Tenenbaum 2009). Moves into walls are not actions.

For soft planning without lapse the walk likelihood telescopes to the MaxEnt form
``log p(τ) = β R(τ) − β v_T(s_0)``, and ``z_k = exp(β v_k)`` obeys a *linear* recursion
(Todorov 2009): ``z_k(s) = Σ_{s'∈N(s)} exp(β r(s')) ž_{k-1}(s')`` — a few slice-adds per step with
no exp/log inside the loop. Arrays are laid out ``[row, col, hypothesis]`` with a one-cell pad, so
the four neighbours of every cell are views, not copies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.world import MOVES, WALL, World

Array = NDArray[np.float64]
_Floats = NDArray[np.floating]  # float64, or float32 when planning in single precision
_NEG = -np.inf


def rewards(world: World, weights: Array, *, step_cost: float) -> Array:
    """``r[s, h]`` for entering s under hypothesis h; ``-inf`` on walls."""
    r = world.phi @ np.atleast_2d(weights).T + step_cost
    r[world.cell == WALL] = _NEG
    return r


def at_states(u: NDArray[np.floating], states: NDArray[np.integer]) -> NDArray[np.floating]:
    """Rows ``u[state, h]`` of a ``u[row, col, h]`` array."""
    rows, cols = np.divmod(states, u.shape[1])
    return u[rows, cols]


def _neighbour_views(padded: _Floats) -> tuple[_Floats, _Floats, _Floats, _Floats]:
    """Values of the cell above, below, left and right of every interior cell (MOVES order)."""
    return padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]


def iter_entry_values(
    world: World,
    weights: Array,
    betas: Array,
    *,
    step_cost: float,
    horizon: int,
    planner: str,
    dtype: type = np.float64,
) -> Iterator[tuple[int, NDArray[np.floating]]]:
    """Yield ``(k, u_k)`` for k = 1..horizon, ``u_k[row, col, h]`` the value of entering a cell
    with k steps left.

    Works in value space (exact for hard planning; log-sum-exp for soft), for any number of
    hypotheses. Read q-values with :func:`at_states`. The yielded array is a view reused on the
    next step: copy it to keep it.
    """
    r: _Floats = rewards(world, weights, step_cost=step_cost).astype(dtype)
    n_h = r.shape[1]
    h, w = world.height, world.width
    terminal = np.flatnonzero(world.terminal)
    pad: _Floats = np.full((h + 2, w + 2, n_h), _NEG, dtype=dtype)
    inner = pad[1:-1, 1:-1]  # a view: writing it fills the pad
    r3 = r.reshape(h, w, n_h)
    v: _Floats = np.zeros((h * w, n_h), dtype=dtype)
    v3 = v.reshape(h, w, n_h)
    tmp: _Floats = np.empty((h, w, n_h), dtype=dtype)
    beta: _Floats = np.asarray(betas, dtype=dtype).reshape(1, 1, -1)
    for k in range(1, horizon + 1):
        np.add(r3, v3, out=inner)
        yield k, inner
        up, down, left, right = _neighbour_views(pad)
        if planner == "hard":
            np.maximum(up, down, out=v3)
            np.maximum(left, right, out=tmp)
            np.maximum(v3, tmp, out=v3)
        else:
            stack = np.stack((up, down, left, right))
            m = stack.max(axis=0)
            safe = np.where(np.isfinite(m), m, 0.0)
            with np.errstate(divide="ignore", under="ignore"):
                v3[...] = safe + np.log(np.exp(beta * (stack - safe)).sum(axis=0)) / beta
            v3[~np.isfinite(m)] = _NEG
        v[terminal] = 0.0  # entering a destination ends the walk: nothing comes after


def path_log_likelihood(
    world: World,
    path: str,
    weights: Array,
    betas: Array,
    *,
    step_cost: float,
    horizon: int,
    planner: str,
    lapse: float = 0.0,
    dtype: type = np.float64,
) -> Array:
    """``log p(path | w_h, β_h)`` for every hypothesis h; shape ``(n_hypotheses,)``.

    The path must be valid in the world (see :func:`hhvalues.core.world.follow_path`).
    ``dtype=np.float32`` plans in single precision (about 3× faster; log-likelihoods within
    ~1e-4); sums are always float64. Hard planning does not depend on β, so it plans once per
    distinct weight vector.
    """
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    betas = np.broadcast_to(np.asarray(betas, dtype=np.float64), (weights.shape[0],))
    if planner == "soft" and lapse == 0.0:
        return _soft_loglik_exp_space(
            world, path, weights, betas, step_cost=step_cost, horizon=horizon
        )
    states, actions = _states_actions(world, path)
    n = len(actions)
    plan_w, inverse = weights, None
    if planner == "hard":
        plan_w, inverse = np.unique(weights, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    total = np.zeros(weights.shape[0])
    for k, u in iter_entry_values(
        world,
        plan_w,
        betas if inverse is None else np.ones(len(plan_w)),
        step_cost=step_cost,
        horizon=horizon,
        planner=planner,
        dtype=dtype,
    ):
        t = horizon - k
        if t < n:
            total += _step_log_prob(world, u, states[t], actions[t], betas, lapse, inverse)
    return total


def _states_actions(world: World, path: str) -> tuple[list[int], list[int]]:
    s = world.start
    states, actions = [], []
    for move in path:
        a = MOVES.index(move)
        states.append(s)
        actions.append(a)
        s = int(world.next_state[s, a])
    return states, actions


def _step_log_prob(
    world: World,
    u: NDArray[np.floating],
    s: int,
    a: int,
    betas: Array,
    lapse: float,
    inverse: NDArray[np.intp] | None = None,
) -> Array:
    nxt = world.next_state[s]
    legal = nxt >= 0
    q = at_states(u, nxt[legal]).astype(np.float64)  # (n_legal, planned hypotheses)
    if inverse is not None:
        q = q[:, inverse]
    q *= betas
    m = q.max(axis=0)
    lse = m + np.log(np.exp(q - m).sum(axis=0))
    chosen = int(np.flatnonzero(np.flatnonzero(legal) == a)[0])
    logp: Array = q[chosen] - lse
    if lapse > 0.0:
        logp = np.logaddexp(np.log1p(-lapse) + logp, np.log(lapse / legal.sum()))
    return logp


def _soft_loglik_exp_space(
    world: World, path: str, weights: Array, betas: Array, *, step_cost: float, horizon: int
) -> Array:
    """MaxEnt telescoped likelihood with the linear exp-space recursion (Ziebart et al. 2008; Todorov 2009)."""
    r = rewards(world, weights, step_cost=step_cost)
    log_z_start = _soft_log_z(world, r, betas, horizon)
    states = [world.start]
    for move in path:
        states.append(int(world.next_state[states[-1], MOVES.index(move)]))
    ret = r[states[1:]].sum(axis=0) if len(path) else np.zeros(weights.shape[0])
    return betas * ret - log_z_start


def _soft_log_z(world: World, r: Array, betas: Array, horizon: int) -> Array:
    """``β v_T(start)`` per hypothesis via ``z_k = A (E ⊙ ž_{k-1})`` with periodic rescaling."""
    h, w = world.height, world.width
    n_h = r.shape[1]
    with np.errstate(under="ignore"):
        e = np.exp(betas * r)  # walls: exp(-inf) = 0
    terminal = np.flatnonzero(world.terminal)
    e_open = e.copy()
    e_open[terminal] = 0.0
    e_term = e[terminal]
    z = np.ones((h * w, n_h))
    log_scale = np.zeros(n_h)
    pad = np.zeros((h + 2, w + 2, n_h))
    inner = pad[1:-1, 1:-1]
    z3 = z.reshape(h, w, n_h)
    e_open3 = e_open.reshape(h, w, n_h)
    t_rows, t_cols = np.divmod(terminal, w)
    for k in range(horizon):
        # ž is z on open cells and 1 on destinations; z is stored divided by exp(log_scale).
        np.multiply(e_open3, z3, out=inner)
        with np.errstate(over="ignore", under="ignore"):
            inner[t_rows, t_cols] = e_term * np.exp(np.minimum(-log_scale, 700.0))
        up, down, left, right = _neighbour_views(pad)
        np.add(up, down, out=z3)
        z3 += left
        z3 += right
        # Growth per step is bounded by 4·max(E), so rescaling every few steps cannot overflow.
        if k % 4 == 3 or k == horizon - 1:
            peak = z.max(axis=0)
            peak[peak <= 0] = 1.0
            z /= peak
            log_scale += np.log(peak)
    with np.errstate(divide="ignore"):
        out: Array = np.log(z[world.start]) + log_scale
    return out


def policy_sampler(
    world: World,
    weights: Array,
    beta: float,
    *,
    step_cost: float,
    horizon: int,
    planner: str,
    lapse: float = 0.0,
) -> Callable[[np.random.Generator], str]:
    """Plan once for one hypothesis; return a function drawing a walk from the Boltzmann policy."""
    us = [
        u[:, :, 0].reshape(-1).copy()
        for _, u in iter_entry_values(
            world,
            np.atleast_2d(weights),
            np.array([beta]),
            step_cost=step_cost,
            horizon=horizon,
            planner=planner,
        )
    ]

    def sample(rng: np.random.Generator) -> str:
        s, moves = world.start, []
        for t in range(horizon):
            u = us[horizon - t - 1]
            nxt = world.next_state[s]
            legal = np.flatnonzero(nxt >= 0)
            if legal.size == 0:
                break
            q = beta * u[nxt[legal]]
            p = np.exp(q - q.max())
            p /= p.sum()
            if lapse > 0.0:
                p = (1 - lapse) * p + lapse / legal.size
            a = int(legal[rng.choice(legal.size, p=p)])
            moves.append(MOVES[a])
            s = int(nxt[a])
            if world.terminal[s]:
                break
        return "".join(moves)

    return sample


def optimal_return(world: World, weights: Array, *, step_cost: float, horizon: int) -> float:
    """Best achievable return from the start (hard planning, one weight vector)."""
    # The last entry values yielded are those with the whole horizon left.
    last: NDArray[np.floating] | None = None
    for _, u in iter_entry_values(
        world,
        np.atleast_2d(weights),
        np.array([1.0]),
        step_cost=step_cost,
        horizon=horizon,
        planner="hard",
    ):
        last = u
    assert last is not None
    nxt = world.next_state[world.start]
    return float(at_states(last, nxt[nxt >= 0])[:, 0].max())


def reference_log_likelihood(
    world: World,
    path: str,
    weights: Array,
    betas: Array,
    *,
    step_cost: float,
    horizon: int,
    planner: str,
    lapse: float = 0.0,
) -> Array:
    """Straightforward per-hypothesis, per-state loop; slow on purpose (tests and bench baseline)."""
    weights = np.atleast_2d(weights)
    out = np.zeros(weights.shape[0])
    states, actions = _states_actions(world, path)
    for h in range(weights.shape[0]):
        beta = float(np.broadcast_to(betas, (weights.shape[0],))[h])
        r = [float(world.phi[s] @ weights[h]) + step_cost for s in range(world.n_states)]
        v = [0.0] * world.n_states
        q_at: dict[int, list[float]] = {}
        for k in range(1, horizon + 1):
            u = [r[s] + (0.0 if world.terminal[s] else v[s]) for s in range(world.n_states)]
            t = horizon - k
            if t < len(actions):
                q_at[t] = [u[x] for x in world.next_state[states[t]] if x >= 0]
            new_v = []
            for s in range(world.n_states):
                qs = [u[x] for x in world.next_state[s] if x >= 0]
                if not qs:
                    new_v.append(-np.inf)
                elif planner == "hard":
                    new_v.append(max(qs))
                else:
                    m = max(qs)
                    new_v.append(m + float(np.log(sum(np.exp(beta * (x - m)) for x in qs))) / beta)
            v = new_v
        total = 0.0
        for t, a in enumerate(actions):
            legal = [i for i, x in enumerate(world.next_state[states[t]]) if x >= 0]
            bq = np.array(q_at[t]) * beta
            p = np.exp(bq - bq.max())
            p /= p.sum()
            p = (1 - lapse) * p + lapse / len(legal)
            total += float(np.log(p[legal.index(a)]))
        out[h] = total
    return out
