"""The demonstration room: people walk worlds under assigned values, and their walks become items.

* :mod:`~hhvalues.store.demonstration.setup`: the ``demonstrate`` settings of a study (with
  :data:`DEMO_LIMITS`), instructions, the value profile in words.
* :mod:`~hhvalues.store.demonstration.walking`: the participant's flow, move by move (it
  shares its start with the answer flow: :mod:`hhvalues.store.participation.prologue`).
* :mod:`~hhvalues.store.demonstration.study_walks`: a study's walks and key presses read back.
* :mod:`~hhvalues.store.demonstration.to_bank`: the finished walks as a validated bank
  (:mod:`hhvalues.core.recorded` does the building), and beside the simulated demonstrator.

Builds on :mod:`hhvalues.store.participation`, :mod:`hhvalues.store.studies` and
:mod:`hhvalues.store.db`.
"""

from hhvalues.store.demonstration.setup import (
    DEMO_LIMITS,
    INSTRUCTION_TEXT,
    INSTRUCTIONS,
    DemoConfig,
    demonstrate_config,
    profile_lines,
)
from hhvalues.store.demonstration.study_walks import (
    StoredMove,
    StudyRecordings,
    study_recordings,
    walk_moves,
)
from hhvalues.store.demonstration.to_bank import (
    RecordedResult,
    WalkLine,
    compare_recordings,
    finished,
    recorded_bank,
    rule_with,
    store_recorded_bank,
    walk_lines,
)
from hhvalues.store.demonstration.walking import (
    DemoStep,
    DemoStepKind,
    MoveResult,
    WalkView,
    acknowledge_practice,
    demo_step,
    ensure_walks,
    participant_walks,
    record_move,
    token_study_kind,
)

__all__ = [
    "DEMO_LIMITS",
    "INSTRUCTIONS",
    "INSTRUCTION_TEXT",
    "DemoConfig",
    "DemoStep",
    "DemoStepKind",
    "MoveResult",
    "RecordedResult",
    "StoredMove",
    "StudyRecordings",
    "WalkLine",
    "WalkView",
    "acknowledge_practice",
    "compare_recordings",
    "demo_step",
    "demonstrate_config",
    "ensure_walks",
    "finished",
    "participant_walks",
    "profile_lines",
    "record_move",
    "recorded_bank",
    "rule_with",
    "store_recorded_bank",
    "study_recordings",
    "token_study_kind",
    "walk_lines",
    "walk_moves",
]
