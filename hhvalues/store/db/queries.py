"""Queries: a session in, core objects out (banks, public items, answers); never ORM rows.

Truth leaves this module through two doors only: :func:`get_bank` (the full bank, for scoring,
the console and rehearsal bots) and :func:`training_truth` (feedback on a training item).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hhvalues.core.agents import reference_answers
from hhvalues.core.answers import MAX_RESPONDENT, Answer, Status, parse_respondent
from hhvalues.core.bank import Bank, Split, Truth, content_hash, dumps_bank, parse_bank
from hhvalues.core.ids import MAX_ID, id_problem, shown_id
from hhvalues.errors import AnswersError, BankError, NotFoundError
from hhvalues.store.db.audit import add_audit
from hhvalues.store.db.deadlines import Clock, read_clock
from hhvalues.store.db.engine import read_session, write_session
from hhvalues.store.db.tables import AnswerRow, BankRow, ItemRow


@dataclass(frozen=True, slots=True)
class BankInfo:
    """An imported bank."""

    id: int
    name: str
    version: str
    content_hash: str
    items: Mapping[str, int]
    """Item count per split."""
    imported_at: datetime


def _bank_info(row: BankRow, counts: Mapping[str, int]) -> BankInfo:
    assert row.id is not None
    return BankInfo(row.id, row.name, row.version, row.content_hash, dict(counts), row.imported_at)


def _split_counts(session: Session, bank_id: int) -> dict[str, int]:
    rows = session.exec(
        select(ItemRow.split, func.count())
        .where(ItemRow.bank_id == bank_id)
        .group_by(ItemRow.split)
    ).all()
    return {s.value: 0 for s in Split} | {split: int(n) for split, n in rows}


def import_bank(session: Session, bank: Bank, *, now: Clock) -> BankInfo:
    """Store a bank (with truth) unless one with the same content hash exists; idempotent.

    The caller validates first (``hhvalues.core.validate``); a public copy is refused, since
    nothing could be graded against it.
    """
    if not bank.has_truth:
        raise BankError(
            "a study needs the full bank with truth, not a public copy", where=f"bank {bank.name}"
        )
    document = bank.to_json()  # once: the hash, the stored document and the item rows
    digest = content_hash(document)
    existing = session.exec(select(BankRow).where(BankRow.content_hash == digest)).first()
    if existing is not None:
        assert existing.id is not None
        return _bank_info(existing, _split_counts(session, existing.id))
    row = BankRow(
        name=bank.name,
        version=bank.version,
        content_hash=digest,
        document=document,
        imported_at=read_clock(now),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    bank_id = row.id
    items = document["items"]
    assert isinstance(items, list)
    for start in range(0, len(items), _ITEM_CHUNK):  # Core inserts, a chunk at a time
        session.execute(
            insert(ItemRow),
            [
                _item_values(bank_id, position, doc)
                for position, doc in enumerate(items[start : start + _ITEM_CHUNK], start=start)
            ],
        )
    # The reference agents' answers (the ideal observer on every item) are stored once here, so
    # a Results page never computes them on a request; a bank too large for that (~8 ms an
    # item) gets them for the items a study's answers cover, when they are first read.
    if scored_items(bank) <= REFERENCE_AT_IMPORT:
        record_answers(session, reference_answers(bank), bank_id=bank_id, now=now)
    return _bank_info(row, _split_counts(session, bank_id))


REFERENCE_AT_IMPORT = 2_000
"""Banks with at most this many test and catch items get the reference agents' answers on
every item when they are imported; larger ones on the items that have answers, as they come."""
_ITEM_CHUNK = 2_000


def scored_items(bank: Bank) -> int:
    """The bank's test and catch items (what the reference agents answer)."""
    return sum(1 for it in bank.items if it.split is not Split.TRAIN)


def _item_values(bank_id: int, position: int, item: dict[str, Any]) -> dict[str, Any]:
    """An item row from the item's document (the bank-file form)."""
    public = {k: v for k, v in item.items() if k != "truth"}
    truth = item.get("truth")
    assert truth is None or isinstance(truth, dict)
    return {
        "bank_id": bank_id,
        "item_id": item["id"],
        "split": item["split"],
        "position": position,
        "public": public,
        "truth": truth,
    }


