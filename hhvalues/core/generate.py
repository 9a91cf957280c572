"""Procedural item banks from a seed (``hhvalues bank generate``).

Per item: true weights and rationality drawn uniformly from the prior grid (the one the ideal
observer uses), 1–3 random worlds with a walk sampled from the Boltzmann demonstrator in each,
candidate probes of all three types with definite truth answers (margins of SCIENCE.md §2), the
ideal observer's confidence q on each, probes with q < 0.6 dropped and the rest picked to keep
the bank's easy/medium/hard bins about equal. Then the correct side is balanced between A and B
across the bank. Catch items keep only probes the observer is sure of (q ≥ 0.99) and the
"visited means liked" heuristic also gets right. The same config gives byte-identical output.

Step cost and weight levels respect the no-reward-farming constraint (w + c < 0 for every
terrain level), and the planner is Boltzmann over hard Q-values, so there is no entropy wandering.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import (
    DEFAULT_RATIONALITY_LEVELS, DEFAULT_WEIGHT_LEVELS, Bank, Demonstration, Item, Model, Planner,
    Split, Truth,
)
from hhvalues.core.features import CATALOGUE, FeatureSet
from hhvalues.core.heuristics import visited_means_liked
from hhvalues.core.observer import infer, item_matrix, predictive
from hhvalues.core.planning import policy_sampler
from hhvalues.core.prior import sample_truth
from hhvalues.core.probes import (
    Choice, Difficulty, Probe, ProbeKind, choices_from_values, difficulty_of, probe_values,
)
from hhvalues.core.world import World, follow_path, is_complete, parse_world, reachable

DEFAULT_STEP_COST = -2.5
MIN_Q = 0.6
CATCH_Q = 0.99
PROBES_PER_ITEM = 4
MAX_ATTEMPTS = 200


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    """Arguments of ``hhvalues bank generate``."""

    seed: int
    items: int
    train: int = 0
    catch: int = 0
    features: int = 4
    size: int = 7
    name: str = ""
    planner: Planner = Planner.HARD
    step_cost: float = DEFAULT_STEP_COST
    weight_levels: tuple[float, ...] = DEFAULT_WEIGHT_LEVELS
    rationality_levels: tuple[float, ...] = DEFAULT_RATIONALITY_LEVELS

    def __post_init__(self) -> None:
        if not 2 <= self.features <= len(CATALOGUE):
            raise ValueError(f"features must be 2..{len(CATALOGUE)}")
        if not 5 <= self.size <= 12:
            raise ValueError("size must be 5..12")
        if min(self.items, self.train, self.catch) < 0 or self.items + self.train + self.catch == 0:
            raise ValueError("item counts must be non-negative and not all zero")

    @property
    def horizon(self) -> int:
        """Walk length cap: three times the side."""
        return 3 * self.size


def choose_features(n: int, rng: np.random.Generator) -> FeatureSet:
    """About half terrain, half destinations (at least one of each), drawn from the catalogue."""
    terrain = [f for f in CATALOGUE if not f.terminal]
    dests = [f for f in CATALOGUE if f.terminal]
    n_dest = max(1, n // 2)
    n_terrain = n - n_dest
    pick_t = sorted(rng.choice(len(terrain), size=n_terrain, replace=False))
    pick_d = sorted(rng.choice(len(dests), size=n_dest, replace=False))
    return FeatureSet(tuple(terrain[i] for i in pick_t) + tuple(dests[i] for i in pick_d))


def random_world(features: FeatureSet, size: int, rng: np.random.Generator) -> World:
    """A random grid: walls, terrain patches, one cell per destination, every destination reachable."""
    for _ in range(MAX_ATTEMPTS):
        cells = np.full((size, size), ".", dtype="<U1")
        cells[rng.random((size, size)) < 0.12] = "#"
        for f in features:
            if f.terminal:
                continue
            for _patch in range(int(rng.integers(1, 3))):
                r, c = rng.integers(size, size=2)
                for _cell in range(int(rng.integers(2, 5))):
                    cells[r, c] = f.symbol
                    dr, dc = ((-1, 0), (1, 0), (0, -1), (0, 1))[int(rng.integers(4))]
                    r, c = min(max(r + dr, 0), size - 1), min(max(c + dc, 0), size - 1)
        free = np.argwhere(cells == ".")
        if len(free) < len(features) + 1:
            continue
        picks = free[rng.choice(len(free), size=sum(f.terminal for f in features) + 1, replace=False)]
        cells[tuple(picks[0])] = "S"
        for (r, c), f in zip(picks[1:], (f for f in features if f.terminal), strict=True):
            cells[r, c] = f.symbol
        start = picks[0]
        if any(abs(int(r) - int(start[0])) + abs(int(c) - int(start[1])) < 2 for r, c in picks[1:]):
            continue
        world = parse_world(["".join(row) for row in cells], features)
        seen = reachable(world)
        if all(seen[world.terminal]) and world.terminal.any():
            return world
    raise RuntimeError("could not draw a connected world")  # pragma: no cover


def _sample_walk(world: World, w: NDArray[np.float64], beta: float, cfg: GenerateConfig,
                 rng: np.random.Generator) -> str:
    sampler = policy_sampler(world, w, beta, step_cost=cfg.step_cost, horizon=cfg.horizon,
                             planner=cfg.planner.value)
    return sampler(rng)


def candidates(features: FeatureSet, w: NDArray[np.float64], beta: float, cfg: GenerateConfig,
                rng: np.random.Generator, longer_correct: bool) -> list[Probe]:
    """Every sign probe, every like-with-like compare probe, and one predict probe if one is found
    (truth margins are checked by the caller)."""
    out = [Probe(f"s{f.id}", ProbeKind.SIGN, features=(f.id,)) for f in features]
    for a, b in itertools.combinations(features, 2):
        if a.terminal == b.terminal:
            out.append(Probe(f"c{a.id}-{b.id}", ProbeKind.COMPARE, features=(a.id, b.id)))
    predict = _predict_probe(features, w, beta, cfg, rng, longer_correct)
    if predict is not None:
        out.append(predict)
    return out


def _predict_probe(features: FeatureSet, w: NDArray[np.float64], beta: float, cfg: GenerateConfig,
                   rng: np.random.Generator, longer_correct: bool) -> Probe | None:
    """Two complete paths in a new world with a clear return gap; the better one is the longer
    one in half the items, so "pick the shorter path" is not a winning strategy."""
    levels = np.asarray(cfg.weight_levels)
    margin = float(np.log(4) / min(cfg.rationality_levels))
    for _ in range(6):
        world = random_world(features, cfg.size, rng)
        paths = {_sample_walk(world, w, 4.0, cfg, rng)}
        for _alt in range(6):
            other = levels[rng.integers(len(levels), size=len(features))]
            paths.add(_sample_walk(world, other, 4.0, cfg, rng))
        scored = []
        for path in sorted(paths):
            walk = follow_path(world, path, horizon=cfg.horizon)
            if path and is_complete(walk, horizon=cfg.horizon):
                scored.append((float(walk.counts @ w + cfg.step_cost * len(path)), path))
        pairs = [(a, b) for a in scored for b in scored
                 if a[0] - b[0] >= margin and (len(a[1]) > len(b[1])) == longer_correct
                 and len(a[1]) != len(b[1])]
        if pairs:
            right, wrong = pairs[int(rng.integers(len(pairs)))]
            return Probe("x", ProbeKind.PREDICT, grid=world.rows, options=(right[1], wrong[1]))
    return None


def _make_item(item_id: str, split: Split, features: FeatureSet, cfg: GenerateConfig, model: Model,
               bank_stub: Bank, rng: np.random.Generator, bins: dict[Difficulty, int],
               longer_correct: bool) -> Item:
    for _ in range(MAX_ATTEMPTS):
        w, beta = sample_truth(len(features), cfg.weight_levels, cfg.rationality_levels, rng=rng)
        if split is Split.CATCH:
            beta = max(cfg.rationality_levels)
        demos = []
        for _d in range(int(rng.integers(1, 4))):
            world = random_world(features, cfg.size, rng)
            demos.append(Demonstration(world.rows, _sample_walk(world, w, beta, cfg, rng)))
        cands = candidates(features, w, beta, cfg, rng, longer_correct)
        matrix = item_matrix(bank_stub, cands)
        values = probe_values(w, matrix)
        definite = np.abs(values) >= matrix.margin
        truth_sign = choices_from_values(values)
        keep = [j for j in range(len(cands)) if definite[j]
                and predict_length_ok(cands[j], truth_sign[j], longer_correct)]
        if not keep:
            continue
        cands = [cands[j] for j in keep]
        truth_sign = truth_sign[keep]
        p_a = predictive(infer(bank_stub, demos), item_matrix(bank_stub, cands))
        q = np.maximum(p_a, 1 - p_a)
        ideal_right = (p_a >= 0.5) == (truth_sign > 0)
        if split is Split.CATCH:
            stub = Item(item_id, split, tuple(demos), tuple(cands))
            heur = visited_means_liked(bank_stub, stub)
            ok = [j for j, p in enumerate(cands) if q[j] >= CATCH_Q and ideal_right[j]
                  and heur[p.id] == ("A" if truth_sign[j] > 0 else "B")]
            chosen = ok[:2]
        else:
            chosen = pick_stratified(cands, q, bins)
        if not chosen:
            continue
        probes: list[Probe] = []
        answers: dict[str, Choice] = {}
        ideal: dict[str, float] = {}
        for n, j in enumerate(chosen, 1):
            pid = f"p{n}"
            diff = difficulty_of(float(q[j]))
            probes.append(replace(cands[j], id=pid, q=float(q[j]), difficulty=diff))
            answers[pid] = "A" if truth_sign[j] > 0 else "B"
            ideal[pid] = float(p_a[j])
            if split is not Split.CATCH:
                bins[diff] += 1
        acc = float(np.mean([(ideal[p] >= 0.5) == (answers[p] == "A") for p in answers]))
        truth = Truth(features.weights_dict(w), beta, answers, ideal, acc)
        return Item(item_id, split, tuple(demos), tuple(probes), truth)
    raise RuntimeError(f"could not generate item {item_id}")  # pragma: no cover


def predict_length_ok(probe: Probe, sign: int, longer_correct: bool) -> bool:
    """Whether a predict probe's right path is the longer one exactly when it should be."""
    if probe.kind is not ProbeKind.PREDICT:
        return True
    right, wrong = probe.options if sign > 0 else probe.options[::-1]
    return (len(right) > len(wrong)) == longer_correct


