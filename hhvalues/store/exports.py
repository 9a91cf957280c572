"""Console and CLI exports, streamed: answers (JSONL, CSV, Parquet), scores, items, study bundle.

Answers are read from the database in chunks (:data:`CHUNK` rows) and written as they come:
CSV and JSONL line by line, Parquet one row group per chunk, so a million rows never sit in
memory at once. Every export counts what it wrote against the database's count of the same
rows and raises :class:`~hhvalues.errors.StoreError` on a mismatch (no row is dropped
silently); timed-out and empty answers are ordinary rows. CSV text cells that a spreadsheet would
run as a formula (starting with ``= + - @``, tab or carriage return) get a leading ``'``.

Files are written to a temporary name and moved into place; the return value carries the
SHA-256 of the file, which the caller writes to the audit log.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from hhvalues.core.answers import Answer, Status, dumps_answer
from hhvalues.core.scoring import scores_to_json
from hhvalues.errors import StoreError
from hhvalues.store.audit import sha256_file
from hhvalues.store.engine import read_session
from hhvalues.store.export import CSV_COLUMNS
from hhvalues.store.monitor import StudyAnswers, load_study_answers
from hhvalues.store.results import Results, build_results
from hhvalues.store.study import study_row
from hhvalues.store.tables import AnswerRow, ItemRow

CHUNK = 20_000
"""Rows read from the database (and written as one Parquet row group) at a time."""


class ConsoleExport(StrEnum):
    """What ``hhvalues export --format`` and the Exports page can write."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"
    SCORES = "scores"
    ITEMS = "items"
    BUNDLE = "bundle"


@dataclass(frozen=True, slots=True)
class Written:
    """A finished export file."""

    path: Path
    rows: int
    sha256: str


