"""The database room: engine, schema, migrations, and what every other room of the store shares.

* :mod:`~hhvalues.store.db.engine`: ``make_engine(url)`` (SQLite by default, PostgreSQL by URL),
  short read and write sessions, Alembic upgrades (``migrations/`` beside it).
* :mod:`~hhvalues.store.db.tables`: the SQLModel tables, and nothing else. Rows never leave the
  store: the other rooms convert them to frozen values.
* :mod:`~hhvalues.store.db.queries`: banks, items and answers (a session in, core objects out).
* :mod:`~hhvalues.store.db.audit`: the append-only audit log every room's operations write to.
* :mod:`~hhvalues.store.db.deadlines`: the injected clock, the grace period, deadline arithmetic.

Nothing here imports another room.
"""

from hhvalues.store.db.audit import (
    AuditEntry,
    add_audit,
    list_audit,
    record,
    sha256_file,
)
from hhvalues.store.db.deadlines import (
    GRACE,
    Clock,
    as_utc,
    deadline_after,
    is_past,
    read_clock,
)
from hhvalues.store.db.engine import (
    MIGRATIONS_DIR,
    current_revision,
    make_engine,
    read_session,
    resolve_url,
    upgrade,
    write_session,
)
from hhvalues.store.db.queries import (
    BankInfo,
    StoredAnswer,
    answer_values,
    catch_answers,
    find_bank,
    get_bank,
    get_bank_info,
    import_bank,
    item_ids,
    iter_answers,
    list_banks,
    model_answer_statuses,
    public_item,
    record_answers,
    store_bank,
    training_truth,
    upsert_answer,
)
from hhvalues.store.db.tables import (
    NAMING_CONVENTION,
    AnswerRow,
    AuditRow,
    BankRow,
    ConsoleSessionRow,
    EventRow,
    ItemRow,
    MoveRow,
    ParticipantRow,
    PresentationRow,
    SsoAllowRow,
    StudyConfigRow,
    StudyRow,
    UserRow,
    WalkRow,
    metadata,
)

__all__ = [
    "GRACE",
    "MIGRATIONS_DIR",
    "NAMING_CONVENTION",
    "AnswerRow",
    "AuditEntry",
    "AuditRow",
    "BankInfo",
    "BankRow",
    "Clock",
    "ConsoleSessionRow",
    "EventRow",
    "ItemRow",
    "MoveRow",
    "ParticipantRow",
    "PresentationRow",
    "SsoAllowRow",
    "StoredAnswer",
    "StudyConfigRow",
    "StudyRow",
    "UserRow",
    "WalkRow",
    "add_audit",
    "answer_values",
    "as_utc",
    "catch_answers",
    "current_revision",
    "deadline_after",
    "find_bank",
    "get_bank",
    "get_bank_info",
    "import_bank",
    "is_past",
    "item_ids",
    "iter_answers",
    "list_audit",
    "list_banks",
    "make_engine",
    "metadata",
    "model_answer_statuses",
    "public_item",
    "read_clock",
    "read_session",
    "record",
    "record_answers",
    "resolve_url",
    "sha256_file",
    "store_bank",
    "training_truth",
    "upgrade",
    "upsert_answer",
    "write_session",
]
