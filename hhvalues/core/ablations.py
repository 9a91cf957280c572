"""Ablation report: every condition against a baseline, paired, Holm-corrected, plus power.

The statistics are the scoring core's (:func:`hhvalues.core.scoring.compare_many`): paired
bootstrap and sign-flip p-value of per-item differences with epochs averaged within items first,
exact McNemar on answers paired by (item, probe, epoch), Holm across conditions. Respondents
are grouped by ``model:<provider>/<model>/`` so each model's conditions meet its own baseline.

Power table
    For E epochs, the effective number of independent probe answers is
    ``n_probes · E / (1 + (E − 1) ρ)`` where ρ is the between-epoch correlation of a probe's
    outcome, estimated from the baseline's repeated epochs (ρ = 1 − within-probe variance /
    total variance). With one epoch per probe ρ cannot be estimated: the report says so
    (:attr:`AblationReport.rho_measured`) and its table shows what more epochs would buy at
    best, with independent epochs (ρ = 0); at worst (ρ = 1) they buy nothing. The minimum
    detectable effect against chance uses :func:`hhvalues.core.stats.minimum_detectable_effect`;
    for a paired difference of two conditions it is multiplied by √2 (independent conditions:
    conservative when they are positively correlated).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hhvalues.core.scoring import Comparison, Graded, compare_many, comparison_to_json
from hhvalues.core.stats import minimum_detectable_effect
from hhvalues.errors import AnswersError

DEFAULT_EPOCHS = (1, 2, 3, 5, 10, 20)
UNMEASURED_RHO = 0.0
"""The ρ of the power table when it cannot be measured: its best case (independent epochs)."""


@dataclass(frozen=True, slots=True)
class PowerRow:
    """Minimum detectable effects at one number of epochs."""

    epochs: int
    n_effective: float
    mde_vs_chance: float
    """Smallest accuracy − 0.5 detectable at 80% power, α = 0.05."""
    mde_paired: float
    """Smallest difference between two conditions detectable (approximate, see module)."""


@dataclass(frozen=True, slots=True)
class AblationReport:
    """One model's conditions against its baseline."""

    model: str
    """``<provider>/<model>``."""
    baseline: str
    comparisons: tuple[Comparison, ...]
    rho: float
    """Between-epoch correlation of the baseline's probe outcomes; NaN when it answered each
    probe once (nothing to estimate it from)."""
    n_probes: int
    """Distinct (item, probe) pairs the baseline answered."""
    power: tuple[PowerRow, ...]

    @property
    def rho_measured(self) -> bool:
        """Whether ρ was estimated; if not, :attr:`power` assumes :data:`UNMEASURED_RHO`."""
        return math.isfinite(self.rho)

    def power_note(self) -> str:
        """One sentence on what the power table assumes (the CLI and the console show it)."""
        head = f"Power at 80%, α 0.05: {self.n_probes} probes"
        if self.rho_measured:
            return f"{head}, between-epoch ρ = {self.rho:.2f} (measured on the baseline)."
        return (
            f"{head}, one epoch each, so the between-epoch correlation ρ is unknown: the rows "
            f"assume independent epochs (ρ = {UNMEASURED_RHO:g}), the most more epochs can buy; "
            "if epochs were identical (ρ = 1) every row would equal the first. Run the "
            "baseline with 2 or more epochs to measure ρ."
        )


def condition_of(respondent: str) -> tuple[str, str]:
    """``model:<provider>/<model>/<condition>`` → (``<provider>/<model>``, condition)."""
    kind, _, name = respondent.partition(":")
    head, sep, cond = name.rpartition("/")
    if kind != "model" or not sep:
        return "", ""
    return head, cond


def ablation_reports(
    graded: Graded,
    baseline: str,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    epochs: Sequence[int] = DEFAULT_EPOCHS,
) -> list[AblationReport]:
    """A report per model that has answers under ``baseline``; AnswersError when none does."""
    by_model: dict[str, list[str]] = {}
    for r in graded.respondents:
        model, _ = condition_of(r)
        if model:
            by_model.setdefault(model, []).append(r)
    reports = []
    for model, members in sorted(by_model.items()):
        base = f"model:{model}/{baseline}"
        if base not in members:
            continue
        others = [m for m in members if m != base]
        comps = compare_many(graded, base, others, seed=seed, n_boot=n_boot) if others else []
        rho, n_probes = epoch_correlation(graded, base)
        reports.append(
            AblationReport(
                model, baseline, tuple(comps), rho, n_probes, power_table(n_probes, rho, epochs)
            )
        )
    if not reports:
        conditions = sorted({c for m in by_model.values() for _, c in map(condition_of, m)})
        raise AnswersError(
            f"no model has answers under baseline condition {baseline!r}; the conditions in "
            "these answers are: " + (", ".join(conditions) or "none (no model answers)")
        )
    return reports


