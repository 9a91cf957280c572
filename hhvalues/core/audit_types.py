"""The figures of a bank's validity report (:mod:`hhvalues.core.audit`), as plain frozen values:
kept apart so the goals (:mod:`hhvalues.core.audit_goals`) can read them without importing the
audit itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ALL = "all"


@dataclass(frozen=True, slots=True)
class Accuracy:
    """A share of probes answered right, with its standard error clustered by item."""

    value: float
    se: float


@dataclass(frozen=True, slots=True)
class Group:
    """The figures of one probe kind × difficulty third (``all`` for every one)."""

    kind: str
    third: str
    n_probes: int
    n_items: int
    expected: Accuracy
    """The ideal observer's mean q."""
    realised: Accuracy
    """The ideal observer's accuracy."""
    calibration_z: float
    """(realised − expected) / its clustered standard error."""
    random: float
    heuristics: dict[str, Accuracy]
    best_heuristic: str
    share_a: float
    longer_right: float | None
    """Predict probes whose right path is the longer one, among those of unequal length."""
    equal_length: float | None
    """Predict probes whose options have the same length."""
    prior_q: float = 0.5
    """Mean confidence of the observer from the prior alone (no walk)."""
    prior_sure: int = 0
    """Probes the prior alone answers with confidence ≥ :data:`MAX_PRIOR_Q` (goal: 0)."""


@dataclass(frozen=True, slots=True)
class WalkFigures:
    """What the demonstrations show."""

    n_walks: int
    info_bits: float
    """Mean entropy reduction about the weights per walk (bits)."""
    not_shortest_to_nearest: float
    """Share of walks that are not a shortest path to a destination nearest the start."""
    ended_at_exit: float
    """Share of walks that ended at a destination worth 0 under every hypothesis."""
    at_step_limit: float = 0.0
    """Share of walks stopped by the step limit (not at a destination)."""
    revisiting: float = 0.0
    """Share of walks that enter some cell twice."""


@dataclass(frozen=True, slots=True)
class Redundancy:
    """How far an item's probes are separate judgements (posterior answer correlations)."""

    n_pairs: int
    """Pairs of probes within an item."""
    share_redundant: float
    """Share of those pairs with |ρ| ≥ :data:`MAX_CORRELATION` (goal: 0)."""
    max_abs_rho: float
    probes_per_item: float
    effective_per_item: float
    """Mean effective independent probes per item (P² / ‖R‖², :func:`design_effect`)."""
    design_effect: float
    """Probes per independent judgement: ``probes_per_item / effective_per_item``."""


@dataclass(frozen=True, slots=True)
class Audit:
    """The whole report."""

    bank: str
    content_hash: str
    format: str
    n_items: int
    groups: list[Group]
    thirds: dict[str, float]
    """Share of test probes in each difficulty third."""
    walks: WalkFigures
    redundancy: Redundancy | None = None
    goals: dict[str, bool] = field(default_factory=dict)

    def group(self, kind: str = ALL, third: str = ALL) -> Group:
        """One group's figures."""
        for g in self.groups:
            if g.kind == kind and g.third == third:
                return g
        raise KeyError((kind, third))

    def to_json(self) -> dict[str, Any]:
        """Plain data (``bank audit --json``)."""
        return asdict(self)


__all__ = ["ALL", "Accuracy", "Audit", "Group", "Redundancy", "WalkFigures"]
