"""Bank validation with located messages (docs/formats.md §1, "What `hhvalues bank validate` checks").

Errors refuse the bank: a path that leaves the grid, enters a wall, continues past a destination
or stops short; a probe naming an unknown feature or an incomplete predict path; a truth answer
that differs from the one derived from the truth weights; a tie. Warnings are reported and the
bank still loads: small margins, truth off the prior grid, and the generator constraints of
docs/item-banks.md §2 (hand-authored banks may break them on purpose).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from hhvalues.core.bank import Bank, Item, load_bank, loads_bank
from hhvalues.core.observer import bank_grid, infer, item_matrix
from hhvalues.core.prior import check_budget, grid_size, observer_bytes
from hhvalues.core.probe_rules import answer_correlations, dominated, prior_confidence
from hhvalues.core.probes import ProbeKind, choices_from_values, probe_values, side_of
from hhvalues.core.world import follow_path, is_complete, parse_world
from hhvalues.errors import BankError


@dataclass(slots=True)
class Report:
    """What validation found: errors refuse the bank, warnings do not."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors


def validate_bank(bank: Bank) -> Report:
    """Check every item; messages name the item, demo and probe."""
    report = Report()
    _check_model(bank, report)
    for item in bank.items:
        _check_item(bank, item, report)
    if report.ok:
        _check_design(bank, report)
    return report


RHO_TOLERANCE = 0.005
"""How far past the declared bound an answer correlation may read when re-derived from the
observer's likelihoods (the generator's are float32 rollouts of the same model)."""


def _check_design(bank: Bank, report: Report) -> None:
    """A bank whose ``model.design`` declares the items v3 rules must obey them: errors name
    each probe the prior alone answers, each dominated predict pair and each pair of probes of
    an item that are nearly one question (docs/item-banks.md §8)."""
    design = bank.model.design or {}
    rules = design.get("rules")
    if rules is None:
        return
    keys = {"max_prior_q", "max_abs_rho", "dominated_predict_pairs"}
    if not (
        isinstance(rules, dict)
        and set(rules) == keys
        and all(isinstance(rules[k], (int, float)) for k in ("max_prior_q", "max_abs_rho"))
        and 0.5 < rules["max_prior_q"] <= 1
        and 0 < rules["max_abs_rho"] <= 1
        and rules["dominated_predict_pairs"] is False
    ):
        report.errors.append(
            "model.design.rules must be {max_prior_q: 0.5..1, max_abs_rho: 0..1, "
            "dominated_predict_pairs: false}"
        )
        return
    grid = bank_grid(bank)
    levels = bank.model.levels(bank.features)
    terrain = np.array(
        [not f.terminal and max(lv) <= 0 for f, lv in zip(bank.features, levels, strict=True)]
    )
    for item in bank.items:
        if not item.probes:
            continue
        where = f"item {item.id}"
        matrix = item_matrix(bank, item.probes)
        q0 = prior_confidence(grid, matrix)
        for p, q in zip(item.probes, q0, strict=True):
            if q >= rules["max_prior_q"] - 1e-9:
                report.errors.append(
                    f"{where}, probe {p.id}: the prior alone answers it with confidence "
                    f"{q:.2f} (the bank declares < {rules['max_prior_q']})"
                )
            if p.kind is ProbeKind.PREDICT:
                world = parse_world(p.grid, bank.features)
                a, b = (follow_path(world, o, horizon=bank.model.horizon) for o in p.options)
                same_end = a.states[-1] == b.states[-1]
                la, lb = (len(o) for o in p.options)
                if dominated(a.counts, b.counts, la, lb, same_end=same_end, terrain=terrain):
                    report.errors.append(
                        f"{where}, probe {p.id}: one option is dominated by the other "
                        "(same end, no shorter, at least as much of every costly ground)"
                    )
        rho = answer_correlations(infer(bank, item.demos), matrix)
        for i, j in zip(*np.triu_indices(len(item.probes), 1), strict=True):
            # The generator chose on its own float32 likelihoods; allow their rounding here.
            if abs(rho[i, j]) >= rules["max_abs_rho"] + RHO_TOLERANCE:
                report.errors.append(
                    f"{where}: probes {item.probes[i].id} and {item.probes[j].id} are nearly "
                    f"one question (answers correlate {rho[i, j]:+.2f} under the posterior)"
                )