def neutralise(value: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


_COLS = (AnswerRow.respondent, AnswerRow.item_id, ItemRow.split, AnswerRow.epoch, AnswerRow.status,
         AnswerRow.choices, AnswerRow.hypothesis, AnswerRow.confidence, AnswerRow.rationale,
         AnswerRow.stimulus, AnswerRow.participant_id, AnswerRow.config_version,
         AnswerRow.started_at, AnswerRow.submitted_at, AnswerRow.seconds, AnswerRow.fast)


def _where(study_id: int) -> Any:
    return (AnswerRow.study_id == study_id) & AnswerRow.draft.is_(False)  # type: ignore[attr-defined]


def iter_answer_rows(engine: Engine, slug: str, *, chunk: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    """The study's final answers in chunks of tuples (columns of :data:`CSV_COLUMNS`).

    The order is the one of ``hhvalues export`` (respondent, epoch, item position).
    """
    with read_session(engine) as session:
        study = study_row(session, slug)
        query = (select(*_COLS)
                 .join(ItemRow, (ItemRow.bank_id == AnswerRow.bank_id) & (ItemRow.item_id == AnswerRow.item_id))
                 .where(_where(study.id or 0))
                 .order_by(AnswerRow.respondent, AnswerRow.epoch, ItemRow.position)
                 .execution_options(stream_results=True, yield_per=chunk))
        for part in session.execute(query).partitions(chunk):
            yield [tuple(r) for r in part]


def count_answers(engine: Engine, slug: str) -> int:
    """How many final answers the study has (what every answers export must contain)."""
    with read_session(engine) as session:
        study = study_row(session, slug)
        return int(session.execute(select(func.count()).select_from(AnswerRow)
                                   .where(_where(study.id or 0))).scalar_one())


def _dump(v: Any) -> str:
    return "" if v is None else json.dumps(v, sort_keys=True, ensure_ascii=False)


def _csv_cells(r: tuple[Any, ...]) -> list[Any]:
    resp, item, split, epoch, status, ch, hyp, conf, rat, stim, pid, ver, st, sub, sec, fast = r
    return [neutralise(resp), neutralise(item), split, epoch, status, _dump(ch), _dump(hyp),
            _dump(conf), neutralise(rat or ""), stim or "", "" if pid is None else pid,
            "" if ver is None else ver, st.isoformat() if st else "", sub.isoformat() if sub else "",
            "" if sec is None else f"{sec:.3f}", int(bool(fast))]


def _answer(r: tuple[Any, ...]) -> Answer:
    return Answer(r[0], r[1], r[3], dict(r[5]), r[6], r[7], Status(r[4]), r[8] or "", r[9])


def _atomic(out: Path, write: Any, *, binary: bool) -> str:
    """Run ``write(fh)`` on a temp file beside ``out``, fsync, move into place; its sha256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else
                                                       {"encoding": "utf-8", "newline": ""})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256_file(out)


def _check(engine: Engine, slug: str, written: int) -> None:
    expected = count_answers(engine, slug)
    if written != expected:
        raise StoreError(f"export of study {slug!r} wrote {written} answers but the database "
                         f"holds {expected}; the file is incomplete")


def write_answers_csv(engine: Engine, slug: str, out: str | os.PathLike[str]) -> Written:
    """Answers as CSV (the columns of ``hhvalues export --format csv``), streamed."""
    n = 0

    def write(fh: Any) -> None:
        nonlocal n
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for part in iter_answer_rows(engine, slug):
            w.writerows(_csv_cells(r) for r in part)
            n += len(part)

    digest = _atomic(Path(out), write, binary=False)
    _check(engine, slug, n)
    return Written(Path(out), n, digest)


def write_answers_jsonl(engine: Engine, slug: str, out: str | os.PathLike[str]) -> Written:
    """Answers in the DESIGN §3 JSON Lines format (``hhvalues score`` reads it), streamed."""
    n = 0

    def write(fh: Any) -> None:
        nonlocal n
        for part in iter_answer_rows(engine, slug):
            fh.write("".join(dumps_answer(_answer(r)) + "\n" for r in part))
            n += len(part)

    digest = _atomic(Path(out), write, binary=False)
    _check(engine, slug, n)
    return Written(Path(out), n, digest)


def write_answers_parquet(engine: Engine, slug: str, out: str | os.PathLike[str]) -> Written:
    """Answers as Parquet (typed columns; JSON columns as text), one row group per chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ts = pa.timestamp("us", tz="UTC")
    schema = pa.schema([("respondent", pa.string()), ("item", pa.string()), ("split", pa.string()),
                        ("epoch", pa.int32()), ("status", pa.string()), ("choices", pa.string()),
                        ("hypothesis", pa.string()), ("confidence", pa.string()),
                        ("rationale", pa.string()), ("stimulus", pa.string()),
                        ("participant", pa.int64()), ("config_version", pa.int32()),
                        ("started_at", ts), ("submitted_at", ts), ("seconds", pa.float64()),
                        ("fast", pa.bool_())])
    json_cols = {5, 6, 7}
    n = 0

    def write(fh: Any) -> None:
        nonlocal n
        with pq.ParquetWriter(fh, schema, compression="zstd") as pw:
            for part in iter_answer_rows(engine, slug):
                cols = list(zip(*part, strict=True))
                arrays = [pa.array([(_dump(v) or None) if c in json_cols else v for v in col],
                                   type=schema.field(c).type) for c, col in enumerate(cols)]
                pw.write_table(pa.Table.from_arrays(arrays, schema=schema))
                n += len(part)
            if n == 0:
                pw.write_table(schema.empty_table())

    digest = _atomic(Path(out), write, binary=True)
    _check(engine, slug, n)
    return Written(Path(out), n, digest)


def results_of(data: StudyAnswers, *, seed: int = 0, n_boot: int = 2000) -> Results:
    """The Results of loaded study answers (the numbers the page and the bundle show)."""
    return build_results(data.bank, data.answers, seconds=data.seconds,
                         catch_exclude=data.config.catch_exclude, seed=seed, n_boot=n_boot)


def _scores_text(results: Results) -> str:
    return json.dumps(scores_to_json(results.scores), ensure_ascii=False, indent=1) + "\n"


ITEM_COLUMNS = ("item", "split", "ceiling", "human_accuracy", "human_normalized", "human_n",
                "human_median_seconds", "human_timeout_share", "model_accuracy",
                "model_normalized", "model_n", "model_median_seconds", "flag_humans_time_out")


def _items_csv(results: Results) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(ITEM_COLUMNS)
    f = lambda x: "" if x is None else f"{x:.6g}"
    for it in results.items:
        w.writerow([neutralise(it.item), it.split, f(it.ceiling), f(it.human_accuracy),
                    f(it.human_normalized), it.human_n, f(it.human_seconds),
                    f(it.human_timeout_share), f(it.model_accuracy), f(it.model_normalized),
                    it.model_n, f(it.model_seconds), int(it.flagged)])
    return buf.getvalue()


def write_scores(engine: Engine, slug: str, out: str | os.PathLike[str], *, seed: int = 0,
                 n_boot: int = 2000) -> Written:
    """Per-respondent scores of the test split (DESIGN §3 JSON, with the human group)."""
    results = results_of(load_study_answers(engine, slug), seed=seed, n_boot=n_boot)
    text = _scores_text(results)
    digest = _atomic(Path(out), lambda fh: fh.write(text), binary=False)
    return Written(Path(out), len(results.scores.rows), digest)


def write_items(engine: Engine, slug: str, out: str | os.PathLike[str]) -> Written:
    """The per-item table (humans and models side by side) as CSV."""
    results = results_of(load_study_answers(engine, slug), n_boot=200)
    text = _items_csv(results)
    digest = _atomic(Path(out), lambda fh: fh.write(text), binary=False)
    return Written(Path(out), len(results.items), digest)


def write_export(engine: Engine, slug: str, fmt: ConsoleExport, out: str | os.PathLike[str]) -> Written:
    """Write one export of a study (every format of :class:`ConsoleExport`)."""
    from hhvalues.store.bundle import write_bundle  # the bundle builds on this module

    writers = {ConsoleExport.JSONL: write_answers_jsonl, ConsoleExport.CSV: write_answers_csv,
               ConsoleExport.PARQUET: write_answers_parquet, ConsoleExport.SCORES: write_scores,
               ConsoleExport.ITEMS: write_items, ConsoleExport.BUNDLE: write_bundle}
    return writers[ConsoleExport(fmt)](engine, slug, out)


__all__ = ["CHUNK", "ITEM_COLUMNS", "ConsoleExport", "Written", "count_answers", "iter_answer_rows",
           "neutralise", "results_of", "write_answers_csv", "write_answers_jsonl",
           "write_answers_parquet", "write_export", "write_items", "write_scores"]
