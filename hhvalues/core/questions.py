"""Probes built and chosen without looking at the truth (docs/item-banks.md §4).

Candidates
    ``sign`` for every feature whose levels include both signs; ``compare`` for every pair of
    like features (terrain with terrain, destination with destination) that can differ;
    ``predict`` pairs of paths in a new world, each path the best walk under some hypothesis of
    the prior (:func:`hhvalues.core.rollouts.best_paths`): paths a person could take, never a
    loop, never a path no hypothesis would walk. The pairs come from the paths most hypotheses
    walk under the prior and under the item's posterior; none is chosen by its true return.
Selection
    From the candidates the ideal observer is at least 60% sure of, a few per item, favouring
    the emptiest difficulty bin of the bank so far, probe kinds the item lacks, and the side
    that evens out the observer's own picks: the longer path for predict probes, "seeks out" for
    sign probes. All of it reads the observer's posterior, never the truth, so the observer's
    predictive stays calibrated. Only then is truth computed and a chosen probe without a
    definite answer dropped (no replacement, so whether a probe is kept depends on its own
    truth only, which the observer's predictive conditions on).
Sides
    Afterwards :func:`balance_sides` relabels compare and predict options so the correct answer
    is A for half the probes of each kind, at random positions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple, assert_never, cast

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import Bank, Item, Split, Truth
from hhvalues.core.design import weights_log_belief
from hhvalues.core.features import FeatureSet
from hhvalues.core.heuristics import all_heuristic_choices
from hhvalues.core.observer import Posterior, item_matrix, predictive
from hhvalues.core.probe_rules import (
    MAX_CORRELATION,
    answer_correlations,
    dominated,
    prior_confidence,
    prior_sure,
)
from hhvalues.core.probes import (
    Choice,
    Difficulty,
    Probe,
    ProbeKind,
    choices_from_values,
    difficulty_of,
    probe_values,
)
from hhvalues.core.rollouts import best_paths, plan_table
from hhvalues.core.world import World, follow_path

MIN_Q = 0.6
PROBES_PER_ITEM = 4
PER_ITEM = {ProbeKind.SIGN: 1, ProbeKind.COMPARE: 2, ProbeKind.PREDICT: 3}
"""At most this many probes of a kind per item (predict probes in different worlds). Sign
probes are the ones a shallow reader answers best (a destination walked to is liked), so an
item asks at most one. Three predict probes (items v3; two before): the rules that drop
prior-decided and redundant probes remove predict probes most, and predict probes are the
ones shallow rules solve least (measured: visited = liked 15 points below the observer overall
with three, 14 with two, on seed 15, 150 items)."""
TOP_PATHS = 4
"""Predict options are drawn from this many most-walked best paths under prior and posterior."""
BIN_SLACK = 3
"""A difficulty bin may run this many probes ahead of the emptiest one."""
AGREEMENT = 0.65
"""Target share of the probes a shallow heuristic decides on which it picks what the observer
picks, per heuristic and difficulty bin: diagnostic probes (the two disagree) make up the rest,
so no shallow strategy comes close to the observer, while each stays above chance (never a
trap)."""
LEAN_PENALTY = 4.0
"""Weight of an uneven observer pick (sign, longer path) against the heuristics' misfit."""
PROBE_RULE = (
    "candidates: sign probes on features with levels of both signs, like-with-like compare "
    "probes, predict pairs of best paths under hypotheses of the prior (the most-walked under the "
    "prior and under the posterior) in new worlds, no pair with a dominated option; chosen on the "
    "observer's posterior only: q >= 0.6, confidence from the prior alone < 0.75, no two probes "
    "of an item with answers correlated |rho| >= 0.8, the emptiest difficulty bin first, then "
    "each shallow heuristic agreeing with the observer's pick on about 65% of each bin and kind, "
    "the observer's own picks balanced (seeks out / "
    "avoids, longer / shorter path), at most one sign, two compare and three predict probes per "
    "item; then truth; chosen probes without a definite answer dropped; compare and predict "
    "sides relabelled at random so half of each kind is A"
)
"""How probes are built and chosen, as recorded in a bank's ``model.design``."""


