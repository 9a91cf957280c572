"""Procedural item banks from a seed (``hhvalues bank generate``), format 2.

Values (docs/item-banks.md §2, the naïve utility calculus)
    Terrain costs something to cross (levels ≤ 0), destinations are worth something on arrival
    (signed levels, larger), every step costs a little, and every world has an exit worth 0, so
    no terrain can be farmed, a detour around costly terrain is worth it for some values and not
    others, and a far destination chosen over a near one, or the exit over both, says something.
    The levels are measured choices: docs/item-banks.md gives the measurements behind them.
Per item
    True weights and rationality drawn uniformly from the prior grid (the observer's own);
    1–3 demonstrations, each in the most informative of several random worlds
    (:mod:`hhvalues.core.design`: expected information gain about the weights given the walks so
    far), with the walk sampled from the Boltzmann demonstrator under the true values; probe
    candidates and their selection as in :mod:`hhvalues.core.questions`, none of it looking at the
    truth; truth last. Practice and catch walks use the highest rationality level; catch items
    keep only probes the observer is sure of (q ≥ 0.99) and "visited means liked" also gets right.
Determinism
    The same config gives byte-identical output.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hhvalues.core.bank import Bank, Demonstration, Item, Model, Planner, Split
from hhvalues.core.design import draw_walkers, information_gain
from hhvalues.core.features import CATALOGUE, EXIT, FeatureSet
from hhvalues.core.heuristics import visited_means_liked
from hhvalues.core.observer import Posterior, item_matrix
from hhvalues.core.prior import (
    HypothesisGrid,
    check_budget,
    generator_bytes,
    grid_size,
    hypothesis_grid,
    sample_truth,
)
from hhvalues.core.probe_rules import ITEMS_VERSION, MAX_CORRELATION, design_rules, prior_sure
from hhvalues.core.probes import (
    Margins,
    ProbeKind,
    difficulty_of,
    probe_values,
)
from hhvalues.core.questions import (
    MIN_Q,
    PROBE_RULE,
    Candidates,
    Tallies,
    balance_sides,
    candidates,
    choose,
    finish,
)
from hhvalues.core.rollouts import plan_table, sample_walks, walks_log_likelihood
from hhvalues.core.world import World, parse_world, reachable

DEFAULT_STEP_COST = -0.5
DEFAULT_TERRAIN_LEVELS = (0.0, -1.0, -2.0, -4.0)
DEFAULT_DESTINATION_LEVELS = (-6.0, -3.0, 3.0, 6.0)
DEFAULT_RATIONALITY_LEVELS = (1.0, 2.0, 4.0)
CATCH_Q = 0.99
MAX_ATTEMPTS = 200
EXTRA_WORLDS = 6
"""New worlds an item may add to find a candidate for the bank's emptiest difficulty bin (4
left the 3-feature bank of the tests 0.0001 over its thirds goal)."""
WORLD_RULE = (
    "each demonstration's world is the one with the highest expected information gain "
    "about the weights (Monte Carlo over walkers drawn from the posterior after the "
    "item's earlier walks; exact sums over the prior grid) among `candidates` worlds "
    "drawn at random; the true values enter only through the sampled walks"
)


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    """Arguments of ``hhvalues bank generate``."""

    seed: int
    items: int
    train: int = 0
    catch: int = 0
    features: int = 4
    """Features with hidden values (the exit comes on top)."""
    size: int = 7
    name: str = ""
    step_cost: float = DEFAULT_STEP_COST
    terrain_levels: tuple[float, ...] = DEFAULT_TERRAIN_LEVELS
    destination_levels: tuple[float, ...] = DEFAULT_DESTINATION_LEVELS
    rationality_levels: tuple[float, ...] = DEFAULT_RATIONALITY_LEVELS
    candidates: int = 6
    """Candidate worlds per demonstration (1: no selection)."""
    walkers: int = 48
    """Monte Carlo walkers per information-gain estimate."""
    predict_worlds: int = 3
    """New worlds per item to build predict candidates in (items v3: three, one per predict
    probe an item may ask)."""

    def __post_init__(self) -> None:
        n_cat = len(CATALOGUE)
        if not 2 <= self.features <= n_cat:
            raise ValueError(f"features must be 2..{n_cat}")
        if not 5 <= self.size <= 12:
            raise ValueError("size must be 5..12")
        if min(self.items, self.train, self.catch) < 0 or self.items + self.train + self.catch == 0:
            raise ValueError("item counts must be non-negative and not all zero")
        if max(self.terrain_levels) > 0 or self.step_cost >= 0:
            raise ValueError("terrain levels must be ≤ 0 and the step cost < 0 (no farming)")
        if self.candidates < 1 or self.walkers < 1 or self.predict_worlds < 1:
            raise ValueError("candidates, walkers and predict worlds must be at least 1")
        n_dest = max(1, self.features // 2)
        levels = (
            (self.terrain_levels,) * (self.features - n_dest)
            + (self.destination_levels,) * n_dest
            + ((0.0,),)
        )
        n_h = grid_size(levels, self.rationality_levels)
        check_budget(
            generator_bytes(
                levels,
                self.rationality_levels,
                cells=self.size**2,
                horizon=self.horizon,
                walkers=self.walkers,
            ),
            f"generating with {self.features} features ({n_h:,} hypotheses) on "
            f"{self.size}x{self.size} worlds",
        )

    @property
    def horizon(self) -> int:
        """Walk length cap: three times the side."""
        return 3 * self.size

    def model(self, features: FeatureSet) -> Model:
        """The bank's model block: per-feature levels, the design rules."""
        levels = tuple(
            (
                f.id,
                (0.0,)
                if f.id == EXIT.id
                else self.destination_levels
                if f.terminal
                else self.terrain_levels,
            )
            for f in features
        )
        design = {
            "items": ITEMS_VERSION,
            "rules": design_rules(),
            "worlds": WORLD_RULE,
            "candidates": self.candidates,
            "walkers": self.walkers,
            "probes": PROBE_RULE,
            "predict_worlds": self.predict_worlds,
        }
        # The predict margin as the bank file stores it (6 decimals), so a bank reads back equal.
        margins = Margins(predict=round(math.log(4) / min(self.rationality_levels), 6))
        return Model(
            Planner.HARD,
            self.horizon,
            rationality_levels=self.rationality_levels,
            margins=margins,
            feature_levels=levels,
            design=design,
        )


