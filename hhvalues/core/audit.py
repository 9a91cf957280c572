"""The validity report of a bank (``hhvalues bank audit``; the console's bank pages show it too).

On the test items of a full bank, for every probe kind and difficulty third (bins of the ideal
observer's confidence q, recomputed here): the ideal observer's expected accuracy (mean q) and
realised accuracy with standard errors clustered by item, and their difference in standard
errors (a calibrated observer stays within ±2); the random respondent; every shallow heuristic
of :mod:`hhvalues.core.heuristics` (a heuristic that cannot decide scores 0.5, a coin flip);
the share of correct answers that are A, and for predict probes the share whose right path is
the longer one. Walks: information per walk (bits of entropy about the weights the observer
loses per walk, on average), and the share that are not a shortest path to the nearest
destination. :func:`check_goals` compares the figures with the goals a generated bank must meet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.audit_goals import GOALS, advice, check_goals
from hhvalues.core.audit_types import ALL, Accuracy, Audit, Group, Redundancy, WalkFigures
from hhvalues.core.bank import Bank, Item, Split
from hhvalues.core.design import entropy_bits, weights_log_belief
from hhvalues.core.heuristics import HEURISTICS, distances, heuristic_choices
from hhvalues.core.observer import (
    bank_grid,
    demo_log_likelihoods,
    item_matrix,
    posterior_from,
    predictive,
)
from hhvalues.core.probe_rules import (
    MAX_CORRELATION,
    MAX_PRIOR_Q,
    answer_correlations,
    design_effect,
    prior_confidence,
    prior_sure,
)
from hhvalues.core.probes import Difficulty, ProbeKind, difficulty_of
from hhvalues.core.world import follow_path, parse_world
from hhvalues.errors import BankError


@dataclass(frozen=True, slots=True)
class _Probe:
    item: int
    kind: ProbeKind
    third: Difficulty
    q: float
    ideal_right: bool
    answer_a: bool
    longer_right: bool | None
    """Predict probes with options of different lengths: whether the right path is the longer."""
    heuristics: dict[str, float]
    """1 right, 0 wrong, 0.5 undecided."""
    prior_q: float
    """The observer's confidence from the prior alone (no walk)."""


def audit_bank(bank: Bank, *, progress: Callable[[int, int], None] | None = None) -> Audit:
    """Audit the test items of a full bank; BankError for a public copy or no test item."""
    if not bank.has_truth:
        raise BankError(
            "an audit needs the full bank with truth, not a public copy", where=f"bank {bank.name}"
        )
    items = bank.by_split(Split.TEST)
    if not items:
        raise BankError("the bank has no test items to audit", where=f"bank {bank.name}")
    grid = bank_grid(bank)
    prior_bits = entropy_bits(
        weights_log_belief(grid, np.full(len(grid.rationality), -np.log(len(grid.rationality))))
    )
    probes: list[_Probe] = []
    gains: list[float] = []
    plain: list[bool] = []
    exits: list[bool] = []
    shapes: list[tuple[bool, bool]] = []
    rhos: list[float] = []
    effective: list[float] = []
    zero_dests = _zero_destinations(bank)
    for n, item in enumerate(items):
        ll = demo_log_likelihoods(bank, item.demos)
        before = prior_bits
        for d in range(len(item.demos)):
            after = entropy_bits(
                weights_log_belief(grid, posterior_from(grid, ll[: d + 1].sum(axis=0)).log_post)
            )
            gains.append(before - after)
            before = after
        for demo in item.demos:
            p, e = _walk_shape(bank, demo.grid, demo.path, zero_dests)
            plain.append(p)
            exits.append(e)
            shapes.append(_walk_trouble(bank, demo.grid, demo.path))
        post = posterior_from(grid, ll.sum(axis=0))
        matrix = item_matrix(bank, item.probes)
        p_a = predictive(post, matrix)
        probes += _probe_rows(bank, item, n, p_a, prior_confidence(grid, matrix))
        rho = answer_correlations(post, matrix)
        rhos += np.abs(rho[np.triu_indices(len(item.probes), 1)]).tolist()
        effective.append(design_effect(rho))
        if progress is not None:
            progress(n + 1, len(items))
    groups = [
        g
        for kind in (ALL, *ProbeKind)
        for third in (ALL, *Difficulty)
        if (g := _group(probes, kind, third)) is not None
    ]
    thirds = {d.value: float(np.mean([p.third is d for p in probes])) for d in Difficulty}
    walks = WalkFigures(
        len(gains),
        float(np.mean(gains)),
        1.0 - float(np.mean(plain)),
        float(np.mean(exits)),
        float(np.mean([s[0] for s in shapes])),
        float(np.mean([s[1] for s in shapes])),
    )
    per_item = len(probes) / len(items)
    eff = float(np.mean(effective))
    redundancy = Redundancy(
        len(rhos),
        float(np.mean(np.array(rhos) >= MAX_CORRELATION)) if rhos else 0.0,
        max(rhos, default=0.0),
        per_item,
        eff,
        per_item / eff if eff > 0 else 1.0,
    )
    audit = Audit(
        bank.name,
        bank.content_hash,
        bank.model.format,
        len(items),
        groups,
        thirds,
        walks,
        redundancy,
    )
    return Audit(
        **{
            **{f: getattr(audit, f) for f in audit.__dataclass_fields__},
            "goals": check_goals(audit),
        }
    )


