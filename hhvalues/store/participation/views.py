"""Frozen values the store hands out: pages render these, never ORM rows.

Nothing reachable from :class:`Step` or :class:`ItemView` holds truth: items are public copies
(``truth=None``). Training feedback is the one exception, :class:`TrainingFeedback`, returned
only after the training item was submitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hhvalues.core.bank import Bank, Item, Split
from hhvalues.core.probes import Choice
from hhvalues.store.studies import IntakeQuestion


class StepKind(StrEnum):
    """Which page a participant link shows now."""

    CONSENT = "consent"
    INTAKE = "intake"
    INSTRUCTIONS = "instructions"
    ITEM = "item"
    FEEDBACK = "feedback"
    DONE = "done"
    CLOSED = "closed"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Draft:
    """What a participant has entered so far on an item, in *displayed* A/B letters."""

    choices: Mapping[str, Choice | None] = field(default_factory=dict)
    hypothesis: Mapping[str, float] | None = None
    confidence: Mapping[str, float] | None = None
    rationale: str = ""


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item as a participant sees it; no truth anywhere inside."""

    item: Item
    """Public copy of the item (``truth`` is None)."""
    bank: Bank
    """Public bank holding only this item: features, step cost, model (for the renderer)."""
    split: Split
    phase: str
    """``train`` or ``test`` (catch items are shown as test items)."""
    number: int
    """1-based position within its phase."""
    phase_total: int
    order: Mapping[str, tuple[Choice, Choice]]
    """Probe id → the bank options shown as (A, B): ``("B", "A")`` means sides are swapped.
    Pass it to ``hhvalues.core.render.item_stimulus(..., order=dict(order))``."""
    shown_at: datetime
    deadline_at: datetime | None
    """None for untimed (training) items."""
    draft: Draft
    asks_choices: bool
    asks_hypothesis: bool
    asks_confidence: bool
    asks_rationale: bool

    def seconds_left(self, now: datetime) -> float | None:
        """Seconds until the item deadline (≥ 0), None when untimed."""
        if self.deadline_at is None:
            return None
        return max(0.0, (self.deadline_at - now).total_seconds())


@dataclass(frozen=True, slots=True)
class Progress:
    """How far along a participant is."""

    answered: int
    total: int
    train_total: int


@dataclass(frozen=True, slots=True)
class TimeUp:
    """The item a participant finished last ended because its time ran out.

    Set on the page that follows it (the next item, training feedback or the end), so that page
    can say so; it stays while that page is shown (a refresh shows it again) and clears once the
    participant finishes the next item. What was selected when time ran out was stored and is
    graded (status ``timeout``); questions left without a choice count as wrong.
    """

    item_id: str
    """The bank's id of the item whose time ran out."""
    phase: str
    """``train`` or ``test``, as :attr:`ItemView.phase`."""
    number: int
    """Its 1-based position among all the participant's items (practice included), as the
    page title counts question sets ("Question set 4 of 8")."""
    chosen: int
    """How many of its questions had a choice selected (kept and graded)."""
    hypothesis: bool
    """Whether a hypothesis (the weight sliders) was kept with it."""


@dataclass(frozen=True, slots=True)
class Step:
    """Everything one participant page needs, rebuilt from the database on every request."""

    kind: StepKind
    message: str = ""
    """Why a link is invalid or closed, or a notice to show."""
    study: str | None = None
    respondent: str | None = None
    consent_text: str = ""
    intake: tuple[IntakeQuestion, ...] = ()
    item: ItemView | None = None
    """For ITEM: the item to answer; for FEEDBACK: the submitted training item (to word it)."""
    feedback_item: str | None = None
    """For FEEDBACK: the training item whose feedback to show (see ``training_feedback``)."""
    progress: Progress | None = None
    session_deadline_at: datetime | None = None
    completion_code: str | None = None
    """Only on DONE, i.e. after the last answer was committed."""
    redirect_url: str | None = None
    contact: str = ""
    """How to reach the researcher (the study's ``contact``; empty when it gave none)."""
    decline_code: str = ""
    """On CONSENT: the code shown if the participant declines."""
    decline_url: str | None = None
    """On CONSENT: where a participant who declines is sent."""
    timed_out: bool = False
    catch_flag: str = ""
    """``""``, ``warn`` or ``exclude``."""
    bank: Bank | None = None
    """For INSTRUCTIONS: the study's bank without items (features, step cost, model), so the
    page explains the rules of this bank's world."""
    time_up: TimeUp | None = None
    """On ITEM, FEEDBACK and DONE: set when the item finished just before this page ended
    because its time ran out (by the item's or the session's limit), None otherwise."""

    @property
    def time_up_item(self) -> str | None:
        """The id of the item whose time ran out just before this page, or None."""
        return None if self.time_up is None else self.time_up.item_id


@dataclass(frozen=True, slots=True)
class Submitted:
    """Outcome of a submit: stored now, or already stored by an earlier click."""

    item_id: str
    status: str
    duplicate: bool
    fast: bool
    seconds: float | None


@dataclass(frozen=True, slots=True)
class TrainingFeedback:
    """The truth of one *submitted training* item, with the participant's answer beside it."""

    item_id: str
    weights: Mapping[str, float]
    """True weight per feature."""
    correct: Mapping[str, Choice]
    """Probe id → the correct option in displayed letters."""
    chosen: Mapping[str, Choice | None]
    """Probe id → what the participant chose, displayed letters."""
    hypothesis: Mapping[str, float] | None


@dataclass(frozen=True, slots=True)
class EnrolResult:
    """A participant created or resumed by an open-enrolment link."""

    token: str
    """Put it in the URL (``?t=...``) at once: it is not stored and cannot be shown again."""
    resumed: bool


__all__ = [
    "Draft",
    "EnrolResult",
    "ItemView",
    "Progress",
    "Step",
    "StepKind",
    "Submitted",
    "TimeUp",
    "TrainingFeedback",
]