def pick_stratified(cands: list[Probe], q: NDArray[np.float64], bins: dict[Difficulty, int]) -> list[int]:
    """Up to PROBES_PER_ITEM probes with q ≥ 0.6, favouring the emptiest difficulty bin and variety."""
    pool = [j for j in range(len(cands)) if q[j] >= MIN_Q]
    chosen: list[int] = []
    counts = dict(bins)
    kinds_used: set[ProbeKind] = set()
    while pool and len(chosen) < PROBES_PER_ITEM:
        def rank(j: int) -> tuple[int, int, float]:
            d = difficulty_of(float(q[j]))
            return (counts[d], cands[j].kind in kinds_used, -float(q[j]))
        best = min(pool, key=rank)
        pool.remove(best)
        chosen.append(best)
        counts[difficulty_of(float(q[best]))] += 1
        kinds_used.add(cands[best].kind)
    return chosen


def balance_sides(items: list[Item]) -> list[Item]:
    """Flip compare/predict probes so the correct side is A for half the probes of each split.

    Sign probes cannot flip (A always means "seeks out"), so the flippable ones make up the
    difference, spread evenly through the bank.
    """
    out = list(items)
    for split in Split:
        idx = [i for i, it in enumerate(items) if it.split is split]
        probes = [(i, p) for i in idx for p in items[i].probes]
        # Generated items always carry truth (the cast only tells the type checker so).
        fixed_a = sum(1 for i, p in probes if p.kind is ProbeKind.SIGN
                      and cast(Truth, items[i].truth).answers[p.id] == "A")
        flippable = [(i, p) for i, p in probes if p.kind is not ProbeKind.SIGN]
        want_a = min(max(len(probes) // 2 - fixed_a, 0), len(flippable))
        sides: dict[tuple[int, str], Choice] = {}
        given = 0
        for n, (i, p) in enumerate(flippable, 1):
            side: Choice = "A" if given < want_a * n / len(flippable) else "B"
            given += side == "A"
            sides[(i, p.id)] = side
        for i in idx:
            out[i] = _orient(items[i], {pid: s for (j, pid), s in sides.items() if j == i})
    return out


def _orient(item: Item, sides: dict[str, Choice]) -> Item:
    """Flip the probes whose correct side should change."""
    assert item.truth is not None
    probes, answers, ideal = [], dict(item.truth.answers), dict(item.truth.ideal)
    for p in item.probes:
        if p.id in sides and answers[p.id] != sides[p.id]:
            if p.kind is ProbeKind.COMPARE:
                p = replace(p, features=p.features[::-1])
            else:
                p = replace(p, options=p.options[::-1])
            answers[p.id] = sides[p.id]
            ideal[p.id] = 1.0 - ideal[p.id]
        probes.append(p)
    return replace(item, probes=tuple(probes), truth=replace(item.truth, answers=answers, ideal=ideal))


def generate_bank(cfg: GenerateConfig, *, progress: Callable[[int, int], None] | None = None) -> Bank:
    """Generate a bank; ``progress(done, total)`` is called after each item."""
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed))
    features = choose_features(cfg.features, rng)
    model = Model(cfg.planner, cfg.horizon, cfg.weight_levels, cfg.rationality_levels)
    name = cfg.name or f"generated-{cfg.seed}"
    stub = Bank(name, "1", cfg.seed, features, cfg.step_cost, model, ())
    plan = ([("t", Split.TRAIN)] * cfg.train + [("i", Split.TEST)] * cfg.items
            + [("c", Split.CATCH)] * cfg.catch)
    bins = {d: 0 for d in Difficulty}
    items: list[Item] = []
    counters: dict[str, int] = {}
    for done, (prefix, split) in enumerate(plan, 1):
        counters[prefix] = counters.get(prefix, 0) + 1
        item_rng = np.random.default_rng(rng.integers(2**63))
        items.append(_make_item(f"{prefix}{counters[prefix]:03d}", split, features, cfg, model, stub,
                                item_rng, bins, longer_correct=done % 2 == 0))
        if progress is not None:
            progress(done, len(plan))
    items = balance_sides(items)
    meta = {"generator": {"seed": cfg.seed, "items": cfg.items, "train": cfg.train, "catch": cfg.catch,
                          "features": cfg.features, "size": cfg.size},
            "prior": "uniform over every combination of weight_levels (one per feature) "
                     "× rationality_levels; truth is drawn from it"}
    return replace(stub, items=tuple(items), meta=meta)


__all__ = [
    "GenerateConfig", "balance_sides", "candidates", "choose_features", "generate_bank",
    "pick_stratified", "predict_length_ok", "random_world",
]