def epoch_correlation(graded: Graded, respondent: str) -> tuple[float, int]:
    """(ρ between epochs of the same probe, number of distinct probes answered)."""
    r = graded.respondents.index(respondent)
    idx = np.flatnonzero(graded.respondent == r)
    probes, inv = np.unique(graded.probe[idx], return_inverse=True)
    y = graded.correct[idx].astype(np.float64)
    n = np.bincount(inv).astype(np.float64)
    if probes.size == 0:
        return math.nan, 0
    if n.max() < 2:  # one epoch per probe: nothing to estimate ρ from
        return math.nan, int(probes.size)
    mean = np.bincount(inv, weights=y) / n
    within = float(np.sum((y - mean[inv]) ** 2) / max(1.0, float(np.sum(n - 1))))
    total = float(np.var(y, ddof=1)) if y.size > 1 else 0.0
    rho = 1.0 if total == 0 else min(1.0, max(0.0, 1.0 - within / total))
    return rho, int(probes.size)


def power_table(
    n_probes: int, rho: float, epochs: Sequence[int] = DEFAULT_EPOCHS
) -> tuple[PowerRow, ...]:
    """MDE at 80% power for each number of epochs (see the module docstring); an unknown ρ
    (NaN) is taken as :data:`UNMEASURED_RHO`."""
    rows = []
    r = UNMEASURED_RHO if not math.isfinite(rho) else rho
    for e in epochs:
        n_eff = n_probes * e / (1 + (e - 1) * r) if n_probes else 0.0
        mde = minimum_detectable_effect(n_eff) if n_eff > 0 else math.nan
        rows.append(PowerRow(e, n_eff, mde, mde * math.sqrt(2) if math.isfinite(mde) else math.nan))
    return tuple(rows)


def reports_to_json(reports: Sequence[AblationReport]) -> dict[str, Any]:
    """Plain JSON of the reports."""

    def num(x: float) -> float | None:
        return round(x, 6) if math.isfinite(x) else None

    return {
        "reports": [
            {
                "model": rep.model,
                "baseline": rep.baseline,
                "rho": num(rep.rho),
                "rho_measured": rep.rho_measured,
                "rho_assumed": None if rep.rho_measured else UNMEASURED_RHO,
                "power_note": rep.power_note(),
                "n_probes": rep.n_probes,
                "comparisons": [comparison_to_json(c) for c in rep.comparisons],
                "power": [
                    {
                        "epochs": p.epochs,
                        "n_effective": num(p.n_effective),
                        "mde_vs_chance": num(p.mde_vs_chance),
                        "mde_paired": num(p.mde_paired),
                    }
                    for p in rep.power
                ],
            }
            for rep in reports
        ]
    }


def format_reports(reports: Sequence[AblationReport]) -> str:
    """A readable table per model."""

    def pct(x: float | None, signed: bool = False) -> str:
        if x is None or not math.isfinite(x):
            return "    -  "
        return f"{100 * x:+6.1f}%" if signed else f"{100 * x:6.1f}%"

    def p(x: float | None) -> str:
        return "   -  " if x is None or not math.isfinite(x) else f"{x:6.4f}"

    out = []
    for rep in reports:
        out += [
            f"{rep.model}: conditions vs baseline {rep.baseline!r}",
            (
                f"{'condition':<24} {'acc':>7} {'base':>7} {'diff':>7} {'95% CI':>17} {'p':>6} "
                f"{'p Holm':>6} {'McNemar':>7} items"
            ),
        ]
        for c in rep.comparisons:
            ci = f"[{pct(c.ci_low, True)},{pct(c.ci_high, True)}]"
            out.append(
                f"{condition_of(c.a)[1]:<24} {pct(c.accuracy_a)} {pct(c.accuracy_b)} "
                f"{pct(c.diff, True)} {ci:>17} {p(c.p_value)} {p(c.p_holm)} "
                f"{p(c.mcnemar.p_value):>7} {c.n_items}"
            )
        out += [
            "",
            *textwrap.wrap(rep.power_note(), 96),
            f"{'epochs':>6} {'n eff':>8} {'MDE vs chance':>14} {'MDE paired':>11}",
        ]
        out += [
            f"{r.epochs:>6} {r.n_effective:8.1f} {pct(r.mde_vs_chance):>14} {pct(r.mde_paired):>11}"
            for r in rep.power
        ]
        out.append("")
    return "\n".join(out)


__all__ = [
    "UNMEASURED_RHO",
    "AblationReport",
    "PowerRow",
    "ablation_reports",
    "condition_of",
    "epoch_correlation",
    "format_reports",
    "power_table",
    "reports_to_json",
]
