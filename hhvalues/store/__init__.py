"""The store: SQLModel tables, the engine (SQLite or PostgreSQL), queries and the participant flow.

Pages and commands call these functions and render what they return (frozen values from
:mod:`hhvalues.store.views`); no ORM row leaves the package.
"""

from hhvalues.store.config import IntakeQuestion, Mode, StudyConfig, StudyKind, StudyStatus
from hhvalues.store.engine import make_engine, read_session, upgrade, write_session
from hhvalues.store.export import ExportFormat, export_answers, study_answers
from hhvalues.store.participant import consent, decline, enrol, start_session, submit_intake
from hhvalues.store.queries import (
    find_bank,
    get_bank,
    get_bank_info,
    import_bank,
    list_banks,
    record_answers,
)
from hhvalues.store.session import (
    acknowledge_feedback,
    current_step,
    save_draft,
    submit,
    sweep_timeouts,
    training_feedback,
)
from hhvalues.store.study import (
    create_study,
    get_study,
    invite,
    list_studies,
    set_study_status,
    update_study_config,
)
from hhvalues.store.views import (
    BankInfo,
    Draft,
    EnrolResult,
    ItemView,
    ParticipantState,
    Progress,
    Step,
    StepKind,
    StudyInfo,
    Submitted,
    TrainingFeedback,
)

__all__ = [
    "BankInfo",
    "Draft",
    "EnrolResult",
    "ExportFormat",
    "IntakeQuestion",
    "ItemView",
    "Mode",
    "ParticipantState",
    "Progress",
    "Step",
    "StepKind",
    "StudyConfig",
    "StudyInfo",
    "StudyKind",
    "StudyStatus",
    "Submitted",
    "TrainingFeedback",
    "acknowledge_feedback",
    "consent",
    "create_study",
    "current_step",
    "decline",
    "enrol",
    "export_answers",
    "find_bank",
    "get_bank",
    "get_bank_info",
    "get_study",
    "import_bank",
    "invite",
    "list_banks",
    "list_studies",
    "make_engine",
    "read_session",
    "record_answers",
    "save_draft",
    "set_study_status",
    "start_session",
    "study_answers",
    "submit",
    "submit_intake",
    "sweep_timeouts",
    "training_feedback",
    "update_study_config",
    "upgrade",
    "write_session",
]
