"""A study's answers as files, streamed: JSON Lines (docs/formats.md §2), CSV with timing columns, Parquet.

Answers are read from the database in chunks (:data:`CHUNK` rows) and written as they come:
CSV and JSONL line by line, Parquet one row group per chunk, so a million rows never sit in
memory at once; from :data:`SPLIT_ROWS` answers on, a second process writes the later half of
the respondents of a CSV or JSONL export (:mod:`~hhvalues.store.exports.worker`). Every read of
answers checks the rows against a count taken in the same database snapshot and raises
:class:`~hhvalues.errors.StoreError` on a mismatch (no row is dropped silently, and answers
arriving during the export of a live study do not fail it); timed-out and empty answers are
ordinary rows, drafts are not answers and are left out. Each writer first records the study's
timeouts due at its clock, committed before any read (the later half of a large export is read
by another process, which must see them too).
"""

from __future__ import annotations

import csv
import json
import os
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Text, func, select, type_coerce
from sqlmodel import col

from hhvalues.core.answers import Answer, Status, dumps_answer
from hhvalues.errors import StoreError
from hhvalues.store.db import (
    AnswerRow,
    Clock,
    ItemRow,
    RehearsalRow,
    as_utc,
    read_session,
    system_clock,
)
from hhvalues.store.exports.files import Written, neutralise, write_atomic
from hhvalues.store.exports.worker import second_half
from hhvalues.store.participation import settle_timeouts
from hhvalues.store.studies import study_row

T = TypeVar("T")
Span = tuple[str | None, str | None]
CSV_COLUMNS = (
    "respondent",
    "item",
    "split",
    "epoch",
    "status",
    "choices",
    "hypothesis",
    "confidence",
    "rationale",
    "stimulus",
    "participant",
    "config_version",
    "started_at",
    "submitted_at",
    "seconds",
    "fast",
)
"""The columns of an answers CSV (and Parquet) file, in order."""
CHUNK = 20_000
"""Rows read from the database (and written as one Parquet row group) at a time."""
SPLIT_ROWS = 200_000
"""From this many answers on, a CSV or JSONL export writes the later half of the respondents in
a second process and appends it (:mod:`~hhvalues.store.exports.worker`): formatting a row is
CPU-bound Python, and a reader thread cannot overlap it because ``sqlite3`` holds the GIL."""


# JSON and time columns come back as the stored text (SQLite) or as decoded values (psycopg
# decodes them itself): decoding every row just to re-encode it was half of a million-row export.
_COLS = (
    col(AnswerRow.respondent),
    col(AnswerRow.item_id),
    col(ItemRow.split),
    col(AnswerRow.epoch),
    col(AnswerRow.status),
    type_coerce(AnswerRow.choices, Text),
    type_coerce(AnswerRow.hypothesis, Text),
    type_coerce(AnswerRow.confidence, Text),
    col(AnswerRow.rationale),
    col(AnswerRow.stimulus),
    col(AnswerRow.participant_id),
    col(AnswerRow.config_version),
    type_coerce(AnswerRow.started_at, Text),
    type_coerce(AnswerRow.submitted_at, Text),
    col(AnswerRow.seconds),
    col(AnswerRow.fast),
)


def _where(study_id: int, rehearsal: bool = False) -> Any:
    where = (col(AnswerRow.study_id) == study_id) & col(AnswerRow.draft).is_(False)
    if not rehearsal:  # simulated participants (hhvalues bots) are not people
        bots = select(col(RehearsalRow.participant_id)).where(
            col(RehearsalRow.study_id) == study_id
        )
        where &= col(AnswerRow.participant_id).not_in(bots)
    return where