def _zero_destinations(bank: Bank) -> set[int]:
    levels = bank.model.levels(bank.features)
    return {
        k
        for k, (f, lv) in enumerate(zip(bank.features, levels, strict=True))
        if f.terminal and set(lv) == {0.0}
    }


def _walk_shape(
    bank: Bank, grid: Sequence[str], path: str, zero_dests: set[int]
) -> tuple[bool, bool]:
    """(a shortest path to a nearest destination?, ended at a destination worth 0?)."""
    world = parse_world(grid, bank.features)
    walk = follow_path(world, path, horizon=bank.model.horizon)
    end = walk.states[-1]
    if not walk.ended_at_destination:
        return False, False
    dist = distances(world)
    dests = np.flatnonzero(world.terminal & (dist > 0))
    nearest = int(dist[dests].min())
    return len(path) == nearest == dist[end], int(world.cell[end]) in zero_dests


def _walk_trouble(bank: Bank, grid: Sequence[str], path: str) -> tuple[bool, bool]:
    """(stopped by the step limit?, enters some cell twice?)."""
    walk = follow_path(parse_world(grid, bank.features), path, horizon=bank.model.horizon)
    return not walk.ended_at_destination, len(set(walk.states)) < len(walk.states)


def _probe_rows(
    bank: Bank, item: Item, n: int, p_a: NDArray[np.float64], prior_q: NDArray[np.float64]
) -> list[_Probe]:
    assert item.truth is not None
    heur = {name: heuristic_choices(bank, item, name) for name in HEURISTICS}
    rows = []
    for j, probe in enumerate(item.probes):
        answer = item.truth.answers[probe.id]
        q = float(max(p_a[j], 1 - p_a[j]))
        longer = None
        if probe.kind is ProbeKind.PREDICT:
            la, lb = (len(o) for o in probe.options)
            if la != lb:
                longer = (la > lb) == (answer == "A")
        scores = {
            name: 0.5 if h[probe.id] is None else float(h[probe.id] == answer)
            for name, h in heur.items()
        }
        rows.append(
            _Probe(
                n,
                probe.kind,
                difficulty_of(q),
                q,
                (p_a[j] >= 0.5) == (answer == "A"),
                answer == "A",
                longer,
                scores,
                float(prior_q[j]),
            )
        )
    return rows


def clustered(values: NDArray[np.float64], clusters: NDArray[np.int64]) -> Accuracy:
    """Mean of ``values`` with its standard error clustered by ``clusters`` (sandwich form)."""
    n = len(values)
    mean = float(values.mean())
    _, inverse = np.unique(clusters, return_inverse=True)
    sums = np.bincount(inverse, weights=values - mean)
    g = len(sums)
    se = float(np.sqrt((sums**2).sum()) / n * np.sqrt(g / (g - 1))) if g > 1 else float("nan")
    return Accuracy(mean, se)


