"""The goals a generated bank must meet (issues 12 and 20), each with what an unmet one means and
what to change: ``bank audit`` and the console's bank page print the advice beside every goal
the bank misses, so a red mark is never the whole story."""

from __future__ import annotations

from hhvalues.core.audit_types import ALL, Audit
from hhvalues.core.probes import Difficulty, ProbeKind

GOALS: dict[str, str] = {
    "best heuristic <= ideal - 15 points overall": (
        "a shallow rule (see the heuristics table: which one, on which kind) comes within 15 "
        "points of careful reasoning, so a respondent using it cannot be told from an ideal one. "
        "Generate a bigger bank (the probe selection balances heuristics over the bank) or more "
        "candidate worlds per walk (--candidates); in a hand-authored bank add probes where what "
        "a person visits is not what they like."
    ),
    "best heuristic <= 60% on the hard third": (
        "on the probes the walks leave uncertain a shallow rule still scores well: the hard "
        "probes are easy for the wrong reason. Same remedies as above; check which heuristic."
    ),
    ">= 40% of walks not a shortest path to the nearest destination": (
        "most walks go straight to the nearest place and say little about the values. Lower the "
        "step cost or widen the terrain costs (docs/item-banks.md section 2)."
    ),
    "expected ceiling 80-92%": (
        "below 80%: the walks do not determine the answers (more or more informative walks); "
        "above 92%: the items are too easy to separate respondents."
    ),
    "observer calibrated (|z| <= 2) per probe kind and per difficulty third": (
        "the observer's confidence does not match its accuracy: the walks were not made by the "
        "model the bank declares (planner, rationality levels, lapse in `model`), or probes were "
        "chosen with the truth. On a small bank one |z| a little over 2 can be chance: audit a "
        "bank of several hundred items before changing anything."
    ),
    "difficulty thirds within +-10% of equal": (
        "one difficulty third has too few probes; a bigger bank lets the selection even them out."
    ),
    "A share 45-55% within each kind": (
        "the right answer sits on one side too often, which rewards a position bias. Generated "
        "banks relabel sides per kind; in a hand-authored bank swap the options of some probes."
    ),
    "right path longer in 45-55% of predict probes": (
        "'pick the shorter (or longer) path' scores above chance on predict probes. Generate a "
        "bigger bank, or in a hand-authored bank add probes whose right path is the other one."
    ),
    "no probe answered by the prior alone (confidence >= 0.75 without a walk)": (
        "some probes follow from the rules alone (say, a path that only adds costly ground to an "
        "equally short route), so they test reading the rules, not the walks. Regenerate with "
        "this generator, which drops them, or remove those probes."
    ),
    "no two probes of an item nearly one question (|rho| >= 0.8)": (
        "two probes of one item hinge on the same unknown, so the item counts one judgement "
        "twice and the score's n overstates the evidence. Regenerate, or drop one of each pair."
    ),
    "best heuristic <= ideal - 10 points within each probe kind": (
        "on one probe kind a shallow rule nearly matches the observer (often 'visited = liked' "
        "on sign and compare probes): that kind measures little beyond the shortcut. See the "
        "heuristics table for which kind and rule; generate a bigger bank or more candidate "
        "worlds, or ask fewer probes of that kind."
    ),
    "walks readable: <= 10% stopped by the step limit, <= 25% enter a cell twice": (
        "many walks wander, and a reader must follow noise move by move. Raise the rationality "
        "levels or the step cost, or say plainly in the instructions how noisy people are."
    ),
}
"""Goal wording (as ``check_goals`` reports it) → what an unmet goal means and what to change."""


def check_goals(audit: Audit) -> dict[str, bool]:
    """Which of :data:`~hhvalues.core.audit_goals.GOALS` the bank meets."""
    overall = audit.group()
    names = list(GOALS)
    hard = [g for g in audit.groups if g.kind == ALL and g.third == Difficulty.HARD.value]
    kinds = [g for g in audit.groups if g.kind != ALL and g.third == ALL]
    predict = [g for g in kinds if g.kind == ProbeKind.PREDICT.value]
    red = audit.redundancy
    return {
        names[0]: overall.heuristics[overall.best_heuristic].value <= overall.realised.value - 0.15,
        names[1]: all(g.heuristics[g.best_heuristic].value <= 0.60 for g in hard),
        names[2]: audit.walks.not_shortest_to_nearest >= 0.40,
        names[3]: 0.80 <= overall.expected.value <= 0.92,
        names[4]: all(
            abs(g.calibration_z) <= 2
            for g in audit.groups
            if (g.kind == ALL) != (g.third == ALL) or g.kind == g.third == ALL
        ),
        names[5]: all(abs(s - 1 / 3) <= 1 / 30 for s in audit.thirds.values()),
        names[6]: all(0.45 <= g.share_a <= 0.55 for g in kinds),
        names[7]: all(
            g.longer_right is not None and 0.45 <= g.longer_right <= 0.55 for g in predict
        ),
        names[8]: overall.prior_sure == 0,
        names[9]: red is None or red.share_redundant == 0.0,
        names[10]: all(
            g.heuristics[g.best_heuristic].value <= g.realised.value - 0.10 for g in kinds
        ),
        names[11]: audit.walks.at_step_limit <= 0.10 and audit.walks.revisiting <= 0.25,
    }


def advice(goal: str) -> str:
    """What an unmet ``goal`` means and what to change ("" for an unknown goal)."""
    return GOALS.get(goal, "")


__all__ = ["GOALS", "advice", "check_goals"]