def fixed_probes(features: FeatureSet, levels: Sequence[Sequence[float]]) -> list[Probe]:
    """Every sign probe with both answers possible and every like-with-like compare probe."""
    out = [
        Probe(f"s{f.id}", ProbeKind.SIGN, features=(f.id,))
        for f, lv in zip(features, levels, strict=True)
        if min(lv) < 0 < max(lv)
    ]
    varied = [f for f, lv in zip(features, levels, strict=True) if len(lv) > 1]
    for a, b in itertools.combinations(varied, 2):
        if a.terminal == b.terminal:
            out.append(Probe(f"c{a.id}-{b.id}", ProbeKind.COMPARE, features=(a.id, b.id)))
    return out


def predict_probes(
    world: World,
    unique_weights: NDArray[np.float64],
    log_mass: NDArray[np.float64],
    *,
    step_cost: float,
    horizon: int,
    tag: str,
    terrain: NDArray[np.bool_] | None = None,
) -> list[Probe]:
    """Pairs of best paths in ``world`` (``log_mass[i]``: the posterior of weight vector i).

    ``terrain[k]``: feature k only ever costs (levels ≤ 0, not a destination); a pair where one
    path is dominated on it (:func:`~hhvalues.core.probe_rules.dominated`) is left out."""
    table = plan_table(world, unique_weights, step_cost=step_cost, horizon=horizon)
    paths = best_paths(world, table)
    prior: dict[str, int] = {}
    post: dict[str, float] = {}
    mass = np.exp(log_mass - log_mass.max())
    for path, m in zip(paths, mass, strict=True):
        prior[path] = prior.get(path, 0) + 1
        post[path] = post.get(path, 0.0) + float(m)
    usable = [p for p in prior if p and _is_simple(world, p, horizon)]
    top = sorted(usable, key=lambda p: (-prior[p], p))[:TOP_PATHS]
    top += [p for p in sorted(usable, key=lambda p: (-post[p], p))[:TOP_PATHS] if p not in top]
    walks = {p: follow_path(world, p, horizon=horizon) for p in top}
    mask = np.zeros(world.phi.shape[1], dtype=bool) if terrain is None else terrain
    pairs = [
        (a, b)
        for a, b in itertools.combinations(sorted(top), 2)
        if not dominated(
            walks[a].counts,
            walks[b].counts,
            len(a),
            len(b),
            same_end=walks[a].states[-1] == walks[b].states[-1],
            terrain=mask,
        )
    ]
    return [
        Probe(f"x{tag}-{i}", ProbeKind.PREDICT, grid=world.rows, options=pair)
        for i, pair in enumerate(pairs)
    ]


def _is_simple(world: World, path: str, horizon: int) -> bool:
    """Complete (ends at a destination) and never enters a cell twice."""
    walk = follow_path(world, path, horizon=horizon)
    return walk.ended_at_destination and len(set(walk.states)) == len(walk.states)


