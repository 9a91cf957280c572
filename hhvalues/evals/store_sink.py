"""Model answers into the store's answers table (the one table for every respondent kind).

:class:`StoreSink` writes each answer in its own transaction as soon as it is parsed, outside
any study (``study_key`` 0), against the bank imported by content hash. :class:`TeeSink` keeps
the JSONL log beside it, so a run resumes from whichever already holds an answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hhvalues.core.answers import Answer, Status
from hhvalues.core.bank import Bank
from hhvalues.evals.log import AnswerSink, JsonlSink, Key


def _now() -> datetime:
    return datetime.now(UTC)


class StoreSink:
    """Answers of model respondents for one bank in the store (SQLite or PostgreSQL).

    Nothing is written before the first answer: the database is upgraded (made, if new) and
    the bank imported then, so a run that fails before any answer (no API key, a refused
    request) leaves the database as it was.
    """

    def __init__(self, engine: Any, bank: Bank) -> None:
        self._engine = engine
        self._bank = bank
        self._bank_id: int | None = None
        self._retry_errors = False

    @property
    def bank_id(self) -> int:
        """The bank's id in the store, importing it (and upgrading the database) on first use."""
        if self._bank_id is None:
            from hhvalues.store.db import import_bank, upgrade, write_session

            upgrade(self._engine)
            with write_session(self._engine) as session:
                self._bank_id = import_bank(session, self._bank, now=_now).id
        return self._bank_id

    def done(self) -> dict[Key, Status]:
        """Model answers already stored for this bank (outside studies); none, and nothing
        made, while there is no database yet or the bank is not in it."""
        from hhvalues.errors import NotFoundError
        from hhvalues.store.db import (
            database_exists,
            find_bank,
            model_answer_statuses,
            read_session,
            upgrade,
        )

        if self._bank_id is None:
            if not database_exists(self._engine.url.render_as_string(hide_password=False)):
                return {}
            upgrade(self._engine)  # as every command does on a database that exists
            with read_session(self._engine) as session:
                try:
                    self._bank_id = find_bank(session, self._bank.content_hash).id
                except NotFoundError:
                    return {}
        with read_session(self._engine) as session:
            out = model_answer_statuses(session, self.bank_id)
        if self._retry_errors:
            out = {k: s for k, s in out.items() if s is not Status.ERROR}
        return out

    def write(self, answer: Answer) -> None:
        """Upsert one answer (an earlier ``error`` row is replaced by a retry's answer)."""
        from hhvalues.store.db import record_answers, write_session

        with write_session(self._engine) as session:
            record_answers(session, [answer], bank_id=self.bank_id, now=_now, replace=True)

    def drop_errors(self) -> int:
        """Treat stored ``error`` answers as not done; the retry overwrites each row."""
        self._retry_errors = True
        return 0

    def close(self) -> None:
        """Nothing to release (the engine belongs to the caller)."""


class TeeSink:
    """Several sinks as one: done = union, write = each in turn."""

    def __init__(self, *sinks: AnswerSink) -> None:
        self.sinks = sinks

    def done(self) -> dict[Key, Status]:
        """Union of the sinks' answers (the first sink wins on a conflict)."""
        out: dict[Key, Status] = {}
        for sink in reversed(self.sinks):
            out.update(sink.done())
        return out

    def write(self, answer: Answer) -> None:
        """Write to every sink."""
        for sink in self.sinks:
            sink.write(answer)

    def drop_errors(self) -> int:
        """Drop errors in every sink; returns the largest count."""
        return max((s.drop_errors() for s in self.sinks), default=0)

    def close(self) -> None:
        """Close every sink."""
        for sink in self.sinks:
            sink.close()


def make_store_sink_factory(database_url: str | None, bank: Bank) -> Callable[[Path], AnswerSink]:
    """A sink factory for the runner: JSONL at the given path plus the store at ``database_url``
    (its engine made on the first sink, so nothing, not even a SQLite file's folder, is made
    before the run begins)."""
    from hhvalues.store.db import make_engine

    engines: list[Any] = []

    def factory(path: Path) -> AnswerSink:
        if not engines:
            engines.append(make_engine(database_url))
        return TeeSink(JsonlSink(path), StoreSink(engines[0], bank))

    return factory


__all__ = ["StoreSink", "TeeSink", "make_store_sink_factory"]
