"""The participation room: a participant's session of an answer study, from link to completion code.

* :mod:`~hhvalues.store.participation.enrolment`: open enrolment, consent or refusal, intake,
  the session start.
* :mod:`~hhvalues.store.participation.session`: the page a link shows now, items with
  server-side deadlines, drafts, idempotent submits, timeouts, training feedback.
* :mod:`~hhvalues.store.participation.timeouts`: timeouts that came due while nobody looked,
  recorded by every reader of answers before it reads, and by the app's sweep.
* :mod:`~hhvalues.store.participation.prologue`: the start both participant flows share (the
  demonstration flow uses it too).
* :mod:`~hhvalues.store.participation.views`: the frozen values pages render (no truth inside,
  training feedback excepted).
* :mod:`~hhvalues.store.participation.rehearsal`: the truth of the current item, for
  rehearsal bots run server-side.

Builds on :mod:`hhvalues.store.studies` and :mod:`hhvalues.store.db`.
"""

from hhvalues.store.participation.enrolment import (
    DECLINED,
    EXTERNAL_KEYS,
    TAKEN,
    check_intake,
    consent,
    decline,
    declined_pid,
    enrol,
    start_session,
    submit_intake,
)
from hhvalues.store.participation.prologue import (
    Opened,
    Refusal,
    begin_step,
    entry_page,
    open_link,
)
from hhvalues.store.participation.rehearsal import (
    ItemTruth,
    current_item_truth,
)
from hhvalues.store.participation.session import (
    acknowledge_feedback,
    current_step,
    expire,
    next_item,
    save_draft,
    submit,
    training_feedback,
)
from hhvalues.store.participation.timeouts import (
    record_due_timeouts,
    settle_timeouts,
    sweep_timeouts,
)
from hhvalues.store.participation.views import (
    Draft,
    EnrolResult,
    ItemView,
    Progress,
    Step,
    StepKind,
    Submitted,
    TimeUp,
    TrainingFeedback,
)

__all__ = [
    "DECLINED",
    "EXTERNAL_KEYS",
    "TAKEN",
    "Draft",
    "EnrolResult",
    "ItemTruth",
    "ItemView",
    "Opened",
    "Progress",
    "Refusal",
    "Step",
    "StepKind",
    "Submitted",
    "TimeUp",
    "TrainingFeedback",
    "acknowledge_feedback",
    "begin_step",
    "check_intake",
    "consent",
    "current_item_truth",
    "current_step",
    "decline",
    "declined_pid",
    "enrol",
    "entry_page",
    "expire",
    "next_item",
    "open_link",
    "record_due_timeouts",
    "save_draft",
    "settle_timeouts",
    "start_session",
    "submit",
    "submit_intake",
    "sweep_timeouts",
    "training_feedback",
]
