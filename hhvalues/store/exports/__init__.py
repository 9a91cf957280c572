"""The exports room: a study's answers, scores, item table and bundle as files, each audited.

* :mod:`~hhvalues.store.exports.write`: :class:`ExportFormat` and :func:`write_export`, the one
  entry point (it writes the audit-log entry).
* :mod:`~hhvalues.store.exports.answers`: answers streamed as JSON Lines, CSV or Parquet.
* :mod:`~hhvalues.store.exports.summaries`: the scores JSON and the per-item table.
* :mod:`~hhvalues.store.exports.bundle`: the zip that re-scores to the Results page.
* :mod:`~hhvalues.store.exports.files`: atomic, hashed files; CSV cells safe from formulas.
* :mod:`~hhvalues.store.exports.worker` and :mod:`~hhvalues.store.exports.part`: the second
  process of a big export.

Builds on :mod:`hhvalues.store.analysis`, :mod:`hhvalues.store.studies` and
:mod:`hhvalues.store.db`.
"""

from hhvalues.store.exports.answers import (
    BODIES,
    CHUNK,
    CSV_COLUMNS,
    SPLIT_ROWS,
    JsonCells,
    Span,
    answer_of_row,
    count_answers,
    csv_body,
    iso_time,
    iter_answer_rows,
    json_value,
    jsonl_body,
    prefetched,
    split_point,
    to_datetime,
    write_answers_csv,
    write_answers_jsonl,
    write_answers_parquet,
)
from hhvalues.store.exports.bundle import (
    PARTICIPANT_COLUMNS,
    README,
    RESCORE,
    write_bundle,
)
from hhvalues.store.exports.files import (
    Written,
    neutralise,
    write_atomic,
)
from hhvalues.store.exports.summaries import (
    ITEM_COLUMNS,
    items_csv,
    scores_text,
    write_items,
    write_scores,
)
from hhvalues.store.exports.worker import (
    PART_MODULE,
    SecondHalf,
    second_half,
)
from hhvalues.store.exports.write import (
    EXPORTS,
    ExportFormat,
    ExportSpec,
    write_export,
)

__all__ = [
    "BODIES",
    "CHUNK",
    "CSV_COLUMNS",
    "EXPORTS",
    "ITEM_COLUMNS",
    "PARTICIPANT_COLUMNS",
    "PART_MODULE",
    "README",
    "RESCORE",
    "SPLIT_ROWS",
    "ExportFormat",
    "ExportSpec",
    "JsonCells",
    "SecondHalf",
    "Span",
    "Written",
    "answer_of_row",
    "count_answers",
    "csv_body",
    "iso_time",
    "items_csv",
    "iter_answer_rows",
    "json_value",
    "jsonl_body",
    "neutralise",
    "prefetched",
    "scores_text",
    "second_half",
    "split_point",
    "to_datetime",
    "write_answers_csv",
    "write_answers_jsonl",
    "write_answers_parquet",
    "write_atomic",
    "write_bundle",
    "write_export",
    "write_items",
    "write_scores",
]