@dataclass(slots=True)
class Tallies:
    """What the bank's chosen probes look like so far (all from the observer, not the truth)."""

    bins: dict[Difficulty, int] = field(default_factory=lambda: {d: 0 for d in Difficulty})
    picks: dict[tuple[ProbeKind, bool], float] = field(default_factory=dict)
    """``(kind, flag)``: the observer picked the longer path (predict); for sign probes the
    expected number whose answer is "seeks out" (flag True) or "avoids"."""
    agree: dict[tuple[Difficulty, ProbeKind, str], list[int]] = field(default_factory=dict)
    """``(bin, kind, heuristic)`` → [probes where it picks what the observer picks, probes it
    decides]. Per kind: a heuristic that fits one kind well (visited = liked on sign probes) is
    kept in check on that kind, not only on the mix (issue 20)."""

    def lean(self, kind: ProbeKind, flag: bool) -> float:
        """How far past half this flag's share of the kind would be with one more (≥ 0)."""
        mine, other = self.picks.get((kind, flag), 0), self.picks.get((kind, not flag), 0)
        return max(0.0, (mine + 1) / (mine + other + 2) - 0.5)

    def misfit(self, d: Difficulty, kind: ProbeKind, votes: dict[str, bool]) -> float:
        """How much choosing a probe with these votes would push heuristics the wrong way: an
        agreeing heuristic that already agrees more than :data:`AGREEMENT` costs its excess, a
        disagreeing one that has fallen below half (a trap) costs its shortfall."""
        cost = 0.0
        for name, agrees in votes.items():
            hits, n = self.agree.get((d, kind, name), [0, 0])
            share = (hits + 1) / (n + 2)  # a count of one each way before any probe
            cost += max(0.0, share - AGREEMENT) if agrees else max(0.0, 0.5 - share)
        return cost

    def copy(self) -> Tallies:
        """An independent copy."""
        return Tallies(
            dict(self.bins), dict(self.picks), {k: list(v) for k, v in self.agree.items()}
        )

    def add(self, probe: Probe, p_a: float, votes: dict[str, bool]) -> None:
        """Count one chosen probe; ``votes``: heuristic → agrees with the observer (deciding ones)."""
        d = difficulty_of(max(p_a, 1 - p_a))
        self.bins[d] += 1
        if probe.kind is ProbeKind.SIGN:
            # The expected count of each right answer, not the observer's pick: it is surer
            # when it picks "seeks out" (the walk went there) than "avoids", so balanced picks
            # left ~57% of sign answers "seeks out". Calibrated, so this balances the truth.
            for side, share in ((True, p_a), (False, 1.0 - p_a)):
                self.picks[(probe.kind, side)] = self.picks.get((probe.kind, side), 0) + share
            flag: bool | None = None
        else:
            flag = observer_flag(probe, p_a)
        if flag is not None:
            self.picks[(probe.kind, flag)] = self.picks.get((probe.kind, flag), 0) + 1
        for name, agrees in votes.items():
            tally = self.agree.setdefault((d, probe.kind, name), [0, 0])
            tally[0] += int(agrees)
            tally[1] += 1


def observer_flag(probe: Probe, p_a: float) -> bool | None:
    """The side the observer picks, in the terms balanced per kind (None: nothing to balance)."""
    if probe.kind is ProbeKind.SIGN:
        return p_a >= 0.5
    if probe.kind is ProbeKind.PREDICT:
        la, lb = (len(o) for o in probe.options)
        if la == lb:
            return None
        return (la > lb) == (p_a >= 0.5)
    if probe.kind is ProbeKind.COMPARE:
        return None  # its sides are relabelled at random instead
    assert_never(probe.kind)


def heuristic_votes(
    choices: dict[str, dict[str, Choice | None]], probe_id: str, p_a: float
) -> dict[str, bool]:
    """For each heuristic that decides this probe: does it pick what the observer picks?"""
    pick = "A" if p_a >= 0.5 else "B"
    return {
        name: c[probe_id] == pick
        for name, c in choices.items()
        if name != "always_a" and c[probe_id] is not None
    }