def iter_answer_rows(
    engine: Engine,
    slug: str,
    *,
    chunk: int = CHUNK,
    respondents: Span = (None, None),
    rehearsal: bool = False,
) -> Iterator[list[tuple[Any, ...]]]:
    """The study's final answers in chunks of tuples (columns of :data:`CSV_COLUMNS`), those of
    rehearsal participants (``hhvalues bots``) only with ``rehearsal``.

    The order is the one of ``hhvalues export`` (respondent, epoch, item position);
    ``respondents`` = (first, stop) keeps those with ``first <= respondent < stop`` (None: open).
    The JSON columns (choices, hypothesis, confidence) may be JSON text, read them with
    :func:`json_value` or :class:`JsonCells`; the times may be stored text, read them with
    :func:`iso_time`. Rows are read through SQLAlchemy Core, without ORM row processing. The
    rows are checked against a count in the same snapshot: StoreError if any went missing.
    """
    first, stop = respondents
    sqlite = engine.dialect.name == "sqlite"
    with read_session(engine) as session:
        # One snapshot for the count and the rows (SQLite: its read transaction; PostgreSQL:
        # REPEATABLE READ), so answers arriving during a live study's export neither go missing
        # unnoticed nor make a complete export look incomplete.
        conn = session.connection(None if sqlite else {"isolation_level": "REPEATABLE READ"})
        study = study_row(session, slug)
        where = _where(study.id or 0, rehearsal)
        if first is not None:
            where &= col(AnswerRow.respondent) >= first
        if stop is not None:
            where &= col(AnswerRow.respondent) < stop
        expected = int(
            conn.execute(select(func.count()).select_from(AnswerRow).where(where)).scalar_one()
        )
        query = (
            select(*_COLS)
            .join(
                ItemRow,
                (col(ItemRow.bank_id) == AnswerRow.bank_id)
                & (col(ItemRow.item_id) == AnswerRow.item_id),
            )
            .where(where)
            .order_by(col(AnswerRow.respondent), col(AnswerRow.epoch), col(ItemRow.position))
        )
        read = 0
        if sqlite:  # the DBAPI cursor: its rows are plain tuples already
            sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
            driver = conn.connection.driver_connection
            assert driver is not None
            cursor = driver.cursor()
            try:
                cursor.execute(sql)
                while part := cursor.fetchmany(chunk):
                    read += len(part)
                    yield part
            finally:
                cursor.close()
        else:
            result = conn.execution_options(stream_results=True).execute(query)
            for rows in result.partitions(chunk):
                read += len(rows)
                yield [tuple(r) for r in rows]
        if read != expected:
            raise StoreError(
                f"export of study {slug!r} read {read} answers but the database "
                f"holds {expected}; the file is incomplete"
            )


def prefetched(chunks: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``chunks`` read ahead by a thread, so the database read overlaps the formatting and writing
    of the previous chunk (SQLite and psycopg release the GIL while they work). Closing this
    iterator early stops the reader, which closes ``chunks`` in its own thread."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop, done = threading.Event(), object()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for c in chunks:
                if not put(c):
                    break
            else:
                put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="hhvalues-export-reader", daemon=True)
    reader.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def iso_time(v: Any) -> str:
    """A time column as read by :func:`iter_answer_rows` → ISO 8601 in UTC ("" when None).

    SQLite holds UTC as ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's storage format); the result
    is what ``datetime.isoformat()`` gives for the same aware UTC time.
    """
    if v is None:
        return ""
    if isinstance(v, str):
        if len(v) != 26 or v[10] != " ":
            return as_utc(datetime.fromisoformat(v)).isoformat()
        return (v[:10] + "T" + (v[11:19] if v.endswith(".000000") else v[11:])) + "+00:00"
    stored: datetime = v
    return as_utc(stored).isoformat()


def to_datetime(v: Any) -> datetime | None:
    """A time column as read by :func:`iter_answer_rows` → an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(v) if isinstance(v, str) else v)


def json_value(v: Any) -> Any:
    """A JSON column's value as read by :func:`iter_answer_rows` (text or decoded), decoded."""
    return json.loads(v) if isinstance(v, str) else v


class JsonCells:
    """A JSON column's value as a CSV/Parquet cell (sorted keys, "" for null), memoised by the
    stored text: a study repeats the same choice patterns across many rows."""

    def __init__(self, limit: int = 200_000) -> None:
        self._seen: dict[str, str] = {}
        self._limit = limit

    def column(self, values: Iterable[Any]) -> list[str]:
        """The cells of a column (a dict lookup per already seen text)."""
        get = self._seen.get
        return [get(v) or self(v) if isinstance(v, str) else _dump(v) for v in values]

    def __call__(self, v: Any) -> str:
        if not isinstance(v, str):
            return _dump(v)
        out = self._seen.get(v)
        if out is None:
            out = _dump(json.loads(v))
            if len(self._seen) < self._limit:
                self._seen[v] = out
        return out


