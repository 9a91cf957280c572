"""Items from recorded human walks, and how human walkers differ from the simulated demonstrator.

:func:`bank_from_recordings` turns walks people made under assigned weights into a bank:

* each walk is assessed (:mod:`hhvalues.core.walks`) under its weights; practice walks,
  incomplete walks (timed out or abandoned: not a valid demonstration) and walks the quality
  rule excludes are left out *and listed* in ``meta.recordings.walks`` with the reason;
* a participant's remaining walks become items of up to ``demos_per_item`` demonstrations
  (``source: "human"`` with the ``instruction`` the person was given);
* truth = the assigned weights; truth.rationality = the maximum-likelihood β of the item's
  walks (hard-Q Boltzmann with the bank's lapse, β on a log grid 1/8..32) rounded to the nearest
  rationality level on a log scale — the level the observer finds most plausible for that person;
* probes are built and chosen exactly as for simulated items, without looking at the truth
  (:mod:`hhvalues.core.questions`), with q from the ideal observer for human demonstrations:
  hard-Q planner, β marginalised over the levels, lapse ε mixed in (one slip cannot rule a hypothesis out);
* the bank is format 2: ``model.lapse`` is the lapse the observer applies to every walk (no
  hidden floor), so anyone re-derives the same ceiling from the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from hhvalues.core.bank import Bank, Demonstration, Item, Model, Planner, Split
from hhvalues.core.generate import random_world
from hhvalues.core.observer import infer
from hhvalues.core.planning import policy_sampler
from hhvalues.core.probe_rules import ITEMS_VERSION, design_rules
from hhvalues.core.questions import (
    PROBE_RULE,
    Tallies,
    balance_sides,
    candidates,
    choose,
    finish,
)
from hhvalues.core.walks import (
    DEFAULT_LAPSE,
    QualityRule,
    WalkQuality,
    assess_walk,
    fit_rationality,
    round_to_levels,
)
from hhvalues.core.world import parse_world
from hhvalues.errors import InputError

PROBE_ATTEMPTS = 4
RATIONALITY_RULE = (
    "maximum-likelihood beta of the item's walks (hard-Q Boltzmann with the bank's "
    "lapse, beta on 25 log-spaced values 1/8..32) rounded to the nearest "
    "rationality level on a log scale"
)


@dataclass(frozen=True, slots=True)
class RecordedWalk:
    """One walk a person made in a demonstration study."""

    id: str
    """Unique label of the walk (e.g. ``walk:17``)."""
    participant: str
    """Who walked (e.g. ``human:study/3``); walks of one participant share weights."""
    grid: tuple[str, ...]
    path: str
    """The moves that moved (bumps are not in the path)."""
    weights: tuple[float, ...]
    """Assigned weights, in the bank's feature order."""
    instruction: str
    """``do`` or ``teach``."""
    practice: bool = False
    n_bumps: int = 0


class WalkReport(NamedTuple):
    """What became of one walk."""

    walk: RecordedWalk
    quality: WalkQuality
    item: str | None
    """The item it is a demonstration of, or None."""
    reason: str
    """Why it is left out ("" when used): practice, incomplete, a quality flag, no probes."""


class RecordedBank(NamedTuple):
    """The bank and the report of every walk."""

    bank: Bank
    walks: list[WalkReport]


def assess(source: Bank, walk: RecordedWalk, rule: QualityRule | None = None) -> WalkQuality:
    """Quality of a walk under its weights and the source bank's step cost and horizon."""
    world = parse_world(walk.grid, source.features)
    return assess_walk(
        world,
        walk.path,
        np.asarray(walk.weights),
        step_cost=source.step_cost,
        horizon=source.model.horizon,
        n_bumps=walk.n_bumps,
        rule=rule,
    )


def _exclusion(walk: RecordedWalk, quality: WalkQuality) -> str:
    if walk.practice:
        return "practice"
    if not quality.complete:
        return "incomplete"
    if quality.excluded:
        return "excluded: " + ", ".join(f.value for f in quality.flags)
    return ""