def choose(
    cands: Sequence[Probe],
    p_a: NDArray[np.float64],
    votes: Sequence[dict[str, bool]],
    tallies: Tallies,
    rng: np.random.Generator,
    *,
    limit: int = PROBES_PER_ITEM,
    prior_q: NDArray[np.float64] | None = None,
    rho: NDArray[np.float64] | None = None,
) -> list[int]:
    """Up to ``limit`` candidates with q ≥ 0.6 (see the module docstring); updates nothing.

    ``votes[j]``: :func:`heuristic_votes` of candidate j. ``prior_q[j]``: its confidence from
    the prior alone (candidates at :data:`MAX_PRIOR_Q` or more are never chosen); ``rho``: the
    correlations of the candidates' answers (no two chosen correlate :data:`MAX_CORRELATION`
    or more in size).
    """
    q = np.maximum(p_a, 1 - p_a)
    pool = [
        j
        for j in range(len(cands))
        if q[j] >= MIN_Q and not (prior_q is not None and prior_sure(prior_q[j : j + 1])[0])
    ]
    rank_of = {int(j): r for r, j in enumerate(rng.permutation(len(cands)))}
    t = tallies.copy()
    kinds: set[ProbeKind] = set()
    used: dict[ProbeKind, int] = {}
    chosen: list[int] = []
    while pool and len(chosen) < limit:
        low = min(t.bins.values())
        admissible = [j for j in pool if t.bins[difficulty_of(float(q[j]))] < low + BIN_SLACK]
        if not admissible:
            if chosen:
                break
            admissible = pool  # every item needs a probe; later items even the bins out

        def key(j: int) -> tuple[int, float, bool, int]:
            d = difficulty_of(float(q[j]))
            flag = observer_flag(cands[j], float(p_a[j]))
            leaning = 0.0 if flag is None else t.lean(cands[j].kind, flag)
            misfit = t.misfit(d, cands[j].kind, votes[j]) + LEAN_PENALTY * leaning
            return (t.bins[d], round(misfit, 2), cands[j].kind in kinds, rank_of[j])

        best = min(admissible, key=key)
        chosen.append(best)
        kind = cands[best].kind
        kinds.add(kind)
        used[kind] = used.get(kind, 0) + 1
        pool = [
            j
            for j in pool
            if j != best
            and used.get(cands[j].kind, 0) < PER_ITEM[cands[j].kind]
            and not (kind is ProbeKind.PREDICT and cands[j].grid == cands[best].grid)
            and (rho is None or abs(rho[j, best]) < MAX_CORRELATION)
        ]
        t.add(cands[best], float(p_a[best]), votes[best])
    return chosen


class Candidates(NamedTuple):
    """An item's candidate probes with what the observer and the heuristics make of them."""

    stub: Item
    """The item with its demonstrations and every candidate probe (no truth)."""
    p_a: NDArray[np.float64]
    """The observer's P(A) of each candidate."""
    votes: list[dict[str, bool]]
    """:func:`heuristic_votes` of each candidate."""
    prior_q: NDArray[np.float64]
    """Each candidate's confidence from the prior alone."""
    rho: NDArray[np.float64]
    """Correlations of the candidates' answers under the posterior."""


def candidates(
    bank: Bank,
    stub: Item,
    posterior: Posterior,
    worlds: Sequence[World],
    *,
    more: Candidates | None = None,
) -> Candidates:
    """Every fixed probe and the predict pairs of each new world, for the item ``stub``'s demos.

    With ``more`` (candidates already built for this item and posterior), only the predict
    pairs of ``worlds`` are built and appended to them: what a probe's figures are depends on
    the probe, the demos and the posterior alone, so this equals building all at once."""
    levels = bank.model.levels(bank.features)
    log_w = weights_log_belief(posterior.grid, posterior.log_post)
    cands = fixed_probes(bank.features, levels) if more is None else []
    start = 0 if more is None else len({p.grid for p in more.stub.probes if p.grid})
    terrain = np.array(
        [not f.terminal and max(lv) <= 0 for f, lv in zip(bank.features, levels, strict=True)]
    )
    for k, world in enumerate(worlds, start):
        cands += predict_probes(
            world,
            posterior.grid.unique_weights,
            log_w,
            step_cost=bank.step_cost,
            horizon=bank.model.horizon,
            tag=str(k),
            terrain=terrain,
        )
    new = replace(stub, probes=tuple(cands))
    matrix = item_matrix(bank, cands)
    p_a = predictive(posterior, matrix)
    heur = all_heuristic_choices(bank, new)
    votes = [heuristic_votes(heur, c.id, float(p)) for c, p in zip(cands, p_a, strict=True)]
    prior_q = prior_confidence(posterior.grid, matrix)
    if more is not None:
        new = replace(stub, probes=more.stub.probes + new.probes)
        p_a = np.concatenate([more.p_a, p_a])
        votes = more.votes + votes
        prior_q = np.concatenate([more.prior_q, prior_q])
        matrix = item_matrix(bank, new.probes)
    return Candidates(new, p_a, votes, prior_q, answer_correlations(posterior, matrix))