def store_bank(
    engine: Engine,
    bank: Bank,
    *,
    now: Clock,
    actor: str,
    action: str,
    detail: Mapping[str, Any] | None = None,
) -> BankInfo:
    """Import a bank in its own transaction and log ``action`` (e.g. ``bank_upload``) by ``actor``
    in the audit log, with the bank's content hash and item counts (and ``detail``)."""
    with write_session(engine) as session:
        info = import_bank(session, bank, now=now)
        add_audit(
            session,
            actor=actor,
            action=action,
            target=info.name,
            at=read_clock(now),
            detail={"content_hash": info.content_hash, "items": dict(info.items)}
            | dict(detail or {}),
        )
    return info


def download_bank(engine: Engine, bank_id: int, *, actor: str, now: Clock) -> bytes:
    """A stored bank as its JSON file (truth included, the bytes ``hhvalues bank generate``
    writes), logged as ``bank_download`` with its SHA-256: what the console's Banks page hands
    a researcher. NotFoundError when unknown."""
    import hashlib

    with read_session(engine) as session:
        bank = get_bank(session, bank_id)
    data = dumps_bank(bank).encode("utf-8")
    with write_session(engine) as session:
        add_audit(
            session,
            actor=actor,
            action="bank_download",
            target=bank.name,
            at=read_clock(now),
            detail={"content_hash": bank.content_hash},
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return data


def list_banks(session: Session) -> list[BankInfo]:
    """Every imported bank, newest first."""
    rows = session.exec(select(BankRow).order_by(col(BankRow.id).desc())).all()
    return [_bank_info(r, _split_counts(session, r.id or 0)) for r in rows]


def get_bank_info(session: Session, bank_id: int) -> BankInfo:
    """One bank's summary; NotFoundError when unknown."""
    row = session.get(BankRow, bank_id)
    if row is None:
        raise NotFoundError(f"no bank with id {bank_id}")
    return _bank_info(row, _split_counts(session, bank_id))


def find_bank(session: Session, content_hash: str) -> BankInfo:
    """The bank with this content hash (a unique prefix of ≥ 8 characters works too)."""
    if len(content_hash) < 8:
        raise NotFoundError(f"bank hash prefix {content_hash!r} is too short (need 8+)")
    rows = session.exec(
        select(BankRow).where(col(BankRow.content_hash).startswith(content_hash))
    ).all()
    if len(rows) != 1:
        raise NotFoundError(
            f"{'no' if not rows else 'more than one'} bank with hash {content_hash!r}"
        )
    return _bank_info(rows[0], _split_counts(session, rows[0].id or 0))


def get_bank(session: Session, bank_id: int) -> Bank:
    """The full bank, truth included: server side only (scoring, console), never a participant page."""
    digest = session.exec(select(BankRow.content_hash).where(BankRow.id == bank_id)).first()
    if digest is None:
        raise NotFoundError(f"no bank with id {bank_id}")
    cached = _CACHE.get((digest, None))
    if cached is None:
        document = session.exec(select(BankRow.document).where(BankRow.id == bank_id)).one()
        cached = _CACHE.put((digest, None), parse_bank(document))
    return cached


def public_item(session: Session, bank_id: int, item_id: str, *, digest: str | None = None) -> Bank:
    """A public bank holding only this item (``truth`` None): features, model and the item.

    Cached by (bank content hash, item id): banks never change once imported. ``digest`` is
    the bank's content hash when the caller has read it already.
    """
    if digest is None:
        digest = session.exec(select(BankRow.content_hash).where(BankRow.id == bank_id)).first()
    if digest is None:
        raise NotFoundError(f"no bank with id {bank_id}")
    cached = _CACHE.get((digest, item_id))
    if cached is not None:
        return cached
    item = session.exec(
        select(ItemRow.public).where(ItemRow.bank_id == bank_id, ItemRow.item_id == item_id)
    ).first()
    if item is None:
        raise NotFoundError(f"no item {item_id!r} in this bank")
    document = session.exec(select(BankRow.document).where(BankRow.id == bank_id)).one()
    head = {k: v for k, v in document.items() if k != "items"}
    return _CACHE.put((digest, item_id), parse_bank(head | {"items": [item]}))


def public_head(session: Session, bank_id: int) -> Bank:
    """A bank's features, step cost and model without any item (the rules a page explains)."""
    digest = session.exec(select(BankRow.content_hash).where(BankRow.id == bank_id)).first()
    if digest is None:
        raise NotFoundError(f"no bank with id {bank_id}")
    cached = _CACHE.get((digest, ""))
    if cached is not None:
        return cached
    document = session.exec(select(BankRow.document).where(BankRow.id == bank_id)).one()
    head = {k: v for k, v in document.items() if k != "items"}
    return _CACHE.put((digest, ""), parse_bank(head | {"items": []}))


class _BankCache:
    """A small LRU of parsed banks keyed by (content hash, item id or None for the whole bank)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[tuple[str, str | None], Bank] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str | None]) -> Bank | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            return None

    def put(self, key: tuple[str, str | None], bank: Bank) -> Bank:
        with self._lock:
            self._data[key] = bank
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return bank


_CACHE = _BankCache(2048)


def item_ids(session: Session, bank_id: int, split: Split | None = None) -> list[str]:
    """Item ids of a bank in bank order, optionally of one split."""
    query = select(ItemRow.item_id).where(ItemRow.bank_id == bank_id)
    if split is not None:
        query = query.where(ItemRow.split == split.value)
    return list(session.exec(query.order_by(col(ItemRow.position))).all())


def training_truth(session: Session, bank_id: int, item_id: str) -> Truth:
    """The truth of a *training* item: the one query that feeds participant feedback.

    NotFoundError for any other split, so a test item's truth cannot leak through it.
    """
    row = session.exec(
        select(ItemRow).where(ItemRow.bank_id == bank_id, ItemRow.item_id == item_id)
    ).first()
    if row is None or row.split != Split.TRAIN.value or row.truth is None:
        raise NotFoundError(f"no training item {item_id!r}")
    t = row.truth
    return Truth(dict(t["weights"]), float(t["rationality"]), dict(t["answers"]))


def catch_answers(session: Session, bank_id: int, item_id: str) -> Mapping[str, str] | None:
    """Truth answers of a catch item (None for other splits), to count attention failures."""
    row = session.exec(
        select(ItemRow.split, ItemRow.truth).where(
            ItemRow.bank_id == bank_id, ItemRow.item_id == item_id
        )
    ).first()
    if row is None or row[0] != Split.CATCH.value or row[1] is None:
        return None
    return dict(row[1]["answers"])


# --- answers -----------------------------------------------------------------------------------

_KEY = ("respondent", "bank_id", "study_key", "item_id", "epoch")


def upsert_answer(session: Session, values: Mapping[str, Any], *, over_drafts_only: bool) -> bool:
    """Insert an answer or update the one with the same key; True when a row was written.

    With ``over_drafts_only`` an existing final answer is left untouched (idempotent submit:
    a second click or a second tab writes nothing).
    """
    dialect = session.get_bind().dialect.name
    key = (dialect, tuple(values), over_drafts_only)
    stmt = _UPSERTS.get(key)
    if stmt is None:
        # Built once per column set: the ``excluded`` columns cost ~2 ms to set up every time,
        # a fifth of a participant's draft save.
        table = AnswerRow.__table__  # type: ignore[attr-defined]
        insert: Any = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect](table)
        stmt = _UPSERTS.setdefault(
            key,
            insert.on_conflict_do_update(
                index_elements=list(_KEY),
                set_={k: insert.excluded[k] for k in values if k not in (*_KEY, "id")},
                where=table.c.draft.is_(True) if over_drafts_only else None,
            ).returning(table.c.id),
        )
    return session.connection().execute(stmt, dict(values)).first() is not None


_UPSERTS: dict[tuple[str, tuple[str, ...], bool], Any] = {}


def answer_values(
    answer: Answer,
    *,
    bank_id: int,
    now: datetime,
    study_id: int | None = None,
    participant_id: int | None = None,
    **timing: Any,
) -> dict[str, Any]:
    """Column values of a final answer, for :func:`upsert_answer`; AnswersError for a
    respondent or item id outside the safe set (:mod:`hhvalues.core.ids`)."""
    kind, _ = parse_respondent(answer.respondent)
    for what, value, longest in (
        ("respondent", answer.respondent, MAX_RESPONDENT),
        ("item", answer.item, MAX_ID),
    ):
        if (problem := id_problem(value, max_length=longest)) is not None:
            raise AnswersError(f"{what} {shown_id(value)} {problem}")
    return {
        "respondent": answer.respondent,
        "respondent_kind": kind,
        "bank_id": bank_id,
        "study_id": study_id,
        "study_key": study_id or 0,
        "participant_id": participant_id,
        "item_id": answer.item,
        "epoch": answer.epoch,
        "choices": dict(answer.choices),
        "hypothesis": dict(answer.hypothesis) if answer.hypothesis is not None else None,
        "confidence": dict(answer.confidence) if answer.confidence is not None else None,
        "status": answer.status.value,
        "rationale": answer.rationale,
        "stimulus": answer.stimulus,
        "draft": False,
        "extra": dict(answer.extra),
        "updated_at": now,
        **timing,
    }


def record_answers(
    session: Session,
    answers: Iterable[Answer],
    *,
    bank_id: int,
    now: Clock,
    study_id: int | None = None,
    replace: bool = False,
) -> int:
    """Store answers of any respondent (models, agents); returns how many rows were written.

    An answer already stored for the same (respondent, bank, study, item, epoch) is kept unless
    ``replace``. Items must exist in the bank (a foreign key enforces it).
    """
    written, at = 0, read_clock(now)
    for answer in answers:
        values = answer_values(answer, bank_id=bank_id, now=at, study_id=study_id, submitted_at=at)
        written += upsert_answer(session, values, over_drafts_only=not replace)
    return written


def model_answer_statuses(session: Session, bank_id: int) -> dict[tuple[str, str, int], Status]:
    """(respondent, item, epoch) → status of the model answers to a bank made outside studies."""
    query = select(
        AnswerRow.respondent, AnswerRow.item_id, AnswerRow.epoch, AnswerRow.status
    ).where(
        AnswerRow.bank_id == bank_id,
        AnswerRow.study_key == 0,
        AnswerRow.respondent_kind == "model",
        col(AnswerRow.draft).is_(False),
    )
    return {(r, i, int(e)): Status(s) for r, i, e, s in session.exec(query).all()}


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """A final answer with the columns beyond the answers format (timings, flags, split)."""

    answer: Answer
    split: str
    participant_id: int | None
    started_at: datetime | None
    submitted_at: datetime | None
    seconds: float | None
    fast: bool
    config_version: int | None


def iter_answers(
    session: Session,
    *,
    study_id: int | None = None,
    bank_id: int | None = None,
    respondent_kind: str | None = None,
) -> Iterator[StoredAnswer]:
    """Final (non-draft) answers, timed-out ones included, in a stable order."""
    query = (
        select(AnswerRow, ItemRow.split)
        .join(
            ItemRow,
            (col(ItemRow.bank_id) == AnswerRow.bank_id)
            & (col(ItemRow.item_id) == AnswerRow.item_id),
        )
        .where(col(AnswerRow.draft).is_(False))
    )
    if study_id is not None:
        query = query.where(AnswerRow.study_id == study_id)
    if bank_id is not None:
        query = query.where(AnswerRow.bank_id == bank_id)
    if respondent_kind is not None:
        query = query.where(AnswerRow.respondent_kind == respondent_kind)
    query = query.order_by(col(AnswerRow.respondent), col(AnswerRow.epoch), col(ItemRow.position))
    for row, split in session.exec(query).yield_per(500):
        answer = Answer(
            row.respondent,
            row.item_id,
            row.epoch,
            dict(row.choices),
            row.hypothesis,
            row.confidence,
            Status(row.status),
            row.rationale,
            row.stimulus,
        )
        yield StoredAnswer(
            answer,
            split,
            row.participant_id,
            row.started_at,
            row.submitted_at,
            row.seconds,
            row.fast,
            row.config_version,
        )


__all__ = [
    "REFERENCE_AT_IMPORT",
    "BankInfo",
    "StoredAnswer",
    "answer_values",
    "catch_answers",
    "download_bank",
    "find_bank",
    "get_bank",
    "get_bank_info",
    "import_bank",
    "item_ids",
    "iter_answers",
    "list_banks",
    "model_answer_statuses",
    "public_head",
    "public_item",
    "record_answers",
    "scored_items",
    "store_bank",
    "training_truth",
    "upsert_answer",
]