def _check_model(bank: Bank, report: Report) -> None:
    levels = bank.model.levels(bank.features)
    grids = [d.grid for it in bank.items for d in it.demos] + [
        p.grid for it in bank.items for p in it.probes
    ]
    cells = max((len(g) * max(len(r) for r in g) for g in grids if g), default=1)
    n_h = grid_size(levels, bank.model.rationality_levels)
    try:
        check_budget(
            observer_bytes(levels, bank.model.rationality_levels, cells=cells),
            f"the ideal observer on this prior ({n_h:,} hypotheses, worlds of {cells} cells)",
        )
    except ValueError as exc:
        report.errors.append(f"model: {exc}")
    terrain = [max(lv) for f, lv in zip(bank.features, levels, strict=True) if not f.terminal]
    top = max(terrain, default=max(bank.model.weight_levels))
    if terrain and top + bank.step_cost >= 0:
        report.warnings.append(
            f"model: weight level {top:g} + step cost {bank.step_cost:g} ≥ 0 lets a walk farm "
            "reward on a terrain feature (docs/item-banks.md §2)"
        )
    if terrain and bank.model.planner.value == "soft":
        worst = min(bank.model.rationality_levels) * (bank.step_cost + top)
        if worst >= -math.log(4):
            report.warnings.append(
                "model: soft planner with β·(step cost + max terrain weight) ≥ −log 4: the "
                "demonstrator wanders for entropy; prefer planner 'hard' (docs/item-banks.md §2)"
            )


def _check_item(bank: Bank, item: Item, report: Report) -> None:
    where = f"item {item.id}"
    horizon = bank.model.horizon
    for d, demo in enumerate(item.demos, 1):
        try:
            world = parse_world(demo.grid, bank.features)
            if not (world.next_state[world.start] >= 0).any():
                raise BankError("the start has no available move")
            walk = follow_path(world, demo.path, horizon=horizon)
            if not is_complete(walk, horizon=horizon):
                raise BankError(
                    f"path stops after {len(demo.path)} steps, neither at a destination "
                    f"nor at the horizon {horizon}"
                )
        except BankError as exc:
            report.errors.append(f"{where}, demo {d}: {exc.message}")
    try:
        matrix = item_matrix(bank, item.probes)
    except BankError as exc:
        report.errors.append(
            f"{where}, {exc.where}: {exc.message}" if exc.where else f"{where}: {exc}"
        )
        return
    for p in item.probes:
        if p.kind is ProbeKind.PREDICT:
            for letter, path in zip("AB", p.options, strict=True):
                walk = follow_path(parse_world(p.grid, bank.features), path, horizon=horizon)
                if len(set(walk.states)) < len(walk.states):
                    report.warnings.append(
                        f"{where}, probe {p.id}: option {letter} enters a cell "
                        "twice (no person walks a loop)"
                    )
        if p.kind is ProbeKind.COMPARE:
            a, b = (bank.features.by_id(f) for f in p.features)
            if a.terminal != b.terminal:
                report.warnings.append(
                    f"{where}, probe {p.id}: compares a destination with a terrain "
                    "feature (compare like with like)"
                )
    if item.truth is None:
        return
    w = np.array(bank.features.weights_vector(item.truth.weights))
    values = probe_values(w, matrix)
    derived = choices_from_values(values)
    for j, p in enumerate(item.probes):
        pw = f"{where}, probe {p.id}"
        side = side_of(int(derived[j]))
        if side is None:
            report.errors.append(f"{pw}: the truth weights give a tie (no definite answer)")
        elif item.truth.answers[p.id] != side:
            report.errors.append(
                f"{pw}: truth says {item.truth.answers[p.id]}, weights give {side}"
            )
        elif abs(values[j]) < matrix.margin[j] - 1e-9:
            report.warnings.append(
                f"{pw}: margin {abs(values[j]):.3g} is below {matrix.margin[j]:.3g}"
            )
    levels = dict(zip(bank.features.ids, bank.model.levels(bank.features), strict=True))
    if any(v not in levels[f] for f, v in item.truth.weights.items()):
        report.warnings.append(
            f"{where}: truth weights are not on the prior grid, so the ideal "
            "observer is not an exact ceiling"
        )
    if item.truth.rationality not in bank.model.rationality_levels:
        report.warnings.append(f"{where}: truth rationality is not one of the model's levels")
    for f in bank.features:
        if not f.terminal and item.truth.weights[f.id] + bank.step_cost >= 0:
            report.warnings.append(f"{where}: {f.id} weight + step cost ≥ 0 (reward farming)")


def check_model(bank: Bank, source: str) -> None:
    """BankError when the bank's model alone is refused (a prior too large for the observer):
    the cheap part of validation, for readers that do not need the items checked."""
    report = Report()
    _check_model(bank, report)
    _raise_first(report, source)


def _raise_first(report: Report, source: str) -> None:
    if report.errors:
        more = f" (and {len(report.errors) - 1} more error(s))" if len(report.errors) > 1 else ""
        raise BankError(report.errors[0] + more, where=source)


def load_valid_bank(path: str | os.PathLike[str]) -> Bank:
    """Read and validate a bank; BankError with the first located error."""
    bank = load_bank(path)
    _raise_first(validate_bank(bank), str(path))
    return bank


def loads_valid_bank(text: str | bytes, *, source: str = "<bank>") -> Bank:
    """Parse and validate bank text (an upload); BankError with the first located error."""
    bank = loads_bank(text, source=source)
    _raise_first(validate_bank(bank), source)
    return bank