def finish(
    bank: Bank,
    cands: Candidates,
    chosen: Sequence[int],
    weights: NDArray[np.float64],
    rationality: float,
    rng: np.random.Generator,
    tallies: Tallies | None,
) -> Item | None:
    """The item with the chosen probes that have a definite answer under the truth, in random
    order, as ``p1, p2, …``; None when none has. Counts them in ``tallies`` when given."""
    probes = [cands.stub.probes[j] for j in chosen]
    matrix = item_matrix(bank, probes)
    values = probe_values(weights, matrix)
    sign = choices_from_values(values)
    kept = [
        (j, int(s))
        for j, s, v, m in zip(chosen, sign, values, matrix.margin, strict=True)
        if abs(v) >= m
    ]
    if not kept:
        return None
    rng.shuffle(kept)  # the order of probes says nothing about how they were chosen
    out: list[Probe] = []
    answers: dict[str, Choice] = {}
    ideal: dict[str, float] = {}
    for n, (j, s) in enumerate(kept, 1):
        pid, p = f"p{n}", float(cands.p_a[j])
        q = max(p, 1 - p)
        out.append(replace(cands.stub.probes[j], id=pid, q=q, difficulty=difficulty_of(q)))
        answers[pid] = "A" if s > 0 else "B"
        ideal[pid] = p
        if tallies is not None:
            tallies.add(cands.stub.probes[j], p, cands.votes[j])
    acc = float(np.mean([(ideal[p] >= 0.5) == (answers[p] == "A") for p in answers]))
    truth = Truth(bank.features.weights_dict(weights), rationality, answers, ideal, acc)
    return replace(cands.stub, probes=tuple(out), truth=truth)


def balance_sides(items: list[Item], rng: np.random.Generator) -> list[Item]:
    """Relabel compare and predict probes so the correct side is A for half of each kind within
    each split, the A ones drawn at random (position and id say nothing about the answer).

    Sign probes cannot be relabelled (A always means "seeks out"); their balance comes from
    :func:`choose`.
    """
    sides: dict[tuple[int, str], Choice] = {}
    for split in Split:
        for kind in (ProbeKind.COMPARE, ProbeKind.PREDICT):
            probes = [
                (i, p.id)
                for i, it in enumerate(items)
                if it.split is split
                for p in it.probes
                if p.kind is kind
            ]
            n_a = len(probes) // 2 + int(rng.integers(2)) * (len(probes) % 2)
            a_set = set(rng.permutation(len(probes))[:n_a].tolist())
            for n, key in enumerate(probes):
                sides[key] = "A" if n in a_set else "B"
    return [
        _orient(it, {pid: s for (j, pid), s in sides.items() if j == i})
        for i, it in enumerate(items)
    ]


def _orient(item: Item, sides: dict[str, Choice]) -> Item:
    """Flip the probes whose correct side should change."""
    truth = cast(Truth, item.truth)
    probes, answers, ideal = [], dict(truth.answers), dict(truth.ideal)
    for p in item.probes:
        if p.id in sides and answers[p.id] != sides[p.id]:
            if p.kind is ProbeKind.COMPARE:
                p = replace(p, features=p.features[::-1])
            elif p.kind is ProbeKind.PREDICT:
                p = replace(p, options=p.options[::-1])
            elif p.kind is ProbeKind.SIGN:
                raise ValueError(f"probe {p.id}: a sign probe's sides cannot be swapped")
            else:
                assert_never(p.kind)
            answers[p.id] = sides[p.id]
            ideal[p.id] = 1.0 - ideal[p.id]
        probes.append(p)
    return replace(item, probes=tuple(probes), truth=replace(truth, answers=answers, ideal=ideal))


__all__ = [
    "AGREEMENT",
    "MIN_Q",
    "PROBES_PER_ITEM",
    "PROBE_RULE",
    "Candidates",
    "Tallies",
    "balance_sides",
    "candidates",
    "choose",
    "finish",
    "fixed_probes",
    "heuristic_votes",
    "observer_flag",
    "predict_probes",
]