def bank_from_recordings(
    source: Bank,
    walks: Sequence[RecordedWalk],
    *,
    name: str,
    seed: int = 0,
    rule: QualityRule | None = None,
    lapse: float = DEFAULT_LAPSE,
    demos_per_item: int = 3,
    meta: Mapping[str, Any] | None = None,
) -> RecordedBank:
    """A bank whose demonstrations are the usable recorded walks (see the module docstring).

    InputError when no walk is usable, so no empty bank is written.
    """
    rule = rule or QualityRule()
    sm = source.model
    levels = tuple(zip(source.features.ids, sm.levels(source.features), strict=True))
    model = Model(
        Planner.HARD,
        sm.horizon,
        sm.weight_levels,
        sm.rationality_levels,
        lapse,
        sm.margins,
        feature_levels=levels,
        design={
            "items": ITEMS_VERSION,
            "rules": design_rules(),
            "worlds": "recorded walks",
            "probes": PROBE_RULE,
        },
    )
    stub = Bank(name, "1", seed, source.features, source.step_cost, model, ())
    reports: dict[str, WalkReport] = {}
    by_person: dict[str, list[RecordedWalk]] = {}
    for walk in walks:
        q = assess(source, walk, rule)
        reason = _exclusion(walk, q)
        reports[walk.id] = WalkReport(walk, q, None, reason)
        if not reason:
            by_person.setdefault(walk.participant, []).append(walk)
    items: list[Item] = []
    tallies = Tallies()
    for person in sorted(by_person):
        mine = by_person[person]
        for start in range(0, len(mine), demos_per_item):
            chunk = mine[start : start + demos_per_item]
            n = len(items) + 1
            item = _item(f"r{n:03d}", chunk, stub, seed=seed, n=n, tallies=tallies)
            for walk in chunk:
                old = reports[walk.id]
                reports[walk.id] = old._replace(
                    item=item.id if item else None, reason="" if item else "no probe with q >= 0.6"
                )
            if item is not None:
                items.append(item)
    if not items:
        raise InputError(
            f"none of the {len(walks)} recorded walk(s) can become an item "
            "(all practice, incomplete, excluded or without a clear probe)"
        )
    items = balance_sides(items, np.random.default_rng([seed, 0]))
    doc = {
        "recordings": dict(meta or {})
        | {
            "rule": rule.to_json(),
            "lapse": lapse,
            "rationality": RATIONALITY_RULE,
            "walks": [_walk_meta(r) for r in reports.values()],
        }
    }
    return RecordedBank(replace(stub, items=tuple(items), meta=doc), list(reports.values()))


def _walk_meta(r: WalkReport) -> dict[str, Any]:
    q = r.quality
    return {
        "id": r.walk.id,
        "participant": r.walk.participant,
        "instruction": r.walk.instruction,
        "practice": r.walk.practice,
        "item": r.item,
        "excluded": r.reason or None,
        "flags": [f.value for f in q.flags],
        "return": round(q.ret, 6),
        "optimal": round(q.optimal, 6),
        "random": round(q.random, 6),
        "score": round(q.score, 6),
        "moves": q.n_moves,
        "bumps": q.n_bumps,
        "back_and_forth": round(q.back_and_forth, 6),
    }


def _item(
    item_id: str, chunk: Sequence[RecordedWalk], stub: Bank, *, seed: int, n: int, tallies: Tallies
) -> Item | None:
    features, m = stub.features, stub.model
    w = np.asarray(chunk[0].weights, dtype=np.float64)
    worlds = [parse_world(walk.grid, features) for walk in chunk]
    fit = fit_rationality(
        worlds,
        [walk.path for walk in chunk],
        w,
        step_cost=stub.step_cost,
        horizon=m.horizon,
        lapse=m.lapse,
    )
    beta = round_to_levels(fit.beta, m.rationality_levels)
    demos = tuple(Demonstration(walk.grid, walk.path, "human", walk.instruction) for walk in chunk)
    size = max(5, min(12, len(chunk[0].grid), len(chunk[0].grid[0])))
    rng = np.random.default_rng([seed, n])
    posterior = infer(stub, demos)
    for _ in range(PROBE_ATTEMPTS):
        worlds = [random_world(features, size, rng) for _ in range(2)]
        cands = candidates(stub, Item(item_id, Split.TEST, demos, ()), posterior, worlds)
        chosen = choose(
            cands.stub.probes,
            cands.p_a,
            cands.votes,
            tallies,
            rng,
            prior_q=cands.prior_q,
            rho=cands.rho,
        )
        item = finish(stub, cands, chosen, w, beta, rng, tallies)
        if item is not None:
            return item
    return None