def _group(rows: list[_Probe], kind: str, third: str) -> Group | None:
    sel = [p for p in rows if kind in (ALL, p.kind.value) and third in (ALL, p.third.value)]
    if not sel:
        return None
    items = np.array([p.item for p in sel])
    q = np.array([p.q for p in sel])
    right = np.array([p.ideal_right for p in sel], dtype=float)
    diff = clustered(right - q, items)
    # With few errors the empirical SE can be ~0 (easy probes all right); the observer's own
    # binomial variance is the floor of what chance alone gives.
    model_se = float(np.sqrt((q * (1 - q)).sum())) / len(sel)
    diff = Accuracy(diff.value, max(diff.se, model_se))
    heur = {
        name: clustered(np.array([p.heuristics[name] for p in sel]), items) for name in HEURISTICS
    }
    best = max((n for n in heur if n != "always_a"), key=lambda n: heur[n].value)
    longer = [p.longer_right for p in sel if p.longer_right is not None]
    predicts = [p for p in sel if p.kind is ProbeKind.PREDICT]
    return Group(
        kind,
        third,
        len(sel),
        len(set(items.tolist())),
        clustered(q, items),
        clustered(right, items),
        diff.value / diff.se if diff.se > 0 else 0.0,
        0.5,
        heur,
        best,
        float(np.mean([p.answer_a for p in sel])),
        float(np.mean(longer)) if longer else None,
        float(np.mean([p.longer_right is None for p in predicts])) if predicts else None,
        float(np.mean([p.prior_q for p in sel])),
        int(prior_sure(np.array([p.prior_q for p in sel])).sum()),
    )


def format_audit(audit: Audit) -> str:
    """The report as text tables (``bank audit``)."""
    w = audit.walks
    lines = [
        f"bank {audit.bank} ({audit.format}), {audit.n_items} test items, "
        f"hash {audit.content_hash[:16]}",
        f"walks: {w.n_walks}, {w.info_bits:.2f} bits of information per walk, "
        f"{w.not_shortest_to_nearest:.0%} not a shortest path to the nearest destination, "
        f"{w.ended_at_exit:.0%} ended at a destination worth 0, "
        f"{w.at_step_limit:.0%} stopped by the step limit, {w.revisiting:.0%} enter a cell twice",
        "thirds: " + ", ".join(f"{k} {v:.0%}" for k, v in audit.thirds.items()),
        "",
        "kind     third   probes  ideal expected  ideal realised  calib z  random  "
        "best heuristic          A share  right longer",
    ]
    for g in audit.groups:
        best = g.heuristics[g.best_heuristic]
        longer = "" if g.longer_right is None else f"{g.longer_right:.0%}"
        lines.append(
            f"{g.kind:8} {g.third:7} {g.n_probes:6}  {g.expected.value:6.1%} ±{g.expected.se:4.1%}  "
            f"{g.realised.value:6.1%} ±{g.realised.se:4.1%}  {g.calibration_z:+6.1f}  {g.random:5.0%}  "
            f"{g.best_heuristic:13} {best.value:6.1%}  {g.share_a:6.0%}   {longer}"
        )
    names = list(HEURISTICS)
    lines += [
        "",
        "heuristics (accuracy; undecided counts 0.5)",
        "kind     third   " + "  ".join(f"{n:>13}" for n in names),
    ]
    for g in audit.groups:
        lines.append(
            f"{g.kind:8} {g.third:7} " + "  ".join(f"{g.heuristics[n].value:13.1%}" for n in names)
        )
    lines += [
        "",
        f"confidence from the prior alone (no walk; probes at >= {MAX_PRIOR_Q}: goal 0)",
        "kind     third   probes  prior-only q  prior-sure",
    ]
    for g in audit.groups:
        lines.append(f"{g.kind:8} {g.third:7} {g.n_probes:6}  {g.prior_q:11.1%}  {g.prior_sure:10}")
    red = audit.redundancy
    if red is not None:
        lines += [
            "",
            f"probes of one item: {red.n_pairs} pairs, {red.share_redundant:.1%} nearly one "
            f"question (|rho| >= {MAX_CORRELATION}; largest |rho| {red.max_abs_rho:.2f}); "
            f"{red.probes_per_item:.2f} probes per item, {red.effective_per_item:.2f} "
            f"independent (design effect {red.design_effect:.2f})",
        ]
    lines += ["", "goals of a generated bank"]
    for goal, ok in audit.goals.items():
        lines.append(f"  [{'met' if ok else 'NOT met'}] {goal}")
        if not ok:
            lines.append(f"      what it means, what to change: {advice(goal)}")
    return "\n".join(lines)


__all__ = [
    "ALL",
    "GOALS",
    "Accuracy",
    "Audit",
    "Group",
    "Redundancy",
    "WalkFigures",
    "audit_bank",
    "check_goals",
    "clustered",
    "format_audit",
]
