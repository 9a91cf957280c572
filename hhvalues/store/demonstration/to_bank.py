"""A demonstration study's recorded walks made into a bank, and set beside the simulated demonstrator.

One place for the rules the CLI (``hhvalues bank from-recordings``, ``hhvalues recordings compare``)
and the console's Recorded walks page share: walks still in progress are not recordings yet, and
``min_quality`` tightens the study's own exclusion rule rather than replacing it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
from sqlalchemy import Engine

from hhvalues.core.recorded import (
    ComparisonRow,
    ComparisonSummary,
    RecordedBank,
    RecordedWalk,
    assess,
    bank_from_recordings,
    compare_demonstrators,
    summarise_comparison,
)
from hhvalues.core.validate import validate_bank
from hhvalues.core.walks import DEFAULT_LAPSE, Flag, QualityRule, WalkQuality
from hhvalues.errors import BankError
from hhvalues.store.db import BankInfo, Clock, store_bank
from hhvalues.store.demonstration.study_walks import StudyRecordings, study_recordings


def rule_with(rule: QualityRule, min_quality: float | None) -> QualityRule:
    """The study's rule; ``min_quality`` (when given) becomes its score floor, which excludes."""
    if min_quality is None:
        return rule
    exclude = (
        rule.exclude
        if Flag.FAR_BELOW_OPTIMAL in rule.exclude
        else (*rule.exclude, Flag.FAR_BELOW_OPTIMAL)
    )
    return replace(rule, min_score=min_quality, exclude=exclude)


def finished(rec: StudyRecordings) -> list[RecordedWalk]:
    """Walks that have ended (at a destination, the horizon or the time limit)."""
    return [w for w in rec.walks if rec.ended[w.id]]


class RecordedResult(NamedTuple):
    """The validated bank, the report of every finished walk, and how many are still open."""

    built: RecordedBank
    in_progress: int


def recorded_bank(
    engine: Engine,
    slug: str,
    *,
    min_quality: float | None = None,
    lapse: float = DEFAULT_LAPSE,
    demos_per_item: int = 3,
    seed: int = 0,
    name: str = "",
) -> RecordedResult:
    """Build (and validate) a bank from a demonstration study's finished walks.

    InputError when the study is not a demonstration study or no walk is usable; BankError if
    the result does not validate (nothing is returned to be written then).
    """
    rec = study_recordings(engine, slug)
    walks = finished(rec)
    open_walks = len(rec.walks) - len(walks)
    built = bank_from_recordings(
        rec.bank,
        walks,
        name=name or f"recorded-{slug}",
        seed=seed,
        rule=rule_with(rec.rule, min_quality),
        lapse=lapse,
        demos_per_item=demos_per_item,
        meta={"study": slug, "source_bank": rec.bank.content_hash, "walks_in_progress": open_walks},
    )
    report = validate_bank(built.bank)
    if not report.ok:
        raise BankError(report.errors[0], where="recorded bank")
    return RecordedResult(built, open_walks)


def store_recorded_bank(
    engine: Engine,
    slug: str,
    *,
    now: Clock,
    actor: str,
    min_quality: float | None = None,
    lapse: float = DEFAULT_LAPSE,
    demos_per_item: int = 3,
    seed: int = 0,
    name: str = "",
) -> tuple[RecordedResult, BankInfo]:
    """Build the bank of :func:`recorded_bank` and store it, logged as ``bank_from_recordings``."""
    made = recorded_bank(
        engine,
        slug,
        min_quality=min_quality,
        lapse=lapse,
        demos_per_item=demos_per_item,
        seed=seed,
        name=name,
    )
    bank = made.built.bank
    used = sum(1 for r in made.built.walks if r.item)
    info = store_bank(
        engine,
        bank,
        now=now,
        actor=actor,
        action="bank_from_recordings",
        detail={"study": slug, "items": len(bank.items), "walks_used": used},
    )
    return made, info


class WalkLine(NamedTuple):
    """One recorded walk as the console lists it."""

    walk: RecordedWalk
    ended: str
    """How it ended (``destination``, ``horizon``, ``timeout``), ``""`` while in progress."""
    quality: WalkQuality


def walk_lines(rec: StudyRecordings, min_quality: float | None = None) -> list[WalkLine]:
    """Every walk of the study (practice and open ones too) with its quality under the rule."""
    rule = rule_with(rec.rule, min_quality)
    return [WalkLine(w, rec.ended[w.id], assess(rec.bank, w, rule)) for w in rec.walks]


def compare_recordings(
    rec: StudyRecordings, *, samples: int = 20, seed: int = 0
) -> tuple[list[ComparisonRow], list[ComparisonSummary]]:
    """Human walks beside the simulated demonstrator (same worlds and weights), and in sum."""
    rows = compare_demonstrators(
        rec.bank, finished(rec), rng=np.random.default_rng(seed), samples=samples
    )
    return rows, summarise_comparison(rows)


__all__ = [
    "RecordedResult",
    "WalkLine",
    "compare_recordings",
    "finished",
    "recorded_bank",
    "rule_with",
    "store_recorded_bank",
    "walk_lines",
]