# --- human vs simulated demonstrator ---------------------------------------------------------


class ComparisonRow(NamedTuple):
    """One recorded walk beside the simulated demonstrator in the same world with the same weights."""

    walk: str
    instruction: str
    human_length: int
    human_return: float
    human_beta: float
    sim_length: float
    """Mean path length of the simulated walks."""
    sim_return: float
    """Mean return of the simulated walks."""
    sim_beta: float
    """Median fitted β of the simulated walks (same fit as for the human)."""
    optimal: float
    random: float


def compare_demonstrators(
    source: Bank,
    walks: Sequence[RecordedWalk],
    *,
    rng: np.random.Generator,
    samples: int = 20,
    lapse: float = DEFAULT_LAPSE,
) -> list[ComparisonRow]:
    """For each complete, non-practice walk: the human's length, return and fitted β beside
    ``samples`` walks of the simulated demonstrator (hard-Q Boltzmann, β drawn uniformly from the
    bank's rationality levels, as the generator draws it) in the same world with the same weights."""
    rows = []
    horizon, c = source.model.horizon, source.step_cost
    levels = source.model.rationality_levels
    for walk in walks:
        q = assess(source, walk)
        if walk.practice or not q.complete:
            continue
        world = parse_world(walk.grid, source.features)
        w = np.asarray(walk.weights, dtype=np.float64)
        fit = fit_rationality([world], [walk.path], w, step_cost=c, horizon=horizon, lapse=lapse)
        samplers = {
            b: policy_sampler(world, w, b, step_cost=c, horizon=horizon, planner="hard")
            for b in levels
        }
        lengths, returns, betas = [], [], []
        for _ in range(samples):
            path = samplers[levels[int(rng.integers(len(levels)))]](rng)
            sq = assess_walk(world, path, w, step_cost=c, horizon=horizon)
            lengths.append(len(path))
            returns.append(sq.ret)
            betas.append(
                fit_rationality([world], [path], w, step_cost=c, horizon=horizon, lapse=lapse).beta
            )
        rows.append(
            ComparisonRow(
                walk.id,
                walk.instruction,
                len(walk.path),
                q.ret,
                fit.beta,
                float(np.mean(lengths)),
                float(np.mean(returns)),
                float(np.median(betas)),
                q.optimal,
                q.random,
            )
        )
    return rows


class ComparisonSummary(NamedTuple):
    """One demonstrator group (human ``do``, human ``teach``, simulated) in aggregate."""

    demonstrator: str
    n_walks: int
    mean_length: float
    mean_return: float
    mean_score: float
    """Mean normalised return (0 random, 1 optimal)."""
    median_beta: float


def summarise_comparison(rows: Sequence[ComparisonRow]) -> list[ComparisonSummary]:
    """Aggregate rows by human instruction, plus the simulated demonstrator over all rows."""

    def score(ret: float, r: ComparisonRow) -> float:
        gap = r.optimal - r.random
        return (ret - r.random) / gap if gap > 1e-12 else 1.0

    out = []
    for instruction in sorted({r.instruction for r in rows}):
        mine = [r for r in rows if r.instruction == instruction]
        out.append(
            ComparisonSummary(
                f"human ({instruction})",
                len(mine),
                float(np.mean([r.human_length for r in mine])),
                float(np.mean([r.human_return for r in mine])),
                float(np.mean([score(r.human_return, r) for r in mine])),
                float(np.median([r.human_beta for r in mine])),
            )
        )
    if rows:
        out.append(
            ComparisonSummary(
                "simulated",
                len(rows),
                float(np.mean([r.sim_length for r in rows])),
                float(np.mean([r.sim_return for r in rows])),
                float(np.mean([score(r.sim_return, r) for r in rows])),
                float(np.median([r.sim_beta for r in rows])),
            )
        )
    return out


__all__ = [
    "RATIONALITY_RULE",
    "ComparisonRow",
    "ComparisonSummary",
    "RecordedBank",
    "RecordedWalk",
    "WalkReport",
    "assess",
    "bank_from_recordings",
    "compare_demonstrators",
    "summarise_comparison",
]