def count_answers(engine: Engine, slug: str) -> int:
    """How many final answers the study has (what every answers export must contain)."""
    with read_session(engine) as session:
        study = study_row(session, slug)
        return int(
            session.execute(
                select(func.count()).select_from(AnswerRow).where(_where(study.id or 0))
            ).scalar_one()
        )


def _dump(v: Any) -> str:
    return "" if v is None else json.dumps(v, sort_keys=True, ensure_ascii=False)


def _csv_rows(part: list[tuple[Any, ...]], cell: JsonCells) -> Iterator[tuple[Any, ...]]:
    """The CSV rows of a chunk, built column by column (a function call per row was the cost)."""
    resp, item, split, epoch, status, ch, hyp, conf, rat, stim, pid, ver, st, sub, sec, fast = zip(
        *part, strict=True
    )
    return zip(
        [neutralise(v) for v in resp],
        [neutralise(v) for v in item],
        split,
        epoch,
        status,
        cell.column(ch),
        cell.column(hyp),
        cell.column(conf),
        [neutralise(v) if v else "" for v in rat],
        [v or "" for v in stim],
        ["" if v is None else v for v in pid],
        ["" if v is None else v for v in ver],
        [iso_time(v) for v in st],
        [iso_time(v) for v in sub],
        ["" if v is None else f"{v:.3f}" for v in sec],
        [int(bool(v)) for v in fast],
        strict=True,
    )


def answer_of_row(r: tuple[Any, ...]) -> Answer:
    """The :class:`Answer` of a row of :func:`iter_answer_rows`."""
    return Answer(
        r[0],
        r[1],
        r[3],
        dict(json_value(r[5]) or {}),
        json_value(r[6]),
        json_value(r[7]),
        Status(r[4]),
        r[8] or "",
        r[9],
    )


def csv_body(
    engine: Engine,
    slug: str,
    fh: Any,
    respondents: Span = (None, None),
    *,
    rehearsal: bool = False,
) -> int:
    """Write the CSV rows (no header) of the study's answers by ``respondents``; how many."""
    w, cell, n = csv.writer(fh, lineterminator="\n"), JsonCells(), 0
    rows = iter_answer_rows(engine, slug, respondents=respondents, rehearsal=rehearsal)
    for part in prefetched(rows):
        w.writerows(_csv_rows(part, cell))
        n += len(part)
    return n


def jsonl_body(
    engine: Engine,
    slug: str,
    fh: Any,
    respondents: Span = (None, None),
    *,
    rehearsal: bool = False,
) -> int:
    """Write the JSON Lines of the study's answers by ``respondents``; how many."""
    n = 0
    rows = iter_answer_rows(engine, slug, respondents=respondents, rehearsal=rehearsal)
    for part in prefetched(rows):
        fh.write("".join(dumps_answer(answer_of_row(r)) + "\n" for r in part))
        n += len(part)
    return n


BODIES = {"csv": csv_body, "jsonl": jsonl_body}
"""The line formats, which a second process can write half of (see :data:`SPLIT_ROWS`)."""


def split_point(engine: Engine, slug: str) -> str | None:
    """The first respondent of the later half of a big study's answers, or None to write it in
    one process (fewer than :data:`SPLIT_ROWS` answers, one respondent, or one CPU).

    The counts come from the answers' unique index alone (drafts included): the halves only
    need to be roughly even, and together they cover every respondent whatever the split.
    """
    if _cpus() < 2:
        return None
    with read_session(engine) as session:
        study = study_row(session, slug)
        respondent = col(AnswerRow.respondent)
        counts = session.execute(
            select(respondent, func.count())
            .where(col(AnswerRow.study_key) == study.id)
            .group_by(respondent)
            .order_by(respondent)
        ).all()
    total = sum(c for _, c in counts)
    if total < SPLIT_ROWS:
        return None
    half, seen = total / 2, 0
    for k, (respondent, c) in enumerate(counts):
        if seen >= half:
            return str(respondent) if k else None
        seen += c
    return None


def _cpus() -> int:
    affinity = getattr(os, "sched_getaffinity", None)  # Linux: the CPUs this process may use
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _lines(engine: Engine, slug: str, kind: str, fh: Any, directory: Path, rehearsal: bool) -> int:
    first_of_rest = split_point(engine, slug)
    if first_of_rest is None:
        return BODIES[kind](engine, slug, fh, rehearsal=rehearsal)
    with second_half(engine, slug, kind, first_of_rest, directory, rehearsal) as rest:
        n = BODIES[kind](engine, slug, fh, (None, first_of_rest), rehearsal=rehearsal)
        return n + rest.append_to(fh)


