"""How a demonstration study is set up: practice and recorded worlds, instruction, time limits.

The settings live in the study configuration (``StudyConfig.extra["demonstrate"]``), so they
are versioned with it. :data:`DEMO_LIMITS` states each numeric field's allowed range once, for
the store, the CLI's options and the console's inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from hhvalues.core.features import FeatureSet
from hhvalues.core.walks import QualityRule
from hhvalues.errors import InputError
from hhvalues.store.studies import Limit, StudyConfig

INSTRUCTIONS = ("do", "teach")
INSTRUCTION_TEXT = {
    "do": "Collect as many points as you can.",
    "teach": "Walk so that someone watching you can tell what you value.",
}
"""What each instruction asks, as shown to the participant."""
DEMO_LIMITS: Mapping[str, Limit] = MappingProxyType(
    {
        "practice": Limit(0, 20, integer=True),
        "worlds": Limit(1, 100, integer=True),
        "walk_seconds": Limit(5, 3600),
        "min_score": Limit(-5, 1),
    }
)
"""Field → allowed range (``min_score`` is the quality rule's score floor)."""


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """The ``demonstrate`` part of a study configuration (``StudyConfig.extra["demonstrate"]``)."""

    practice: int = 1
    """Practice worlds, walked first, each followed by feedback."""
    worlds: int = 3
    """Recorded worlds per participant."""
    instruction: str = "balanced"
    """``do``, ``teach``, or ``balanced`` (alternating across participants in enrolment order)."""
    walk_seconds: float = 300.0
    """Time limit of one walk; an unfinished walk then ends as ``timeout``."""
    quality: QualityRule = field(default_factory=QualityRule)
    """The exclusion rule applied when walks become items."""

    def __post_init__(self) -> None:
        if self.practice < 0 or self.worlds < 1:
            raise InputError("a demonstration study needs practice ≥ 0 and worlds ≥ 1")
        if self.instruction not in (*INSTRUCTIONS, "balanced"):
            raise InputError(f"instruction must be do, teach or balanced, got {self.instruction!r}")
        if not self.walk_seconds > 0:
            raise InputError("walk_seconds must be positive")

    def check_limits(self) -> None:
        """InputError naming the first field outside :data:`DEMO_LIMITS`."""
        for name, limit in DEMO_LIMITS.items():
            value = self.quality.min_score if name == "min_score" else getattr(self, name)
            limit.check(name, value)

    def to_json(self) -> dict[str, Any]:
        """The stored form (under ``demonstrate`` in the study configuration)."""
        return {
            "practice": self.practice,
            "worlds": self.worlds,
            "instruction": self.instruction,
            "walk_seconds": self.walk_seconds,
            "quality": self.quality.to_json(),
        }

    @classmethod
    def of(cls, config: StudyConfig) -> DemoConfig:
        """Read it from a study configuration (defaults when absent); InputError when malformed."""
        doc = config.extra.get("demonstrate") or {}
        try:
            return cls(
                int(doc.get("practice", 1)),
                int(doc.get("worlds", 3)),
                str(doc.get("instruction", "balanced")),
                float(doc.get("walk_seconds", 300.0)),
                QualityRule.from_json(doc.get("quality")),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"malformed demonstrate configuration ({exc})", where="study config"
            ) from None


def demonstrate_config(base: StudyConfig, demo: DemoConfig) -> StudyConfig:
    """``base`` with the demonstration settings stored in it; InputError outside the limits."""
    demo.check_limits()
    return base.with_changes(extra=dict(base.extra) | {"demonstrate": demo.to_json()})


def profile_lines(
    features: FeatureSet, weights: Mapping[str, float], step_cost: float
) -> list[str]:
    """The value profile in plain words: ``flower beds −2 points``, …, ``each step −2.5 points``."""
    out = [f"{f.label} {_points(weights[f.id])}" for f in features]
    return [*out, f"each step {_points(step_cost)}"]


def _points(x: float) -> str:
    sign = "+" if x > 0 else "−" if x < 0 else ""
    n = abs(x)
    return f"{sign}{n:g} point{'' if n == 1 else 's'}"


__all__ = [
    "DEMO_LIMITS",
    "INSTRUCTIONS",
    "INSTRUCTION_TEXT",
    "DemoConfig",
    "demonstrate_config",
    "profile_lines",
]
