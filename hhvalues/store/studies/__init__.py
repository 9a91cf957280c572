"""The studies room: configuration, studies, participants and their assignments.

* :mod:`~hhvalues.store.studies.config`: :class:`StudyConfig` (versioned, with the field limits
  every face reads: :data:`STUDY_LIMITS`), study kinds and states.
* :mod:`~hhvalues.store.studies.studies`: create, edit (versioned), open/close, invite.
* :mod:`~hhvalues.store.studies.edit`: the console's edit, frozen once a participant started.
* :mod:`~hhvalues.store.studies.participants`: link tokens, loading a participant by token.
* :mod:`~hhvalues.store.studies.assignment`: the typed, seeded item order with its A/B sides.

Builds on :mod:`hhvalues.store.db`; every change to a study is written to the audit log by the
operation itself.
"""

from hhvalues.store.studies.assignment import (
    AssignedItem,
    Assignment,
    assign_items,
)
from hhvalues.store.studies.config import (
    DEFAULT_CONSENT,
    INTAKE_FORMAT,
    SLUG_PATTERN,
    STUDY_LIMITS,
    IntakeQuestion,
    Limit,
    Mode,
    ParticipantState,
    StudyConfig,
    StudyKind,
    StudyStatus,
    check_redirect_url,
    check_slug,
    format_intake,
    parse_config,
    parse_intake,
)
from hhvalues.store.studies.edit import (
    edit_study_config,
    is_frozen,
)
from hhvalues.store.studies.participants import (
    DECLINED_MESSAGE,
    TOKEN_BYTES,
    Loaded,
    check_active,
    check_token,
    hash_token,
    load,
    load_active,
    loaded_of,
    log,
    new_participant,
    new_token,
    respondent_of,
)
from hhvalues.store.studies.studies import (
    StudyInfo,
    bank_split_counts,
    check_config,
    check_config_counts,
    config_version,
    create_study,
    get_study,
    invite,
    list_studies,
    mark_rehearsal,
    new_completion_code,
    relink,
    set_study_status,
    study_row,
    update_study_config,
)

__all__ = [
    "DECLINED_MESSAGE",
    "DEFAULT_CONSENT",
    "INTAKE_FORMAT",
    "SLUG_PATTERN",
    "STUDY_LIMITS",
    "TOKEN_BYTES",
    "AssignedItem",
    "Assignment",
    "IntakeQuestion",
    "Limit",
    "Loaded",
    "Mode",
    "ParticipantState",
    "StudyConfig",
    "StudyInfo",
    "StudyKind",
    "StudyStatus",
    "assign_items",
    "bank_split_counts",
    "check_active",
    "check_config",
    "check_config_counts",
    "check_redirect_url",
    "check_slug",
    "check_token",
    "config_version",
    "create_study",
    "edit_study_config",
    "format_intake",
    "get_study",
    "hash_token",
    "invite",
    "is_frozen",
    "list_studies",
    "load",
    "load_active",
    "loaded_of",
    "log",
    "mark_rehearsal",
    "new_completion_code",
    "new_participant",
    "new_token",
    "parse_config",
    "parse_intake",
    "relink",
    "respondent_of",
    "set_study_status",
    "study_row",
    "update_study_config",
]