def write_answers_csv(
    engine: Engine,
    slug: str,
    out: str | os.PathLike[str],
    *,
    now: Clock = system_clock,
    rehearsal: bool = False,
) -> Written:
    """Answers as CSV (the columns of ``hhvalues export --format csv``), streamed."""
    settle_timeouts(engine, slug, now=now)
    n = 0

    def write(fh: Any) -> None:
        nonlocal n
        csv.writer(fh, lineterminator="\n").writerow(CSV_COLUMNS)
        n = _lines(engine, slug, "csv", fh, Path(out).parent, rehearsal)

    digest = write_atomic(Path(out), write, binary=False)
    return Written(Path(out), n, digest)


def write_answers_jsonl(
    engine: Engine,
    slug: str,
    out: str | os.PathLike[str],
    *,
    now: Clock = system_clock,
    rehearsal: bool = False,
) -> Written:
    """Answers in the JSON Lines format of docs/formats.md §2 (``hhvalues score`` reads it), streamed."""
    settle_timeouts(engine, slug, now=now)
    n = 0

    def write(fh: Any) -> None:
        nonlocal n
        n = _lines(engine, slug, "jsonl", fh, Path(out).parent, rehearsal)

    digest = write_atomic(Path(out), write, binary=False)
    return Written(Path(out), n, digest)


def write_answers_parquet(
    engine: Engine,
    slug: str,
    out: str | os.PathLike[str],
    *,
    now: Clock = system_clock,
    rehearsal: bool = False,
) -> Written:
    """Answers as Parquet (typed columns; JSON columns as text), one row group per chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    settle_timeouts(engine, slug, now=now)
    ts = pa.timestamp("us", tz="UTC")
    schema = pa.schema(
        [
            ("respondent", pa.string()),
            ("item", pa.string()),
            ("split", pa.string()),
            ("epoch", pa.int32()),
            ("status", pa.string()),
            ("choices", pa.string()),
            ("hypothesis", pa.string()),
            ("confidence", pa.string()),
            ("rationale", pa.string()),
            ("stimulus", pa.string()),
            ("participant", pa.int64()),
            ("config_version", pa.int32()),
            ("started_at", ts),
            ("submitted_at", ts),
            ("seconds", pa.float64()),
            ("fast", pa.bool_()),
        ]
    )
    json_cols = {5, 6, 7}
    n = 0
    cell = JsonCells()

    def write(fh: Any) -> None:
        nonlocal n
        with pq.ParquetWriter(fh, schema, compression="zstd") as pw:
            for part in prefetched(iter_answer_rows(engine, slug, rehearsal=rehearsal)):
                cols: list[Sequence[Any]] = list(zip(*part, strict=True))
                cols[15] = [None if v is None else bool(v) for v in cols[15]]  # SQLite: 0/1
                arrays = [
                    _times(values, ts)
                    if c in (12, 13)
                    else pa.array(
                        [v or None for v in cell.column(values)] if c in json_cols else values,
                        type=schema.field(c).type,
                    )
                    for c, values in enumerate(cols)
                ]
                pw.write_table(pa.Table.from_arrays(arrays, schema=schema))
                n += len(part)
            if n == 0:
                pw.write_table(schema.empty_table())

    digest = write_atomic(Path(out), write, binary=True)
    return Written(Path(out), n, digest)


def _times(col: Sequence[Any], ts: Any) -> Any:
    """A time column as an Arrow array: SQLite's stored UTC text is parsed by Arrow itself."""
    import pyarrow as pa

    if any(isinstance(v, str) for v in col):
        return pa.array(col, pa.string()).cast(pa.timestamp("us")).cast(ts)
    return pa.array([to_datetime(v) for v in col], type=ts)


__all__ = [
    "BODIES",
    "CHUNK",
    "CSV_COLUMNS",
    "SPLIT_ROWS",
    "JsonCells",
    "Span",
    "answer_of_row",
    "count_answers",
    "csv_body",
    "iso_time",
    "iter_answer_rows",
    "json_value",
    "jsonl_body",
    "prefetched",
    "split_point",
    "to_datetime",
    "write_answers_csv",
    "write_answers_jsonl",
    "write_answers_parquet",
]