def choose_features(n: int, rng: np.random.Generator) -> FeatureSet:
    """About half terrain, half destinations (at least one of each), then the exit."""
    terrain = [f for f in CATALOGUE if not f.terminal]
    dests = [f for f in CATALOGUE if f.terminal]
    n_dest = max(1, n // 2)
    pick_t = sorted(rng.choice(len(terrain), size=n - n_dest, replace=False))
    pick_d = sorted(rng.choice(len(dests), size=n_dest, replace=False))
    return FeatureSet(tuple(terrain[i] for i in pick_t) + tuple(dests[i] for i in pick_d) + (EXIT,))


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
        n_dest = sum(f.terminal for f in features)
        if len(free) < n_dest + 1:
            continue
        picks = free[rng.choice(len(free), size=n_dest + 1, replace=False)]
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


@dataclass(frozen=True, slots=True)
class _Setting:
    """What every item of one bank shares."""

    cfg: GenerateConfig
    bank: Bank
    grid: HypothesisGrid

    @property
    def weights(self) -> NDArray[np.float64]:
        return self.grid.unique_weights


def _demonstrate(
    st: _Setting, w_index: int, beta: float, n_demos: int, rng: np.random.Generator
) -> tuple[list[Demonstration], NDArray[np.float64]]:
    """Walks in the most informative candidate worlds, and the log posterior after them."""
    cfg, grid = st.cfg, st.grid
    log_belief = np.full(len(grid.rationality), -np.log(len(grid.rationality)))
    demos = []
    for _ in range(n_demos):
        walkers = draw_walkers(log_belief, cfg.walkers, cfg.horizon, rng=rng)
        best: tuple[float, World, Any] | None = None
        for _c in range(cfg.candidates):
            world = random_world(st.bank.features, cfg.size, rng)
            table = plan_table(world, st.weights, step_cost=cfg.step_cost, horizon=cfg.horizon)
            gain = (
                information_gain(world, table, grid, log_belief, walkers)
                if cfg.candidates > 1
                else 0.0
            )
            if best is None or gain > best[0]:
                best = (gain, world, table)
        assert best is not None
        _, world, table = best
        walk = sample_walks(
            world, table, np.array([w_index]), np.array([beta]), rng.random((1, cfg.horizon))
        )
        log_belief = log_belief + walks_log_likelihood(
            world, table, walk, grid.rationality[: grid.n_beta]
        ).reshape(-1)
        log_belief -= np.logaddexp.reduce(log_belief)
        demos.append(Demonstration(world.rows, walk.paths()[0]))
    return demos, log_belief


def _make_item(
    item_id: str, split: Split, st: _Setting, tallies: Tallies, rng: np.random.Generator
) -> Item:
    cfg, features, grid = st.cfg, st.bank.features, st.grid
    levels = st.bank.model.levels(features)
    for _ in range(MAX_ATTEMPTS):
        w, beta = sample_truth(levels, cfg.rationality_levels, rng=rng)
        if split is not Split.TEST:
            beta = max(cfg.rationality_levels)
        w_index = int(np.flatnonzero((st.weights == w).all(axis=1))[0])
        demos, log_post = _demonstrate(st, w_index, beta, int(rng.integers(1, 4)), rng)
        stub = Item(item_id, split, tuple(demos), ())
        cands = _candidates(st, stub, Posterior(grid, log_post), tallies, rng)
        if split is Split.CATCH:
            chosen = _catch_probes(st, cands, w)
        else:
            chosen = choose(
                cands.stub.probes,
                cands.p_a,
                cands.votes,
                tallies,
                rng,
                prior_q=cands.prior_q,
                rho=cands.rho,
            )
        item = finish(
            st.bank, cands, chosen, w, beta, rng, None if split is Split.CATCH else tallies
        )
        if item is not None:
            return item
    raise RuntimeError(f"could not generate item {item_id}")  # pragma: no cover


def _candidates(
    st: _Setting, stub: Item, posterior: Posterior, tallies: Tallies, rng: np.random.Generator
) -> Candidates:
    """Candidates in ``predict_worlds`` new worlds, and up to :data:`EXTRA_WORLDS` more while no
    usable candidate falls in the bank's emptiest difficulty bin.

    The rules that drop probes (prior-only confidence, redundancy) leave some items with only
    easy candidates; without more worlds the bins drift apart on small feature sets. Whether
    another world is drawn depends on the posterior and the bank's tallies only, never on the
    truth."""
    cfg = st.cfg
    worlds = [random_world(st.bank.features, cfg.size, rng) for _ in range(cfg.predict_worlds)]
    cands = candidates(st.bank, stub, posterior, worlds)
    for _ in range(EXTRA_WORLDS):
        q = np.maximum(cands.p_a, 1 - cands.p_a)
        usable = (q >= MIN_Q) & ~prior_sure(cands.prior_q)
        low = min(tallies.bins.values())
        if any(tallies.bins[difficulty_of(float(x))] == low for x in q[usable]):
            break
        world = random_world(st.bank.features, cfg.size, rng)
        cands = candidates(st.bank, stub, posterior, [world], more=cands)
    return cands


def _catch_probes(st: _Setting, cands: Candidates, w: NDArray[np.float64]) -> list[int]:
    """Probes for an attention check: the observer sure and right, "visited means liked" right,
    and no two nearly one question.

    Catch items are chosen with the truth on purpose (they must be obvious); they are kept out
    of every ceiling and calibration figure.
    """
    stub, p_a = cands.stub, cands.p_a
    values = probe_values(w, item_matrix(st.bank, stub.probes))
    heur = visited_means_liked(st.bank, stub)
    ok = [
        j
        for j, p in enumerate(stub.probes)
        if max(p_a[j], 1 - p_a[j]) >= CATCH_Q
        and (p_a[j] >= 0.5) == (values[j] > 0)
        and p.kind is not ProbeKind.PREDICT
        and heur[p.id] == ("A" if values[j] > 0 else "B")
        and not prior_sure(cands.prior_q[j : j + 1])[0]
    ]
    chosen: list[int] = []
    for j in ok:
        if len(chosen) < 2 and all(abs(cands.rho[j, c]) < MAX_CORRELATION for c in chosen):
            chosen.append(j)
    return chosen


def generate_bank(
    cfg: GenerateConfig, *, progress: Callable[[int, int], None] | None = None
) -> Bank:
    """Generate a bank; ``progress(done, total)`` is called after each item."""
    rng = np.random.default_rng(np.random.SeedSequence(cfg.seed))
    features = choose_features(cfg.features, rng)
    model = cfg.model(features)
    name = cfg.name or f"generated-{cfg.seed}"
    stub = Bank(name, "1", cfg.seed, features, cfg.step_cost, model, ())
    st = _Setting(cfg, stub, hypothesis_grid(model.levels(features), cfg.rationality_levels))
    plan = (
        [("t", Split.TRAIN)] * cfg.train
        + [("i", Split.TEST)] * cfg.items
        + [("c", Split.CATCH)] * cfg.catch
    )
    tallies = {Split.TRAIN: Tallies(), Split.TEST: Tallies(), Split.CATCH: Tallies()}
    items: list[Item] = []
    counters: dict[str, int] = {}
    for done, (prefix, split) in enumerate(plan, 1):
        counters[prefix] = counters.get(prefix, 0) + 1
        item_rng = np.random.default_rng(rng.integers(2**63))
        items.append(
            _make_item(f"{prefix}{counters[prefix]:03d}", split, st, tallies[split], item_rng)
        )
        if progress is not None:
            progress(done, len(plan))
    items = balance_sides(items, rng)
    meta = {
        "generator": {
            "seed": cfg.seed,
            "items": cfg.items,
            "train": cfg.train,
            "catch": cfg.catch,
            "features": cfg.features,
            "size": cfg.size,
        },
        "prior": "uniform over every combination of weight_levels (one level per feature) "
        "× rationality_levels; truth is drawn from it",
    }
    return replace(stub, items=tuple(items), meta=meta)


__all__ = [
    "DEFAULT_DESTINATION_LEVELS",
    "DEFAULT_STEP_COST",
    "DEFAULT_TERRAIN_LEVELS",
    "GenerateConfig",
    "choose_features",
    "generate_bank",
    "random_world",
]
